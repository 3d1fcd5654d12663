"""Fast bulk insertion of occurrence rows without building model instances.

The ORM's ``bulk_create`` prepares every field of every instance; for millions of records the
import writes plain tuples with ``executemany`` instead, converting only the fields whose
database form differs from the Python value (UUIDs, JSON, date-times) with the backend's own
adapters, so SQLite and PostgreSQL get exactly what the ORM would write. The values come from
the importer's transform and are already of the field's Python type, so the ORM's
``to_python`` step before the adapter is skipped.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from functools import cache
from typing import Any

from django.db import connection, models
from django.utils import timezone

from barys.records.models import Occurrence

Adapter = Callable[[Any], Any]


def adapter(field: models.Field) -> Adapter | None:
    """How the backend stores a value of ``field``; None when it stores the value as it is."""
    ops = connection.ops
    if isinstance(field, models.UUIDField):
        if connection.features.has_native_uuid_field:
            return None
        return lambda value: value.hex if isinstance(value, uuid.UUID) else value
    if isinstance(field, models.JSONField):
        encoder = field.encoder
        return lambda value: None if value is None else ops.adapt_json_value(value, encoder)
    if isinstance(field, models.DateTimeField):
        return ops.adapt_datetimefield_value
    if isinstance(field, models.DateField):
        return ops.adapt_datefield_value
    return None


@cache
def _layout(vendor: str) -> tuple[list[tuple[str, Adapter | None]], str]:
    fields = [f for f in Occurrence._meta.concrete_fields if not f.primary_key]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {Occurrence._meta.db_table} ({columns}) VALUES ({marks})"
    return [(f.attname, adapter(f)) for f in fields], sql


def insert_occurrences(rows: Iterable[dict[str, Any]]) -> int:
    """Insert occurrences given as {attname: value}; missing fields take their defaults."""
    layout, sql = _layout(connection.vendor)
    now = timezone.now()
    defaults = {f.attname: f.get_default() for f in Occurrence._meta.concrete_fields}
    defaults.update({"created_at": now, "updated_at": now})
    stored_defaults = {  # each default converted once, not once per row
        attname: defaults[attname] if adapt is None else adapt(defaults[attname])
        for attname, adapt in layout
    }
    batch = []
    for row in rows:
        values = []
        for attname, adapt in layout:
            if attname not in row:
                values.append(stored_defaults[attname])
            elif adapt is None:
                values.append(row[attname])
            else:
                values.append(adapt(row[attname]))
        batch.append(tuple(values))
    if batch:
        with connection.cursor() as cursor:
            cursor.executemany(sql, batch)
    return len(batch)


def uuid_parameter(value: uuid.UUID) -> Any:
    """An occurrenceID as a query parameter, as the ORM would pass it."""
    return value if connection.features.has_native_uuid_field else value.hex
