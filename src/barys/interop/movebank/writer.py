"""Writing fixes as Movebank CSV (streaming, gzip by suffix, atomic rename)."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import datetime
from os import PathLike
from pathlib import Path

from barys.interop.movebank.fixes import _DEFAULT_WRITE_COLUMNS, _HEIGHT_COLUMNS, Fix
from barys.interop.movebank.timestamps import format_movebank_timestamp


def _format_number(value: float | int) -> str:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


def _format_value(fix_field: str, value: object) -> str:
    if value is None:
        return ""
    if fix_field == "timestamp":
        assert isinstance(value, datetime)
        return format_movebank_timestamp(value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _format_number(value)
    return str(value)


def write_movebank(
    fixes: Iterable[Fix],
    path: str | PathLike[str],
    *,
    columns: Mapping[str, str] | None = None,
    extra_columns: Sequence[str] = (),
    header: Sequence[str] | None = None,
    compress: bool | None = None,
) -> int:
    """Write fixes as a Movebank CSV (streaming; returns the number of rows written).

    Args:
        fixes: the fixes, in the order to write.
        columns: Fix field -> column name; default the Movebank names (``event-id``,
            ``timestamp``, ``location-long``, …, ``tag-voltage``). Pass a reader's
            ``columns`` to write a file back with its own names.
        extra_columns: further columns, filled from ``Fix.extra``.
        header: the full column order (default: the mapped columns, the two Movebank height
            columns, then ``extra_columns``).
        compress: gzip the output; default when ``path`` ends in ``.gz``.

    Timestamps are written as ``yyyy-MM-dd HH:mm:ss.SSS`` UTC (six fraction digits when the
    time has sub-millisecond precision). The altitude goes to ``height-above-ellipsoid`` or
    ``height-above-msl`` according to its reference; the file is written to a temporary
    name and renamed at the end.
    """
    mapping = dict(columns) if columns is not None else dict(_DEFAULT_WRITE_COLUMNS)
    by_column = {column: fix_field for fix_field, column in mapping.items()}
    if header is not None:
        order = list(header)
    else:
        order = list(mapping.values())
        order += [c for c in _HEIGHT_COLUMNS if c not in order]
        order += [c for c in extra_columns if c not in order]
    target = Path(path)
    gz = target.name.endswith(".gz") if compress is None else compress
    temporary = target.with_name(target.name + ".part")
    valid = {f.name for f in fields(Fix)}
    count = 0
    with (
        gzip.open(temporary, "wt", encoding="utf-8", newline="")
        if gz
        else temporary.open("w", encoding="utf-8", newline="")
    ) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(order)
        for fix in fixes:
            row: list[str] = []
            for column in order:
                if column in _HEIGHT_COLUMNS:
                    if (
                        fix.altitude is not None
                        and fix.altitude_reference == _HEIGHT_COLUMNS[column]
                    ):
                        row.append(_format_number(fix.altitude))
                    else:
                        row.append(fix.extra.get(column, ""))
                    continue
                fix_field = by_column.get(column)
                if fix_field is not None and fix_field in valid:
                    row.append(_format_value(fix_field, getattr(fix, fix_field)))
                else:
                    row.append(fix.extra.get(column, ""))
            writer.writerow(row)
            count += 1
    temporary.replace(target)
    return count
