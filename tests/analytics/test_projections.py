"""Tests of the equal-area projections shared by the IUCN and home-range analyses."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Polygon, shape

from barys.analytics.projections import (
    CoordinateError,
    as_latlon,
    centred_laea,
    data_centre,
    equal_area_for,
    geodesic_area_km2,
    kazakhstan_albers,
    local_laea,
    polygon_area_km2,
)
from tests.reference import reference_path


def _params(proj4: str) -> dict[str, float | str]:
    out: dict[str, float | str] = {}
    for token in proj4.split():
        key, _, value = token.lstrip("+").partition("=")
        try:
            out[key] = float(value)
        except ValueError:
            out[key] = value
    return out


def test_albers_parameters_follow_the_one_sixth_rule_for_kazakhstan() -> None:
    crs = _params(kazakhstan_albers().proj4)
    assert crs["proj"] == "aea"
    # Kazakhstan spans 40.58-55.43 N: one sixth of 14.85 deg inside each end gives 43.06, 52.96.
    assert (crs["lat_1"], crs["lat_2"], crs["lat_0"], crs["lon_0"]) == (43, 53, 48, 67)
    assert kazakhstan_albers().crs.is_projected


def test_round_trip_is_exact_to_a_millimetre() -> None:
    proj = kazakhstan_albers()
    lats = np.array([40.6, 43.25, 51.17, 55.4])
    lons = np.array([46.5, 76.95, 71.45, 87.3])
    x, y = proj.to_xy(lats, lons)
    back_lat, back_lon = proj.to_latlon(x, y)
    np.testing.assert_allclose(back_lat, lats, atol=1e-8)
    np.testing.assert_allclose(back_lon, lons, atol=1e-8)
    # The centre of the projection maps to the origin.
    x0, y0 = proj.to_xy([48.0], [67.0])
    assert abs(x0[0]) < 1e-6 and abs(y0[0]) < 1e-6


def test_kazakhstan_outline_area_matches_the_geodesic_area() -> None:
    path = reference_path("boundaries", "kazakhstan_ne_10m_admin_0_v5.1.2.geojson")
    data = json.loads(path.read_text(encoding="utf-8"))
    feature = data["features"][0] if "features" in data else data
    outline = shape(feature["geometry"])
    geodesic = geodesic_area_km2(outline)
    # Natural Earth 10m outline: 2,714,263 km2 on the WGS84 ellipsoid (pyproj.Geod).
    assert round(geodesic) == 2_714_263
    albers = polygon_area_km2(outline, kazakhstan_albers())
    assert albers == pytest.approx(geodesic, rel=2e-4)
    assert polygon_area_km2(outline) == pytest.approx(albers, rel=1e-12)  # default = Albers


def _authalic_q(lat_deg: float, e: float) -> float:
    s = math.sin(math.radians(lat_deg))
    return s / (1 - e * e * s * s) + math.log((1 + e * s) / (1 - e * s)) / (2 * e)


def test_one_degree_cell_area_matches_the_closed_form() -> None:
    # Area of a graticule cell on the ellipsoid with the authalic q of Snyder (1987), eq. 3-12:
    # A = a^2 (1 - e^2) / 2 * dlambda * (q(phi2) - q(phi1)); 8,686.495 km2 for 45-46 N x 1 deg.
    a = 6378137.0
    f = 1 / 298.257223563
    e = math.sqrt(f * (2 - f))
    closed = a * a * (1 - e * e) / 2 * math.radians(1.0) * (_authalic_q(46, e) - _authalic_q(45, e))
    assert closed / 1e6 == pytest.approx(8686.495, abs=1e-3)
    cell = Polygon([(70, 45), (71, 45), (71, 46), (70, 46)])
    assert polygon_area_km2(cell) == pytest.approx(closed / 1e6, rel=1e-8)
    assert polygon_area_km2(cell, local_laea(45.5, 70.5)) == pytest.approx(closed / 1e6, rel=1e-8)
    # Without densification the parallels become chords of the projected arcs: slightly less.
    assert polygon_area_km2(cell, max_segment_deg=None) < closed / 1e6


def test_auto_projection_choice() -> None:
    assert equal_area_for([43.0, 50.0], [70.0, 80.0]).proj4 == kazakhstan_albers().proj4
    kruger = equal_area_for([-25.0, -24.0], [31.5, 32.0])
    assert _params(kruger.proj4)["proj"] == "laea"


def test_data_centre_is_correct_across_the_antimeridian() -> None:
    lat0, lon0 = data_centre([0.0, 0.0], [179.0, -179.0])
    assert lat0 == pytest.approx(0.0, abs=1e-9)
    assert abs(lon0) == pytest.approx(180.0, abs=1e-9)
    proj = centred_laea([10.0, 12.0], [20.0, 22.0])
    assert _params(proj.proj4)["lat_0"] == pytest.approx(11.0, abs=0.01)


def test_geometry_round_trip() -> None:
    proj = local_laea(50.0, 70.0)
    square = Polygon([(0, 0), (5000, 0), (5000, 5000), (0, 5000)])
    lonlat = proj.geometry_to_lonlat(square)
    assert proj.geometry_to_xy(lonlat).area == pytest.approx(25e6, rel=1e-7)


@pytest.mark.parametrize(
    ("lats", "lons", "message"),
    [
        ([1.0, float("nan")], [1.0, 2.0], "latitude at index 1"),
        ([91.0], [0.0], "latitude at index 0"),
        ([0.0, 0.0], [0.0, 181.0], "longitude at index 1"),
        ([0.0], [0.0, 1.0], "differ in length"),
        ([[0.0]], [[0.0]], "one-dimensional"),
        (["a"], [0.0], "must be numbers"),
    ],
)
def test_bad_coordinates_are_named(lats: object, lons: object, message: str) -> None:
    with pytest.raises(CoordinateError, match=message):
        as_latlon(lats, lons)  # type: ignore[arg-type]


@settings(max_examples=60, deadline=None)
@given(
    st.lists(
        st.one_of(
            st.floats(allow_nan=True, allow_infinity=True),
            st.text(max_size=3),
            st.none(),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_any_input_validates_or_raises_a_coordinate_error(values: list[object]) -> None:
    try:
        lat, lon = as_latlon(values, values)  # type: ignore[arg-type]
    except CoordinateError as exc:
        assert str(exc)
    else:
        assert np.all(np.abs(lat) <= 90) and np.all(np.abs(lon) <= 180)
