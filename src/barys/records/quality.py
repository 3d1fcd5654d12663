"""Quality flags of occurrence records, named after GBIF's occurrence issues where one exists.

Flags are kept as a bit set on the record; :data:`FLAGS` fixes each flag's bit forever (add new
flags at the end). The checks here are pure functions of the parsed values.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

FLAGS: dict[str, int] = {
    name: 1 << i
    for i, name in enumerate(
        (
            "ZERO_COORDINATE",
            "COORDINATE_OUT_OF_RANGE",
            "COORDINATE_INVALID",
            "PRESUMED_SWAPPED_COORDINATE",
            "PRESUMED_NEGATED_LONGITUDE",
            "COUNTRY_COORDINATE_MISMATCH",
            "COORDINATE_UNCERTAINTY_METERS_INVALID",
            "RECORDED_DATE_INVALID",
            "RECORDED_DATE_UNLIKELY",
            "TAXON_MATCH_FUZZY",
            "TAXON_MATCH_NONE",
            "INDIVIDUAL_COUNT_INVALID",
            "INDIVIDUAL_COUNT_CONFLICTS_WITH_OCCURRENCE_STATUS",
            "DUPLICATE_ACROSS_SOURCES",
            "OUTSIDE_KNOWN_RANGE",
            "BASIS_OF_RECORD_INVALID",
        )
    )
}

DESCRIPTIONS = {
    "ZERO_COORDINATE": _("Coordinates are 0, 0."),
    "COORDINATE_OUT_OF_RANGE": _("Latitude or longitude outside the possible range."),
    "COORDINATE_INVALID": _("Coordinates could not be read."),
    "PRESUMED_SWAPPED_COORDINATE": _("Latitude and longitude seem swapped; they were swapped."),
    "PRESUMED_NEGATED_LONGITUDE": _("Longitude seems to have the wrong sign; it was negated."),
    "COUNTRY_COORDINATE_MISMATCH": _("The point lies outside Kazakhstan."),
    "COORDINATE_UNCERTAINTY_METERS_INVALID": _(
        "Coordinate uncertainty is not a positive number of metres."
    ),
    "RECORDED_DATE_INVALID": _("The date could not be read."),
    "RECORDED_DATE_UNLIKELY": _("The date is in the future or before 1700."),
    "TAXON_MATCH_FUZZY": _("The name matched a registry taxon only approximately."),
    "TAXON_MATCH_NONE": _("The name matched no taxon of the registry."),
    "INDIVIDUAL_COUNT_INVALID": _("The individual count is negative or not a whole number."),
    "INDIVIDUAL_COUNT_CONFLICTS_WITH_OCCURRENCE_STATUS": _(
        "The individual count contradicts the occurrence status."
    ),
    "DUPLICATE_ACROSS_SOURCES": _("Another source has the same taxon, day and place."),
    "OUTSIDE_KNOWN_RANGE": _("The point lies outside the taxon's known range."),
    "BASIS_OF_RECORD_INVALID": _("Unknown basis of record; Occurrence was used."),
}


def to_bits(names: set[str] | list[str]) -> int:
    bits = 0
    for name in names:
        bits |= FLAGS[name]
    return bits


def from_bits(bits: int) -> list[str]:
    return [name for name, bit in FLAGS.items() if bits & bit]


@dataclass
class CoordinateCheck:
    latitude: float | None
    longitude: float | None
    flags: set[str]
    transformations: list[str]


def check_coordinates(
    latitude: float | None,
    longitude: float | None,
    inside: Callable[[float, float], bool] | None = None,
) -> CoordinateCheck:
    """Flag and, where GBIF would, repair coordinates.

    ``inside(lat, lon) -> bool`` tells whether a point is in Kazakhstan; swapped or negated
    coordinates are repaired only when the repaired point falls inside while the original
    does not.
    """
    flags: set[str] = set()
    notes: list[str] = []
    if latitude is None or longitude is None:
        return CoordinateCheck(None, None, flags, notes)
    if latitude == 0 and longitude == 0:
        return CoordinateCheck(None, None, {"ZERO_COORDINATE"}, ["zero coordinates dropped"])
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        if (
            -90 <= longitude <= 90
            and -180 <= latitude <= 180
            and inside
            and inside(longitude, latitude)
        ):
            flags.add("PRESUMED_SWAPPED_COORDINATE")
            notes.append("latitude and longitude swapped")
            return CoordinateCheck(longitude, latitude, flags, notes)
        return CoordinateCheck(
            None, None, {"COORDINATE_OUT_OF_RANGE"}, ["out-of-range coordinates dropped"]
        )
    if inside is not None and not inside(latitude, longitude):
        if inside(latitude, -longitude):
            flags.add("PRESUMED_NEGATED_LONGITUDE")
            notes.append("longitude negated")
            return CoordinateCheck(latitude, -longitude, flags, notes)
        if -90 <= longitude <= 90 and inside(longitude, latitude):
            flags.add("PRESUMED_SWAPPED_COORDINATE")
            notes.append("latitude and longitude swapped")
            return CoordinateCheck(longitude, latitude, flags, notes)
        flags.add("COUNTRY_COORDINATE_MISMATCH")
    return CoordinateCheck(latitude, longitude, flags, notes)


def check_date(start: dt.datetime | None, *, today: dt.date | None = None) -> set[str]:
    if start is None:
        return set()
    today = today or dt.date.today()
    if start.date() > today or start.year < 1700:
        return {"RECORDED_DATE_UNLIKELY"}
    return set()


def check_count(count: int | None, status: str) -> set[str]:
    flags: set[str] = set()
    if count is not None and count < 0:
        flags.add("INDIVIDUAL_COUNT_INVALID")
    if count is not None and (
        (status == "absent" and count > 0) or (status == "present" and count == 0)
    ):
        flags.add("INDIVIDUAL_COUNT_CONFLICTS_WITH_OCCURRENCE_STATUS")
    return flags


def check_uncertainty(value: float | None) -> set[str]:
    if value is not None and (value <= 0 or value > 5_000_000):
        return {"COORDINATE_UNCERTAINTY_METERS_INVALID"}
    return set()
