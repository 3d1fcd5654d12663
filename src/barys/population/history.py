"""Capture histories of camera-trap surveys from identified detections (no HTTP).

Stations are projected to metres with a Lambert azimuthal equal-area projection centred on
the survey's stations (:func:`barys.analytics.projections.centred_laea`). Usage per station and
occasion is the number of days its cameras worked (deployment windows less outages), as
:func:`barys.analytics.secr.usage_from_deployments` computes it. Times are UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import numpy as np

from barys.analytics.projections import centred_laea, local_laea
from barys.analytics.secr import (
    DETECTOR_TYPES,
    CaptureHistory,
    Detection,
    DetectorType,
    Traps,
    capthist_from_detections,
    usage_from_deployments,
)
from barys.camtrap.models import Deployment, Observation, Station, Survey
from barys.individuals.models import Annotation, Individual
from barys.population.errors import PopulationError

SOURCES = ("observations", "annotations", "both")


@dataclass(frozen=True)
class HistoryParams:
    """How a survey's detections become a capture history.

    ``start``/``end`` (UTC dates, end inclusive) default to the survey's dates, else to its
    deployments; ``occasion_days`` is the occasion length in days; ``independence_hours`` the
    minimum time between two counted encounters of one individual at one station.
    """

    start: date | None = None
    end: date | None = None
    occasion_days: float = 7.0
    detector: DetectorType = "proximity"
    independence_hours: float = 4.0
    source: str = "both"

    def as_json(self) -> dict[str, Any]:
        return {
            "start": self.start.isoformat() if self.start else None,
            "end": self.end.isoformat() if self.end else None,
            "occasion_days": self.occasion_days,
            "detector": self.detector,
            "independence_hours": self.independence_hours,
            "source": self.source,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> HistoryParams:
        def day(value: Any) -> date | None:
            return date.fromisoformat(value) if value else None

        return cls(
            start=day(data.get("start")),
            end=day(data.get("end")),
            occasion_days=float(data.get("occasion_days", 7.0)),
            detector=data.get("detector", "proximity"),
            independence_hours=float(data.get("independence_hours", 4.0)),
            source=str(data.get("source", "both")),
        )


@dataclass
class SurveyHistory:
    """A capture history with where it came from."""

    capthist: CaptureHistory
    start: datetime
    occasion_days: float
    proj4: str
    station_codes: tuple[str, ...]
    dropped: list[str] = field(default_factory=list)
    """Detections left out because they fall outside their camera's working time (outages)."""


def _check(params: HistoryParams) -> None:
    if params.detector not in DETECTOR_TYPES:
        raise PopulationError(f"unknown detector type {params.detector!r}")
    if not (math.isfinite(params.occasion_days) and params.occasion_days > 0):
        raise PopulationError("the occasion length must be a positive number of days")
    if not (math.isfinite(params.independence_hours) and params.independence_hours >= 0):
        raise PopulationError("the independence window must not be negative")
    if params.source not in SOURCES:
        raise PopulationError(f"unknown detection source {params.source!r}")


def _resolve(individual: Individual) -> Individual:
    """Follow merges to the passport that is kept."""
    seen = {individual.pk}
    while individual.merged_into_id and individual.merged_into_id not in seen:
        assert individual.merged_into is not None
        individual = individual.merged_into
        seen.add(individual.pk)
    return individual


def _working_intervals(
    deployment: Deployment, window_end: datetime
) -> list[tuple[datetime, datetime]]:
    """The deployment window less its outages (UTC)."""
    end = deployment.end
    if end is None:
        last = deployment.media.exclude(timestamp=None).order_by("-timestamp").first()
        end = last.timestamp if last and last.timestamp else deployment.start
    end = min(end, window_end)
    pieces = [(deployment.start, end)] if end > deployment.start else []
    for outage in sorted(deployment.outages.all(), key=lambda o: o.start):
        next_pieces = []
        for begin, stop in pieces:
            if outage.end <= begin or outage.start >= stop:
                next_pieces.append((begin, stop))
                continue
            if outage.start > begin:
                next_pieces.append((begin, outage.start))
            if outage.end < stop:
                next_pieces.append((outage.end, stop))
        pieces = next_pieces
    return pieces


def _window(survey: Survey, params: HistoryParams) -> tuple[datetime, datetime]:
    deployments = Deployment.objects.filter(station__survey=survey)
    start_day = params.start or survey.start_date
    end_day = params.end or survey.end_date
    if start_day is None:
        first = deployments.order_by("start").first()
        if first is None:
            raise PopulationError("the survey has no deployments")
        start_day = first.start.astimezone(UTC).date()
    if end_day is None:
        last = deployments.exclude(end=None).order_by("-end").first()
        if last is None or last.end is None:
            raise PopulationError("give an end date: the survey's deployments are still open")
        end_day = last.end.astimezone(UTC).date()
    start = datetime.combine(start_day, time(0), tzinfo=UTC)
    end = datetime.combine(end_day, time(0), tzinfo=UTC) + timedelta(days=1)
    if end <= start:
        raise PopulationError("the end date must not be before the start date")
    return start, end


