"""Fast bulk insertion of rows without the ORM's per-instance preparation.

``QuerySet.bulk_create`` compiles and prepares every field of every instance; for the
millions of records of an occurrence import, or the thousands of media of a camera card
written while other threads hash files, that preparation costs more than the database's
own work. :func:`insert_rows` writes plain tuples with one prepared ``executemany`` instead,
converting only the fields whose database form differs from the Python value (UUIDs, JSON,
dates and date-times) with the backend's own adapters, so SQLite and PostgreSQL get exactly
what the ORM would write. Values must already be of the field's Python type (the ORM's
``to_python`` step is skipped); fields left out take their defaults (a callable default is
called for each row), ``auto_now`` and ``auto_now_add`` fields the time of the call. No
signals are sent, as with ``bulk_create``, and the primary keys are not read back.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable
from typing import Any

from django.db import connection, models
from django.db.models.constants import OnConflict
from django.db.models.fields import AutoFieldMixin
from django.utils import timezone

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


def _written(model: type[models.Model]) -> list[models.Field]:
    """The columns an insert writes: all but a primary key the database numbers itself."""
    return [f for f in model._meta.concrete_fields if not isinstance(f, AutoFieldMixin)]


def _stamped(field: models.Field) -> bool:
    return bool(getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False))


Layout = tuple[list[tuple[str, Adapter | None]], list[models.Field], str]
_layouts: dict[tuple[str, str, bool], Layout] = {}


def _layout(model: type[models.Model], ignore_conflicts: bool) -> Layout:
    key = (model._meta.label, connection.vendor, ignore_conflicts)
    if key not in _layouts:
        _layouts[key] = _new_layout(model, ignore_conflicts)
    return _layouts[key]


def _new_layout(model: type[models.Model], ignore_conflicts: bool) -> Layout:
    fields = _written(model)
    ops = connection.ops
    columns = ", ".join(ops.quote_name(f.column) for f in fields)
    marks = ", ".join(["%s"] * len(fields))
    on_conflict = OnConflict.IGNORE if ignore_conflicts else None
    suffix = ops.on_conflict_suffix_sql(fields, on_conflict, [], [])
    sql = (
        f"{ops.insert_statement(on_conflict=on_conflict)} {ops.quote_name(model._meta.db_table)}"
        f" ({columns}) VALUES ({marks}) {suffix}"
    ).rstrip()
    return [(f.attname, adapter(f)) for f in fields], fields, sql


def insert_rows(
    model: type[models.Model], rows: Iterable[dict[str, Any]], *, ignore_conflicts: bool = False
) -> int:
    """Insert rows given as {attname: value}; returns the number of rows sent."""
    layout, fields, sql = _layout(model, ignore_conflicts)
    now = timezone.now()
    stored_defaults = {}  # each fixed default converted once, not once per row
    fresh: dict[str, models.Field] = {}  # callable defaults (a new UUID…): one per row
    for (attname, adapt), field in zip(layout, fields, strict=True):
        if _stamped(field):
            default = now
        elif callable(field.default):
            fresh[attname] = field
            continue
        else:
            default = field.get_default()
        stored_defaults[attname] = default if adapt is None else adapt(default)
    batch = []
    for row in rows:
        values = []
        for attname, adapt in layout:
            if attname not in row:
                if attname in fresh:
                    default = fresh[attname].get_default()
                    values.append(default if adapt is None else adapt(default))
                else:
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


def insert_instances(objs: list[models.Model], *, ignore_conflicts: bool = False) -> int:
    """Insert unsaved instances of one model as :func:`insert_rows` does; ``auto_now`` and
    ``auto_now_add`` fields the instances leave empty take the time of the call."""
    if not objs:
        return 0
    model = type(objs[0])
    fields = _written(model)
    rows = []
    for obj in objs:
        row = {}
        for field in fields:
            value = getattr(obj, field.attname)
            if value is None and _stamped(field):
                continue
            row[field.attname] = value
        rows.append(row)
    return insert_rows(model, rows, ignore_conflicts=ignore_conflicts)


def parameter(field: models.Field, value: Any) -> Any:
    """``value`` of ``field`` as a query parameter, as the ORM would pass it."""
    adapt = adapter(field)
    return value if adapt is None else adapt(value)
