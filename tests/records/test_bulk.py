"""The importer's bulk writer stores exactly what the ORM would store."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta, timezone

import pytest
from django.db import connection

from barys.records import bulk
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
    fields = [f for f in Occurrence._meta.concrete_fields if not f.primary_key]
    checked = 0
    for field in fields:
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
    assert (
        bulk.insert_occurrences(
            [
                {
                    "occurrence_id": occurrence_id,
                    "source_id": source.pk,
                    "event_date_start": start,
                    "latitude": 43.1,
                    "longitude": 77.05,
                    "verbatim": {"locality": "Медеу"},
                    "transformations": ["a note"],
                }
            ]
        )
        == 1
    )
    stored = Occurrence.objects.get(occurrence_id=occurrence_id)
    assert stored.event_date_start == start
    assert stored.verbatim == {"locality": "Медеу"}
    assert stored.transformations == ["a note"]
    assert stored.geodetic_datum == "WGS84"
    assert stored.version == 1
    assert stored.created_at is not None
    assert Occurrence.objects.filter(occurrence_id=occurrence_id).count() == 1
