"""Where and when an individual was seen, as one viewer may see it.

Sightings come from camera events (the individual's annotations and camera observations,
one sighting per event) and from occurrence records whose ``organismID`` is the passport code
(or the code of a passport merged into it). Every location goes through
:mod:`barys.core.sensitivity`: people allowed exact locations see stations and dates;
everyone else sees grid cells, years and no station names. Exact views are written to the
access log once per call.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from barys.core import sensitivity
from barys.core.access_log import log_access
from barys.individuals.models import Individual
from barys.individuals.passports import local_date, merged_codes


@dataclass
class RawSighting:
    """A sighting before the policy: exact time, place and where it comes from."""

    kind: str  # "camera" or "record"
    moment: dt.datetime | None
    latitude: float | None
    longitude: float | None
    uncertainty_m: float | None
    station: str
    locality: str
    scope_codes: tuple[str, ...]
    category: int | None
    withhold: bool = False
    event_id: str = ""
    occurrence_id: str = ""
    photos: int = 0


@dataclass
class Sighting:
    """A sighting as the viewer may see it."""

    kind: str
    date_text: str  # full date, or the year only when generalised
    year: int | None
    station: str  # "" when withheld
    latitude: float | None
    longitude: float | None
    uncertainty_m: float | None
    cell_deg: float | None
    exact: bool
    event_id: str  # "" when withheld
    occurrence_id: str
    photos: int
    sort_key: str


@dataclass
class SightingsView:
    """All sightings of an individual for one viewer, with the summaries the pages use."""

    sightings: list[Sighting]
    exact: bool  # every sighting shown exactly
    any_generalised: bool
    generalisation_note: str
    usual_stations: list[tuple[str, int]] = field(default_factory=list)

    def by_year(self) -> list[tuple[int, dict[str, int]]]:
        """``(year, {"camera": n, "record": m})`` in year order."""
        counts: dict[int, Counter[str]] = defaultdict(Counter)
        for s in self.sightings:
            if s.year is not None:
                counts[s.year][s.kind] += 1
        return [(year, dict(counts[year])) for year in sorted(counts)]

    def map_data(self) -> dict[str, Any]:
        """What the passport map draws: exact points aggregated per place, and grid cells
        (``lat``/``lon`` of the cell centre, ``cell`` size in degrees) for generalised ones."""
        points: dict[tuple[float, float, str], int] = Counter()
        cells: dict[tuple[float, float, float], int] = Counter()
        for s in self.sightings:
            if s.latitude is None or s.longitude is None:
                continue
            if s.exact:
                points[(s.latitude, s.longitude, s.station)] += 1
            elif s.cell_deg:
                cells[(s.latitude, s.longitude, s.cell_deg)] += 1
        return {
            "points": [
                {"lat": lat, "lon": lon, "label": label, "count": n}
                for (lat, lon, label), n in sorted(points.items())
            ],
            "cells": [
                {"lat": lat, "lon": lon, "cell": cell, "count": n}
                for (lat, lon, cell), n in sorted(cells.items())
            ],
        }


def _camera_category(individual: Individual) -> int | None:
    return sensitivity.effective_category(individual.taxon.sensitivity_category)


def raw_sightings(individual: Individual) -> list[RawSighting]:
    """Every sighting of the individual, exact (never show these without the policy)."""
    from barys.camtrap.models import Observation
    from barys.camtrap.occurrences import SOURCE_CODE as CAMERA_SOURCE
    from barys.records import policy
    from barys.records.models import Occurrence

    category = _camera_category(individual)
    withhold_cameras = category == 1
    found: dict[str, RawSighting] = {}
    annotations = individual.annotations.select_related(
        "media__deployment__station", "media__event"
    ).order_by("media__timestamp", "id")
    for annotation in annotations:
        media = annotation.media
        station = media.deployment.station
        event = media.event
        key = f"e:{event.event_id}" if event is not None else f"m:{media.media_id}"
        moment = event.start if event is not None else media.timestamp
        if key in found:
            found[key].photos += 1
            continue
        found[key] = RawSighting(
            kind="camera",
            moment=moment,
            latitude=station.latitude,
            longitude=station.longitude,
            uncertainty_m=station.coordinate_uncertainty_m,
            station=station.code,
            locality=station.name,
            scope_codes=station.scope_codes,
            category=category,
            withhold=withhold_cameras,
            event_id=event.event_id if event is not None else "",
            photos=1,
        )
    observations = Observation.objects.filter(individual=individual).select_related(
        "deployment__station", "event"
    )
    for observation in observations:
        event_id = observation.event.event_id if observation.event else observation.event_ref
        key = f"e:{event_id}" if event_id else f"o:{observation.observation_id}"
        if key in found:
            continue
        station = observation.deployment.station
        found[key] = RawSighting(
            kind="camera",
            moment=observation.event_start,
            latitude=station.latitude,
            longitude=station.longitude,
            uncertainty_m=station.coordinate_uncertainty_m,
            station=station.code,
            locality=station.name,
            scope_codes=station.scope_codes,
            category=category,
            withhold=withhold_cameras,
            event_id=event_id or "",
        )
    # records made from camera observations repeat the observations listed above
    records = (
        Occurrence.objects.filter(
            organism_id__in=merged_codes(individual), occurrence_status="present"
        )
        .exclude(source__code=CAMERA_SOURCE)
        .select_related("taxon")
    )
    for record in records:
        found[f"r:{record.occurrence_id}"] = RawSighting(
            kind="record",
            moment=record.event_date_start,
            latitude=record.latitude,
            longitude=record.longitude,
            uncertainty_m=record.coordinate_uncertainty_m,
            station="",
            locality=record.locality,
            scope_codes=record.scope_codes,
            category=policy.category_of(record),
            withhold=record.withhold_location,
            occurrence_id=str(record.occurrence_id),
        )
    return sorted(found.values(), key=lambda s: (s.moment is None, s.moment or dt.datetime.min))


def _date_text(moment: dt.datetime | None) -> str:
    day = local_date(moment)
    return day.isoformat() if day else ""


def present(
    individual: Individual, *, user: Any, surface: str, raw: list[RawSighting] | None = None
) -> SightingsView:
    """The individual's sightings as ``user`` may see them (exact views are logged)."""
    rows = raw if raw is not None else raw_sightings(individual)
    shown: list[Sighting] = []
    exact_sensitive = 0
    notes: dict[tuple[int | None, float | None, bool], str] = {}
    stations: Counter[str] = Counter()
    for s in rows:
        sensitive = s.category is not None or s.withhold
        if sensitive and sensitivity.may_see_exact(user, s.scope_codes):
            exact_sensitive += 1
            view = sensitivity.exact_view(
                latitude=s.latitude,
                longitude=s.longitude,
                uncertainty_m=s.uncertainty_m,
                locality=s.locality,
                event_date=_date_text(s.moment),
                category=s.category,
            )
        else:
            view = sensitivity.generalise(
                latitude=s.latitude,
                longitude=s.longitude,
                uncertainty_m=s.uncertainty_m,
                locality=s.locality,
                event_date=_date_text(s.moment),
                category=s.category,
                withhold_entirely=s.withhold,
            )
        if not view.exact:
            text = " ".join(t for t in (view.data_generalizations, view.information_withheld) if t)
            notes.setdefault((view.category, view.cell_deg, view.withheld), text)
        elif s.station:
            stations[s.station] += 1
        year = int(view.event_date[:4]) if view.event_date[:4].isdigit() else None
        shown.append(
            Sighting(
                kind=s.kind,
                date_text=view.event_date,
                year=year,
                station=s.station if view.exact else "",
                latitude=view.latitude,
                longitude=view.longitude,
                uncertainty_m=view.uncertainty_m,
                cell_deg=view.cell_deg,
                exact=view.exact,
                event_id=s.event_id if view.exact else "",
                occurrence_id=s.occurrence_id,
                photos=s.photos,
                sort_key=s.moment.isoformat() if s.moment else "",
            )
        )
    if exact_sensitive:
        log_access(
            actor=user,
            surface=surface,
            object_type="individuals.individual",
            object_id=individual.code,
            count=exact_sensitive,
        )
    if any(not s.exact for s in shown):
        # generalised sightings are listed by year only, never in time order within a year
        shown.sort(key=lambda s: (s.year or 0, not s.exact, s.kind))
    return SightingsView(
        sightings=shown,
        exact=all(s.exact for s in shown),
        any_generalised=any(not s.exact for s in shown),
        generalisation_note=" ".join(sorted(t for t in notes.values() if t)),
        usual_stations=stations.most_common(5),
    )


def seen_text(individual: Individual, *, exact: bool) -> tuple[str, str]:
    """First and last seen as the viewer may see them (years when generalised)."""
    category = _camera_category(individual)
    first = individual.first_seen.isoformat() if individual.first_seen else ""
    last = individual.last_seen.isoformat() if individual.last_seen else ""
    if exact or category not in sensitivity.REDUCED_CATEGORIES:
        return first, last
    precision = sensitivity.current_config().reduced_date_precision
    return sensitivity.reduce_date(first, precision), sensitivity.reduce_date(last, precision)
