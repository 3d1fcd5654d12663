"""Streaming readers: Movebank CSV (plain, gzip or a zip holding one CSV) and any CSV of fixes
with a column map."""

from __future__ import annotations

import csv
import gzip
import io
import zipfile
import zlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from os import PathLike
from pathlib import Path
from typing import IO, Any

from barys.interop.errors import FormatError, RowError
from barys.interop.movebank.fixes import (
    _HEIGHT_COLUMNS,
    _MOVEBANK_REQUIRED,
    FIX_FIELDS,
    MOVEBANK_COLUMNS,
    Fix,
    FixBatch,
    MovebankRead,
)
from barys.interop.movebank.timestamps import TimestampParser
from barys.interop.movebank.values import _bool, _float, _int, _nonnegative, _RowProblem


def _open_text(path: Path) -> tuple[IO[str], list[IO[Any]]]:
    """Open a plain, gzip or zip (one CSV inside) file as UTF-8 text."""
    raw = path.open("rb")
    closers: list[IO[Any]] = [raw]
    magic = raw.read(4)
    raw.seek(0)
    binary: IO[bytes]
    if magic[:2] == b"\x1f\x8b":
        binary = gzip.GzipFile(fileobj=raw, mode="rb")  # type: ignore[assignment]
        closers.append(binary)
    elif magic == b"PK\x03\x04":
        archive = zipfile.ZipFile(raw)
        closers.append(archive)  # type: ignore[arg-type]
        members = [
            n
            for n in archive.namelist()
            if n.lower().endswith(".csv") and not n.startswith("__MACOSX")
        ]
        if len(members) != 1:
            for closer in reversed(closers):
                closer.close()
            raise FormatError(
                path, None, None, f"zip archive must hold exactly one .csv file, found {members}"
            )
        binary = archive.open(members[0])
        closers.append(binary)
    else:
        binary = raw
    text = io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
    closers.append(text)
    return text, closers


