"""From a raw row of Darwin Core terms to the values of an occurrence, with flags, or a
rejection naming the row, field and reason."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from barys.interop.darwin_core import TermError, parse_event_date, parse_float, parse_int
from barys.records import quality
from barys.records.matching import NameMatcher

OCCURRENCE_NAMESPACE = uuid.UUID("8f3c0a52-4a53-4c62-9d0f-7d6a9a1b2c11")
BASIS = {
    b.lower().replace("_", ""): b
    for b in (
        "HumanObservation",
        "MachineObservation",
        "PreservedSpecimen",
        "MaterialSample",
        "LivingSpecimen",
        "MaterialCitation",
        "Occurrence",
    )
}
BASIS.update({"observation": "HumanObservation", "fossilspecimen": "PreservedSpecimen"})
STATUS = {
    "present": "present",
    "absent": "absent",
    "присутствует": "present",
    "отсутствует": "absent",
}


@dataclass
class Rejected:
    row: int
    field: str
    reason: str


@dataclass
class Draft:
    row: int
    occurrence_id: uuid.UUID
    values: dict[str, Any]
    flags: set[str] = field(default_factory=set)
    transformations: list[str] = field(default_factory=list)
    verbatim: dict[str, str] = field(default_factory=dict)
    content_hash: str = ""


def _first(row: dict[str, str], *terms: str) -> str:
    for term in terms:
        value = row.get(term, "")
        if value:
            return value
    return ""


def occurrence_uuid(source_code: str, row: dict[str, str]) -> tuple[uuid.UUID, str]:
    """The record's UUID: its own occurrenceID when that is a UUID, else derived stably."""
    given = row.get("occurrenceID", "").strip()
    if given:
        try:
            return uuid.UUID(given), ""
        except ValueError:
            return uuid.uuid5(
                OCCURRENCE_NAMESPACE, f"{source_code}:{given}"
            ), f"occurrenceID {given!r} is not a UUID; a UUID was derived from it"
    content = json.dumps(row, sort_keys=True, ensure_ascii=False)
    return uuid.uuid5(
        OCCURRENCE_NAMESPACE, f"{source_code}#{content}"
    ), "no occurrenceID; a UUID was derived from the row's content"


