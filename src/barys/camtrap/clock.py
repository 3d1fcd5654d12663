"""Camera clocks: time zones, local camera times and clock corrections (plain functions).

A camera writes its local time without a zone (EXIF ``DateTimeOriginal``). The deployment
says which zone the clock was set to: an IANA name (``Asia/Almaty``) or a fixed offset
(``+06:00``; cameras do not follow daylight-saving changes, so a fixed offset is often the
honest choice). A clock correction turns the camera time ``t`` into the true local time
``t + offset + drift × (t − anchor)``, with ``offset`` in seconds and ``drift`` in seconds
per day; it is found from one reference photo (an offset) or two (offset and drift) whose
true time is known, e.g. a photo of a GPS receiver's clock at set-up and at retrieval.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

__all__ = [
    "ClockCorrection",
    "LOCAL_FORMAT",
    "correction_from_references",
    "format_local",
    "offset_text",
    "parse_local",
    "to_utc",
    "zone",
]

#: How camera-local times are kept as text (no zone).
LOCAL_FORMAT = "%Y-%m-%dT%H:%M:%S"
_OFFSET = re.compile(r"(?:UTC)?([+-])(\d{1,2}):?(\d{2})?")
_SECONDS_PER_DAY = 86_400.0


@lru_cache(maxsize=256)
def zone(text: str) -> tzinfo:
    """The time zone named by ``text``: ``UTC``, ``Z``, ``+06:00``, ``UTC+5`` or an IANA name.

    Raises:
        ValueError: an unknown name or a malformed offset.
    """
    value = text.strip()
    if value in {"UTC", "Z", "GMT", "+00:00", "-00:00"}:
        return UTC
    match = _OFFSET.fullmatch(value)
    if match:
        hours, minutes = int(match.group(2)), int(match.group(3) or 0)
        if hours > 14 or minutes > 59:
            raise ValueError(f"time zone offset out of range: {text!r}")
        sign = 1 if match.group(1) == "+" else -1
        return timezone(sign * timedelta(hours=hours, minutes=minutes))
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError(f"unknown time zone {text!r}") from None


def is_valid_zone(text: str) -> bool:
    """Whether :func:`zone` accepts ``text``."""
    try:
        zone(text)
    except ValueError:
        return False
    return True


def to_utc(local: datetime, zone_text: str) -> datetime:
    """A naive local time in ``zone_text`` as an aware UTC datetime (aware input: converted)."""
    if local.tzinfo is not None:
        return local.astimezone(UTC)
    return local.replace(tzinfo=zone(zone_text)).astimezone(UTC)


def in_zone(moment: datetime, zone_text: str) -> datetime:
    """An aware moment expressed in ``zone_text``."""
    return moment.astimezone(zone(zone_text))


def offset_text(moment: datetime) -> str:
    """The UTC offset of an aware ``moment`` as ``+HH:MM`` (``+00:00`` when naive)."""
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


def format_local(value: datetime) -> str:
    """A camera-local time as ``YYYY-MM-DDTHH:MM:SS`` (any zone is dropped)."""
    return value.replace(tzinfo=None).strftime(LOCAL_FORMAT)


def parse_local(text: str) -> datetime:
    """The inverse of :func:`format_local` (a naive datetime)."""
    return datetime.strptime(text, LOCAL_FORMAT)


@dataclass(frozen=True, slots=True)
class ClockCorrection:
    """``true = camera + offset_s + drift_s_per_day × (camera − anchor) / 1 day``.

    Attributes:
        offset_s: seconds added at the anchor.
        drift_s_per_day: seconds the clock loses per day (added per day after the anchor).
        anchor: the camera-local time where only the offset applies (naive); needed when
            there is a drift.
    """

    offset_s: float = 0.0
    drift_s_per_day: float = 0.0
    anchor: datetime | None = None

    @property
    def is_identity(self) -> bool:
        return self.offset_s == 0.0 and self.drift_s_per_day == 0.0

    def seconds_at(self, camera_local: datetime) -> float:
        """The correction in seconds for a camera-local time (naive)."""
        seconds = self.offset_s
        if self.drift_s_per_day and self.anchor is not None:
            days = (camera_local - self.anchor).total_seconds() / _SECONDS_PER_DAY
            seconds += self.drift_s_per_day * days
        return round(seconds, 3)

    def apply(self, camera_local: datetime) -> datetime:
        """The true local time for a camera-local time."""
        return camera_local + timedelta(seconds=self.seconds_at(camera_local))


def correction_from_references(
    references: list[tuple[datetime, datetime]],
) -> ClockCorrection:
    """The correction from reference photos: ``(camera local time, true local time)`` pairs.

    One pair gives an offset; two give an offset at the first and a linear drift between them.

    Raises:
        ValueError: no pair, more than two, or two with the same camera time.
    """
    if not references or len(references) > 2:
        raise ValueError("give one or two reference photos")
    pairs = sorted((c.replace(tzinfo=None), t.replace(tzinfo=None)) for c, t in references)
    (camera_1, true_1) = pairs[0]
    offset = (true_1 - camera_1).total_seconds()
    if len(pairs) == 1:
        return ClockCorrection(offset_s=offset)
    (camera_2, true_2) = pairs[1]
    span_days = (camera_2 - camera_1).total_seconds() / _SECONDS_PER_DAY
    if span_days <= 0:
        raise ValueError("the two reference photos must be taken at different times")
    drift = ((true_2 - camera_2).total_seconds() - offset) / span_days
    return ClockCorrection(offset_s=offset, drift_s_per_day=drift, anchor=camera_1)