class FixReader:
    """Streams fixes from one CSV file with resolved columns.

    Use :func:`iter_movebank` or :func:`iter_csv_fixes` rather than building this directly;
    the reader is exposed so that callers can see ``header`` and ``columns`` (field ->
    file column) after iteration has started, e.g. to write the file back.

    Args:
        path: the file (plain, ``.gz`` or ``.zip``).
        column_map: Fix field -> candidate file columns (first present wins).
        required: Fix fields whose column must be present.
        timestamp_format: ``None`` for the strict default formats, ``"posix"`` for POSIX
            seconds, or a :func:`datetime.strptime` format string.
        timezone: IANA zone or ``±HH:MM`` for naive timestamps read with an explicit
            ``timestamp_format`` (default UTC).
        batch_size: rows per batch.
        delimiter: the CSV delimiter.
    """

    def __init__(
        self,
        path: str | PathLike[str],
        column_map: Mapping[str, Sequence[str]],
        *,
        required: Sequence[str] = ("timestamp",),
        timestamp_format: str | None = None,
        timezone: str | None = None,
        batch_size: int = 10_000,
        delimiter: str = ",",
    ) -> None:
        unknown = set(column_map) - set(FIX_FIELDS)
        if unknown:
            raise ValueError(
                f"unknown Fix fields in column map: {sorted(unknown)}; known: {list(FIX_FIELDS)}"
            )
        if "timestamp" not in column_map:
            raise ValueError("the column map must name the timestamp column")
        if batch_size < 1:
            raise ValueError("batch_size must be at least 1")
        self.path = Path(path)
        self._candidates = {k: tuple(v) for k, v in column_map.items()}
        self._required = tuple(required)
        self._parser = TimestampParser(timestamp_format, timezone)
        self._batch_size = batch_size
        self._delimiter = delimiter
        self.header: list[str] = []
        self.columns: dict[str, str] = {}

    def _resolve(self, header: list[str]) -> dict[str, list[int]]:
        """Field -> indices of its candidate columns present in the header, in preference order."""
        if not header or all(not h.strip() for h in header):
            raise FormatError(self.path, 1, None, "the file has no header row")
        positions: dict[str, int] = {}
        for i, name in enumerate(header):
            if name in positions:
                raise FormatError(self.path, 1, name, "column named twice in the header")
            positions[name] = i
        resolved: dict[str, list[int]] = {}
        for fix_field, candidates in self._candidates.items():
            present = [positions[c] for c in candidates if c in positions]
            if present:
                resolved[fix_field] = present
                self.columns[fix_field] = header[present[0]]
        missing = [f for f in self._required if f not in resolved]
        if missing:
            wanted = "; ".join(
                f"{f}: {' or '.join(self._candidates.get(f, ()))!s}" for f in missing
            )
            shown = ", ".join(header[:30])
            raise FormatError(
                self.path, 1, None, f"required column missing ({wanted}); the header has: {shown}"
            )
        return resolved

    def __iter__(self) -> Iterator[FixBatch]:
        try:
            text, closers = _open_text(self.path)
        except FormatError:
            raise
        except (OSError, zipfile.BadZipFile, EOFError) as exc:
            raise FormatError(self.path, None, None, f"cannot open the file: {exc}") from exc
        row_number = 1
        try:
            reader = csv.reader(text, delimiter=self._delimiter, strict=True)
            try:
                header = next(reader)
            except StopIteration:
                raise FormatError(self.path, None, None, "the file is empty") from None
            self.header = header
            positions = self._resolve(header)
            primary = {indices[0] for indices in positions.values()}
            extra_columns = [(i, name) for i, name in enumerate(header) if i not in primary]
            batch = FixBatch([], [], 2, 2)
            for values in reader:
                row_number += 1
                if not batch.fixes and not batch.errors:
                    batch.first_row = row_number
                batch.last_row = row_number
                if not values or (len(values) == 1 and not values[0].strip()):
                    continue  # blank line
                self._read_row(values, row_number, positions, extra_columns, batch)
                if len(batch.fixes) + len(batch.errors) >= self._batch_size:
                    yield batch
                    batch = FixBatch([], [], row_number + 1, row_number + 1)
            if batch.fixes or batch.errors:
                yield batch
        except UnicodeDecodeError as exc:
            raise FormatError(
                self.path, row_number + 1, None, f"not UTF-8 text ({exc.reason})"
            ) from exc
        except csv.Error as exc:
            raise FormatError(self.path, row_number + 1, None, f"broken CSV: {exc}") from exc
        except (OSError, EOFError, zlib.error, zipfile.BadZipFile) as exc:
            raise FormatError(
                self.path, row_number + 1, None, f"the file is damaged or truncated: {exc}"
            ) from exc
        finally:
            for closer in reversed(closers):
                closer.close()

    def _column(self, used: Mapping[str, int], fix_field: str) -> str:
        """The header of the column a field's value came from (or its first candidate)."""
        index = used.get(fix_field)
        return self.header[index] if index is not None else self.columns.get(fix_field, fix_field)

    def _read_row(
        self,
        values: list[str],
        row: int,
        positions: Mapping[str, list[int]],
        extra_columns: Sequence[tuple[int, str]],
        batch: FixBatch,
    ) -> None:
        """Read one row; a field with several candidate columns takes the first non-empty."""
        if len(values) != len(self.header):
            batch.errors.append(
                RowError(row, "(row)", f"{len(values)} values for {len(self.header)} columns")
            )
            return
        texts: dict[str, str] = {}
        used: dict[str, int] = {}  # field -> index of the column its value came from
        for fix_field, indices in positions.items():
            for index in indices:
                text = values[index].strip()
                if text:
                    texts[fix_field] = text
                    used[fix_field] = index
                    break
        errors: list[RowError] = []
        timestamp_text = texts.get("timestamp")
        timestamp: datetime | None = None
        if timestamp_text is None:
            errors.append(RowError(row, self.columns["timestamp"], "timestamp is empty"))
        else:
            try:
                timestamp = self._parser.parse(
                    timestamp_text, path=self.path, row=row, column=self.columns["timestamp"]
                )
            except FormatError:
                raise
            except ValueError as problem:
                errors.append(
                    RowError(row, self.columns["timestamp"], str(problem), timestamp_text)
                )
        converted: dict[str, Any] = {}
        for fix_field, convert in _CONVERTERS:
            given = texts.get(fix_field)
            if given is not None:
                try:
                    converted[fix_field] = convert(given)
                except _RowProblem as problem:
                    errors.append(
                        RowError(row, self._column(used, fix_field), problem.reason, given)
                    )
            if fix_field == "lon":  # coordinates are checked before the other fields
                self._check_coordinates(converted, texts, used, row, errors)
        if errors or timestamp is None:
            batch.errors.extend(errors)
            return
        altitude = converted.get("altitude")
        reference = None
        if altitude is not None:
            reference = _HEIGHT_COLUMNS.get(self._column(used, "altitude"), "ellipsoid")
        taken = set(used.values())
        extra = {name: values[i] for i, name in extra_columns if values[i] != "" and i not in taken}
        batch.fixes.append(
            Fix(
                timestamp=timestamp,
                lat=converted.get("lat"),
                lon=converted.get("lon"),
                altitude=altitude,
                altitude_reference=reference,
                hdop=converted.get("hdop"),
                satellites=converted.get("satellites"),
                fix_type=converted.get("fix_type"),
                temperature=converted.get("temperature"),
                battery=converted.get("battery"),
                individual=texts.get("individual"),
                tag=texts.get("tag"),
                event_id=texts.get("event_id"),
                visible=converted.get("visible"),
                sensor_type=texts.get("sensor_type"),
                extra=extra,
            )
        )

    def _check_coordinates(
        self,
        converted: Mapping[str, Any],
        texts: Mapping[str, str],
        used: Mapping[str, int],
        row: int,
        errors: list[RowError],
    ) -> None:
        lat, lon = converted.get("lat"), converted.get("lon")
        if lat is not None and not -90.0 <= lat <= 90.0:
            errors.append(
                RowError(row, self._column(used, "lat"), "latitude outside [-90, 90]", texts["lat"])
            )
        if lon is not None and not -180.0 <= lon <= 180.0:
            errors.append(
                RowError(
                    row, self._column(used, "lon"), "longitude outside [-180, 180]", texts["lon"]
                )
            )
        if (lat is None) != (lon is None) and not errors:
            present = "lat" if lat is not None else "lon"
            missing = "lon" if present == "lat" else "lat"
            errors.append(
                RowError(row, self.columns.get(missing, missing), f"empty while {present} is given")
            )


