"""Audit entries hold who, what, and the fields before and after."""

from __future__ import annotations

import pytest

from barys.core import audit
from barys.core.models import AuditEntry, Scope

pytestmark = pytest.mark.django_db


def test_create_update_delete_are_recorded_with_values(make_user) -> None:
    actor = make_user("curator", "curator")
    scope = Scope.objects.create(code="altyn-emel", name_en="Altyn-Emel")
    audit.record_create(scope, actor=actor)
    before = audit.snapshot(scope)
    scope.name_ru = "Алтын-Эмель"
    scope.name_en = "Altyn-Emel National Park"
    scope.save()
    entry = audit.record_update(scope, before, actor=actor, reason="names")
    assert entry is not None
    assert entry.before == {"name_en": "Altyn-Emel", "name_ru": ""}
    assert entry.after == {"name_en": "Altyn-Emel National Park", "name_ru": "Алтын-Эмель"}
    assert entry.actor == actor and entry.changed_fields == ["name_en", "name_ru"]
    assert audit.record_update(scope, audit.snapshot(scope), actor=actor) is None
    pk = scope.pk
    audit.record_delete(scope, actor=actor)
    scope.delete()
    actions = list(
        AuditEntry.objects.filter(object_type="core.scope", object_id=str(pk))
        .order_by("id")
        .values_list("action", flat=True)
    )
    assert actions == ["create", "update", "delete"]
    deleted = AuditEntry.objects.get(object_type="core.scope", action="delete")
    assert deleted.before["code"] == "altyn-emel" and deleted.after is None


def test_admin_site_saves_are_audited(login) -> None:
    client = login("root", "admin")
    response = client.post(
        "/en/admin/core/scope/add/",
        {
            "code": "karatau",
            "kind": "protected_area",
            "name_en": "Karatau",
            "name_ru": "",
            "name_kk": "",
        },
    )
    assert response.status_code == 302
    entry = AuditEntry.objects.get(object_type="core.scope", action="create")
    assert entry.after["code"] == "karatau" and entry.actor_label == "root"
    scope = Scope.objects.get(code="karatau")
    client.post(
        f"/en/admin/core/scope/{scope.pk}/change/",
        {
            "code": "karatau",
            "kind": "protected_area",
            "name_en": "Karatau Reserve",
            "name_ru": "Каратауский заповедник",
            "name_kk": "",
        },
    )
    update = AuditEntry.objects.get(object_type="core.scope", action="update")
    assert update.before == {"name_en": "Karatau", "name_ru": ""}
    assert update.after["name_en"] == "Karatau Reserve"
    assert client.get("/en/admin/core/auditentry/").status_code == 200
