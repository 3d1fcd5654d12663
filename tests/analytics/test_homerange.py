"""Home ranges: MCP, KDE and Gaussian ranges on hand cases, simulated and real telemetry."""

from __future__ import annotations

import csv
import json
import math
from datetime import UTC, datetime
from functools import cache

import numpy as np
import pytest
from scipy.spatial import ConvexHull
from scipy.stats import chi2
from shapely.geometry import Polygon

from barys.analytics.homerange import (
    by_season,
    gaussian_range,
    kde,
    mcp,
    reference_bandwidth,
)
from barys.analytics.projections import EqualAreaProjection, local_laea
from tests.reference import reference_path

LOCAL = local_laea(50.0, 70.0)
KRUGER = local_laea(-25.0, 31.9)
CHI2_95 = -2.0 * math.log(0.05)  # 5.9915, chi-square quantile for 2 degrees of freedom


def from_xy(xs: object, ys: object) -> tuple[np.ndarray, np.ndarray]:
    return LOCAL.to_latlon(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))


# ---------------------------------------------------------------------------- MCP


def square_with_outlier() -> tuple[np.ndarray, np.ndarray]:
    # Corners of a 10 km square, 15 fixes on a 1 km circle and one outlier 40 km east.
    angles = np.linspace(0, 2 * np.pi, 15, endpoint=False)
    xs = [-5000, 5000, 5000, -5000, *(1000 * np.cos(angles)), 40_000]
    ys = [-5000, -5000, 5000, 5000, *(1000 * np.sin(angles)), 0]
    return from_xy(xs, ys)


def test_mcp_100_of_a_square() -> None:
    lats, lons = from_xy([-5000, 5000, 5000, -5000, 0, 100], [-5000, -5000, 5000, 5000, 0, 300])
    result = mcp(lats, lons, 100, projection=LOCAL)
    assert result.area_km2 == pytest.approx(100.0, rel=1e-6)
    assert (result.n_fixes, result.n_used) == (6, 6)
    assert result.polygon.geom_type == "Polygon"
    assert result.geojson["properties"]["area_km2"] == result.area_km2


def test_mcp_95_drops_the_outlier() -> None:
    lats, lons = square_with_outlier()
    # 100 %: the square (100 km2) plus the triangle to the outlier: 10 km x 35 km / 2 = 175.
    assert mcp(lats, lons, 100, projection=LOCAL).area_km2 == pytest.approx(275.0, rel=1e-6)
    # Mean centre (2 km, 0). Sorted distances: 95th percentile = d[18] + 0.05 (d[19] - d[18])
    # = 8,602 + 0.05 (38,000 - 8,602) = 10,072 m: the outlier (38 km) is the only fix dropped.
    result = mcp(lats, lons, 95, projection=LOCAL)
    assert result.n_used == 19
    assert result.area_km2 == pytest.approx(100.0, rel=1e-6)
    cx, cy = LOCAL.to_xy([result.centre_lat], [result.centre_lon])
    assert (cx[0], cy[0]) == pytest.approx((2000.0, 0.0), abs=1e-3)


def test_mcp_centres() -> None:
    # Symmetric square + centre: the spatial median is the centre; the harmonic-mean centre is
    # the grid node nearest the central fix (nodes at +-125 m for a 40-node grid over 10 km).
    lats, lons = from_xy([-5000, 5000, 5000, -5000, 0], [-5000, -5000, 5000, 5000, 0])
    median = mcp(lats, lons, 100, centre="median", projection=LOCAL)
    x, y = LOCAL.to_xy([median.centre_lat], [median.centre_lon])
    assert abs(x[0]) < 1e-3 and abs(y[0]) < 1e-3
    harmonic = mcp(lats, lons, 100, centre="harmonic", projection=LOCAL)
    x, y = LOCAL.to_xy([harmonic.centre_lat], [harmonic.centre_lon])
    assert (abs(x[0]), abs(y[0])) == pytest.approx((125.0, 125.0), abs=1e-3)
    # With the outlier, the median centre stays inside the square and 95 % drops the outlier.
    lats, lons = square_with_outlier()
    robust = mcp(lats, lons, 95, centre="median", projection=LOCAL)
    assert robust.n_used == 19 and robust.area_km2 == pytest.approx(100.0, rel=1e-6)
    with pytest.raises(ValueError, match="centre must be"):
        mcp(lats, lons, 95, centre="mode")  # type: ignore[arg-type]


def test_mcp_input_errors() -> None:
    with pytest.raises(ValueError, match="at least 3 fixes"):
        mcp([50.0, 50.1], [70.0, 70.1])
    with pytest.raises(ValueError, match="percent"):
        mcp([50.0, 50.1, 50.2], [70.0, 70.1, 70.0], percent=0)


# ---------------------------------------------------------------------------- KDE