class Transformer:
    def __init__(
        self, *, source_code: str, matcher: NameMatcher, inside: Callable[[float, float], bool]
    ) -> None:
        self.source_code = source_code
        self.matcher = matcher
        self.inside = inside

    def __call__(self, number: int, row: dict[str, str]) -> Draft | Rejected:
        try:
            return self._transform(number, row)
        except TermError as exc:
            return Rejected(number, exc.term, exc.reason)

    @staticmethod
    def _date_from_parts(row: dict[str, str]) -> Any:
        try:
            return parse_event_date(
                "", year=row.get("year", ""), month=row.get("month", ""), day=row.get("day", "")
            )
        except TermError:
            return None

    def _transform(self, number: int, row: dict[str, str]) -> Draft | Rejected:
        flags: set[str] = set()
        notes: list[str] = []
        name = _first(row, "scientificName", "verbatimScientificName", "vernacularName")
        if not name:
            return Rejected(number, "scientificName", "no taxon name")
        match = self.matcher.match(name)
        if match.match_type == "none":
            flags.add("TAXON_MATCH_NONE")
        elif match.match_type == "fuzzy":
            flags.add("TAXON_MATCH_FUZZY")
            notes.append(f"name {name!r} matched approximately to {match.matched!r}")
        event = None
        try:
            event = parse_event_date(
                row.get("eventDate", ""),
                year=row.get("year", ""),
                month=row.get("month", ""),
                day=row.get("day", ""),
            )
        except TermError as exc:
            event = self._date_from_parts(row)
            if event is None:
                flags.add("RECORDED_DATE_INVALID")
                notes.append(str(exc))
            else:
                notes.append(f"{exc}; the date was taken from year, month and day")
        lat_text = _first(row, "decimalLatitude", "verbatimLatitude")
        lon_text = _first(row, "decimalLongitude", "verbatimLongitude")
        try:
            latitude = parse_float("decimalLatitude", lat_text)
            longitude = parse_float("decimalLongitude", lon_text)
        except TermError as exc:
            latitude = longitude = None
            flags.add("COORDINATE_INVALID")
            notes.append(str(exc))
        if (latitude is None) != (longitude is None):
            flags.add("COORDINATE_INVALID")
            notes.append("only one of latitude and longitude is given")
            latitude = longitude = None
        checked = quality.check_coordinates(latitude, longitude, self.inside)
        flags |= checked.flags
        notes += checked.transformations
        latitude, longitude = checked.latitude, checked.longitude
        if event is None and latitude is None:
            field_name = "eventDate" if not row.get("eventDate") else "decimalLatitude"
            return Rejected(number, field_name, "neither a usable date nor a usable location")
        uncertainty = None
        try:
            uncertainty = parse_float(
                "coordinateUncertaintyInMeters", row.get("coordinateUncertaintyInMeters", "")
            )
        except TermError as exc:
            flags.add("COORDINATE_UNCERTAINTY_METERS_INVALID")
            notes.append(str(exc))
        flags |= quality.check_uncertainty(uncertainty)
        if "COORDINATE_UNCERTAINTY_METERS_INVALID" in flags:
            uncertainty = None
        status = STATUS.get(row.get("occurrenceStatus", "present").strip().lower() or "present")
        if status is None:
            status = "present"
            notes.append(f"occurrenceStatus {row.get('occurrenceStatus')!r} read as present")
        count = None
        try:
            count = parse_int("individualCount", row.get("individualCount", ""))
        except TermError as exc:
            flags.add("INDIVIDUAL_COUNT_INVALID")
            notes.append(str(exc))
        flags |= quality.check_count(count, status)
        if count is not None and count < 0:
            count = None
        basis_text = row.get("basisOfRecord", "").strip()
        basis = BASIS.get(re.sub(r"[^a-z]", "", basis_text.lower()), "")
        if not basis:
            if basis_text:
                flags.add("BASIS_OF_RECORD_INVALID")
            basis = "Occurrence" if basis_text else "HumanObservation"
        if event is not None:
            flags |= quality.check_date(event.start)
        occurrence_id, id_note = occurrence_uuid(self.source_code, row)
        if id_note:
            notes.append(id_note)
        values: dict[str, Any] = {
            "basis_of_record": basis,
            "event_date_start": event.start if event else None,
            "event_date_end": event.end if event else None,
            "event_date_precision": event.precision if event else "",
            "verbatim_event_date": (event.verbatim if event else row.get("eventDate", ""))[:100],
            "year": event.start.year if event else None,
            "taxon_id": match.taxon_id,
            "verbatim_name": name[:300],
            "match_type": match.match_type,
            "latitude": latitude,
            "longitude": longitude,
            "coordinate_uncertainty_m": uncertainty,
            "geodetic_datum": (row.get("geodeticDatum") or "WGS84")[:20],
            "locality": row.get("locality", "")[:500],
            "region": _first(row, "stateProvince", "county", "municipality")[:200],
            "individual_count": count,
            "sex": row.get("sex", "")[:30],
            "life_stage": row.get("lifeStage", "")[:50],
            "occurrence_status": status,
            "establishment_means": row.get("establishmentMeans", "")[:30],
            "organism_id": row.get("organismID", "")[:100],
            "recorded_by": row.get("recordedBy", "")[:300],
            "identified_by": row.get("identifiedBy", "")[:300],
            "associated_media": row.get("associatedMedia", ""),
            "remarks": row.get("occurrenceRemarks", ""),
        }
        digest = hashlib.sha256(
            json.dumps({k: str(v) for k, v in values.items()}, sort_keys=True).encode()
        ).hexdigest()
        return Draft(
            row=number,
            occurrence_id=occurrence_id,
            values=values,
            flags=flags,
            transformations=notes,
            verbatim={k: v for k, v in row.items() if v},
            content_hash=digest,
        )
