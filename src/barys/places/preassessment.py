"""The IUCN criteria pre-assessment of a taxon: a draft for curators, never the official status.

Inputs come from three places: the taxon's population estimates (one series: an area and a
unit), the stored EOO and AOO of one period, and the subconditions a curator records
(:class:`~barys.places.models.PreAssessmentInputs`). :func:`barys.analytics.iucn.pre_assess`
checks criteria A–D on them.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import Any

from django.db import transaction

from barys.analytics import iucn
from barys.analytics.iucn_criteria import MATURE_UNIT, AssessmentInputError
from barys.core import audit
from barys.core.models import User
from barys.places.areas import PERIOD_ALL
from barys.places.models import AreaEstimate, PreAssessmentInputs
from barys.taxa.models import PopulationEstimate, Taxon

#: Names of the whole country in population estimates (a national series is preferred).
NATIONAL_AREAS = frozenset({"", "kazakhstan", "казахстан", "қазақстан"})
SERIES_SEPARATOR = " | "


@dataclass(frozen=True)
class SeriesChoice:
    """A population series: estimates of one area in one unit."""

    area: str
    unit: str
    n_points: int

    @property
    def key(self) -> str:
        return f"{self.area}{SERIES_SEPARATOR}{self.unit}"


@dataclass(frozen=True)
class PreAssessmentView:
    """Everything the pre-assessment page shows."""

    result: iucn.PreAssessment | None
    error: str
    inputs: iucn.AssessmentInputs
    series: SeriesChoice | None
    series_points: list[tuple[float, float]]
    series_choices: list[SeriesChoice]
    area: AreaEstimate | None
    mature_from_series: bool


def series_choices(taxon: Taxon) -> list[SeriesChoice]:
    """The (area, unit) series of the taxon's estimates, the preferred one first: national
    before regional, mature individuals before other units, then the longest."""
    counts = Counter((e.area, e.unit) for e in taxon.population_estimates.all())
    choices = [SeriesChoice(area, unit, n) for (area, unit), n in counts.items()]
    return sorted(
        choices,
        key=lambda c: (
            c.area.strip().lower() not in NATIONAL_AREAS,
            c.unit != PopulationEstimate.Unit.MATURE,
            -c.n_points,
            c.area,
            c.unit,
        ),
    )


def series_points(taxon: Taxon, choice: SeriesChoice) -> list[tuple[float, float]]:
    """(year, value) pairs of one series: the middle year of each estimate and its central
    value; estimates of the same year are averaged."""
    by_year: dict[float, list[float]] = defaultdict(list)
    for estimate in taxon.population_estimates.filter(area=choice.area, unit=choice.unit):
        value = estimate.central
        if value is not None:
            by_year[estimate.year_mid].append(value)
    return [(year, sum(v) / len(v)) for year, v in sorted(by_year.items())]


def _subpopulations(text: str) -> list[float] | None:
    parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
    if not parts:
        return None
    try:
        return [float(p) for p in parts]
    except ValueError:
        raise AssessmentInputError(
            f"subpopulation sizes {text!r} must be numbers separated by commas"
        ) from None


def inputs_for(taxon: Taxon) -> PreAssessmentInputs:
    """The recorded inputs, or unsaved defaults."""
    found = PreAssessmentInputs.objects.filter(taxon=taxon).first()
    return found or PreAssessmentInputs(taxon=taxon)


def build(taxon: Taxon, recorded: PreAssessmentInputs | None = None) -> PreAssessmentView:
    """Gather the inputs and run the pre-assessment (errors are shown, never raised)."""
    recorded = recorded or inputs_for(taxon)
    choices = series_choices(taxon)
    chosen = next(
        (c for c in choices if c.key == recorded.population_series), choices[0] if choices else None
    )
    points = series_points(taxon, chosen) if chosen else []
    area = (
        AreaEstimate.objects.filter(taxon=taxon, period=recorded.period or PERIOD_ALL)
        .defer("hull", "cells")
        .first()
    )
    mature_unit = chosen is not None and chosen.unit == PopulationEstimate.Unit.MATURE
    mature = recorded.mature_individuals
    mature_from_series = False
    if mature is None and mature_unit and points:
        mature, mature_from_series = points[-1][1], True
    error = ""
    try:
        subpopulations = _subpopulations(recorded.subpopulation_sizes)
    except AssessmentInputError as exc:
        subpopulations, error = None, str(exc)
    inputs = iucn.AssessmentInputs(
        population_series=points or None,
        population_unit=MATURE_UNIT if mature_unit else (chosen.unit if chosen else MATURE_UNIT),
        generation_length_years=recorded.generation_length_years,
        assessment_year=recorded.assessment_year,
        reduction_causes_ceased=recorded.reduction_causes_ceased,
        reduction_bases=recorded.reduction_bases,
        eoo_km2=area.eoo_km2 if area and area.n_records else None,
        aoo_km2=area.aoo_km2 if area and area.n_records else None,
        number_of_locations=recorded.number_of_locations,
        severely_fragmented=recorded.severely_fragmented,
        continuing_decline=iucn.ContinuingDecline(
            eoo=recorded.decline_eoo,
            aoo=recorded.decline_aoo,
            habitat=recorded.decline_habitat,
            locations=recorded.decline_locations,
            mature_individuals=recorded.decline_mature,
        ),
        extreme_fluctuations=iucn.ExtremeFluctuations(
            eoo=recorded.fluctuation_eoo,
            aoo=recorded.fluctuation_aoo,
            locations=recorded.fluctuation_locations,
            mature_individuals=recorded.fluctuation_mature,
        ),
        mature_individuals=mature,
        subpopulation_sizes=subpopulations,
        plausible_future_threat=recorded.plausible_future_threat,
    )
    result = None
    if not error:
        try:
            result = iucn.pre_assess(inputs)
        except AssessmentInputError as exc:
            error = str(exc)
    return PreAssessmentView(
        result=result,
        error=error,
        inputs=inputs,
        series=chosen,
        series_points=points,
        series_choices=choices,
        area=area,
        mature_from_series=mature_from_series,
    )


@transaction.atomic
def save_inputs(*, taxon: Taxon, actor: User | None, **values: Any) -> PreAssessmentInputs:
    """Record the curator's inputs for ``taxon`` (audited)."""
    current = PreAssessmentInputs.objects.select_for_update().filter(taxon=taxon).first()
    if current is None:
        current = PreAssessmentInputs(taxon=taxon, updated_by=actor, **values)
        current.save()
        audit.record_create(current, actor=actor)
        return current
    before = audit.snapshot(current)
    for key, value in values.items():
        setattr(current, key, value)
    current.updated_by = actor
    current.save()
    audit.record_update(current, before, actor=actor)
    return current
