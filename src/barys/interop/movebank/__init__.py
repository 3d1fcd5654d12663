"""Movebank CSV: streaming reader of GPS fixes, a generic CSV reader with a column map, a writer.

Movebank exports one row per event with hyphenated attribute names (``event-id``,
``timestamp``, ``location-long``, ``location-lat``, ``individual-local-identifier``,
``tag-local-identifier``, ``height-above-ellipsoid``, ``gps:hdop``, ``gps:satellite-count``,
``eobs:*`` for e-obs collars, ``visible``, ``sensor-type``, …). Timestamps are
``yyyy-MM-dd HH:mm:ss.SSS`` in UTC. Files may be plain, gzip-compressed (``.csv.gz``) or a
zip archive holding one CSV (Movebank's Env-DATA downloads).

Reading streams: :func:`iter_movebank` and :func:`iter_csv_fixes` yield :class:`FixBatch`
objects of at most ``batch_size`` rows, each with the good fixes and the
:class:`~barys.interop.errors.RowError` records of its bad rows, so memory stays flat for
files of millions of rows and an importer can commit batch by batch.

Timestamps are parsed strictly (:class:`TimestampParser`): Movebank's own format and ISO 8601
with an offset or ``Z`` are accepted; anything else, such as ``03/04/2021 10:00``, is refused
with the candidate readings quoted, never guessed, unless the caller names the format.

The package is split by concern -- ``fixes`` (the records and column names), ``values``
(numbers and flags), ``timestamps``, ``reader`` and ``writer`` -- and every public name is
importable from ``barys.interop.movebank`` as before.
"""

from barys.interop.movebank.fixes import (
    FIX_FIELDS,
    MOVEBANK_COLUMNS,
    Fix,
    FixBatch,
    MovebankRead,
)
from barys.interop.movebank.reader import FixReader, iter_csv_fixes, iter_movebank, read_movebank
from barys.interop.movebank.timestamps import TimestampParser, format_movebank_timestamp
from barys.interop.movebank.writer import write_movebank

__all__ = [
    "FIX_FIELDS",
    "MOVEBANK_COLUMNS",
    "Fix",
    "FixBatch",
    "FixReader",
    "MovebankRead",
    "TimestampParser",
    "format_movebank_timestamp",
    "iter_csv_fixes",
    "iter_movebank",
    "read_movebank",
    "write_movebank",
]