def _nonnegative_float(text: str) -> float:
    return _nonnegative(_float(text))


def _nonnegative_int(text: str) -> int:
    return int(_nonnegative(_int(text)))


#: Numeric and boolean fields in the order their problems are reported.
_CONVERTERS: tuple[tuple[str, Any], ...] = (
    ("lat", _float),
    ("lon", _float),
    ("altitude", _float),
    ("hdop", _nonnegative_float),
    ("satellites", _nonnegative_int),
    ("fix_type", _int),
    ("temperature", _float),
    ("battery", _float),
    ("visible", _bool),
)


def iter_movebank(
    path: str | PathLike[str],
    *,
    batch_size: int = 10_000,
    timestamp_format: str | None = None,
    timezone: str | None = None,
) -> FixReader:
    """Stream fixes from a Movebank CSV (plain, ``.csv.gz`` or a zip holding one CSV).

    Iterate over the returned reader to get :class:`FixBatch` objects. Rows whose
    coordinates are both empty are kept as fixes without a location.

    Raises (while iterating):
        FormatError: the file is not a Movebank location file (no ``timestamp``,
            ``location-long`` or ``location-lat`` column), is damaged, or its first
            timestamp is in a format that would have to be guessed.
    """
    return FixReader(
        path,
        MOVEBANK_COLUMNS,
        required=_MOVEBANK_REQUIRED,
        timestamp_format=timestamp_format,
        timezone=timezone,
        batch_size=batch_size,
    )


def iter_csv_fixes(
    path: str | PathLike[str],
    column_map: Mapping[str, str],
    *,
    timestamp_format: str | None = None,
    timezone: str | None = None,
    batch_size: int = 10_000,
    delimiter: str = ",",
) -> FixReader:
    """Stream fixes from any CSV, given a column map (Fix field -> the file's header name).

    Example for the ctmm exports: ``{"timestamp": "timestamp_utc", "lat": "latitude",
    "lon": "longitude", "individual": "identity"}``. Every mapped column must exist;
    unmapped columns go to ``Fix.extra``.

    Args:
        timestamp_format: ``None`` (Movebank or ISO 8601 with offset), ``"posix"`` (seconds
            since 1970-01-01 UTC) or a :func:`datetime.strptime` format such as
            ``"%d/%m/%Y %H:%M"``.
        timezone: the zone of naive timestamps read with an explicit format (default UTC),
            e.g. ``"Asia/Almaty"`` or ``"+05:00"``.
    """
    return FixReader(
        path,
        {k: (v,) for k, v in column_map.items()},
        required=tuple(column_map),
        timestamp_format=timestamp_format,
        timezone=timezone,
        batch_size=batch_size,
        delimiter=delimiter,
    )


def read_movebank(path: str | PathLike[str], **kwargs: Any) -> MovebankRead:
    """Read a whole Movebank file into memory (small files; stream large ones)."""
    reader = iter_movebank(path, **kwargs)
    fixes: list[Fix] = []
    errors: list[RowError] = []
    for batch in reader:
        fixes.extend(batch.fixes)
        errors.extend(batch.errors)
    return MovebankRead(fixes, errors, reader.header, reader.columns)
