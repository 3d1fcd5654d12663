"""Diel activity: bandwidth and overlap validated against the R package ``overlap``.

``overlap``'s ``simulatedData`` (tigerObs n = 100, pigObs n = 80, radians):
``overlapEst(tigerObs, pigObs)`` = Dhat1 0.2908618, Dhat4 0.2692011, Dhat5 0.2275000 and
``getBandWidth`` = 29.9065 (tiger), 10.42076 (pig). The activity package's BCItime data
(Barro Colorado Island, times as fractions of a day) has no published activity levels in the
reference set, so activity levels are checked against a direct (brute-force) evaluation.
"""

from __future__ import annotations

import csv
import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import optimize, special
from scipy.stats import vonmises

from barys.analytics.activity import (
    TWO_PI,
    activity_level,
    bandwidth,
    bootstrap_ci,
    clock_time,
    density,
    overlap,
    percentile_interval,
    sun_time,
    sunrise_sunset,
)
from tests.reference import reference_path


@pytest.fixture(scope="module")
def tiger() -> np.ndarray:
    return np.loadtxt(reference_path("overlap", "simulatedData_tigerObs.txt"))


@pytest.fixture(scope="module")
def pig() -> np.ndarray:
    return np.loadtxt(reference_path("overlap", "simulatedData_pigObs.txt"))


def bci(species: str) -> np.ndarray:
    with reference_path("activity", "BCItime.csv").open(newline="") as handle:
        return (
            np.array([float(r["time"]) for r in csv.DictReader(handle) if r["species"] == species])
            * TWO_PI
        )


def test_bandwidth_matches_overlap(tiger: np.ndarray, pig: np.ndarray) -> None:
    assert bandwidth(tiger) == pytest.approx(29.9065, rel=1e-4)
    assert bandwidth(pig) == pytest.approx(10.42076, rel=1e-4)


def test_overlap_estimates_match_overlap(tiger: np.ndarray, pig: np.ndarray) -> None:
    est = overlap(tiger, pig)
    assert est.dhat1 == pytest.approx(0.2908618, rel=1e-4)
    assert est.dhat4 == pytest.approx(0.2692011, rel=1e-4)
    assert est.dhat5 == pytest.approx(0.2275000, rel=1e-4)
    assert est.recommended == est.dhat4  # both samples have >= 75 observations


def test_overlap_properties(tiger: np.ndarray, pig: np.ndarray) -> None:
    same = overlap(tiger, tiger)
    assert same.dhat1 == pytest.approx(1.0) and same.dhat4 == pytest.approx(1.0)
    swapped = overlap(pig, tiger)
    forward = overlap(tiger, pig)
    assert swapped.dhat1 == pytest.approx(forward.dhat1) and swapped.dhat4 == pytest.approx(
        forward.dhat4
    )
    only_dhat4 = overlap(tiger, pig, adjust=(None, 1.0, None))
    assert math.isnan(only_dhat4.dhat1) and only_dhat4.dhat4 == pytest.approx(forward.dhat4)
    small = overlap(tiger[:30], pig[:40])  # direct evaluation branch (n <= 1.1 * n_grid)
    assert 0 < small.dhat4 < 1 and small.recommended == small.dhat1


def test_density_equals_direct_kernel_sum(tiger: np.ndarray) -> None:
    kappa = bandwidth(tiger)
    at = np.linspace(0, TWO_PI, 97)
    direct = vonmises.pdf(at[:, None], kappa, loc=tiger[None, :]).mean(axis=1)
    np.testing.assert_allclose(density(tiger, at), direct, rtol=1e-10, atol=1e-14)
    grid = np.linspace(0, TWO_PI, 20001)
    assert np.trapezoid(density(tiger, grid, adjust=4), grid) == pytest.approx(1.0, abs=1e-9)


