"""Darwin Core terms and parsing of their values (pure: no ORM).

Values are parsed strictly; each parser returns the value and, for impossible or unusable
values, raises :class:`TermError` naming the term. Dates follow ISO 8601 as Darwin Core
recommends: ``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``, a date-time with optional zone, or an
interval ``start/end``.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

DWC = "http://rs.tdwg.org/dwc/terms/"
DC = "http://purl.org/dc/terms/"

#: The occurrence terms Barys reads and writes, in the order of its exports.
OCCURRENCE_TERMS: tuple[str, ...] = (
    "occurrenceID",
    "basisOfRecord",
    "eventDate",
    "year",
    "month",
    "day",
    "scientificName",
    "scientificNameAuthorship",
    "verbatimScientificName",
    "vernacularName",
    "taxonRank",
    "kingdom",
    "phylum",
    "class",
    "order",
    "family",
    "genus",
    "decimalLatitude",
    "decimalLongitude",
    "coordinateUncertaintyInMeters",
    "geodeticDatum",
    "country",
    "countryCode",
    "stateProvince",
    "locality",
    "individualCount",
    "sex",
    "lifeStage",
    "occurrenceStatus",
    "establishmentMeans",
    "organismID",
    "recordedBy",
    "identifiedBy",
    "associatedMedia",
    "occurrenceRemarks",
    "datasetName",
    "institutionCode",
    "dataGeneralizations",
    "informationWithheld",
    "license",
    "rightsHolder",
    "modified",
)
DC_TERMS = frozenset({"license", "rightsHolder", "modified", "references", "language"})
BASIS_OF_RECORD = (
    "HumanObservation",
    "MachineObservation",
    "PreservedSpecimen",
    "MaterialSample",
    "LivingSpecimen",
    "MaterialCitation",
    "Occurrence",
    "FossilSpecimen",
    "Observation",
)


def term_uri(term: str) -> str:
    return (DC if term in DC_TERMS else DWC) + term


def short_term(uri_or_name: str) -> str:
    """``http://rs.tdwg.org/dwc/terms/eventDate`` → ``eventDate`` (names pass through)."""
    return uri_or_name.rstrip("/").rsplit("/", 1)[-1].strip()


class TermError(ValueError):
    """A value of ``term`` cannot be used; ``str()`` says why."""

    def __init__(self, term: str, reason: str) -> None:
        self.term = term
        self.reason = reason
        super().__init__(f"{term}: {reason}")


@dataclass(frozen=True)
class EventDate:
    start: dt.datetime  # UTC
    end: dt.datetime  # UTC, inclusive end of the period
    precision: str  # year, month, day, datetime, interval
    verbatim: str


_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_SLASH_DAY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


def _single(text: str, *, end: bool) -> tuple[dt.datetime, dt.datetime, str]:
    if _YEAR.match(text):
        year = int(text)
        return (
            dt.datetime(year, 1, 1, tzinfo=dt.UTC),
            dt.datetime(year, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
            "year",
        )
    if m := _MONTH.match(text):
        year, month = int(m[1]), int(m[2])
        first = dt.datetime(year, month, 1, tzinfo=dt.UTC)
        nxt = dt.datetime(year + (month == 12), month % 12 + 1, 1, tzinfo=dt.UTC)
        return first, nxt - dt.timedelta(seconds=1), "month"
    if m := _DAY.match(text):
        day = dt.datetime(int(m[1]), int(m[2]), int(m[3]), tzinfo=dt.UTC)
        return day, day + dt.timedelta(days=1, seconds=-1), "day"
    if _SLASH_DAY.match(text):
        raise ValueError("day/month order is ambiguous; write YYYY-MM-DD")
    value = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    value = value.astimezone(dt.UTC)
    return value, value, "datetime"


def parse_event_date(
    text: str, *, year: str = "", month: str = "", day: str = ""
) -> EventDate | None:
    """Parse ``eventDate`` (or ``year``/``month``/``day`` when it is empty); None if absent."""
    text = (text or "").strip()
    if not text:
        # "0" stands for an unknown month or day in some older exports
        parts = [p.strip() if p.strip() not in {"0", "00"} else "" for p in (year, month, day)]
        if not parts[1]:
            parts[2] = ""
        if not parts[0]:
            return None
        text = "-".join(p.zfill(2) if i else p for i, p in enumerate(parts) if p)
    try:
        if "/" in text and not _SLASH_DAY.match(text):
            first, second = text.split("/", 1)
            start, _e, _p = _single(first.strip(), end=False)
            if "-" not in second and len(second.strip()) <= 2 and len(first) >= 10:
                second = first[:8] + second.strip().zfill(2)  # 2019-05-03/10
            _s, stop, _p2 = _single(second.strip(), end=True)
            if stop < start:
                raise ValueError("the interval ends before it starts")
            return EventDate(start, stop, "interval", text)
        start, stop, precision = _single(text, end=False)
    except ValueError as exc:
        reason = (
            str(exc)
            if "ambiguous" in str(exc) or "interval" in str(exc)
            else f"{text!r} is not an ISO 8601 date"
        )
        raise TermError("eventDate", reason) from None
    return EventDate(start, stop, precision, text)


def parse_float(term: str, text: str) -> float | None:
    text = (text or "").strip().replace(",", ".") if text else ""
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise TermError(term, f"{text!r} is not a number") from None
    if value != value or value in (float("inf"), float("-inf")):
        raise TermError(term, f"{text!r} is not a finite number")
    return value


def parse_int(term: str, text: str) -> int | None:
    value = parse_float(term, text)
    if value is None:
        return None
    if not value.is_integer():
        raise TermError(term, f"{text!r} is not a whole number")
    return int(value)


def strip_authorship(name: str) -> str:
    """``Panthera uncia (Schreber, 1775)`` → ``Panthera uncia``."""
    words = name.strip().split()
    latin: list[str] = []
    for word in words:
        if latin and (word[:1].isupper() or word[:1] in "(&" or any(c.isdigit() for c in word)):
            break
        latin.append(word)
    return " ".join(latin) if latin else name.strip()
