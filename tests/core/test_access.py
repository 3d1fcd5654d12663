"""Roles and scopes on pages and the API; API tokens; login throttling."""

from __future__ import annotations

import pytest
from django.test import Client

from barys.core import roles
from barys.core.models import ApiToken, AuditEntry, LoginFailure

pytestmark = pytest.mark.django_db


def test_role_hierarchy_and_scopes(make_user) -> None:
    curator = make_user("cur", "curator")
    ranger = make_user("ranger", "observer", ["ile-alatau"])
    assert roles.has_role(curator, "researcher", "anywhere")
    assert roles.has_role(curator, "curator")
    assert not roles.has_role(curator, "admin")
    assert roles.has_role(ranger, "observer", "ile-alatau")
    assert not roles.has_role(ranger, "observer", "altyn-emel")
    assert not roles.has_role(ranger, "observer")  # not national
    assert not roles.has_role(ranger, "researcher", "ile-alatau")
    assert roles.scopes_with_role(ranger, "observer") == {"ile-alatau"}
    assert roles.scopes_with_role(curator, "observer") is None


def test_scope_page_enforces_role_and_scope(login) -> None:
    inside = login("inside", "observer", ["ile-alatau"])
    assert inside.get("/en/scopes/ile-alatau/").status_code == 200
    login("other", "observer", ["altyn-emel"])
    outside = login("outside", "observer", ["altyn-emel"])
    assert outside.get("/en/scopes/ile-alatau/").status_code == 403
    anonymous = Client()
    response = anonymous.get("/en/scopes/ile-alatau/")
    assert response.status_code == 302 and "/en/accounts/login/" in response["Location"]


def test_scope_api_enforces_role_and_scope(token_client) -> None:
    inside, _ = token_client("inside", "researcher", ["ile-alatau"])
    body = inside.get("/api/v1/scopes/ile-alatau").json()
    assert body["code"] == "ile-alatau" and "inside" in body["members"]
    outside, _ = token_client("outside", "researcher", ["altyn-emel"])
    assert outside.get("/api/v1/scopes/ile-alatau").status_code == 403
    assert Client().get("/api/v1/scopes/ile-alatau").status_code == 401


def test_token_auth_and_revocation(token_client) -> None:
    client, plaintext = token_client("script", "researcher")
    response = client.get("/api/v1/me")
    assert response.status_code == 200
    assert response.json()["roles"] == [{"role": "researcher", "scope": None}]
    token = ApiToken.objects.get()
    assert plaintext not in token.secret_hash and token.secret_hash != plaintext
    assert len(token.secret_hash) == 64
    from barys.core.tokens import revoke_token

    revoke_token(token=token)
    assert client.get("/api/v1/me").status_code == 401
    wrong = Client(HTTP_AUTHORIZATION=f"Bearer {plaintext[:-2]}xx")
    assert wrong.get("/api/v1/me").status_code == 401


def test_account_page_shows_a_new_token_once(login) -> None:
    client = login("person", "observer")
    page = client.post("/en/account/", {"name": "laptop"})
    token = ApiToken.objects.get(name="laptop")
    assert f"barys_{token.prefix}_" in page.content.decode()
    again = client.get("/en/account/").content.decode()
    assert f"barys_{token.prefix}_" not in again and token.prefix in again
    client.post(f"/en/account/tokens/{token.pk}/revoke/")
    token.refresh_from_db()
    assert token.revoked_at is not None


def test_admin_api_needs_admin(token_client) -> None:
    researcher, _ = token_client("r", "researcher")
    assert researcher.get("/api/v1/audit").status_code == 403
    admin, _ = token_client("boss", "admin")
    entries = admin.get("/api/v1/audit?object_type=core.user").json()
    assert {e["action"] for e in entries} >= {"create"}


def test_login_is_throttled_after_repeated_failures(make_user, settings) -> None:
    settings.LOGIN_MAX_FAILURES = 3
    make_user("target", "observer", password="the-right-password-1")
    client = Client()
    for _ in range(3):
        response = client.post("/en/accounts/login/", {"username": "target", "password": "bad"})
        assert response.status_code == 200
    assert LoginFailure.objects.filter(username="target").count() == 3
    blocked = client.post(
        "/en/accounts/login/", {"username": "target", "password": "the-right-password-1"}
    )
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session


def test_login_and_logout(make_user) -> None:
    make_user("anna", "observer", password="the-right-password-1")
    client = Client()
    response = client.post(
        "/ru/accounts/login/", {"username": "anna", "password": "the-right-password-1"}
    )
    assert response.status_code == 302
    assert client.get("/ru/account/").status_code == 200
    client.post("/ru/accounts/logout/")
    assert client.get("/ru/account/").status_code == 302


def test_user_add_is_audited(make_user) -> None:
    user = make_user("audited", "curator", ["ile-alatau"])
    assert user.is_staff  # curators use the admin site
    types = set(AuditEntry.objects.values_list("object_type", flat=True))
    assert {"core.user", "core.roleassignment", "core.scope"} <= types
