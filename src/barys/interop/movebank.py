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
"""

from __future__ import annotations

import csv
import gzip
import io
import math
import re
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_offset
from os import PathLike
from pathlib import Path
from typing import IO, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from barys.interop.errors import FormatError, RowError

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

#: Fix fields and the Movebank columns they are read from, first match wins.
MOVEBANK_COLUMNS: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp",),
    "lon": ("location-long",),
    "lat": ("location-lat",),
    "altitude": ("height-above-ellipsoid", "height-above-msl"),
    "hdop": ("gps:hdop",),
    "satellites": ("gps:satellite-count",),
    "fix_type": ("gps:fix-type", "eobs:type-of-fix"),
    "temperature": ("external-temperature", "eobs:temperature"),
    "battery": ("tag-voltage", "eobs:battery-voltage"),
    "individual": ("individual-local-identifier",),
    "tag": ("tag-local-identifier",),
    "event_id": ("event-id",),
    "visible": ("visible",),
    "sensor_type": ("sensor-type",),
}

#: Columns a file must have to be read as Movebank location data.
_MOVEBANK_REQUIRED = ("timestamp", "lon", "lat")

#: The Fix fields that can be mapped to a file column.
FIX_FIELDS: tuple[str, ...] = tuple(MOVEBANK_COLUMNS)

_HEIGHT_COLUMNS = {"height-above-ellipsoid": "ellipsoid", "height-above-msl": "msl"}

#: Columns written by default, in this order (Movebank names). The altitude goes to the
#: height column that matches its reference.
_DEFAULT_WRITE_COLUMNS: dict[str, str] = {
    "event_id": "event-id",
    "visible": "visible",
    "timestamp": "timestamp",
    "lon": "location-long",
    "lat": "location-lat",
    "hdop": "gps:hdop",
    "satellites": "gps:satellite-count",
    "fix_type": "gps:fix-type",
    "temperature": "external-temperature",
    "battery": "tag-voltage",
    "sensor_type": "sensor-type",
    "tag": "tag-local-identifier",
    "individual": "individual-local-identifier",
}


@dataclass(slots=True)
class Fix:
    """One telemetry event (a GPS fix or a failed fix attempt).

    Attributes:
        timestamp: time of the fix, timezone-aware UTC.
        lat: latitude, decimal degrees WGS84, or ``None`` for a fix attempt without a
            location (Movebank keeps these rows; they count for the fix-success rate).
        lon: longitude, decimal degrees WGS84, or ``None`` (always together with ``lat``).
        altitude: height in metres; above the WGS84 ellipsoid unless ``altitude_reference``
            says ``"msl"`` (mean sea level).
        altitude_reference: ``"ellipsoid"`` or ``"msl"``, or ``None`` without an altitude.
        hdop: horizontal dilution of precision (unitless).
        satellites: number of satellites used.
        fix_type: GPS fix type code (Movebank ``gps:fix-type``: 1 none, 2 2D, 3 3D; or the
            e-obs ``eobs:type-of-fix`` code).
        temperature: tag or external temperature, degrees Celsius.
        battery: battery voltage as reported by the tag, millivolts (Movebank's unit).
        individual: the animal's local identifier.
        tag: the tag's local identifier.
        event_id: Movebank's event id (kept as text).
        visible: Movebank's ``visible`` flag (``False`` for events marked as outliers).
        sensor_type: e.g. ``"gps"``.
        extra: every other non-empty column, as raw text, keyed by the file's header.
    """

    timestamp: datetime
    lat: float | None = None
    lon: float | None = None
    altitude: float | None = None
    altitude_reference: str | None = None
    hdop: float | None = None
    satellites: int | None = None
    fix_type: int | None = None
    temperature: float | None = None
    battery: float | None = None
    individual: str | None = None
    tag: str | None = None
    event_id: str | None = None
    visible: bool | None = None
    sensor_type: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def has_location(self) -> bool:
        """Whether the fix has coordinates."""
        return self.lat is not None and self.lon is not None


@dataclass(slots=True)
class FixBatch:
    """A batch of consecutive rows: the good fixes and the errors of the bad rows.

    Attributes:
        fixes: the fixes read from good rows, in file order.
        errors: one entry per problem in the bad rows (a row can have several).
        first_row: 1-based row number of the first data row of the batch.
        last_row: 1-based row number of the last data row of the batch.
    """

    fixes: list[Fix]
    errors: list[RowError]
    first_row: int
    last_row: int


@dataclass(slots=True)
class MovebankRead:
    """A whole file read into memory (for small files; stream large ones)."""

    fixes: list[Fix]
    errors: list[RowError]
    header: list[str]
    columns: dict[str, str]


# --------------------------------------------------------------------------- timestamps

_MOVEBANK_TIME = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}(?:\.\d{1,6})?")
_ISO_WITH_OFFSET = re.compile(
    r"(\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?)(\.\d{1,9})?(Z|[+-]\d{2}:?\d{2})"
)
_ISO_NAIVE = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?")
_SLASHED = re.compile(
    r"(\d{1,2})([/.-])(\d{1,2})\2(\d{4}|\d{2})(?:([ T])(\d{1,2}):(\d{2})(:\d{2})?)?"
)
_ACCEPTED = "Movebank 'yyyy-MM-dd HH:mm:ss.SSS' (UTC) or ISO 8601 with an offset or Z"


def _zone(name: str | None) -> tzinfo:
    if name is None or name.upper() in ("UTC", "Z"):
        return UTC
    match = re.fullmatch(r"([+-])(\d{2}):?(\d{2})", name)
    if match:
        minutes = int(match.group(2)) * 60 + int(match.group(3))
        return fixed_offset(timedelta(minutes=minutes if match.group(1) == "+" else -minutes))
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r}") from exc


class TimestampParser:
    """Parses timestamps strictly to timezone-aware UTC datetimes.

    Without a format, two forms are accepted: Movebank's ``yyyy-MM-dd HH:mm:ss.SSS`` (UTC,
    0 to 6 fraction digits) and ISO 8601 with an offset or ``Z`` (``T`` or space between
    date and time). Anything else is refused; for a day/month form such as
    ``03/04/2021 10:00`` the message lists the possible readings and the format string for
    each, so the caller can choose. With ``fmt="posix"`` values are seconds since
    1970-01-01 UTC; any other ``fmt`` is a :func:`datetime.strptime` format, and naive
    results are taken in ``timezone`` (default UTC).

    The first timestamp of a file decides: if it fails because its *format* is not
    accepted, the whole file is refused (:class:`FormatError`); later failures are bad rows.
    """

    def __init__(self, fmt: str | None = None, timezone: str | None = None) -> None:
        if fmt is None and timezone is not None:
            raise ValueError("timezone applies only with an explicit timestamp_format")
        self.fmt = fmt
        self.zone = _zone(timezone)
        self._seen_good = False

    def parse(
        self,
        text: str,
        *,
        path: str | PathLike[str] | None = None,
        row: int | None = None,
        column: str = "timestamp",
    ) -> datetime:
        """Parse one value; raises ValueError (a bad value) or FormatError (a bad format)."""
        try:
            value = self._parse(text)
        except ValueError as exc:
            if not self._seen_good and self.fmt is None and _is_unaccepted_format(text):
                raise FormatError(
                    path, row, column, f"{exc}; example row {row}: {text!r}"
                ) from None
            raise
        self._seen_good = True
        return value

    def _parse(self, text: str) -> datetime:
        if self.fmt == "posix":
            try:
                return datetime.fromtimestamp(_float(text), UTC)
            except (OverflowError, OSError) as exc:
                raise ValueError(f"POSIX time {text!r} is out of range") from exc
        if self.fmt is not None:
            value = datetime.strptime(text, self.fmt)
            if value.tzinfo is None:
                value = value.replace(tzinfo=self.zone)
            return value.astimezone(UTC)
        if _MOVEBANK_TIME.fullmatch(text):
            return datetime.fromisoformat(text).replace(tzinfo=UTC)
        match = _ISO_WITH_OFFSET.fullmatch(text)
        if match:
            base, fraction, offset = match.groups()
            fraction = (fraction or "")[:7]  # datetime keeps microseconds
            offset = "+00:00" if offset == "Z" else offset
            if len(offset) == 5:
                offset = offset[:3] + ":" + offset[3:]
            return datetime.fromisoformat(base.replace(" ", "T") + fraction + offset).astimezone(
                UTC
            )
        raise ValueError(_explain(text))


def _is_unaccepted_format(text: str) -> bool:
    return bool(_SLASHED.fullmatch(text) or _ISO_NAIVE.fullmatch(text))


def _explain(text: str) -> str:
    slashed = _SLASHED.fullmatch(text)
    if slashed:
        first, sep, second, year, tsep, hour, minute, seconds = slashed.groups()
        year_code = "%Y" if len(year) == 4 else "%y"
        time_code = "" if hour is None else f"{tsep}%H:%M" + ("" if seconds is None else ":%S")
        readings = []
        for label, day, month, codes in (
            ("day first", first, second, ("%d", "%m")),
            ("month first", second, first, ("%m", "%d")),
        ):
            fmt = f"{codes[0]}{sep}{codes[1]}{sep}{year_code}{time_code}"
            try:
                datetime.strptime(text, fmt)
            except ValueError:
                continue
            shown = f"{year if len(year) == 4 else '??' + year}-{int(month):02d}-{int(day):02d}"
            if hour is not None:
                shown += f" {int(hour):02d}:{minute}{seconds or ''}"
            readings.append(f"{shown} ({label}, timestamp_format={fmt!r})")
        if readings:
            return (
                f"timestamp {text!r} is not in an accepted format ({_ACCEPTED}); it could be read as "
                + " or ".join(readings)
                + ", in an unknown time zone; pass timestamp_format and timezone to say which"
            )
    if _ISO_NAIVE.fullmatch(text):
        return (
            f"timestamp {text!r} has no UTC offset, so its time zone would have to be guessed; "
            f"accepted: {_ACCEPTED}; pass timestamp_format='%Y-%m-%dT%H:%M:%S' and a timezone"
        )
    return f"timestamp {text!r} is not in an accepted format ({_ACCEPTED})"


def format_movebank_timestamp(value: datetime) -> str:
    """``yyyy-MM-dd HH:mm:ss.SSS`` in UTC (six fraction digits below a millisecond)."""
    if value.tzinfo is None:
        raise ValueError("naive datetime: Movebank timestamps must be timezone-aware")
    utc = value.astimezone(UTC)
    if utc.microsecond % 1000 == 0:
        return utc.strftime("%Y-%m-%d %H:%M:%S.") + f"{utc.microsecond // 1000:03d}"
    return utc.strftime("%Y-%m-%d %H:%M:%S.%f")


# --------------------------------------------------------------------------- opening


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


# --------------------------------------------------------------------------- value parsing


class _RowProblem(ValueError):
    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def _float(text: str) -> float:
    if "_" in text:  # Python reads "1_000" as 1000; a data file never means that
        raise _RowProblem("not a number")
    try:
        value = float(text)
    except ValueError:
        raise _RowProblem("not a number") from None
    if not math.isfinite(value):
        raise _RowProblem("not a finite number")
    return value


def _int(text: str) -> int:
    value = _float(text)
    if not value.is_integer():
        raise _RowProblem("not a whole number")
    return int(text) if text.lstrip("+-").isdigit() else int(value)


def _bool(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in ("true", "t", "1"):
        return True
    if lowered in ("false", "f", "0"):
        return False
    raise _RowProblem("expected true or false")


def _nonnegative(value: float) -> float:
    if value < 0:
        raise _RowProblem("must not be negative")
    return value


# --------------------------------------------------------------------------- reader


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
        errors: list[RowError] = []
        used: dict[str, int] = {}  # field -> index of the column its value came from

        def value_of(fix_field: str) -> str | None:
            for index in positions.get(fix_field, ()):
                text = values[index].strip()
                if text:
                    used[fix_field] = index
                    return text
            return None

        def column_of(fix_field: str) -> str:
            index = used.get(fix_field)
            return (
                self.header[index] if index is not None else self.columns.get(fix_field, fix_field)
            )

        def parse(fix_field: str, convert: Any) -> Any:
            text = value_of(fix_field)
            if text is None:
                return None
            try:
                return convert(text)
            except _RowProblem as problem:
                errors.append(RowError(row, column_of(fix_field), problem.reason, text))
                return None

        timestamp_text = value_of("timestamp")
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
        lat = parse("lat", _float)
        lon = parse("lon", _float)
        if lat is not None and not -90.0 <= lat <= 90.0:
            errors.append(
                RowError(row, column_of("lat"), "latitude outside [-90, 90]", value_of("lat"))
            )
        if lon is not None and not -180.0 <= lon <= 180.0:
            errors.append(
                RowError(row, column_of("lon"), "longitude outside [-180, 180]", value_of("lon"))
            )
        if (lat is None) != (lon is None) and not errors:
            present = "lat" if lat is not None else "lon"
            missing = "lon" if present == "lat" else "lat"
            errors.append(
                RowError(row, self.columns.get(missing, missing), f"empty while {present} is given")
            )
        altitude = parse("altitude", _float)
        reference = None
        if altitude is not None:
            reference = _HEIGHT_COLUMNS.get(column_of("altitude"), "ellipsoid")
        hdop = parse("hdop", lambda t: _nonnegative(_float(t)))
        satellites = parse("satellites", lambda t: int(_nonnegative(_int(t))))
        fix_type = parse("fix_type", _int)
        temperature = parse("temperature", _float)
        battery = parse("battery", _float)
        visible = parse("visible", _bool)
        if errors or timestamp is None:
            batch.errors.extend(errors)
            return
        taken = set(used.values())
        extra = {name: values[i] for i, name in extra_columns if values[i] != "" and i not in taken}
        batch.fixes.append(
            Fix(
                timestamp=timestamp,
                lat=lat,
                lon=lon,
                altitude=altitude,
                altitude_reference=reference,
                hdop=hdop,
                satellites=satellites,
                fix_type=fix_type,
                temperature=temperature,
                battery=battery,
                individual=value_of("individual"),
                tag=value_of("tag"),
                event_id=value_of("event_id"),
                visible=visible,
                sensor_type=value_of("sensor_type"),
                extra=extra,
            )
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


# --------------------------------------------------------------------------- writer


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
