"""The survey report: effort, species and RAI, diel activity, occupancy (a service, no HTTP).

:func:`survey_report` loads the survey with a few column-only queries
(:mod:`barys.camtrap.report.data`), runs the pure analytics of :mod:`barys.analytics` on
numpy arrays and returns a :class:`SurveyReport` that the page, the PDF and scripts read.
Station positions are those the given person may see (the public view without a person).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np
from django.utils import timezone
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from barys.analytics.activity import TWO_PI, activity_level, density, overlap
from barys.analytics.effort import (
    SECONDS_PER_DAY,
    CameraOperation,
    IndependentDetections,
    RelativeAbundance,
    SeasonSpec,
    camera_operation,
    independent_detections,
    relative_abundance,
    trap_nights,
)
from barys.analytics.occupancy import detection_history, fit_occupancy
from barys.camtrap import access
from barys.camtrap.charts import TimelineRows
from barys.camtrap.models import Survey
from barys.camtrap.report.data import SurveyData, load_survey, station_positions
from barys.camtrap.report.parameters import ReportParameters, winter_summer_seasons
from barys.core.roles import PermissionDenied
from barys.core.sensitivity import LocationView

logger = logging.getLogger(__name__)

#: Fewest independent detections for a diel activity curve (and an overlap).
MIN_ACTIVITY_DETECTIONS = 10
#: Fewest stations with detections for an occupancy model.
MIN_OCCUPANCY_STATIONS = 3
SNOW_LEOPARD = "Panthera uncia"
#: Wild prey of the snow leopard in Kazakhstan (and livestock-sized wild ungulates).
SNOW_LEOPARD_PREY = (
    "Capra sibirica",
    "Ovis ammon",
    "Marmota baibacina",
    "Marmota bobak",
    "Sus scrofa",
    "Cervus elaphus",
    "Cervus canadensis",
    "Capreolus pygargus",
    "Lepus tolai",
    "Lepus timidus",
    "Tetraogallus himalayensis",
    "Alectoris chukar",
    "Ochotona rufescens",
)
_GRID = np.linspace(0.0, TWO_PI, 145)  # every 10 minutes, midnight to midnight


@dataclass(frozen=True)
class StationRow:
    """A station's effort: trap-nights (camera-days) overall and per season."""

    code: str
    position: LocationView
    deployments: int
    days_deployed: int
    outage_days: float
    trap_nights: float
    by_season: list[float]
    detections: int


@dataclass(frozen=True)
class SpeciesRow:
    """Records, independent detections and RAI (per 100 trap-nights) of one species."""

    scientific_name: str
    name: str
    records: int
    detections: int
    stations: int
    rai: float
    by_season: list[float]


@dataclass(frozen=True)
class ActivityResult:
    """Diel activity of a species: local clock times (radians), density, activity level."""

    scientific_name: str
    name: str
    n: int
    times: NDArray[np.float64]
    density_per_hour: NDArray[np.float64]
    level: float
    level_se: float
    peak_hour: float


@dataclass(frozen=True)
class OverlapResult:
    """Overlap of the snow leopard's activity with a prey species' (Ridout & Linkie 2009)."""

    prey: str
    prey_name: str
    n_leopard: int
    n_prey: int
    estimator: str
    value: float
    dhat1: float
    dhat4: float


@dataclass(frozen=True)
class OccupancyResult:
    """The null model psi(.)p(.) of one species; ``error`` says why it could not be fitted."""

    scientific_name: str
    name: str
    stations_detected: int
    sites: int = 0
    occasions: int = 0
    naive: float = float("nan")
    psi: float = float("nan")
    psi_se: float = float("nan")
    p: float = float("nan")
    p_se: float = float("nan")
    aic: float = float("nan")
    converged: bool = False
    error: str = ""


@dataclass(frozen=True)
class MapPoint:
    """A position on the maps (one station, or several generalised into one grid cell)."""

    longitude: float
    latitude: float
    exact: bool
    stations: int
    trap_nights: float
    detections: NDArray[np.int64]  # per species, in the order of ``SurveyReport.species``


@dataclass
class ReportCharts:
    """The report's charts as SVG documents (for the page)."""

    operation: str = ""
    rai: str = ""
    effort_map: str = ""
    activity: str = ""
    overlaps: list[tuple[OverlapResult, str]] = field(default_factory=list)
    detection_maps: list[tuple[SpeciesRow, str]] = field(default_factory=list)