@cache
def normal_sample(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return from_xy(rng.normal(0.0, 2000.0, n), rng.normal(0.0, 1000.0, n))


def test_reference_bandwidth_by_hand() -> None:
    # x = (0, 2, 4), y = (0, 0, 3): var_x = 4, var_y = 3; h = sqrt(3.5) * 3^(-1/6).
    assert reference_bandwidth([0, 2, 4], [0, 0, 3]) == pytest.approx(
        math.sqrt(3.5) * 3 ** (-1 / 6)
    )


def test_kde_of_a_bivariate_normal_sample_matches_the_theoretical_areas() -> None:
    # sigma_x = 2 km, sigma_y = 1 km. The p % highest-density region of the normal is an
    # ellipse of area pi * chi2_p(2) * sigma_x * sigma_y: 37.645 km2 (95 %), 8.710 km2 (50 %).
    lats, lons = normal_sample(100_000, 1)
    result = kde(lats, lons, projection=LOCAL)
    h = result.bandwidth_m
    assert h == pytest.approx(math.sqrt(0.5 * (2000**2 + 1000**2)) * 1e5 ** (-1 / 6), rel=0.01)
    for level in (50.0, 95.0):
        q = float(chi2.ppf(level / 100, 2))
        theoretical = math.pi * q * 2.0 * 1.0
        assert result.area_km2(level) == pytest.approx(theoretical, rel=0.05)
        # The KDE of a normal sample is (in expectation) the normal widened by the kernel:
        # sigma^2 + h^2 on each axis.
        smoothed = math.pi * q * math.sqrt((2000**2 + h**2) * (1000**2 + h**2)) / 1e6
        assert result.area_km2(level) == pytest.approx(smoothed, rel=0.01)
    assert math.pi * CHI2_95 * 2.0 == pytest.approx(37.645, abs=1e-3)


def test_binned_kde_agrees_with_the_exact_kde() -> None:
    lats, lons = normal_sample(500, 2)
    binned = kde(lats, lons, projection=LOCAL)
    exact = kde(lats, lons, projection=LOCAL, method="exact")
    assert np.array_equal(binned.x, exact.x) and np.array_equal(binned.y, exact.y)
    assert np.abs(binned.density - exact.density).max() < 1e-3 * exact.density.max()
    for level in (50.0, 95.0):
        assert binned.area_km2(level) == pytest.approx(exact.area_km2(level), rel=2e-3)
    # The density integrates to one over the grid (per m2 x cell area).
    assert float(exact.density.sum()) * exact.cell_m**2 == pytest.approx(1.0, abs=1e-6)


def test_kde_two_clusters_give_a_multipart_isopleth() -> None:
    rng = np.random.default_rng(3)
    xs = np.concatenate([rng.normal(-20_000, 1000, 500), rng.normal(20_000, 1000, 500)])
    ys = rng.normal(0, 1000, 1000)
    lats, lons = from_xy(xs, ys)
    result = kde(lats, lons, levels=[50, 95], bandwidth=800.0, projection=LOCAL)
    assert result.bandwidth == "fixed" and result.bandwidth_m == 800.0
    iso = result.isopleths[95.0]
    assert iso.polygon.geom_type == "MultiPolygon" and len(iso.polygon.geoms) == 2
    geojson = result.geojson
    assert [f["properties"]["level"] for f in geojson["features"]] == [50.0, 95.0]
    assert geojson["features"][1]["geometry"]["type"] == "MultiPolygon"


def test_kde_input_errors() -> None:
    lats, lons = normal_sample(500, 2)
    with pytest.raises(ValueError, match="levels"):
        kde(lats, lons, levels=[100])
    with pytest.raises(ValueError, match="bandwidth"):
        kde(lats, lons, bandwidth=-5.0)
    with pytest.raises(ValueError, match="are all fixes equal"):
        kde([50.0, 50.0, 50.0], [70.0, 70.0, 70.0])
    with pytest.raises(ValueError, match="method"):
        kde(lats, lons, method="fast")  # type: ignore[arg-type]


# ---------------------------------------------------------------------------- real telemetry


@cache
def buffalo(name: str) -> dict[str, np.ndarray]:
    path = reference_path("telemetry", "ctmm_buffalo.csv")
    with path.open(newline="", encoding="utf-8") as fh:
        rows = [row for row in csv.DictReader(fh) if row["identity"] == name]
    return {
        key: np.array([float(row[key]) for row in rows])
        for key in ("latitude", "longitude", "x", "y", "timestamp")
    }


def ctmm_projection() -> EqualAreaProjection:
    info = json.loads(reference_path("telemetry", "ctmm_buffalo_info.json").read_text())
    return EqualAreaProjection(name="ctmm two-point equidistant", proj4=info["Cilla"]["projection"])


def test_cilla_gaussian_range_reproduces_ctmm() -> None:
    # ctmm vignette("variogram"): IID 95 % home range of Cilla 369.0 km2 (356.9-381.3).
    data = buffalo("Cilla")
    assert data["x"].size == 3527
    in_ctmm_plane = gaussian_range(
        data["latitude"], data["longitude"], projection=ctmm_projection()
    )
    assert round(in_ctmm_plane.area_km2, 1) == 369.0
    # ctmm's two-point equidistant plane is not equal-area: a 0.2 x 0.2 degree box over the
    # range measures 449.239 km2 there against 447.301 km2 in the equal-area plane (and
    # 447.301 km2 geodesic). Our equal-area figure is smaller by exactly that factor.
    box = Polygon([(31.8, -25.1), (32.0, -25.1), (32.0, -24.9), (31.8, -24.9)])
    ratio = ctmm_projection().geometry_to_xy(box).area / KRUGER.geometry_to_xy(box).area
    assert ratio == pytest.approx(449.239 / 447.301, rel=1e-5)
    equal_area = gaussian_range(data["latitude"], data["longitude"])
    assert equal_area.area_km2 == pytest.approx(369.005 / ratio, rel=1e-4)
    assert round(equal_area.area_km2, 1) == 367.4


def test_pepper_sphered_kde_against_ctmm() -> None:
    # ctmm vignette("akde"): conventional IID KDE of Pepper 458.1 km2 (436.7-480.0), with
    # ctmm's debiasing. A Gaussian-reference KDE widens the covariance by (1 + n^(-1/3)); our
    # sphered reference KDE (not debiased) lands within 3 % of 458.1 x (1 + n^(-1/3)).
    data = buffalo("Pepper")
    n = data["x"].size
    assert n == 1725
    result = kde(data["latitude"], data["longitude"], bandwidth="href-sphered")
    assert result.bandwidth == "href-sphered"
    expected = 458.1 * (1 + n ** (-1 / 3))
    assert result.area_km2(95) == pytest.approx(expected, rel=0.03)
    # The isotropic h_ref oversmooths Pepper's elongated range by a third.
    isotropic = kde(data["latitude"], data["longitude"])
    assert isotropic.area_km2(95) > 1.2 * result.area_km2(95)


def test_cilla_mcp_matches_the_hull_of_ctmm_coordinates() -> None:
    data = buffalo("Cilla")
    result = mcp(data["latitude"], data["longitude"], 100, projection=ctmm_projection())
    hull = ConvexHull(np.column_stack([data["x"], data["y"]]))
    assert result.area_km2 == pytest.approx(hull.volume / 1e6, rel=1e-9)
    ninety_five = mcp(data["latitude"], data["longitude"], 95)
    assert ninety_five.n_used == math.floor(0.95 * 3526) + 1
    assert ninety_five.area_km2 < result.area_km2


# ---------------------------------------------------------------------------- seasons


def test_by_season_splits_by_month() -> None:
    winter_x, winter_y = [-5000, 5000, 5000, -5000], [-5000, -5000, 5000, 5000]
    summer_x, summer_y = [0, 2000, 2000, 0], [0, 0, 2000, 2000]
    lats, lons = from_xy(winter_x + summer_x, winter_y + summer_y)
    times = [datetime(2024, m, 15, tzinfo=UTC) for m in (12, 1, 2, 1, 6, 7, 8, 7)]
    seasons = {"winter": (12, 1, 2), "summer": (6, 7, 8), "autumn": (9, 10, 11)}
    result = by_season(
        lats, lons, times, seasons, method="mcp", percent=100, min_fixes=4, projection=LOCAL
    )
    assert result["winter"] is not None and result["summer"] is not None
    assert result["winter"].area_km2 == pytest.approx(100.0, rel=1e-6)  # type: ignore[union-attr]
    assert result["summer"].area_km2 == pytest.approx(4.0, rel=1e-6)  # type: ignore[union-attr]
    assert result["autumn"] is None
    as_datetime64 = np.array([t.replace(tzinfo=None) for t in times], dtype="datetime64[s]")
    again = by_season(lats, lons, as_datetime64, seasons, method="mcp", percent=100, min_fixes=4)
    assert again["winter"] is not None
    assert again["summer"].area_km2 == pytest.approx(4.0, rel=1e-6)  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="time at index 2"):
        by_season(lats, lons, [*times[:2], "2024-02-01", *times[3:]], seasons)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="months must be 1-12"):
        by_season(lats, lons, times, {"bad": (0, 13)})
    with pytest.raises(ValueError, match="7 times given for 8 fixes"):
        by_season(lats, lons, times[:7], seasons)


def test_buffalo_by_season_kde_runs_on_real_timestamps() -> None:
    data = buffalo("Cilla")
    times = data["timestamp"].astype("int64").astype("datetime64[s]")
    # Kruger: wet season November-April, dry season May-October.
    seasons = {"wet": (11, 12, 1, 2, 3, 4), "dry": (5, 6, 7, 8, 9, 10)}
    result = by_season(data["latitude"], data["longitude"], times, seasons, levels=[95])
    months = times.astype("datetime64[M]").astype(int) % 12 + 1
    n_wet = int(np.isin(months, seasons["wet"]).sum())
    assert result["wet"].n_fixes == n_wet  # type: ignore[union-attr]
    assert result["dry"].n_fixes == data["x"].size - n_wet  # type: ignore[union-attr]
