"""IUCN criteria A-D pre-assessment: every threshold just below and just above."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barys.analytics.iucn import (
    AssessmentInputs,
    Category,
    ContinuingDecline,
    ExtremeFluctuations,
    estimate_reduction,
    pre_assess,
)
from barys.analytics.iucn_criteria import AssessmentInputError

CR, EN, VU = Category.CR, Category.EN, Category.VU
HABITAT_DECLINE = ContinuingDecline(habitat=True)


# ---------------------------------------------------------------------------- reductions


def test_reduction_from_counts_at_both_ends_of_the_window() -> None:
    est = estimate_reduction([(2000, 1000.0), (2005, 700.0), (2010, 250.0)], 2000, 2010)
    assert est is not None
    assert est.method == "endpoints"
    assert est.percent == pytest.approx(75.0)
    assert not est.extrapolated


def test_log_linear_fit_when_the_counts_miss_the_window_ends() -> None:
    # N(t) = 1000 exp(-0.1 (t - 2000)) counted 2001-2009; window 1999-2009 (10 years):
    # reduction = 1 - exp(-0.1 * 10) = 63.212 %.
    series = [(year, 1000.0 * math.exp(-0.1 * (year - 2000))) for year in range(2001, 2010)]
    est = estimate_reduction(series, 1999, 2009, side="past")
    assert est is not None
    assert est.method == "log-linear"
    assert est.annual_rate == pytest.approx(-0.1)
    assert est.percent == pytest.approx(100 * (1 - math.exp(-1.0)))
    assert est.extrapolated
    assert est.n_points == 9


def test_increase_is_a_negative_reduction() -> None:
    est = estimate_reduction([(2000, 100.0), (2010, 150.0)], 2000, 2010)
    assert est is not None and est.percent == pytest.approx(-50.0)


def test_malformed_series_name_the_problem() -> None:
    with pytest.raises(AssessmentInputError, match="two values for year 2001"):
        estimate_reduction([(2001, 5.0), (2001, 6.0), (2003, 1.0)], 2000, 2010)
    with pytest.raises(AssessmentInputError, match=r"population_series\[1\]"):
        estimate_reduction([(2001, 5.0), (2002, -1.0)], 2000, 2010)
    with pytest.raises(AssessmentInputError, match="value 0 in year 2005"):
        estimate_reduction([(2001, 5.0), (2005, 0.0), (2008, 2.0)], 2000, 2010)
    with pytest.raises(AssessmentInputError, match="pairs of numbers"):
        estimate_reduction([("x", 5.0)], 2000, 2010)  # type: ignore[list-item]


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.floats(allow_nan=True), st.integers(1900, 2100)),
            st.one_of(st.floats(allow_nan=True), st.integers(-5, 10_000)),
        ),
        max_size=8,
    )
)
def test_any_series_gives_an_estimate_none_or_a_named_error(
    series: list[tuple[float, float]],
) -> None:
    try:
        est = estimate_reduction(series, 2000, 2010)
    except AssessmentInputError as exc:
        assert "population_series" in str(exc)
    else:
        assert est is None or math.isfinite(est.percent)


# ---------------------------------------------------------------------------- criterion A


@pytest.mark.parametrize(
    ("percent", "category", "code"),
    [
        (80.0, CR, "A2a"),
        (79.99, EN, "A2a"),
        (50.0, EN, "A2a"),
        (49.99, VU, "A2a"),
        (30.0, VU, "A2a"),
        (29.99, None, ""),
    ],
)
def test_a2_thresholds(percent: float, category: Category | None, code: str) -> None:
    result = pre_assess(AssessmentInputs(past_reduction_percent=percent)).criterion("A")
    assert (result.category, result.code) == (category, code)
    assert "reduction_causes_ceased" in result.missing_inputs


@pytest.mark.parametrize(
    ("percent", "category"),
    [(90.0, CR), (89.99, EN), (70.0, EN), (69.99, VU), (50.0, VU), (49.99, None)],
)
def test_a1_thresholds(percent: float, category: Category | None) -> None:
    inputs = AssessmentInputs(
        past_reduction_percent=percent, reduction_causes_ceased=True, reduction_bases="ab"
    )
    result = pre_assess(inputs).criterion("A")
    assert result.category == category
    assert result.code == ("A1ab" if category else "")


def test_a_window_is_three_generations_when_longer_than_ten_years() -> None:
    # Generation 5 years: window 15 years, 2005-2020. Counts at both ends: 1000 -> 450 = 55 %.
    series = [(2005, 1000.0), (2010, 900.0), (2015, 800.0), (2020, 450.0)]
    assessment = pre_assess(AssessmentInputs(population_series=series, generation_length_years=5))
    est = assessment.reductions["A past"]
    assert (est.start_year, est.end_year, est.method) == (2005.0, 2020.0, "endpoints")
    assert est.percent == pytest.approx(55.0)
    assert assessment.criterion("A").category is EN
    # Generation 2 years: the 10-year window 2010-2020 gives 1 - 450/900 = 50 % (still EN).
    short = pre_assess(AssessmentInputs(population_series=series, generation_length_years=2))
    assert short.reductions["A past"].percent == pytest.approx(50.0)


def test_a3_from_projected_counts_uses_index_basis() -> None:
    # Assessment in 2020, counts projected to 2030: 1 - 400/1000 = 60 % -> EN A3b.
    series = [(2010, 1000.0), (2020, 1000.0), (2030, 400.0)]
    inputs = AssessmentInputs(
        population_series=series,
        assessment_year=2020,
        generation_length_years=3,
        reduction_causes_ceased=False,
    )
    result = pre_assess(inputs)
    assert result.reductions["A future"].percent == pytest.approx(60.0)
    assert result.criterion("A").code == "A3b+4a"
    # A4: the window 2020-2030 also includes the assessment year: 60 % too.
    assert result.reductions["A4"].percent == pytest.approx(60.0)
    assert result.category is EN


# ---------------------------------------------------------------------------- criterion B


def b_inputs(**kwargs: object) -> AssessmentInputs:
    base: dict[str, object] = {"number_of_locations": 1, "continuing_decline": HABITAT_DECLINE}
    base.update(kwargs)
    return AssessmentInputs(**base)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("eoo", "locations", "category"),
    [
        (99.99, 1, CR),
        (100.0, 1, EN),
        (4_999.0, 5, EN),
        (5_000.0, 5, VU),
        (19_999.0, 10, VU),
        (20_000.0, 10, None),
    ],
)
def test_b1_eoo_thresholds(eoo: float, locations: int, category: Category | None) -> None:
    result = pre_assess(b_inputs(eoo_km2=eoo, number_of_locations=locations)).criterion("B")
    assert result.category == category
    assert result.code == ("B1ab(iii)" if category else "")


@pytest.mark.parametrize(
    ("aoo", "category"),
    [(9.99, CR), (10.0, EN), (499.9, EN), (500.0, VU), (1_999.9, VU), (2_000.0, None)],
)
def test_b2_aoo_thresholds(aoo: float, category: Category | None) -> None:
    result = pre_assess(b_inputs(aoo_km2=aoo, severely_fragmented=True)).criterion("B")
    assert result.category == category


@pytest.mark.parametrize(
    ("locations", "category"),
    [(1, CR), (2, EN), (5, EN), (6, VU), (10, VU), (11, None)],
)
def test_b_locations_thresholds(locations: int, category: Category | None) -> None:
    # EOO in the CR range: the number of locations sets the category.
    inputs = b_inputs(eoo_km2=50.0, number_of_locations=locations, severely_fragmented=False)
    assert pre_assess(inputs).criterion("B").category == category


def test_b_needs_two_of_the_three_subconditions() -> None:
    only_a = AssessmentInputs(eoo_km2=50.0, number_of_locations=1)
    result = pre_assess(only_a).criterion("B")
    assert result.category is None
    assert "only 1 of the subconditions" in result.notes[0]
    a_and_c = AssessmentInputs(
        eoo_km2=50.0,
        number_of_locations=1,
        extreme_fluctuations=ExtremeFluctuations(mature_individuals=True),
    )
    assert pre_assess(a_and_c).criterion("B").code == "B1ac(iv)"
    b_and_c = AssessmentInputs(
        eoo_km2=50.0,
        continuing_decline=ContinuingDecline(eoo=True, aoo=True, mature_individuals=True),
        extreme_fluctuations=ExtremeFluctuations(eoo=True),
    )
    assert pre_assess(b_and_c).criterion("B").code == "B1b(i,ii,v)c(i)"


def test_b1_and_b2_together_in_iucn_notation() -> None:
    inputs = b_inputs(eoo_km2=80.0, aoo_km2=8.0)
    assessment = pre_assess(inputs)
    assert assessment.criterion("B").code == "B1ab(iii)+2ab(iii)"
    assert assessment.label == "CR B1ab(iii)+2ab(iii)"


def test_b_at_different_levels_keeps_the_highest() -> None:
    # EOO in the CR range, AOO only in the EN range: CR B1 (B2 only counts at EN).
    inputs = b_inputs(eoo_km2=80.0, aoo_km2=12.0)
    result = pre_assess(inputs).criterion("B")
    assert (result.category, result.code) == (CR, "B1ab(iii)")
    assert {(t.subcriterion, t.category) for t in result.thresholds_met} == {
        ("B1", CR),
        ("B1", EN),
        ("B2", EN),
        ("B1", VU),
        ("B2", VU),
    }


def test_eoo_below_aoo_is_raised_to_aoo() -> None:
    # EOO 8 < AOO 120: EOO becomes 120, above the CR limit (100): EN for B1 and B2.
    inputs = b_inputs(eoo_km2=8.0, aoo_km2=120.0)
    result = pre_assess(inputs).criterion("B")
    assert "EOO set to AOO" in result.notes[0]
    assert (result.category, result.code) == (EN, "B1ab(iii)+2ab(iii)")


# ---------------------------------------------------------------------------- criterion C


@pytest.mark.parametrize(
    ("mature", "category"),
    [(249, CR), (250, EN), (2_499, EN), (2_500, VU), (9_999, VU), (10_000, None)],
)
def test_c2_mature_individual_thresholds(mature: float, category: Category | None) -> None:
    # Largest subpopulation 40 (<= 50): C2a(i) holds at every level.
    inputs = AssessmentInputs(
        mature_individuals=mature,
        subpopulation_sizes=[40.0, 30.0],
        continuing_decline=ContinuingDecline(mature_individuals=True),
    )
    result = pre_assess(inputs).criterion("C")
    assert result.category == category
    assert result.code == ("C2a(i)" if category else "")


@pytest.mark.parametrize(
    ("largest", "category"),
    [(50, CR), (51, EN), (250, EN), (251, VU), (1_000, VU), (1_001, None)],
)
def test_c2ai_largest_subpopulation_thresholds(largest: float, category: Category | None) -> None:
    # Two equal subpopulations (50 % each, so a(ii) never holds); N = 2 x largest is below
    # the C threshold of the level tested (100 < 250, 502 < 2,500, 2,002 < 10,000).
    inputs = AssessmentInputs(
        subpopulation_sizes=[largest, largest],
        continuing_decline=ContinuingDecline(mature_individuals=True),
    )
    result = pre_assess(inputs).criterion("C")
    assert result.category == category
    assert result.code == ("C2a(i)" if category else "")


@pytest.mark.parametrize(
    ("sizes", "category", "code"),
    [
        ([180.0, 20.0], CR, "C2a(ii)"),  # 90 % in one subpopulation, N = 200
        ([179.8, 20.2], EN, "C2a(i)"),  # 89.9 %: not CR; largest <= 250 gives EN a(i)
        ([1_900.0, 100.0], EN, "C2a(ii)"),  # 95 %, N = 2,000, largest > 250
        ([1_898.0, 102.0], None, ""),  # 94.9 %
        ([5_000.0], VU, "C2a(ii)"),  # 100 %, N = 5,000
    ],
)
def test_c2aii_share_in_one_subpopulation(
    sizes: list[float], category: Category | None, code: str
) -> None:
    inputs = AssessmentInputs(
        subpopulation_sizes=sizes,
        continuing_decline=ContinuingDecline(mature_individuals=True),
    )
    result = pre_assess(inputs).criterion("C")
    assert (result.category, result.code) == (category, code)


def test_c2_needs_continuing_decline_and_c2b_fluctuations() -> None:
    no_decline = AssessmentInputs(mature_individuals=200, subpopulation_sizes=[40.0, 30.0])
    result = pre_assess(no_decline).criterion("C")
    assert result.category is None
    assert "continuing_decline.mature_individuals" in result.missing_inputs
    fluct = AssessmentInputs(
        mature_individuals=3_000,
        continuing_decline=ContinuingDecline(mature_individuals=True),
        extreme_fluctuations=ExtremeFluctuations(mature_individuals=True),
    )
    assert pre_assess(fluct).criterion("C").code == "C2b"


@pytest.mark.parametrize(
    ("end_count", "category"),
    [(75.0, CR), (75.01, EN), (80.0, EN), (80.01, VU)],
)
def test_c1_decline_thresholds(end_count: float, category: Category | None) -> None:
    # Generation 3 years: CR needs 25 % in 3 years (2017-2020), EN 20 % in 6 years
    # (2014-2020), VU 10 % in 10 years (2010-2020). Counts 100 in 2014 and 2017, then
    # end_count in 2020. For VU the counts miss 2010: the log-linear fit (slope
    # ln(0.8001) / 6 per year) gives 1 - 0.8001^(10/6) = 31 % over 10 years.
    series = [(2014, 100.0), (2017, 100.0), (2020, end_count)]
    inputs = AssessmentInputs(
        mature_individuals=200, population_series=series, generation_length_years=3
    )
    result = pre_assess(inputs).criterion("C")
    assert result.category == category
    assert result.code == ("C1" if category else "")


# ---------------------------------------------------------------------------- criterion D


@pytest.mark.parametrize(
    ("mature", "category", "code"),
    [
        (49, CR, "D"),
        (50, EN, "D"),
        (249, EN, "D"),
        (250, VU, "D1"),
        (999, VU, "D1"),
        (1_000, None, ""),
    ],
)
def test_d_thresholds(mature: float, category: Category | None, code: str) -> None:
    result = pre_assess(AssessmentInputs(mature_individuals=mature)).criterion("D")
    assert (result.category, result.code) == (category, code)


@pytest.mark.parametrize(
    ("aoo", "locations", "threat", "code"),
    [
        (19.9, None, True, "D2"),
        (20.0, None, True, ""),
        (None, 5, True, "D2"),
        (None, 6, True, ""),
        (19.9, None, None, ""),
    ],
)
def test_d2_restricted_area_or_locations(
    aoo: float | None, locations: int | None, threat: bool | None, code: str
) -> None:
    inputs = AssessmentInputs(
        aoo_km2=aoo, number_of_locations=locations, plausible_future_threat=threat
    )
    result = pre_assess(inputs).criterion("D")
    assert result.code == code
    assert result.category == (VU if code else None)
    if threat is None:
        assert "plausible_future_threat" in result.missing_inputs
        assert result.notes[0].startswith("VU D2 candidate")


def test_d1_and_d2_together() -> None:
    inputs = AssessmentInputs(mature_individuals=500, aoo_km2=12.0, plausible_future_threat=True)
    assert pre_assess(inputs).criterion("D").code == "D1+2"


# ---------------------------------------------------------------------------- overall


def test_overall_category_lists_only_criteria_at_that_category() -> None:
    inputs = AssessmentInputs(
        past_reduction_percent=60.0,  # EN A2
        reduction_causes_ceased=False,
        eoo_km2=3_000.0,  # EN B1 with 4 locations and declining habitat
        number_of_locations=4,
        continuing_decline=ContinuingDecline(habitat=True),
        mature_individuals=600,  # VU D1
    )
    assessment = pre_assess(inputs)
    assert assessment.category is EN
    assert assessment.criteria_string == "A2a; B1ab(iii)"
    assert assessment.criterion("D").category is VU
    assert "population_series" not in assessment.criterion("A").missing_inputs
    assert "population_series" in assessment.criterion("C").missing_inputs
    assert "generation_length_years" in assessment.missing_inputs


def test_no_inputs_gives_no_category_and_lists_what_is_missing() -> None:
    assessment = pre_assess(AssessmentInputs())
    assert assessment.category is None
    assert assessment.criteria_string == ""
    assert assessment.label.startswith("not threatened under criteria A-D")
    for name in ("population_series", "eoo_km2", "aoo_km2", "mature_individuals"):
        assert name in assessment.missing_inputs
    assert "not an official" in assessment.disclaimer


def test_saiga_like_crash_is_cr_a2a() -> None:
    # A saiga-like series: steppe antelope counts (thousands of adults) from 1985 to 2003,
    # generation length 6 years, so the window is 18 years (1985-2003). Counts at both ends:
    # 1 - 21 / 1000 = 97.9 % -> CR A2a (>= 80 %).
    series = [
        (1985, 1_000_000.0),
        (1990, 950_000.0),
        (1994, 800_000.0),
        (1998, 500_000.0),
        (2000, 180_000.0),
        (2002, 32_000.0),
        (2003, 21_000.0),
    ]
    inputs = AssessmentInputs(
        population_series=series,
        generation_length_years=6.0,
        reduction_causes_ceased=False,
        mature_individuals=21_000,
    )
    assessment = pre_assess(inputs)
    est = assessment.reductions["A past"]
    assert (est.start_year, est.end_year) == (1985.0, 2003.0)
    assert est.percent == pytest.approx(97.9)
    assert assessment.label == "CR A2a"
    # C1 for VU needs < 10,000 mature individuals: 21,000 is too many, C is not met.
    assert assessment.criterion("C").category is None


def test_saiga_like_recovery_is_not_threatened_under_a() -> None:
    # Counts after the recovery; with the 2023 assessment the 18-year window 2005-2023 has
    # counts at both ends: 1 - 1,900,000 / 40,000 = -4,650 % (an increase).
    series = [(2005, 40_000.0), (2015, 250_000.0), (2016, 108_000.0), (2023, 1_900_000.0)]
    assessment = pre_assess(AssessmentInputs(population_series=series, generation_length_years=6.0))
    assert assessment.reductions["A past"].percent == pytest.approx(-4650.0)
    assert assessment.category is None


def test_malformed_inputs_raise_named_errors() -> None:
    with pytest.raises(AssessmentInputError, match="generation_length_years"):
        pre_assess(AssessmentInputs(generation_length_years=-1.0))
    with pytest.raises(AssessmentInputError, match="reduction_bases"):
        pre_assess(AssessmentInputs(past_reduction_percent=50.0, reduction_bases="az"))


@settings(max_examples=120, deadline=None)
@given(
    st.builds(
        AssessmentInputs,
        population_series=st.one_of(
            st.none(),
            st.lists(
                st.tuples(st.integers(1950, 2060), st.floats(0, 1e7, allow_nan=False)),
                max_size=6,
                unique_by=lambda p: p[0],
            ),
        ),
        generation_length_years=st.one_of(st.none(), st.floats(0.5, 40)),
        assessment_year=st.one_of(st.none(), st.integers(1990, 2030)),
        reduction_causes_ceased=st.one_of(st.none(), st.booleans()),
        eoo_km2=st.one_of(st.none(), st.floats(0, 1e6)),
        aoo_km2=st.one_of(st.none(), st.floats(0, 1e5)),
        number_of_locations=st.one_of(st.none(), st.integers(0, 50)),
        severely_fragmented=st.one_of(st.none(), st.booleans()),
        continuing_decline=st.builds(
            ContinuingDecline,
            habitat=st.one_of(st.none(), st.booleans()),
            mature_individuals=st.one_of(st.none(), st.booleans()),
        ),
        mature_individuals=st.one_of(st.none(), st.floats(0, 1e5)),
        subpopulation_sizes=st.one_of(st.none(), st.lists(st.floats(0, 1e4), max_size=4)),
        plausible_future_threat=st.one_of(st.none(), st.booleans()),
    )
)
def test_any_inputs_give_a_consistent_pre_assessment(inputs: AssessmentInputs) -> None:
    assessment = pre_assess(inputs)
    categories = [r.category for r in assessment.criteria if r.category is not None]
    if categories:
        assert assessment.category == max(categories, key=lambda c: c.rank)
        assert assessment.label.startswith(assessment.category.value + " ")
        for result in assessment.criteria:
            if result.category is assessment.category:
                assert result.code in assessment.criteria_string.split("; ")
    else:
        assert assessment.category is None and assessment.criteria_string == ""
    for result in assessment.criteria:
        assert bool(result.code) == (result.category is not None)
        assert all(t.category.rank <= (result.category or VU).rank for t in result.thresholds_met)
