"""Strict timestamp parsing (nothing guessed) and Movebank's timestamp format."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta, tzinfo
from datetime import timezone as fixed_offset
from os import PathLike
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from barys.interop.errors import FormatError
from barys.interop.movebank.values import _float

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