@dataclass
class SurveyReport:
    """Everything the survey report shows. Trap-nights are camera-days; RAI is independent
    detections per 100 trap-nights; times of day are local to each deployment's zone."""

    survey: Survey
    parameters: ReportParameters
    generated_at: datetime
    first_day: date | None = None
    last_day: date | None = None
    zone_text: str = ""
    utc_offset_hours: float = 0.0
    seasons: list[str] = field(default_factory=list)
    n_deployments: int = 0
    n_records: int = 0
    n_detections: int = 0
    trap_nights: float = 0.0
    trap_nights_by_season: list[float] = field(default_factory=list)
    stations: list[StationRow] = field(default_factory=list)
    species: list[SpeciesRow] = field(default_factory=list)
    station_rai: list[tuple[str, list[float]]] = field(default_factory=list)
    excluded_detections: int = 0
    activity: list[ActivityResult] = field(default_factory=list)
    activity_omitted: list[tuple[str, int]] = field(default_factory=list)
    overlaps: list[OverlapResult] = field(default_factory=list)
    overlap_note: str = ""
    occupancy: list[OccupancyResult] = field(default_factory=list)
    occupancy_omitted: list[tuple[str, int]] = field(default_factory=list)
    map_points: list[MapPoint] = field(default_factory=list)
    outline: list[NDArray[np.float64]] = field(default_factory=list)
    generalised: int = 0
    withheld: int = 0
    timeline_rows: TimelineRows = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    empty: str = ""
    charts: ReportCharts | None = None
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def has_data(self) -> bool:
        return not self.empty

    @property
    def season_effort(self) -> list[tuple[str, float]]:
        """``(season, trap-nights)`` pairs."""
        return list(zip(self.seasons, self.trap_nights_by_season, strict=True))

    def species_index(self, scientific_name: str) -> int:
        return [s.scientific_name for s in self.species].index(scientific_name)


class _Clock:
    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.timings[name] = round(self.timings.get(name, 0.0) + now - self._last, 4)
        self._last = now


def survey_report(
    survey: Survey,
    *,
    user: Any,
    independence_minutes: int = 30,
    occasion_days: int = 7,
    seasons: SeasonSpec | None = None,
    charts: bool = True,
    activity_bootstrap: int = 0,
    prey: Sequence[str] = SNOW_LEOPARD_PREY,
) -> SurveyReport:
    """Build the report of a camera-trap survey as ``user`` may see it.

    Args:
        user: the person reading it: needs the observer role or higher in the survey's area
            (:func:`barys.camtrap.access.can_view_area`); station positions are those this
            person may see. ``None`` builds the public version (for scripts): positions
            generalised as for anyone, category-1 stations withheld.
        independence_minutes: records of a species at a station closer than this form one
            independent detection (measured from the detection's first record).
        occasion_days: occasion length (days) of the occupancy detection histories.
        seasons: season spec (label -> months or date ranges, see
            :func:`barys.analytics.effort.season_index`); default: winter (Nov–Apr) and
            summer (May–Oct) of each year.
        charts: render the SVG charts (the PDF draws its own figures).
        activity_bootstrap: bootstrap replicates for the activity level's SE (0: none).
        prey: species whose overlap with the snow leopard is estimated.

    Raises:
        PermissionDenied: ``user`` may not read the survey's data.
        ReportParameterError: a parameter is out of range.
    """
    parameters = ReportParameters(
        independence_minutes=independence_minutes, occasion_days=occasion_days
    )
    if user is not None and not access.can_view_area(user, survey.scope_code):
        raise PermissionDenied(_("a role in this protected area is needed"))
    watch = _Clock()
    report = SurveyReport(survey=survey, parameters=parameters, generated_at=timezone.now())
    data = load_survey(survey)
    watch.lap("loading_s")
    positions = station_positions(data, user=user)
    report.generalised = sum(1 for v in positions.values() if v.generalised and not v.withheld)
    report.withheld = sum(1 for v in positions.values() if v.withheld)
    report.outline = data.outline
    report.zone_text = data.zone_text
    report.utc_offset_hours = data.utc_offset.total_seconds() / 3600
    report.n_deployments = len(data.spans)
    report.n_records = int(data.seconds.size)
    if data.skipped:
        report.notes.append(
            _("Open deployments without media were left out: %(codes)s.")
            % {"codes": ", ".join(data.skipped)}
        )
    watch.lap("positions_s")
    if not data.spans:
        report.empty = _("This survey has no deployments with a known period yet.")
        report.timings = watch.timings
        return report

    operation = camera_operation(data.effort_deployments(), utc_offset=data.utc_offset)
    report.first_day = operation.first_day
    report.last_day = operation.first_day + timedelta(days=operation.n_days - 1)
    spec = seasons or winter_summer_seasons(report.first_day, report.last_day)
    nights = trap_nights(operation, seasons=spec)
    report.seasons = list(nights.seasons)
    report.trap_nights = nights.total
    report.trap_nights_by_season = [float(v) for v in nights.values.sum(axis=0)]
    report.timeline_rows = _timeline_rows(data)
    watch.lap("effort_s")

    detections = _detections(data, operation, parameters, report)
    rai = relative_abundance(detections, operation, seasons=spec)
    report.excluded_detections = rai.excluded
    report.n_detections = len(detections)
    if rai.excluded:
        report.notes.append(
            _(
                "%(n)s independent detections fell on days when no camera worked at their "
                "station and are not counted in the RAI."
            )
            % {"n": rai.excluded}
        )
    order = _species_rows(report, data, rai)
    _station_rows(report, data, operation, rai, order, positions)
    watch.lap("rai_s")

    _activity(report, data, detections, activity_bootstrap, prey)
    watch.lap("activity_s")
    _occupancy(report, operation, detections, parameters)
    watch.lap("occupancy_s")
    if charts:
        from barys.camtrap.report.charts import render_charts

        report.charts = render_charts(report)
        watch.lap("charts_s")
    report.timings = watch.timings
    report.timings["total_s"] = round(sum(watch.timings.values()), 4)
    return report


