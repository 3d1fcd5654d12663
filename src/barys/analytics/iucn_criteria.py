"""IUCN Red List criteria A-D: a draft pre-assessment for curators.

The thresholds are those of the *IUCN Red List Categories and Criteria, version 3.1* (IUCN 2012)
as explained in the *Guidelines for Using the IUCN Red List Categories and Criteria* (version 16,
2024). The result is a **draft for a curator's review, never an official status**: the function
checks the quantitative thresholds on the inputs it is given, lists the inputs it lacked, and
suggests the highest category met. Judgements the criteria require (whether causes of a reduction
have ceased, whether a threat is plausible, what a "location" is) stay with the curator and are
inputs here. Criterion E (quantitative analysis) is not evaluated.

Units: years for time, km2 for areas, numbers of mature individuals for population sizes,
percent for reductions.

Population reduction (criterion A and the C1 decline) is measured over a time window: the longer
of 10 years or 3 generations for A (up to 100 years into the future for A3/A4), and the window of
each category for C1. When the series has counts exactly at both ends of the window, the
reduction is ``1 - N(end) / N(start)``. Otherwise an exponential trend ``N(t) = N0 exp(r t)`` is
fitted by least squares to ``ln N`` over the counts inside the window (all counts on that side of
the assessment year when fewer than two fall inside) and the reduction is ``1 - exp(r * L)`` for
window length ``L``; ``extrapolated`` says when the counts do not span the window. The Guidelines
(section 4.5 and the worked examples of section 5) assume exponential decline when there is no
evidence that the rate of decline is changing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field, fields
from enum import StrEnum
from typing import Literal

import numpy as np

DISCLAIMER = (
    "Draft pre-assessment computed from the inputs given: a suggestion for the curator, "
    "not an official IUCN Red List or Red Book status."
)


class Category(StrEnum):
    """Threatened categories of the IUCN Red List, ordered by :attr:`rank`."""

    CR = "CR"
    EN = "EN"
    VU = "VU"

    @property
    def rank(self) -> int:
        """3 for CR, 2 for EN, 1 for VU."""
        return {"CR": 3, "EN": 2, "VU": 1}[self.value]


LEVELS: tuple[Category, ...] = (Category.CR, Category.EN, Category.VU)
"""Categories from the most to the least severe."""

# Criterion A: reduction, percent (>=).
A1_REDUCTION = {Category.CR: 90.0, Category.EN: 70.0, Category.VU: 50.0}
A2_4_REDUCTION = {Category.CR: 80.0, Category.EN: 50.0, Category.VU: 30.0}
# Criterion B: EOO and AOO, km2 (<); number of locations (<=).
B1_EOO_KM2 = {Category.CR: 100.0, Category.EN: 5_000.0, Category.VU: 20_000.0}
B2_AOO_KM2 = {Category.CR: 10.0, Category.EN: 500.0, Category.VU: 2_000.0}
B_LOCATIONS = {Category.CR: 1, Category.EN: 5, Category.VU: 10}
# Criterion C: mature individuals (<); C1 decline (percent, minimum years, generations).
C_MATURE = {Category.CR: 250.0, Category.EN: 2_500.0, Category.VU: 10_000.0}
C1_DECLINE = {
    Category.CR: (25.0, 3.0, 1.0),
    Category.EN: (20.0, 5.0, 2.0),
    Category.VU: (10.0, 10.0, 3.0),
}
C2AI_MAX_SUBPOPULATION = {Category.CR: 50.0, Category.EN: 250.0, Category.VU: 1_000.0}
C2AII_SHARE_PERCENT = {Category.CR: 90.0, Category.EN: 95.0, Category.VU: 100.0}
# Criterion D: mature individuals (<); D2 restriction.
D_MATURE = {Category.CR: 50.0, Category.EN: 250.0, Category.VU: 1_000.0}
D2_AOO_KM2 = 20.0
D2_LOCATIONS = 5
FUTURE_CAP_YEARS = 100.0

ROMAN = ("i", "ii", "iii", "iv", "v")
MATURE_UNIT = "mature individuals"


class AssessmentInputError(ValueError):
    """An input to the pre-assessment is malformed (names the field and the value)."""


@dataclass(frozen=True)
class ContinuingDecline:
    """Observed, estimated, inferred or projected continuing decline (criterion B b(i)-(v)).

    ``None`` means unknown. ``mature_individuals`` is also the decline that C2 requires.
    """

    eoo: bool | None = None  # (i) extent of occurrence
    aoo: bool | None = None  # (ii) area of occupancy
    habitat: bool | None = None  # (iii) area, extent and/or quality of habitat
    locations: bool | None = None  # (iv) number of locations or subpopulations
    mature_individuals: bool | None = None  # (v) number of mature individuals


@dataclass(frozen=True)
class ExtremeFluctuations:
    """Extreme fluctuations (criterion B c(i)-(iv), C2b). ``None`` means unknown."""

    eoo: bool | None = None  # (i)
    aoo: bool | None = None  # (ii)
    locations: bool | None = None  # (iii) number of locations or subpopulations
    mature_individuals: bool | None = None  # (iv)


@dataclass(frozen=True)
class AssessmentInputs:
    """Inputs of a pre-assessment; every field is optional.

    ``population_series`` holds (year, value) pairs in ``population_unit`` (mature individuals,
    or an index of abundance). ``assessment_year`` defaults to the last year of the series; later
    years are taken as projections (A3, A4, C1). ``reduction_causes_ceased`` is the curator's
    judgement that the causes of the reduction are clearly reversible, understood and have
    ceased (A1 rather than A2). ``reduction_bases`` are the letters a-e of criterion A (default:
    ``a`` for counts of mature individuals, ``b`` for an index). ``past_reduction_percent`` and
    ``projected_reduction_percent`` give a reduction directly (over the A window, past and
    future) and take precedence over the series. Areas in km2; ``subpopulation_sizes`` in mature
    individuals per subpopulation; ``plausible_future_threat`` is the D2 judgement.
    """

    population_series: Sequence[tuple[float, float]] | None = None
    population_unit: str = MATURE_UNIT
    generation_length_years: float | None = None
    assessment_year: float | None = None
    reduction_causes_ceased: bool | None = None
    reduction_bases: str = ""
    past_reduction_percent: float | None = None
    projected_reduction_percent: float | None = None
    eoo_km2: float | None = None
    aoo_km2: float | None = None
    number_of_locations: int | None = None
    severely_fragmented: bool | None = None
    continuing_decline: ContinuingDecline = field(default_factory=ContinuingDecline)
    extreme_fluctuations: ExtremeFluctuations = field(default_factory=ExtremeFluctuations)
    mature_individuals: float | None = None
    subpopulation_sizes: Sequence[float] | None = None
    plausible_future_threat: bool | None = None


@dataclass(frozen=True)
class ReductionEstimate:
    """A population reduction over ``start_year``..``end_year`` in percent (negative: increase).

    ``method`` is ``"endpoints"`` (counts at both ends) or ``"log-linear"`` (exponential trend
    fitted to ``n_points`` counts; ``annual_rate`` is its rate r per year in ln units);
    ``extrapolated`` says the counts used do not span the whole window.
    """

    start_year: float
    end_year: float
    percent: float
    method: Literal["endpoints", "log-linear"]
    n_points: int
    extrapolated: bool
    annual_rate: float | None = None


@dataclass(frozen=True)
class ThresholdMet:
    """One threshold met: the subcriterion (e.g. ``"B1"``), its category and what was compared."""

    subcriterion: str
    category: Category
    detail: str


@dataclass(frozen=True)
class CriterionResult:
    """Outcome of one criterion (``"A"``, ``"B"``, ``"C"`` or ``"D"``).

    ``category`` is the highest category it suggests (``None``: not met); ``code`` the criteria
    string in IUCN notation at that category (e.g. ``"B1ab(iii)+2ab(iii)"``); ``thresholds_met``
    every threshold met at any category; ``missing_inputs`` the input fields (dotted names) that
    were unknown and could change the outcome.
    """

    criterion: str
    category: Category | None
    code: str
    thresholds_met: tuple[ThresholdMet, ...] = ()
    missing_inputs: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class PreAssessment:
    """A draft IUCN pre-assessment: the suggested category and the criteria behind it.

    ``category`` is the highest category any criterion suggests (``None``: no threatened category
    met on the inputs given, which is not the same as Least Concern). ``criteria_string`` lists
    the criteria met at that category, separated by ``"; "`` as on the Red List
    (e.g. ``"A2b; B1ab(iii)+2ab(iii)"``).
    """

    category: Category | None
    criteria_string: str
    criteria: tuple[CriterionResult, ...]
    missing_inputs: tuple[str, ...]
    reductions: dict[str, ReductionEstimate]
    notes: tuple[str, ...]
    disclaimer: str = DISCLAIMER

    @property
    def label(self) -> str:
        """The suggestion as one line, e.g. ``"EN B1ab(iii)+2ab(iii)"``."""
        if self.category is None:
            return "not threatened under criteria A-D on the inputs given"
        return f"{self.category.value} {self.criteria_string}"

    def criterion(self, letter: str) -> CriterionResult:
        """The result of criterion ``letter`` (``"A"``..``"D"``)."""
        for result in self.criteria:
            if result.criterion == letter:
                return result
        raise KeyError(letter)


# --------------------------------------------------------------------------------------------
# Population series and reductions


def _series_arrays(series: Sequence[tuple[float, float]]) -> tuple[np.ndarray, np.ndarray]:
    try:
        arr = np.asarray([(float(y), float(v)) for y, v in series], dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise AssessmentInputError(
            f"population_series must be (year, value) pairs of numbers: {exc}"
        ) from exc
    if arr.size == 0:
        return np.zeros(0), np.zeros(0)
    for i, (year, value) in enumerate(arr):
        if not (math.isfinite(year) and math.isfinite(value)) or value < 0 or abs(year) > 1e4:
            raise AssessmentInputError(
                f"population_series[{i}] = ({year!r}, {value!r}): the year must be a calendar "
                "year and the value a finite non-negative number"
            )
    order = np.argsort(arr[:, 0], kind="stable")
    years, values = arr[order, 0], arr[order, 1]
    dup = np.flatnonzero(np.diff(years) == 0)
    if dup.size:
        raise AssessmentInputError(f"population_series has two values for year {years[dup[0]]:g}")
    return years, values


def estimate_reduction(
    series: Sequence[tuple[float, float]],
    start_year: float,
    end_year: float,
    *,
    side: Literal["past", "future", "both"] = "both",
) -> ReductionEstimate | None:
    """Reduction in percent of a (year, value) series over ``start_year``..``end_year``.

    Counts at both ends: ``100 * (1 - N(end) / N(start))``. Otherwise a log-linear fit to the
    counts inside the window, or, when fewer than two fall inside, to the counts before
    ``end_year`` (``side="past"``), after ``start_year`` (``"future"``) or all counts
    (``"both"``). Returns ``None`` when fewer than two counts are usable. Raises
    :class:`AssessmentInputError` for malformed series and for zero counts that a log-linear
    fit cannot take.
    """
    start_year, end_year = float(start_year), float(end_year)
    if not end_year > start_year:
        raise AssessmentInputError(f"window {start_year:g}..{end_year:g} is empty")
    years, values = _series_arrays(series)
    start_hit = np.flatnonzero(years == start_year)
    end_hit = np.flatnonzero(years == end_year)
    if start_hit.size and end_hit.size and values[start_hit[0]] > 0:
        n0, n1 = values[start_hit[0]], values[end_hit[0]]
        inside = int(np.count_nonzero((years >= start_year) & (years <= end_year)))
        percent = float(100.0 * (1.0 - n1 / n0))
        return ReductionEstimate(start_year, end_year, percent, "endpoints", inside, False)
    mask = (years >= start_year) & (years <= end_year)
    if np.count_nonzero(mask) < 2:
        if side == "past":
            mask = years <= end_year
        elif side == "future":
            mask = years >= start_year
        else:
            mask = np.ones_like(years, dtype=bool)
    if np.count_nonzero(mask) < 2:
        return None
    fy, fv = years[mask], values[mask]
    if np.any(fv <= 0):
        zero_year = fy[np.flatnonzero(fv <= 0)[0]]
        raise AssessmentInputError(
            f"population_series: the value 0 in year {zero_year:g} cannot enter the log-linear "
            f"fit over {start_year:g}..{end_year:g}; give counts at both ends of the window"
        )
    rate, _ = np.polyfit(fy - fy.mean(), np.log(fv), 1)
    percent = float(-100.0 * math.expm1(min(rate * (end_year - start_year), 700.0)))
    outside = bool(fy.min() > start_year or fy.max() < end_year)
    return ReductionEstimate(
        start_year, end_year, percent, "log-linear", int(fy.size), outside, float(rate)
    )


def _at_least(percent: float, threshold: float) -> bool:
    """``percent >= threshold``, forgiving floating-point error (1 - 0.8 = 0.19999...)."""
    return percent >= threshold - 1e-9


def _fmt(value: float) -> str:
    return f"{value:,.6g}"


def _best(met: dict[Category, bool]) -> Category | None:
    return next((level for level in LEVELS if met.get(level)), None)


@dataclass
class _Outcome:
    """What one criterion found, gathered while it is checked."""

    letter: str
    codes: dict[Category, str] = field(default_factory=dict)
    met: list[ThresholdMet] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def threshold(self, sub: str, level: Category, detail: str) -> None:
        self.met.append(ThresholdMet(sub, level, detail))

    def unknown(self, prefix: str, obj: ContinuingDecline | ExtremeFluctuations) -> None:
        self.missing += [f"{prefix}.{f.name}" for f in fields(obj) if getattr(obj, f.name) is None]

    def result(self) -> CriterionResult:
        category = _best({level: level in self.codes for level in LEVELS})
        code = self.codes[category] if category else ""
        met, missing, notes = tuple(self.met), tuple(self.missing), tuple(self.notes)
        return CriterionResult(self.letter, category, code, met, missing, notes)


def _series_years(inp: AssessmentInputs) -> tuple[np.ndarray, float | None]:
    """Years of the series and the assessment year (default: the last year of the series)."""
    years = _series_arrays(inp.population_series)[0] if inp.population_series else np.zeros(0)
    if inp.assessment_year is not None:
        return years, float(inp.assessment_year)
    return years, (float(years.max()) if years.size else None)


def _generation(inp: AssessmentInputs) -> float | None:
    gen = inp.generation_length_years
    if gen is not None and not (math.isfinite(gen) and gen > 0):
        raise AssessmentInputError(f"generation_length_years must be positive (got {gen!r})")
    return gen


def _window_reduction(
    series: Sequence[tuple[float, float]],
    years: np.ndarray,
    assessment_year: float,
    span: float,
    reductions: dict[str, ReductionEstimate],
    key: str,
) -> tuple[float | None, float | None]:
    """Past reduction over ``span`` years to the assessment year, and future reduction over
    ``span`` years (at most 100) from it; ``None`` where the series has no counts on that side."""
    past = future = None
    if np.any(years < assessment_year):
        est = estimate_reduction(series, assessment_year - span, assessment_year, side="past")
        if est is not None:
            reductions[f"{key} past"] = est
            past = est.percent
    if np.any(years > assessment_year):
        end = assessment_year + min(span, FUTURE_CAP_YEARS)
        est = estimate_reduction(series, assessment_year, end, side="future")
        if est is not None:
            reductions[f"{key} future"] = est
            future = est.percent
    return past, future


# --------------------------------------------------------------------------------------------
# Criterion A


def _criterion_a(
    inp: AssessmentInputs, reductions: dict[str, ReductionEstimate]
) -> CriterionResult:
    out = _Outcome("A")
    gen = _generation(inp)
    if gen is None:
        out.missing.append("generation_length_years")
        out.notes.append("generation length unknown: window of 10 years used")
    window = max(10.0, 3.0 * (gen or 0.0))
    years, ay = _series_years(inp)
    series = inp.population_series
    past, future = inp.past_reduction_percent, inp.projected_reduction_percent
    window4: float | None = None
    if series and ay is not None:
        try:
            from_series = _window_reduction(series, years, ay, window, reductions, "A")
            past = from_series[0] if past is None else past
            future = from_series[1] if future is None else future
            if np.any(years < ay) and np.any(years > ay):
                window4 = _a4_reduction(series, years, ay, window, reductions)
        except AssessmentInputError as exc:
            out.notes.append(str(exc))
    if past is None and future is None:
        out.missing.append("population_series")

    bases = inp.reduction_bases or ("a" if inp.population_unit == MATURE_UNIT else "b")
    bases = "".join(sorted(set(bases.lower())))
    if any(b not in "abcde" for b in bases):
        raise AssessmentInputError(f"reduction_bases must use the letters a-e (got {bases!r})")
    candidates: list[tuple[str, float, dict[Category, float], str]] = []
    if past is not None:
        if inp.reduction_causes_ceased is True:
            candidates.append(("A1", past, A1_REDUCTION, bases))
        else:
            if inp.reduction_causes_ceased is None:
                out.missing.append("reduction_causes_ceased")
                out.notes.append("causes of the reduction not judged ceased: A2 thresholds applied")
            candidates.append(("A2", past, A2_4_REDUCTION, bases))
    if future is not None:  # a projection cannot be a direct observation (a)
        candidates.append(("A3", future, A2_4_REDUCTION, bases.replace("a", "") or "b"))
    if window4 is not None:
        candidates.append(("A4", window4, A2_4_REDUCTION, bases))
    by_level: dict[Category, list[str]] = {level: [] for level in LEVELS}
    for sub, percent, limits, letters in candidates:
        for level in LEVELS:
            if _at_least(percent, limits[level]):
                detail = f"reduction {percent:.1f}% over {window:g} years >= {limits[level]:g}%"
                out.threshold(sub, level, detail)
                by_level[level].append(f"{sub[1]}{letters}")
    out.codes = {level: "A" + "+".join(subs) for level, subs in by_level.items() if subs}
    return out.result()


def _a4_reduction(
    series: Sequence[tuple[float, float]],
    years: np.ndarray,
    assessment_year: float,
    window: float,
    reductions: dict[str, ReductionEstimate],
) -> float | None:
    """Largest reduction over windows of ``window`` years that include the assessment year and
    end at most 100 years after it, starting at whole-year steps."""
    first = assessment_year - window
    last = min(assessment_year, assessment_year + FUTURE_CAP_YEARS - window)
    best: ReductionEstimate | None = None
    for start in np.unique(np.append(np.arange(first, last, 1.0), [first, last])):
        end = float(start + window)
        if end <= assessment_year or np.count_nonzero((years >= start) & (years <= end)) < 2:
            continue
        est = estimate_reduction(series, float(start), end, side="both")
        if est is not None and (best is None or est.percent > best.percent):
            best = est
    if best is None:
        return None
    reductions["A4"] = best
    return best.percent


# --------------------------------------------------------------------------------------------
# Criterion B


def _criterion_b(inp: AssessmentInputs) -> CriterionResult:
    out = _Outcome("B")
    eoo, aoo = inp.eoo_km2, inp.aoo_km2
    if eoo is not None and aoo is not None and eoo < aoo:
        out.notes.append(f"EOO {_fmt(eoo)} km2 < AOO {_fmt(aoo)} km2: EOO set to AOO (4.9)")
        eoo = aoo
    out.missing += [name for name, v in (("eoo_km2", eoo), ("aoo_km2", aoo)) if v is None]
    if inp.severely_fragmented is None:
        out.missing.append("severely_fragmented")
    if inp.number_of_locations is None and inp.severely_fragmented is not True:
        out.missing.append("number_of_locations")
    decline, fluct = inp.continuing_decline, inp.extreme_fluctuations
    out.unknown("continuing_decline", decline)
    out.unknown("extreme_fluctuations", fluct)
    b_items = [ROMAN[i] for i, f in enumerate(fields(decline)) if getattr(decline, f.name) is True]
    c_items = [ROMAN[i] for i, f in enumerate(fields(fluct)) if getattr(fluct, f.name) is True]
    n_sub: dict[Category, int] = {}
    for level in LEVELS:
        a_ok = inp.severely_fragmented is True or (
            inp.number_of_locations is not None and inp.number_of_locations <= B_LOCATIONS[level]
        )
        sub = ("a" if a_ok else "") + (f"b({','.join(b_items)})" if b_items else "")
        sub += f"c({','.join(c_items)})" if c_items else ""
        n_sub[level] = int(a_ok) + int(bool(b_items)) + int(bool(c_items))
        parts = []
        for number, value, limits, name in (
            ("1", eoo, B1_EOO_KM2, "EOO"),
            ("2", aoo, B2_AOO_KM2, "AOO"),
        ):
            if value is not None and value < limits[level] and n_sub[level] >= 2:
                detail = f"{name} {_fmt(value)} km2 < {_fmt(limits[level])} km2 with {sub}"
                out.threshold(f"B{number}", level, detail)
                parts.append(number + sub)
        if parts:
            out.codes[level] = "B" + "+".join(parts)
    category = _best({level: level in out.codes for level in LEVELS})
    for value, limits, name in ((eoo, B1_EOO_KM2, "EOO"), (aoo, B2_AOO_KM2, "AOO")):
        area_level = None if value is None else _best({lv: value < limits[lv] for lv in LEVELS})
        if area_level is not None and (category is None or area_level.rank > category.rank):
            out.notes.append(
                f"{name} {_fmt(value or 0.0)} km2 is below the {area_level.value} threshold "
                f"({_fmt(limits[area_level])} km2) but only {n_sub[area_level]} of the "
                "subconditions a, b, c is met there (two needed)"
            )
    return out.result()


# --------------------------------------------------------------------------------------------
# Criteria C and D


def _mature(inp: AssessmentInputs) -> float | None:
    if inp.mature_individuals is not None:
        return float(inp.mature_individuals)
    if inp.subpopulation_sizes:
        return float(sum(inp.subpopulation_sizes))
    return None


def _criterion_c(
    inp: AssessmentInputs, reductions: dict[str, ReductionEstimate]
) -> CriterionResult:
    out = _Outcome("C")
    n = _mature(inp)
    gen = _generation(inp)
    years, ay = _series_years(inp)
    series = inp.population_series
    sizes = list(inp.subpopulation_sizes or [])
    for name, value in (
        ("mature_individuals", n),
        ("generation_length_years", gen),
        ("population_series", series or None),
        ("subpopulation_sizes", sizes or None),
        ("continuing_decline.mature_individuals", inp.continuing_decline.mature_individuals),
        ("extreme_fluctuations.mature_individuals", inp.extreme_fluctuations.mature_individuals),
    ):
        if value is None:
            out.missing.append(name)
    if series and inp.population_unit != MATURE_UNIT:
        out.notes.append(f"C1 decline estimated from an index ({inp.population_unit})")
    for level in LEVELS:
        if n is None or not n < C_MATURE[level]:
            continue
        parts: list[str] = []
        # C1: an estimated continuing decline over the level's span (past or projected).
        percent, min_years, generations = C1_DECLINE[level]
        span = max(min_years, generations * (gen or 0.0))
        declines: tuple[float | None, ...] = ()
        if series and ay is not None:
            try:
                declines = _window_reduction(series, years, ay, span, reductions, f"C1 {level}")
            except AssessmentInputError as exc:
                out.notes.append(str(exc))
        decline = max((d for d in declines if d is not None), default=None)
        if decline is not None and _at_least(decline, percent):
            out.threshold(
                "C1",
                level,
                f"{_fmt(n)} mature individuals < {_fmt(C_MATURE[level])}, decline "
                f"{decline:.1f}% over {span:g} years >= {percent:g}%",
            )
            parts.append("1")
        # C2: continuing decline and a(i), a(ii) or b.
        a_items = []
        if sizes and max(sizes) <= C2AI_MAX_SUBPOPULATION[level]:
            a_items.append("i")
        if sizes and n > 0 and 100.0 * max(sizes) / n >= C2AII_SHARE_PERCENT[level]:
            a_items.append("ii")
        sub = f"a({','.join(a_items)})" if a_items else ""
        sub += "b" if inp.extreme_fluctuations.mature_individuals is True else ""
        if inp.continuing_decline.mature_individuals is True and sub:
            detail = f"{_fmt(n)} mature individuals < {_fmt(C_MATURE[level])}, decline and {sub}"
            out.threshold("C2", level, detail)
            parts.append("2" + sub)
        if parts:
            out.codes[level] = "C" + "+".join(parts)
    return out.result()


def _criterion_d(inp: AssessmentInputs) -> CriterionResult:
    out = _Outcome("D")
    n = _mature(inp)
    if n is None:
        out.missing.append("mature_individuals")
    for level in LEVELS:
        if n is not None and n < D_MATURE[level]:
            sub = "D1" if level is Category.VU else "D"
            out.threshold(sub, level, f"{_fmt(n)} mature individuals < {_fmt(D_MATURE[level])}")
            out.codes[level] = sub
    restricted = []
    if inp.aoo_km2 is not None and inp.aoo_km2 < D2_AOO_KM2:
        restricted.append(f"AOO {_fmt(inp.aoo_km2)} km2 < {D2_AOO_KM2:g} km2")
    if inp.number_of_locations is not None and inp.number_of_locations <= D2_LOCATIONS:
        restricted.append(f"{inp.number_of_locations} locations <= {D2_LOCATIONS}")
    if inp.aoo_km2 is None and inp.number_of_locations is None:
        out.missing += ["aoo_km2", "number_of_locations"]
    if restricted and inp.plausible_future_threat is True:
        out.threshold("D2", Category.VU, "; ".join(restricted) + ", plausible future threat")
        out.codes[Category.VU] = "D1+2" if out.codes.get(Category.VU) == "D1" else "D2"
    elif restricted:
        if inp.plausible_future_threat is None:
            out.missing.append("plausible_future_threat")
        out.notes.append(
            f"VU D2 candidate ({'; '.join(restricted)}): needs a plausible future threat that "
            "could drive the taxon to CR or EX in a very short time"
        )
    return out.result()


# --------------------------------------------------------------------------------------------


def pre_assess(inputs: AssessmentInputs) -> PreAssessment:
    """Check criteria A-D on ``inputs`` and suggest the highest category met.

    Returns a :class:`PreAssessment`; a draft for curators, not an official status. Raises
    :class:`AssessmentInputError` for malformed inputs (naming the field).
    """
    reductions: dict[str, ReductionEstimate] = {}
    results = (
        _criterion_a(inputs, reductions),
        _criterion_b(inputs),
        _criterion_c(inputs, reductions),
        _criterion_d(inputs),
    )
    ranked = [r.category for r in results if r.category is not None]
    category = max(ranked, key=lambda c: c.rank) if ranked else None
    string = "; ".join(r.code for r in results if category is not None and r.category is category)
    missing = tuple(dict.fromkeys(name for r in results for name in r.missing_inputs))
    return PreAssessment(
        category=category,
        criteria_string=string,
        criteria=results,
        missing_inputs=missing,
        reductions=reductions,
        notes=tuple(f"{r.criterion}: {note}" for r in results for note in r.notes),
    )
