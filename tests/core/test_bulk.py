"""The bulk writer stores exactly what the ORM would store."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import IntegrityError, connection, transaction

from barys.core import bulk
from barys.core.models import StoredFile
from barys.records.models import Occurrence, Source

pytestmark = pytest.mark.django_db

SAMPLES = {
    "UUIDField": [uuid.UUID("8f3c0a52-4a53-4c62-9d0f-7d6a9a1b2c11"), uuid.uuid4()],
    "JSONField": [None, {}, [], {"locality": "Медеу", "n": 3}, ["a note", "ақбөкен"]],
    "DateTimeField": [
        None,
        datetime(1971, 1, 1, tzinfo=UTC),
        datetime(2021, 3, 14, 9, 26, 53, 589793, tzinfo=UTC),
        datetime(2021, 3, 14, 23, 30, tzinfo=timezone(timedelta(hours=5))),
    ],
    "DateField": [None, date(2020, 2, 29)],
}


def test_adapters_agree_with_the_orm() -> None:
    checked = 0
    for field in Occurrence._meta.concrete_fields:
        adapt = bulk.adapter(field)
        for value in SAMPLES.get(field.get_internal_type(), []):
            expected = field.get_db_prep_save(value, connection)
            got = value if adapt is None else adapt(value)
            if connection.vendor == "postgresql" and field.get_internal_type() == "JSONField":
                expected = None if expected is None else expected.obj
                got = None if got is None else got.obj
            assert got == expected, (field.name, value)
            checked += 1
    assert checked >= 15


def test_inserted_rows_read_back_as_written() -> None:
    source = Source.objects.create(title="Bulk", code="bulk")
    occurrence_id = uuid.uuid4()
    start = datetime(2021, 3, 14, 23, 30, tzinfo=timezone(timedelta(hours=5)))
    before = datetime.now(UTC)
    row = {
        "occurrence_id": occurrence_id,
        "source_id": source.pk,
        "event_date_start": start,
        "latitude": 43.1,
        "longitude": 77.05,
        "verbatim": {"locality": "Медеу"},
        "transformations": ["a note"],
    }
    assert bulk.insert_rows(Occurrence, [row]) == 1
    stored = Occurrence.objects.get(occurrence_id=occurrence_id)
    assert stored.event_date_start == start
    assert stored.verbatim == {"locality": "Медеу"}
    assert stored.transformations == ["a note"]
    assert stored.geodetic_datum == "WGS84"
    assert stored.version == 1
    assert stored.created_at >= before.replace(microsecond=0)
    assert stored.updated_at == stored.created_at
    with pytest.raises(IntegrityError), transaction.atomic():
        bulk.insert_rows(Occurrence, [row])
    assert Occurrence.objects.filter(occurrence_id=occurrence_id).count() == 1


def test_instances_with_their_own_keys_and_conflicts_ignored() -> None:
    first = StoredFile(sha256="a" * 64, size=10, original_name="RCNX0001.JPG")
    assert bulk.insert_instances([first]) == 1
    again = StoredFile(sha256="a" * 64, size=99, original_name="copy.JPG")
    other = StoredFile(sha256="b" * 64, size=20, content_type="image/jpeg")
    bulk.insert_instances([again, other], ignore_conflicts=True)
    stored = {f.sha256: f for f in StoredFile.objects.all()}
    assert set(stored) == {"a" * 64, "b" * 64}
    assert stored["a" * 64].size == 10  # the first one stays
    assert stored["a" * 64].original_name == "RCNX0001.JPG"
    assert stored["b" * 64].content_type == "image/jpeg"
    assert stored["b" * 64].created_at is not None


def test_callable_defaults_are_called_for_each_row() -> None:
    source = Source.objects.create(title="Bulk", code="bulk")
    rows = [
        {"source_id": source.pk, "latitude": 43.0 + i / 10, "longitude": 77.0} for i in range(3)
    ]
    assert bulk.insert_rows(Occurrence, rows) == 3  # occurrenceID left out: a new UUID for each row
    assert Occurrence.objects.values("occurrence_id").distinct().count() == 3
