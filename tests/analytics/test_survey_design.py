"""Expected detections of camera layouts, on cases small enough to work out by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest
import shapely

from barys.analytics.secr import Mask, Traps, fit_secr
from barys.analytics.survey_design import camera_grid, expected_captures
from tests.analytics.test_secr_data import captdata

ONE_HECTARE_AT_ORIGIN = Mask(np.array([0.0]), np.array([0.0]), 100.0)
ONE_ANIMAL_PER_HA = 10_000.0  # animals per 100 km^2


def traps_at_origin(n: int, detector: str) -> Traps:
    return Traps(tuple("ABCD"[:n]), np.zeros(n), np.zeros(n), detector)  # type: ignore[arg-type]


def test_one_camera_one_animal() -> None:
    e = expected_captures(
        traps_at_origin(1, "count"), ONE_ANIMAL_PER_HA, 50.0, 0.1, 1, ONE_HECTARE_AT_ORIGIN
    )
    assert e.population == pytest.approx(1.0)
    assert e.n_animals == pytest.approx(1 - math.exp(-0.1), rel=1e-12)
    assert e.n_detections == pytest.approx(0.1, rel=1e-12)
    assert e.recaptures == pytest.approx(0.1 - (1 - math.exp(-0.1)), rel=1e-12)
    assert e.spatial_recaptures == pytest.approx(0.0, abs=1e-15)
    assert e.esa_km2 == pytest.approx((1 - math.exp(-0.1)) / 100, rel=1e-12)


def test_two_cameras_spatial_recapture() -> None:
    # independent detectors: P(both) = (1 - e^-0.3)^2 with 3 occasions of lambda0 = 0.1
    e = expected_captures(
        traps_at_origin(2, "proximity"), ONE_ANIMAL_PER_HA, 50.0, 0.1, 3, ONE_HECTARE_AT_ORIGIN
    )
    p = 1 - math.exp(-0.1)
    assert e.n_detections == pytest.approx(6 * p, rel=1e-12)
    assert e.spatial_recaptures == pytest.approx((1 - math.exp(-0.3)) ** 2, rel=1e-12)
    assert e.n_animals == pytest.approx(1 - math.exp(-0.6), rel=1e-12)


def test_multi_catch_traps_by_enumeration() -> None:
    # 2 traps at the centre, hazard 0.1 each, 2 occasions: each occasion caught with
    # probability q = 1 - e^-0.2, at either trap with probability 1/2
    e = expected_captures(
        traps_at_origin(2, "multi"), ONE_ANIMAL_PER_HA, 50.0, 0.1, 2, ONE_HECTARE_AT_ORIGIN
    )
    q = 1 - math.exp(-0.2)
    assert e.n_animals == pytest.approx(1 - (1 - q) ** 2, rel=1e-12)
    assert e.n_detections == pytest.approx(2 * q, rel=1e-12)
    assert e.spatial_recaptures == pytest.approx(q * q / 2, rel=1e-12)


def test_distance_and_density_scale_linearly() -> None:
    traps = Traps(("A",), np.array([0.0]), np.array([0.0]), "count")
    mask = Mask(np.array([300.0]), np.array([400.0]), 1000.0)  # 100 ha cell, 500 m away
    e = expected_captures(traps, 3.0, 500.0, 0.02, 10, mask)
    lam = 0.02 * math.exp(-0.5) * 10
    density_ha = 3.0 / 10_000
    assert e.n_detections == pytest.approx(density_ha * 100 * lam, rel=1e-12)
    assert e.n_animals == pytest.approx(density_ha * 100 * (1 - math.exp(-lam)), rel=1e-12)
    assert e.rse_rule_of_thumb == pytest.approx(1 / math.sqrt(e.recaptures), rel=1e-12)


def test_usage_in_days_and_halfnormal_baseline() -> None:
    traps = Traps(("A",), np.array([0.0]), np.array([0.0]), "count", np.array([[30.0]]))
    e = expected_captures(traps, ONE_ANIMAL_PER_HA, 50.0, 0.01, 1, ONE_HECTARE_AT_ORIGIN)
    assert e.n_detections == pytest.approx(0.3, rel=1e-12)
    hn = expected_captures(
        traps, ONE_ANIMAL_PER_HA, 50.0, 0.01, 1, ONE_HECTARE_AT_ORIGIN, detectfn="HN"
    )
    assert hn.n_detections == pytest.approx(-30 * math.log(1 - 0.01), rel=1e-12)


def test_effective_area_matches_a_fitted_model() -> None:
    ch = captdata()
    fit = fit_secr(ch)
    e = expected_captures(
        ch.traps,
        fit.density_per_100km2.estimate,
        fit.estimates["sigma"].estimate,
        fit.estimates["g0"].estimate,
        5,
        fit.mask,
        detectfn="HN",
    )
    assert e.esa_km2 * 100 == pytest.approx(fit.esa_ha, rel=1e-10)
    assert e.n_animals == pytest.approx(76.0, rel=1e-6)  # D-hat = n / a(theta-hat)
    assert e.n_detections == pytest.approx(235, rel=0.1)


def test_camera_grid_square_and_hexagonal() -> None:
    square = camera_grid(shapely.box(0, 0, 10_000, 10_000), 5_000)
    assert square.ids == ("C001", "C002", "C003", "C004")
    assert square.xy.tolist() == [[2500, 2500], [7500, 2500], [2500, 7500], [7500, 7500]]
    assert square.detector == "count" and square.spacing() == 5000
    hexagonal = camera_grid(shapely.box(0, 0, 10_000, 10_000), 4_000, pattern="hexagonal")
    d = np.hypot(*(hexagonal.xy[:, None, :] - hexagonal.xy[None, :, :]).transpose(2, 0, 1))
    np.fill_diagonal(d, np.inf)
    assert d.min(axis=1) == pytest.approx(4000.0)
    triangle = shapely.Polygon([(0, 0), (9000, 0), (0, 9000)])
    anchored = camera_grid(triangle, 3000, origin=(0.0, 0.0), detector="proximity", prefix="SL")
    assert anchored.ids[0] == "SL001"
    assert sorted(map(tuple, anchored.xy.tolist())) == sorted(
        (3000.0 * i, 3000.0 * j) for i in range(4) for j in range(4) if i + j <= 3
    )


def test_survey_design_errors() -> None:
    traps = traps_at_origin(1, "count")
    with pytest.raises(ValueError, match="occasions"):
        expected_captures(traps, 1.0, 50.0, 0.1, 0)
    with pytest.raises(ValueError, match="positive"):
        expected_captures(traps, 1.0, -5.0, 0.1, 1)
    with pytest.raises(ValueError, match="spacing"):
        camera_grid(shapely.box(0, 0, 1, 1), 0.0)
    with pytest.raises(ValueError, match="no grid point"):
        camera_grid(shapely.box(0, 0, 1, 1), 10.0, origin=(5.0, 5.0))
