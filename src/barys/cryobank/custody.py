"""The custody log is append-only — in the model, the admin and the database.

The migration ``0002_custody_append_only`` creates triggers that abort every UPDATE and DELETE
of ``cryobank_custodyevent``:

- PostgreSQL: a PL/pgSQL trigger function raising an exception, fired BEFORE UPDATE OR DELETE
  for each row.
- SQLite: BEFORE UPDATE and BEFORE DELETE triggers calling ``RAISE(ABORT, …)``.

One door is kept for erasing a whole database on purpose: Django's ``flush`` command (the test
suite empties the database with it; on PostgreSQL it truncates, which row triggers do not see)
and :func:`erasure`, which marks the current transaction — on PostgreSQL with the
transaction-local setting ``barys.custody_erasure``, on SQLite through the SQL function
``barys_custody_erasure()`` that Barys registers on its own connections (any other SQLite
client lacks the function, so its deletes fail). Nothing in the application calls either.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from types import FrameType
from typing import Any

from django.db import DatabaseError, connection, transaction

TABLE = "cryobank_custodyevent"
MESSAGE = "the custody log is append-only: entries cannot be changed or deleted"
_state = threading.local()

SQLITE_CREATE = [
    f"""CREATE TRIGGER IF NOT EXISTS cryobank_custody_no_update BEFORE UPDATE ON {TABLE}
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS cryobank_custody_no_delete BEFORE DELETE ON {TABLE}
        WHEN NOT barys_custody_erasure()
        BEGIN SELECT RAISE(ABORT, '{MESSAGE}'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cryobank_custody_no_update",
    "DROP TRIGGER IF EXISTS cryobank_custody_no_delete",
]
POSTGRES_CREATE = [
    f"""CREATE OR REPLACE FUNCTION cryobank_custody_append_only() RETURNS trigger AS $$
        BEGIN
          IF TG_OP = 'DELETE'
             AND coalesce(current_setting('barys.custody_erasure', true), '') = 'on' THEN
            RETURN OLD;
          END IF;
          RAISE EXCEPTION '{MESSAGE}' USING ERRCODE = 'restrict_violation';
        END;
        $$ LANGUAGE plpgsql""",
    f"""CREATE TRIGGER cryobank_custody_append_only BEFORE UPDATE OR DELETE ON {TABLE}
        FOR EACH ROW EXECUTE FUNCTION cryobank_custody_append_only()""",
]
POSTGRES_DROP = [
    f"DROP TRIGGER IF EXISTS cryobank_custody_append_only ON {TABLE}",
    "DROP FUNCTION IF EXISTS cryobank_custody_append_only()",
]


FLUSH_COMMAND = os.path.join("management", "commands", "flush.py")


def _erasure_allowed() -> int:
    """1 inside :func:`erasure` or Django's ``flush`` command (which empties every table; on
    PostgreSQL it truncates, which row triggers do not see either), else 0."""
    if getattr(_state, "erasure", False):
        return 1
    frame: FrameType | None = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_name == "handle" and frame.f_code.co_filename.endswith(FLUSH_COMMAND):
            return 1
        frame = frame.f_back
    return 0


def register_sqlite_function(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver: give Barys' SQLite connections the erasure flag."""
    if connection.vendor == "sqlite":
        connection.connection.create_function(
            "barys_custody_erasure", 0, _erasure_allowed, deterministic=False
        )


def install_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        register_sqlite_function(None, schema_editor.connection)
        statements = SQLITE_CREATE
    elif vendor == "postgresql":
        statements = POSTGRES_CREATE
    else:  # pragma: no cover - other databases are not supported by Barys
        return
    for sql in statements:
        schema_editor.execute(sql)


def remove_triggers(schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    statements = (
        SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP if vendor == "postgresql" else []
    )
    for sql in statements:
        schema_editor.execute(sql)


def _set_postgres_flag(value: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('barys.custody_erasure', %s, true)", [value])


@contextmanager
def erasure() -> Iterator[None]:
    """Allow deleting custody entries inside this block (whole-database erasure only: test
    teardown, a demo reset). Updates stay impossible."""
    _state.erasure = True
    try:
        with transaction.atomic():
            _set_postgres_flag("on")
            try:
                yield
            finally:
                # a savepoint keeps the setting: switch it off explicitly (when the block
                # failed, its rollback reverts the setting anyway)
                with suppress(DatabaseError):
                    _set_postgres_flag("off")
    finally:
        _state.erasure = False


def erase_all() -> int:
    """Delete every custody entry (see :func:`erasure`); returns how many were deleted."""
    with erasure(), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TABLE}")
        return int(cursor.rowcount or 0)