def _timeline_rows(data: SurveyData) -> TimelineRows:
    spans: dict[str, list[tuple[datetime, datetime]]] = {}
    gaps: dict[str, list[tuple[datetime, datetime]]] = {}
    for span in data.spans:
        spans.setdefault(span.station, []).append((span.start, span.end))
        gaps.setdefault(span.station, []).extend(span.outages)
    return [(code, spans[code], gaps[code]) for code in spans]


def _detections(
    data: SurveyData,
    operation: CameraOperation,
    parameters: ReportParameters,
    report: SurveyReport,
) -> IndependentDetections:
    """Independent detections of the records at stations with a deployment (the others are
    dropped from ``data`` and counted in a note)."""
    keep = np.isin(data.record_station, np.asarray(operation.stations, dtype=str))
    dropped = int((~keep).sum())
    if dropped:
        report.notes.append(
            _("%(n)s records at stations without a usable deployment were left out.")
            % {"n": dropped}
        )
    data.keep_records(keep)
    return independent_detections(
        data.record_station,
        data.record_species,
        data.seconds.astype("datetime64[s]"),
        window=timedelta(minutes=parameters.independence_minutes),
    )


def _species_rows(report: SurveyReport, data: SurveyData, rai: RelativeAbundance) -> list[int]:
    """Species rows, most detected first; returns their order as indices into ``rai``."""
    names, n_records = np.unique(data.record_species, return_counts=True)
    records = {str(k): int(v) for k, v in zip(names, n_records, strict=True)}
    by_season = rai.detections.sum(axis=1)  # species x seasons
    season_nights = rai.trap_nights.sum(axis=0)
    total = float(rai.trap_nights.sum())
    rows = []
    for s, name in enumerate(rai.species):
        n = int(by_season[s].sum())
        rows.append(
            SpeciesRow(
                scientific_name=name,
                name=data.taxa[name].name if name in data.taxa else name,
                records=records.get(name, 0),
                detections=n,
                stations=int((rai.detections[s].sum(axis=1) > 0).sum()),
                rai=_per_100(n, total),
                by_season=[
                    _per_100(int(c), float(t))
                    for c, t in zip(by_season[s], season_nights, strict=True)
                ],
            )
        )
    order = sorted(range(len(rows)), key=lambda i: (-rows[i].detections, rows[i].name))
    report.species = [rows[i] for i in order]
    return order


def _per_100(count: int, nights: float) -> float:
    return 100.0 * count / nights if nights > 0 else float("nan")


def _station_rows(
    report: SurveyReport,
    data: SurveyData,
    operation: CameraOperation,
    rai: RelativeAbundance,
    order: list[int],
    positions: dict[str, LocationView],
) -> None:
    """Effort per station, RAI per station and species, and the points of the maps."""
    per_station = rai.detections.sum(axis=2)[order]  # species (report order) x stations
    nights = rai.trap_nights  # stations x seasons
    deployed = (~np.isnan(operation.effort)).sum(axis=1)
    n_deployments: dict[str, int] = {}
    outage_days: dict[str, float] = {}
    for span in data.spans:
        n_deployments[span.station] = n_deployments.get(span.station, 0) + 1
        outage_days[span.station] = outage_days.get(span.station, 0.0) + sum(
            (b - a).total_seconds() / SECONDS_PER_DAY for a, b in span.outages
        )
    points: dict[tuple[float, float, bool], list[int]] = {}
    for i, code in enumerate(operation.stations):
        view = positions[code]
        total = float(nights[i].sum())
        report.stations.append(
            StationRow(
                code=code,
                position=view,
                deployments=n_deployments.get(code, 0),
                days_deployed=int(deployed[i]),
                outage_days=round(outage_days.get(code, 0.0), 2),
                trap_nights=total,
                by_season=[float(v) for v in nights[i]],
                detections=int(per_station[:, i].sum()),
            )
        )
        report.station_rai.append((code, [_per_100(int(c), total) for c in per_station[:, i]]))
        if view.withheld or view.latitude is None or view.longitude is None:
            continue
        points.setdefault((view.longitude, view.latitude, view.exact), []).append(i)
    for (lon, lat, exact), rows in points.items():
        report.map_points.append(
            MapPoint(
                longitude=lon,
                latitude=lat,
                exact=exact,
                stations=len(rows),
                trap_nights=float(nights[rows].sum()),
                detections=per_station[:, rows].sum(axis=1).astype(np.int64),
            )
        )


