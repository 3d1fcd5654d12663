"""The custody log cannot be edited or deleted: not through the ORM, the admin, nor raw SQL."""

from __future__ import annotations

import pytest
from django.contrib.admin.sites import site
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory

from barys.cryobank.custody import erasure
from barys.cryobank.models import CustodyEvent, CustodyLogImmutable
from tests.cryobank import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(keeper, store) -> CustodyEvent:
    factories.sample(keeper, container=store["box"], position="A1")
    return CustodyEvent.objects.get()


def test_orm_refuses_changes(entry: CustodyEvent) -> None:
    entry.reason = "rewritten"
    with pytest.raises(CustodyLogImmutable):
        entry.save()
    with pytest.raises(CustodyLogImmutable):
        entry.save(update_fields=["reason"])
    with pytest.raises(CustodyLogImmutable):
        entry.delete()
    with pytest.raises(CustodyLogImmutable):
        CustodyEvent.objects.filter(pk=entry.pk).update(reason="rewritten")
    with pytest.raises(CustodyLogImmutable):
        CustodyEvent.objects.all().delete()
    with pytest.raises(CustodyLogImmutable):
        CustodyEvent.objects.bulk_update([entry], ["reason"])
    entry.refresh_from_db()
    assert entry.reason == "" and CustodyEvent.objects.count() == 1


def test_deleting_the_sample_is_refused(entry: CustodyEvent) -> None:
    from django.db.models import ProtectedError

    with pytest.raises(ProtectedError):
        entry.sample.delete()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE cryobank_custodyevent SET reason = 'rewritten'",
        "UPDATE cryobank_custodyevent SET to_label = 'nowhere', at = at",
        "DELETE FROM cryobank_custodyevent",
        "DELETE FROM cryobank_custodyevent WHERE id = {pk}",
    ],
)
def test_the_database_refuses_raw_sql(entry: CustodyEvent, sql: str) -> None:
    with (
        pytest.raises(DatabaseError) as caught,
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(sql.format(pk=entry.pk))
    assert "append-only" in str(caught.value)
    entry.refresh_from_db()
    assert entry.reason == "" and CustodyEvent.objects.count() == 1


def test_updates_stay_impossible_even_during_erasure(entry: CustodyEvent) -> None:
    with (
        pytest.raises(DatabaseError),
        transaction.atomic(),
        erasure(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE cryobank_custodyevent SET reason = 'x'")


def test_the_erasure_flag_does_not_outlive_its_transaction(entry: CustodyEvent) -> None:
    with erasure(), connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM cryobank_custodyevent")
    assert CustodyEvent.objects.count() == 1


def test_triggers_are_installed() -> None:
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'cryobank_custodyevent'"
            )
            assert {r[0] for r in cursor.fetchall()} == {
                "cryobank_custody_no_update",
                "cryobank_custody_no_delete",
            }
        else:
            cursor.execute(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = "
                "'cryobank_custodyevent'::regclass AND NOT tgisinternal"
            )
            assert {r[0] for r in cursor.fetchall()} == {"cryobank_custody_append_only"}


def test_admin_is_read_only(entry: CustodyEvent, make_user) -> None:
    admin = site._registry[CustodyEvent]
    request = RequestFactory().get("/")
    request.user = make_user("boss", "admin")
    assert not admin.has_add_permission(request)
    assert not admin.has_change_permission(request, entry)
    assert not admin.has_delete_permission(request, entry)
    from barys.cryobank.models import Sample

    sample_admin = site._registry[Sample]
    assert {"container", "position", "quantity", "status"} <= set(
        sample_admin.get_readonly_fields(request, entry.sample)
    )
    assert not sample_admin.has_delete_permission(request, entry.sample)


def test_admin_pages_show_the_log_without_edit_controls(entry: CustodyEvent, login) -> None:
    client = login("boss", "admin")
    page = client.get(f"/en/admin/cryobank/custodyevent/{entry.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'name="_save"' not in html and "deletelink" not in html
    assert (
        client.post(
            f"/en/admin/cryobank/custodyevent/{entry.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert CustodyEvent.objects.count() == 1
