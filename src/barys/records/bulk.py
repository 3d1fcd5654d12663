"""Fast bulk insertion of occurrence rows without building model instances.

The ORM's ``bulk_create`` prepares every field of every instance; for millions of records the
import writes plain tuples with ``executemany`` instead, converting only the fields whose
database form differs from the Python value (UUIDs, JSON, date-times) with the fields' own
conversion, so SQLite and PostgreSQL get exactly what the ORM would write.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache
from typing import Any

from django.db import connection, models
from django.utils import timezone

from barys.records.models import Occurrence


@cache
def _layout() -> tuple[list[models.Field], frozenset[str], str]:
    fields = [f for f in Occurrence._meta.concrete_fields if not f.primary_key]
    special = frozenset(
        f.attname
        for f in fields
        if isinstance(
            f, models.UUIDField | models.JSONField | models.DateTimeField | models.DateField
        )
    )
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    sql = f"INSERT INTO {Occurrence._meta.db_table} ({columns}) VALUES ({marks})"
    return fields, special, sql


def insert_occurrences(rows: Iterable[dict[str, Any]]) -> int:
    """Insert occurrences given as {attname: value}; missing fields take their defaults."""
    fields, special, sql = _layout()
    now = timezone.now()
    defaults = {f.attname: f.get_default() for f in fields}
    defaults.update({"created_at": now, "updated_at": now})
    batch = []
    for row in rows:
        values = []
        for f in fields:
            value = row[f.attname] if f.attname in row else defaults[f.attname]
            if f.attname in special:
                value = f.get_db_prep_save(value, connection)
            values.append(value)
        batch.append(tuple(values))
    if batch:
        with connection.cursor() as cursor:
            cursor.executemany(sql, batch)
    return len(batch)