def _activity(
    report: SurveyReport,
    data: SurveyData,
    detections: IndependentDetections,
    n_boot: int,
    prey: Sequence[str],
) -> None:
    """Diel activity of species with enough detections; overlap of the snow leopard's."""
    clock = np.mod(data.local_seconds[detections.record_index], SECONDS_PER_DAY) * (
        TWO_PI / SECONDS_PER_DAY
    )
    per_hour = TWO_PI / 24.0
    for row in report.species:
        mask = detections.of_species(row.scientific_name)
        n = int(mask.sum())
        if n < MIN_ACTIVITY_DETECTIONS:
            report.activity_omitted.append((row.name, n))
            continue
        times = clock[mask]
        try:
            curve = density(times, _GRID)
            level = activity_level(times, n_boot=n_boot, seed=20240601)
        except ValueError as exc:
            logger.warning("activity of %s: %s", row.scientific_name, exc)
            report.activity_omitted.append((row.name, n))
            continue
        report.activity.append(
            ActivityResult(
                scientific_name=row.scientific_name,
                name=row.name,
                n=n,
                times=times,
                density_per_hour=curve * per_hour,
                level=level.level,
                level_se=level.se,
                peak_hour=float(_GRID[int(np.argmax(curve))] * 24.0 / TWO_PI),
            )
        )
    found = {a.scientific_name: a for a in report.activity}
    leopard = found.get(SNOW_LEOPARD)
    if leopard is None:
        report.overlap_note = _(
            "The snow leopard has fewer than %(n)s independent detections: no overlap with "
            "its prey is estimated."
        ) % {"n": MIN_ACTIVITY_DETECTIONS}
        return
    for name in prey:
        other = found.get(name)
        if other is None:
            continue
        try:
            estimate = overlap(leopard.times, other.times)
        except ValueError as exc:
            logger.warning("overlap of %s and %s: %s", SNOW_LEOPARD, name, exc)
            continue
        report.overlaps.append(
            OverlapResult(
                prey=name,
                prey_name=other.name,
                n_leopard=leopard.n,
                n_prey=other.n,
                estimator="Dhat4" if min(leopard.n, other.n) >= 75 else "Dhat1",
                value=estimate.recommended,
                dhat1=estimate.dhat1,
                dhat4=estimate.dhat4,
            )
        )
    if not report.overlaps:
        report.overlap_note = _(
            "No prey species of the snow leopard has %(n)s or more independent detections."
        ) % {"n": MIN_ACTIVITY_DETECTIONS}


def _occupancy(
    report: SurveyReport,
    operation: CameraOperation,
    detections: IndependentDetections,
    parameters: ReportParameters,
) -> None:
    """The null occupancy model of each species detected at enough stations."""
    for row in report.species:
        if row.stations < MIN_OCCUPANCY_STATIONS:
            report.occupancy_omitted.append((row.name, row.stations))
            continue
        try:
            history = detection_history(
                operation,
                detections,
                row.scientific_name,
                occasion_length=parameters.occasion_days,
            )
            fit = fit_occupancy(history.detections)
            psi, p = fit.predict_psi(), fit.predict_p()
        except Exception as exc:  # a failed fit is reported, never fails the report
            logger.warning("occupancy of %s failed: %s", row.scientific_name, exc)
            report.occupancy.append(
                OccupancyResult(
                    scientific_name=row.scientific_name,
                    name=row.name,
                    stations_detected=row.stations,
                    error=str(exc) or exc.__class__.__name__,
                )
            )
            continue
        report.occupancy.append(
            OccupancyResult(
                scientific_name=row.scientific_name,
                name=row.name,
                stations_detected=row.stations,
                sites=fit.n_sites,
                occasions=history.n_occasions,
                naive=history.naive_occupancy,
                psi=float(psi.estimate[0]),
                psi_se=float(psi.se[0]),
                p=float(p.estimate[0]),
                p_se=float(p.se[0]),
                aic=fit.aic,
                converged=fit.converged,
            )
        )
