"""The report's parameters: validation of the values people type, and the default seasons."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from django.utils.translation import gettext as _

from barys.camtrap.errors import CamtrapError

#: Bounds of the independence window (minutes) and of the occasion length (days).
MINUTES_RANGE = (1, 1440)
OCCASION_DAYS_RANGE = (1, 60)
#: Winter (November to April) and summer (May to October), as the demonstration survey runs.
WINTER_MONTHS = (11, 12, 1, 2, 3, 4)


class ReportParameterError(CamtrapError):
    """A report parameter is not acceptable; the message says which and why, in words."""


@dataclass(frozen=True)
class ReportParameters:
    """Independence window between detections (minutes) and occasion length (days)."""

    independence_minutes: int = 30
    occasion_days: int = 7

    def __post_init__(self) -> None:
        _check("independence_minutes", self.independence_minutes, MINUTES_RANGE)
        _check("occasion_days", self.occasion_days, OCCASION_DAYS_RANGE)


def _check(name: str, value: object, bounds: tuple[int, int]) -> None:
    low, high = bounds
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ReportParameterError(
            _("%(name)s must be a whole number from %(low)s to %(high)s, not %(value)s.")
            % {"name": name, "low": low, "high": high, "value": repr(value)}
        )


def _whole_number(
    query: Mapping[str, str], name: str, default: int, bounds: tuple[int, int]
) -> int:
    text = (query.get(name) or "").strip()
    if not text:
        return default
    try:
        value = int(text)
    except ValueError:
        raise ReportParameterError(
            _("%(name)s must be a whole number from %(low)s to %(high)s, not “%(value)s”.")
            % {"name": name, "low": bounds[0], "high": bounds[1], "value": text[:40]}
        ) from None
    _check(name, value, bounds)
    return value


def parse_parameters(query: Mapping[str, str]) -> ReportParameters:
    """Parameters from text values (a query string): ``independence_minutes``, ``occasion_days``.

    Missing or empty values take the defaults (30 minutes, 7 days).

    Raises:
        ReportParameterError: a value is not a whole number or is out of range.
    """
    defaults = ReportParameters()
    return ReportParameters(
        independence_minutes=_whole_number(
            query, "independence_minutes", defaults.independence_minutes, MINUTES_RANGE
        ),
        occasion_days=_whole_number(
            query, "occasion_days", defaults.occasion_days, OCCASION_DAYS_RANGE
        ),
    )


def winter_summer_seasons(first_day: date, last_day: date) -> dict[str, list[tuple[date, date]]]:
    """Seasons of each year between two local days: winter (Nov–Apr) and summer (May–Oct).

    Labels read ``winter 2023/24`` and ``summer 2024``, in the active language; each season is
    cut to the survey's days. The result is a season spec for :mod:`barys.analytics.effort`.
    """
    seasons: dict[str, list[tuple[date, date]]] = {}
    for year in range(first_day.year - 1, last_day.year + 1):
        periods = (
            (
                _("winter %(first)s/%(second)s")
                % {"first": year, "second": f"{(year + 1) % 100:02d}"},
                date(year, 11, 1),
                date(year + 1, 4, 30),
            ),
            (
                _("summer %(year)s") % {"year": year + 1},
                date(year + 1, 5, 1),
                date(year + 1, 10, 31),
            ),
        )
        for label, start, end in periods:
            if end >= first_day and start <= last_day:
                seasons[label] = [(max(start, first_day), min(end, last_day))]
    return seasons
