"""Loading a survey for its report: a few column-only queries turned into numpy arrays.

No model instances are made for observations (there may be hundreds of thousands): their
deployment, taxon and start time come as value tuples and become arrays at once. Station
positions go through the location policy (:mod:`barys.camtrap.access`).
"""

from __future__ import annotations

import logging
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import Max
from numpy.typing import NDArray

from barys.analytics.effort import Deployment as EffortDeployment
from barys.camtrap import access, clock
from barys.camtrap.models import Deployment, Media, Observation, Outage, Station, Survey
from barys.core.localize import localized
from barys.core.sensitivity import LocationView
from barys.taxa.models import Taxon

logger = logging.getLogger(__name__)

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class DeploymentSpan:
    """A deployment as the report uses it (UTC); ``end_from_media`` when it was left open."""

    code: str
    station: str
    start: datetime
    end: datetime
    outages: tuple[tuple[datetime, datetime], ...]
    end_from_media: bool = False


@dataclass(frozen=True)
class TaxonInfo:
    scientific_name: str
    name: str
    category: int | None


@dataclass
class SurveyData:
    """Everything the report computes from, loaded once.

    Observation arrays are aligned: one entry per animal observation with a taxon.
    ``seconds`` are UTC seconds since the epoch; ``local_seconds`` the same instants in the
    time zone of the observation's deployment (so ``local_seconds % 86400`` is clock time).
    """

    survey: Survey
    stations: list[Station]
    categories: dict[int, int | None]
    spans: list[DeploymentSpan]
    skipped: list[str]
    zone_text: str
    utc_offset: timedelta
    record_station: NDArray[np.str_]
    record_species: NDArray[np.str_]
    seconds: NDArray[np.int64]
    local_seconds: NDArray[np.int64]
    taxa: dict[str, TaxonInfo]
    outline: list[NDArray[np.float64]] = field(default_factory=list)

    def keep_records(self, mask: NDArray[np.bool_]) -> None:
        """Keep only the observations where ``mask`` is true (all arrays alike)."""
        self.record_station = self.record_station[mask]
        self.record_species = self.record_species[mask]
        self.seconds = self.seconds[mask]
        self.local_seconds = self.local_seconds[mask]

    def effort_deployments(self) -> list[EffortDeployment]:
        """The deployments as inputs of :mod:`barys.analytics.effort`."""
        return [
            EffortDeployment(
                station=span.station,
                start=span.start,
                end=span.end,
                outages=span.outages,
                survey=self.survey.code,
            )
            for span in self.spans
        ]


