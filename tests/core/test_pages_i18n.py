"""Pages in three languages; catalogs complete for Russian and Kazakh."""

from __future__ import annotations

import pytest
from django.test import Client

from barys.core import i18n_tools

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("language", "sign_in"), [("kk", "Кіру"), ("ru", "Войти"), ("en", "Sign in")]
)
def test_home_in_each_language(language: str, sign_in: str) -> None:
    response = Client().get(f"/{language}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f'<html lang="{language}">' in html
    assert sign_in in html
    for other in ("kk", "ru", "en"):
        assert f'href="/{other}/"' in html  # the language switch


def test_root_redirects_to_a_language() -> None:
    response = Client().get("/", HTTP_ACCEPT_LANGUAGE="ru")
    assert response.status_code == 302 and response["Location"] == "/ru/"


def test_language_switch_keeps_the_page(login) -> None:
    client = login("anna", "observer")
    html = client.get("/ru/account/").content.decode()
    assert 'href="/kk/account/"' in html and 'href="/en/account/"' in html


def test_unknown_page_is_a_translated_404() -> None:
    response = Client().get("/ru/no-such-page/")
    assert response.status_code == 404
    assert "Страница не найдена" in response.content.decode()


def test_openapi_is_served() -> None:
    spec = Client().get("/api/v1/openapi.json").json()
    assert spec["info"]["title"] == "Barys API"
    assert "/api/v1/me" in spec["paths"]


@pytest.mark.parametrize("language", ["ru", "kk"])
def test_catalog_is_complete(language: str) -> None:
    missing = i18n_tools.missing_translations(language)
    assert missing == [], f"{language}: strings without translation: {missing[:20]}"