def _detections(
    survey: Survey, params: HistoryParams, start: datetime, end: datetime
) -> Iterable[tuple[str, str, datetime]]:
    if params.source in ("observations", "both"):
        rows = (
            Observation.objects.filter(
                deployment__station__survey=survey,
                individual__isnull=False,
                event_start__gte=start,
                event_start__lt=end,
            )
            .select_related("individual__merged_into", "deployment__station")
            .order_by("event_start", "pk")
        )
        for obs in rows:
            assert obs.individual is not None
            yield _resolve(obs.individual).code, obs.deployment.station.code, obs.event_start
    if params.source in ("annotations", "both"):
        notes = (
            Annotation.objects.filter(
                media__deployment__station__survey=survey,
                individual__isnull=False,
                media__timestamp__gte=start,
                media__timestamp__lt=end,
            )
            .select_related("individual__merged_into", "media__deployment__station")
            .order_by("media__timestamp", "pk")
        )
        for note in notes:
            assert note.individual is not None and note.media.timestamp is not None
            yield (
                _resolve(note.individual).code,
                note.media.deployment.station.code,
                note.media.timestamp,
            )


def survey_capture_history(*, survey: Survey, params: HistoryParams) -> SurveyHistory:
    """The capture history of ``survey``'s identified individuals (see :class:`HistoryParams`).

    Raises :class:`PopulationError` when there are no stations or no identified detections.
    """
    _check(params)
    start, end = _window(survey, params)
    length = timedelta(days=params.occasion_days)
    n_occasions = max(1, math.ceil((end - start) / length))
    stations = list(Station.objects.filter(survey=survey).order_by("code"))
    if not stations:
        raise PopulationError("the survey has no stations")
    projection = centred_laea([s.latitude for s in stations], [s.longitude for s in stations])
    x, y = projection.to_xy([s.latitude for s in stations], [s.longitude for s in stations])
    codes = tuple(s.code for s in stations)
    traps = Traps(ids=codes, x=x, y=y, detector=params.detector)
    window_end = start + length * n_occasions
    intervals: dict[str, list[tuple[datetime, datetime]]] = {code: [] for code in codes}
    deployments = Deployment.objects.filter(station__survey=survey).select_related("station")
    for deployment in deployments.prefetch_related("outages"):
        intervals[deployment.station.code].extend(_working_intervals(deployment, window_end))
    usage = usage_from_deployments(
        traps, intervals, start=start, occasion_length=length, n_occasions=n_occasions
    )
    traps = traps.with_usage(np.round(usage, 6))
    kept: list[Detection] = []
    dropped: list[str] = []
    for code, station, moment in _detections(survey, params, start, end):
        s = int((moment - start) // length)
        working = any(begin <= moment <= stop for begin, stop in intervals[station])
        if not working or usage[traps.index(station), s] <= 0:
            dropped.append(
                f"{code} at {station} on occasion {s + 1}: the camera was not recorded as working"
            )
            continue
        kept.append(Detection(code, station, moment))
    if not kept:
        raise PopulationError("no identified individuals were detected in this period")
    capthist = capthist_from_detections(
        kept,
        traps,
        start=start,
        occasion_length=length,
        n_occasions=n_occasions,
        independence=timedelta(hours=params.independence_hours),
        detector=params.detector,
        session=survey.code,
    )
    return SurveyHistory(capthist, start, params.occasion_days, projection.proj4, codes, dropped)


# --- JSON form (stored on PopulationAnalysis.history) ---------------------------------------


def history_to_json(history: SurveyHistory | CaptureHistory) -> dict[str, Any]:
    """A JSON-able dict of a capture history (detections as sparse [animal, occ, trap, n])."""
    extra: dict[str, Any] = {}
    if isinstance(history, SurveyHistory):
        extra = {
            "start": history.start.isoformat(),
            "occasion_days": history.occasion_days,
            "proj4": history.proj4,
            "dropped": history.dropped,
        }
        capthist = history.capthist
    else:
        capthist = history
    traps = capthist.traps
    animal, occasion, trap = np.nonzero(capthist.counts)
    return {
        "session": capthist.session,
        "detector": capthist.detector,
        "animal_ids": list(capthist.animal_ids),
        "trap_ids": list(traps.ids),
        "x": traps.x.tolist(),
        "y": traps.y.tolist(),
        "usage": None if traps.usage is None else traps.usage.tolist(),
        "n_occasions": capthist.n_occasions,
        "detections": [
            [int(a), int(s), int(k), int(capthist.counts[a, s, k])]
            for a, s, k in zip(animal, occasion, trap, strict=True)
        ],
        **extra,
    }


def history_from_json(data: dict[str, Any]) -> CaptureHistory:
    """The :class:`CaptureHistory` stored by :func:`history_to_json`."""
    usage = None if data.get("usage") is None else np.asarray(data["usage"], dtype=np.float64)
    traps = Traps(
        ids=tuple(data["trap_ids"]),
        x=np.asarray(data["x"], dtype=np.float64),
        y=np.asarray(data["y"], dtype=np.float64),
        detector=data["detector"],
        usage=usage,
    )
    counts = np.zeros((len(data["animal_ids"]), int(data["n_occasions"]), traps.n_traps), np.int64)
    for a, s, k, n in data["detections"]:
        counts[a, s, k] = n
    return CaptureHistory(traps, tuple(data["animal_ids"]), counts, session=data["session"])


def projection_of(data: dict[str, Any]) -> Any:
    """The projection a stored history was made with (``None`` for imported files)."""
    proj4 = data.get("proj4")
    if not proj4:
        return None
    parts = dict(p.split("=", 1) for p in proj4.split() if "=" in p)
    return local_laea(float(parts["+lat_0"]), float(parts["+lon_0"]))