def test_bootstrap_is_seeded_and_consistent(tiger: np.ndarray, pig: np.ndarray) -> None:
    a = bootstrap_ci(tiger, pig, 300, seed=42)
    b = bootstrap_ci(tiger, pig, 300, seed=42)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert a.samples.shape == (300, 3)
    for name in ("dhat1", "dhat4", "dhat5"):
        perc, corrected = a.percentile[name], a.bias_corrected[name]
        assert perc.lower < perc.upper
        assert corrected.lower == pytest.approx(perc.lower - a.bias[name])
        assert corrected.upper == pytest.approx(perc.upper - a.bias[name])
    assert a.percentile["dhat4"].lower < a.estimate.dhat4 < a.percentile["dhat4"].upper
    c = bootstrap_ci(tiger, pig, 300, seed=43)
    assert not np.array_equal(a.samples, c.samples)
    plain = bootstrap_ci(tiger, pig, 100, seed=1, smooth=False)
    assert np.all((plain.samples[:, :2] > 0) & (plain.samples[:, :2] < 1))


def test_percentile_interval_hand_cases() -> None:
    # R = 999, conf 0.95: ranks (R + 1) * 0.025 = 25 and 975 (up to rounding): the order statistics
    assert percentile_interval(np.arange(1.0, 1000.0)) == percentile_interval(
        np.arange(999.0, 0.0, -1)
    )
    interval = percentile_interval(np.arange(1.0, 1000.0))
    assert (interval.lower, interval.upper) == pytest.approx((25.0, 975.0), rel=1e-12)
    # R = 99, conf 0.90: rank 100 * 0.05 = 5 exactly -> 5th and 95th values
    interval = percentile_interval(np.arange(1.0, 100.0) * 2, conf=0.90)
    assert (interval.lower, interval.upper) == pytest.approx((10.0, 190.0), rel=1e-12)
    # R = 100: rank 101 * 0.025 = 2.525 -> between the 2nd and 3rd values on the normal scale
    z = special.ndtri
    weight = (z(0.025) - z(2 / 101)) / (z(3 / 101) - z(2 / 101))
    assert percentile_interval(np.arange(1.0, 101.0)).lower == pytest.approx(2 + weight, rel=1e-12)
    # R = 10 is too few for a 95% interval
    assert math.isnan(percentile_interval(np.arange(10.0)).lower)


def test_activity_level_matches_direct_evaluation() -> None:
    times = bci("brocket")
    assert times.size == 816
    rho = [abs(np.mean(np.exp(1j * k * times))) for k in (1, 2, 3)]
    kappas = []
    for k, r in enumerate(rho, start=1):
        f = lambda kap, k=k, r=r: special.ive(k, kap) / special.ive(0, kap) - r  # noqa: E731
        kappas.append(optimize.brentq(f, 1e-4, 345, xtol=1e-14) if f(1e-4) * f(345) <= 0 else 0.0)
    kap = max(kappas)
    bw = (
        3
        * times.size
        * kap**2
        * special.ive(2, 2 * kap)
        / (4 * math.sqrt(math.pi) * special.ive(0, kap) ** 2)
    ) ** 0.4
    grid = np.linspace(0, TWO_PI, 513)
    pdf = vonmises.pdf(grid[:, None], bw, loc=times[None, :]).mean(axis=1)
    result = activity_level(times, n_boot=0)
    assert result.bandwidth == pytest.approx(bw, rel=1e-12)
    assert result.level == pytest.approx(1 / (TWO_PI * pdf.max()), rel=1e-10)
    assert result.level == pytest.approx(0.5106018, rel=1e-6)
    assert math.isnan(result.se)


def test_activity_level_bootstrap() -> None:
    times = bci("ocelot")
    a = activity_level(times, n_boot=60, seed=3)
    b = activity_level(times, n_boot=60, seed=3)
    assert a == b
    assert 0 < a.se < 0.1 and a.lower < a.level < a.upper
    model = activity_level(times, n_boot=40, seed=3, sample="model")
    assert model.level == a.level and model.se > 0
    spread = np.random.default_rng(5).uniform(0, TWO_PI, 4000)
    assert activity_level(spread, n_boot=0).level > 0.85  # activity spread over the whole day


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.floats(min_value=-10, max_value=30) | st.just(float("nan")), min_size=0, max_size=40
    )
)
def test_bad_times_raise_value_errors(values: list[float]) -> None:
    try:
        level = activity_level(np.array(values), n_boot=0).level
    except ValueError as err:
        assert "times" in str(err) or "bandwidth" in str(err)
    else:
        assert 0 < level <= 1 + 1e-9