def _utc_seconds(moments: list[datetime]) -> NDArray[np.int64]:
    return np.fromiter(
        ((m - _EPOCH) // timedelta(seconds=1) for m in moments), dtype=np.int64, count=len(moments)
    )


def _offset_seconds(zone_text: str, seconds: NDArray[np.int64]) -> NDArray[np.int64]:
    """UTC offset (seconds) of ``zone_text`` at each instant, exact to the hour of a change."""
    zone = clock.zone(zone_text)
    hours, where = np.unique(seconds // 3600, return_inverse=True)
    offsets = np.fromiter(
        (
            (datetime.fromtimestamp(int(h) * 3600, zone).utcoffset() or timedelta(0))
            // timedelta(seconds=1)
            for h in hours
        ),
        dtype=np.int64,
        count=hours.size,
    )
    return offsets[where]


def _zone_offset(zone_text: str, moment: datetime) -> timedelta:
    return moment.astimezone(clock.zone(zone_text)).utcoffset() or timedelta(0)


def _protected_area_outline(scope_code: str) -> list[NDArray[np.float64]]:
    """Rings (lon, lat) of the survey's protected area, simplified; empty when unknown."""
    if not scope_code:
        return []
    from barys.places import geometry
    from barys.places.models import ProtectedArea

    text = ProtectedArea.objects.filter(code=scope_code).values_list("geometry", flat=True).first()
    if not text:
        return []
    try:
        shape = geometry.simplified(geometry.polygonal(geometry.parse(text)), 0.002)
    except (ValueError, TypeError) as exc:
        logger.warning("protected area %s: outline not usable (%s)", scope_code, exc)
        return []
    polygons = list(getattr(shape, "geoms", [shape]))
    rings: list[NDArray[np.float64]] = []
    for polygon in polygons:
        rings.append(np.asarray(polygon.exterior.coords, dtype=np.float64))
        rings.extend(np.asarray(ring.coords, dtype=np.float64) for ring in polygon.interiors)
    return rings


def load_survey(survey: Survey) -> SurveyData:
    """Load the survey's stations, deployments, outages and animal observations.

    Queries: stations; their sensitivity categories (two); deployments; outages; animal
    observations; their taxa; the protected-area outline; and, only when a deployment has no
    end, the time of its last medium (an open deployment counts up to its last medium or
    observation, or is left out when it has none).
    """
    stations = list(Station.objects.filter(survey=survey).order_by("code"))
    categories = access.station_categories(stations)
    code_of = {s.pk: s.code for s in stations}
    deployments = list(
        Deployment.objects.filter(station__survey=survey)
        .order_by("start", "pk")
        .values_list("pk", "code", "station_id", "start", "end", "time_zone")
    )
    outages: dict[int, list[tuple[datetime, datetime]]] = {}
    for dep_id, start, end in Outage.objects.filter(deployment__station__survey=survey).values_list(
        "deployment_id", "start", "end"
    ):
        outages.setdefault(dep_id, []).append((start, end))
    rows = list(
        Observation.objects.filter(
            deployment__station__survey=survey,
            observation_type=Observation.Type.ANIMAL,
            taxon__isnull=False,
        ).values_list("deployment_id", "taxon_id", "event_start")
    )
    dep_ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
    taxon_ids = np.fromiter((r[1] for r in rows), dtype=np.int64, count=len(rows))
    seconds = _utc_seconds([r[2] for r in rows])
    del rows

    # Open deployments end at their last medium or observation.
    open_ids = [d[0] for d in deployments if d[4] is None]
    last_seen: dict[int, datetime] = {}
    if open_ids:
        for dep_id, last in (
            Media.objects.filter(deployment_id__in=open_ids, timestamp__isnull=False)
            .values("deployment_id")
            .annotate(last=Max("timestamp"))
            .values_list("deployment_id", "last")
        ):
            last_seen[dep_id] = last
        for dep_id in open_ids:
            mine = seconds[dep_ids == dep_id]
            if mine.size:
                moment = _EPOCH + timedelta(seconds=int(mine.max()) + 1)
                last_seen[dep_id] = max(last_seen.get(dep_id, moment), moment)

    spans: list[DeploymentSpan] = []
    skipped: list[str] = []
    zone_of: dict[int, str] = {}
    for pk, code, station_id, start, end, zone_text in deployments:
        zone_of[pk] = zone_text
        finish = end if end is not None else last_seen.get(pk)
        if finish is None or finish <= start:
            skipped.append(code)
            continue
        gaps = tuple(
            (max(a, start), min(b, finish))
            for a, b in sorted(outages.get(pk, []))
            if min(b, finish) > max(a, start)
        )
        spans.append(
            DeploymentSpan(
                code=code,
                station=code_of[station_id],
                start=start,
                end=finish,
                outages=gaps,
                end_from_media=end is None,
            )
        )
    order = {s.code: i for i, s in enumerate(stations)}
    spans.sort(key=lambda s: (order[s.station], s.start))

    zones = Counter(zone_of.values())
    zone_text = zones.most_common(1)[0][0] if zones else "UTC"
    first_start = spans[0].start if spans else datetime.now(UTC)
    utc_offset = _zone_offset(zone_text, min((s.start for s in spans), default=first_start))

    # Station and local time of every observation, by its deployment.
    dep_keys = np.array(sorted(zone_of), dtype=np.int64)
    position = np.searchsorted(dep_keys, dep_ids)
    station_of_dep = {pk: code_of[sid] for pk, _c, sid, *_rest in deployments}
    dep_station = np.array([station_of_dep[int(k)] for k in dep_keys] or [""], dtype=str)
    record_station = dep_station[position] if dep_ids.size else np.zeros(0, dtype=str)
    local_seconds = seconds.copy()
    zone_names = sorted(set(zone_of.values()))
    dep_zone = np.array([zone_names.index(zone_of[int(k)]) for k in dep_keys] or [0])
    record_zone = dep_zone[position] if dep_ids.size else np.zeros(0, dtype=np.int64)
    for index, name in enumerate(zone_names):
        mask = record_zone == index
        if mask.any():
            local_seconds[mask] += _offset_seconds(name, seconds[mask])

    taxa: dict[int, TaxonInfo] = {}
    for taxon in Taxon.objects.filter(pk__in=np.unique(taxon_ids).tolist()).only(
        "pk", "scientific_name", "name_kk", "name_ru", "name_en", "sensitivity_category"
    ):
        taxa[taxon.pk] = TaxonInfo(
            scientific_name=taxon.scientific_name,
            name=localized(taxon, "name") or taxon.scientific_name,
            category=taxon.sensitivity_category,
        )
    taxon_keys = np.array(sorted(taxa), dtype=np.int64)
    names = np.array([taxa[int(k)].scientific_name for k in taxon_keys] or [""], dtype=str)
    record_species = (
        names[np.searchsorted(taxon_keys, taxon_ids)] if taxon_ids.size else np.zeros(0, dtype=str)
    )
    return SurveyData(
        survey=survey,
        stations=stations,
        categories=categories,
        spans=spans,
        skipped=skipped,
        zone_text=zone_text,
        utc_offset=utc_offset,
        record_station=record_station,
        record_species=record_species,
        seconds=seconds,
        local_seconds=local_seconds,
        taxa={t.scientific_name: t for t in taxa.values()},
        outline=_protected_area_outline(survey.scope_code),
    )


def station_positions(
    data: SurveyData, *, user: Any, surface: str = "camera-trap survey report"
) -> dict[str, LocationView]:
    """Each station's position (by station code) as ``user`` may see it (``None``: the
    public view); exact views of sensitive stations are logged once for the report."""
    views = access.station_positions(
        user=user,
        stations=data.stations,
        categories=data.categories,
        surface=surface,
        object_id=data.survey.code,
    )
    return {station.code: views[station.pk] for station in data.stations}
