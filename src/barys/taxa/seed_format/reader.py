"""Streaming reader: one seed CSV file to typed rows and :class:`RowError` records."""

from __future__ import annotations

import csv
import datetime as dt
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any, BinaryIO

from barys.taxa.seed_format.rows import PartialDate, RowError, SeedRow
from barys.taxa.seed_format.specs import (
    DATE_RE,
    INT_RE,
    IUCN_CRITERIA_RE,
    NUMBER_RE,
    Column,
    FileSpec,
)


def _in_range(col: Column, number: float) -> tuple[Any, str | None]:
    if col.minimum is not None and number < col.minimum:
        return None, f"{number} is below the minimum {col.minimum:g}"
    if col.maximum is not None and number > col.maximum:
        return None, f"{number} is above the maximum {col.maximum:g}"
    return number, None


def parse_value(col: Column, raw: str) -> tuple[Any, str | None]:
    """Typed value of one cell, or (None, reason). Empty optional cells give the type's blank."""
    value = raw.strip()
    if not value:
        if col.required:
            return None, "a value is required"
        return (
            False
            if col.kind == "bool"
            else None
            if col.kind not in ("text", "choice", "criteria")
            else ""
        ), None
    if col.max_length is not None and len(value) > col.max_length:
        return None, f"{len(value)} characters; at most {col.max_length} allowed"
    if col.kind == "text":
        return value, None
    if col.kind == "choice":
        if value in col.choices:
            return value, None
        return None, f"unknown value {value!r}; allowed: {', '.join(col.choices)}"
    if col.kind == "bool":
        if value.lower() in ("true", "false"):
            return value.lower() == "true", None
        return None, f"{value!r} is not a boolean (true or false)"
    if col.kind in ("int", "year"):
        if not INT_RE.match(value):
            return None, f"{value!r} is not a whole number"
        number = int(value)
        if col.kind == "year" and not 1700 <= number <= 2100:
            return None, f"year {number} is outside 1700-2100"
        return _in_range(col, number)
    if col.kind == "number":
        if not NUMBER_RE.match(value):
            return None, f"{value!r} is not a number"
        return _in_range(col, int(value) if INT_RE.match(value) else float(value))
    if col.kind == "criteria":
        if IUCN_CRITERIA_RE.match(value):
            return value, None
        return None, f"{value!r} is not an IUCN criteria string such as 'A2abc+3d' or 'B1ab(iii)'"
    match = DATE_RE.match(value)  # kind == "date"
    if not match:
        return None, f"{value!r} is not an ISO date (YYYY, YYYY-MM or YYYY-MM-DD)"
    year, month, day = (int(g) if g else None for g in match.groups())
    assert year is not None
    try:
        dt.date(year, month or 1, day or 1)
    except ValueError:
        return None, f"{value!r} is not a valid calendar date"
    return PartialDate(year, month, day), None


class _BadEncoding(Exception):
    """A line of the file is not UTF-8 (carries the 1-based physical line number)."""

    def __init__(self, line: int, error: UnicodeDecodeError) -> None:
        super().__init__(line, error)
        self.line = line
        self.error = error


def _decoded_lines(handle: BinaryIO) -> Iterator[str]:
    """Decode line by line, so an encoding error can be pinned to its line (BOM dropped)."""
    for number, raw in enumerate(handle, start=1):
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise _BadEncoding(number, exc) from exc
        yield text.removeprefix("\ufeff") if number == 1 else text


def _header_errors(name: str, header: list[str], spec: FileSpec) -> Iterator[RowError]:
    known = [c.name for c in spec.columns]
    for column, n in Counter(header).items():
        if n > 1:
            yield RowError(name, 1, column, "column appears more than once in the header")
    for column in header:
        if column not in known:
            yield RowError(name, 1, column, f"unknown column; allowed: {', '.join(known)}")
    for column in spec.required_columns:
        if column not in header:
            yield RowError(name, 1, column, "required column is missing from the header")


def _typed_row(
    name: str, row_no: int, record: list[str], index: dict[str, int], spec: FileSpec
) -> Iterator[SeedRow | RowError]:
    values: dict[str, Any] = {}
    errors = []
    for col in spec.columns:
        raw = record[index[col.name]] if col.name in index else ""
        value, reason = parse_value(col, raw)
        if reason:
            errors.append(RowError(name, row_no, col.name, reason))
        values[col.name] = value
    if errors:
        yield from errors
    else:
        yield spec.row_type(row=row_no, **values)


def read_file(path: Path, spec: FileSpec) -> Iterator[SeedRow | RowError]:
    """Stream the rows of one file as typed dataclasses, and its problems as :class:`RowError`.

    ``row`` is the CSV record number with the header as 1 (a quoted cell may span lines). A
    row with any bad cell yields its errors instead of a dataclass. Never raises on bad
    content: a missing file, bad encoding and malformed CSV become errors (reading goes on
    after a malformed record; it stops at a line that is not UTF-8); blank lines are skipped;
    unknown header columns are reported and their cells ignored.
    """
    name = spec.name
    try:
        handle = path.open("rb")
    except OSError as exc:
        yield RowError(name, 0, "", f"cannot open the file: {exc.strerror or exc}")
        return
    row_no = 1
    with handle:
        try:
            reader = csv.reader(_decoded_lines(handle), strict=True)
            first = next(reader, None)
            if first is None:
                yield RowError(name, 0, "", "the file is empty (a header row is required)")
                return
            header = [h.strip() for h in first]
            problems = list(_header_errors(name, header, spec))
            yield from problems
            if any(p.reason.startswith("required column") for p in problems):
                return
            index = {h: i for i, h in enumerate(header)}
            while True:
                try:
                    record = next(reader)
                except StopIteration:
                    break
                except csv.Error as exc:  # the reader has consumed the bad line: go on
                    row_no += 1
                    yield RowError(name, row_no, "", f"malformed CSV: {exc}")
                    continue
                row_no += 1
                if not record or (len(record) == 1 and not record[0].strip()):
                    continue
                if len(record) != len(header):
                    reason = f"expected {len(header)} fields, found {len(record)}"
                    yield RowError(name, row_no, "", reason)
                    continue
                yield from _typed_row(name, row_no, record, index, spec)
        except _BadEncoding as exc:
            reason = f"not valid UTF-8 on line {exc.line} ({exc.error.reason} at byte {exc.error.start} of the line)"
            yield RowError(name, row_no + 1, "", reason)
        except csv.Error as exc:
            yield RowError(name, row_no + 1, "", f"malformed CSV: {exc}")