def test_hours_are_rejected_with_a_hint() -> None:
    with pytest.raises(ValueError, match="radians"):
        overlap(np.array([1.0, 13.0, 22.0]), np.array([2.0, 3.0]))


# --------------------------------------------------------------------------- clock and sun time


def test_clock_time() -> None:
    stamps = [datetime(2024, 3, 1, 0, 0, tzinfo=UTC), datetime(2024, 3, 1, 18, 0, tzinfo=UTC)]
    np.testing.assert_allclose(clock_time(stamps), [0.0, 1.5 * math.pi])
    np.testing.assert_allclose(
        clock_time(stamps, timedelta(hours=6)), [0.5 * math.pi, 0.0], atol=1e-12
    )


def _hm(hours: float) -> float:
    return hours * 60.0


def test_sunrise_and_sunset_known_values() -> None:
    # London (51.5074 N, 0.1278 W): solstice sunrise 04:43 BST / sunset 21:21 BST (03:43, 20:21 UTC);
    # winter solstice 08:04 / 15:53 UTC. At the equator on the equinox the day lasts ~12 h 07 min.
    days = np.array(["2024-06-21", "2024-12-21"], dtype="datetime64[D]")
    rise, sunset = sunrise_sunset(days, 51.5074, -0.1278)
    assert _hm(rise[0]) == pytest.approx(3 * 60 + 43, abs=1.5)
    assert _hm(sunset[0]) == pytest.approx(20 * 60 + 21, abs=1.5)
    assert _hm(rise[1]) == pytest.approx(8 * 60 + 4, abs=1.5)
    assert _hm(sunset[1]) == pytest.approx(15 * 60 + 53, abs=1.5)
    rise, sunset = sunrise_sunset(np.array(["2024-03-20"], dtype="datetime64[D]"), 0.0, 0.0)
    assert _hm(sunset[0] - rise[0]) == pytest.approx(12 * 60 + 7, abs=2)
    polar = sunrise_sunset(np.array(["2024-06-21"], dtype="datetime64[D]"), 78.0, 15.0)
    assert np.isnan(polar[0][0]) and np.isnan(polar[1][0])


def test_sun_time_double_anchoring() -> None:
    lat, lon = 43.25, 76.95  # Almaty
    days = np.array(["2024-06-21", "2024-12-21"], dtype="datetime64[D]")
    rise, sunset = sunrise_sunset(days, lat, lon)
    rise_stamps = days.astype("datetime64[s]") + (rise * 3600).round().astype("timedelta64[s]")
    set_stamps = days.astype("datetime64[s]") + (sunset * 3600).round().astype("timedelta64[s]")
    eq = sun_time(
        np.concatenate([rise_stamps, set_stamps]),
        lat,
        lon,
        anchoring="equinoctial",
        utc_offset=timedelta(hours=5),
    )
    np.testing.assert_allclose(eq, [0.5 * math.pi] * 2 + [1.5 * math.pi] * 2, atol=2e-4)
    avg = sun_time(
        np.concatenate([rise_stamps, set_stamps]), lat, lon, utc_offset=timedelta(hours=5)
    )
    assert avg[0] == pytest.approx(avg[1], abs=2e-4) and avg[2] == pytest.approx(avg[3], abs=2e-4)
    # anchors are the mean local sunrise/sunset clock times over the observations
    local_rise = np.mod((rise + 5) * TWO_PI / 24, TWO_PI)
    assert avg[0] == pytest.approx(local_rise.mean(), abs=2e-4)
    hourly = np.datetime64("2024-06-21T00:00:00") + np.arange(24) * np.timedelta64(3600, "s")
    mapped = sun_time(hourly, lat, lon, utc_offset=timedelta(hours=5))
    assert np.all((mapped >= 0) & (mapped < TWO_PI))
    assert np.count_nonzero(np.diff(mapped) < 0) == 1  # monotone apart from one wrap past midnight
