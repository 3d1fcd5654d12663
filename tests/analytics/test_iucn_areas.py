"""EOO and AOO (IUCN Guidelines sections 4.9-4.10) on hand-computed cases."""

from __future__ import annotations

import numpy as np
import pytest
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st

from barys.analytics.iucn import aoo_grid, aoo_km2, assess_areas, eoo_km2, unique_points
from barys.analytics.projections import CoordinateError, kazakhstan_albers

ALBERS = kazakhstan_albers()


def latlon_from_xy(xs: list[float], ys: list[float]) -> tuple[np.ndarray, np.ndarray]:
    """Points given in Kazakhstan Albers metres, returned as (lats, lons) degrees."""
    return ALBERS.to_latlon(np.asarray(xs, dtype=float), np.asarray(ys, dtype=float))


def test_square_of_known_area() -> None:
    # Corners of a 10 km x 10 km square plus an interior point: EOO 100 km2.
    lats, lons = latlon_from_xy([0, 10_000, 10_000, 0, 5_000], [0, 0, 10_000, 10_000, 5_000])
    assert eoo_km2(lats, lons, projection=ALBERS) == pytest.approx(100.0, rel=1e-6)
    # The default projection for points in Kazakhstan is the same Albers.
    assert eoo_km2(lats, lons) == pytest.approx(100.0, rel=1e-6)


def test_collinear_points_have_no_eoo() -> None:
    # On one meridian (a straight line in the conic projection) and along a projected line.
    assert eoo_km2([43.0, 44.0, 45.0, 46.0], [67.0, 67.0, 67.0, 67.0]) == 0.0
    lats, lons = latlon_from_xy([0, 1_000, 2_000, 3_000], [0, 2_000, 4_000, 6_000])
    assert eoo_km2(lats, lons, projection=ALBERS) == 0.0
    result = assess_areas(lats, lons, projection=ALBERS)
    assert result.eoo_raw_km2 == 0.0
    assert result.hull.geom_type == "LineString"


def test_fewer_than_three_distinct_points() -> None:
    assert eoo_km2([], []) == 0.0
    assert eoo_km2([45.0], [70.0]) == 0.0
    assert eoo_km2([45.0, 45.1, 45.0, 45.1], [70.0, 70.1, 70.0, 70.1]) == 0.0


def test_points_straddling_a_grid_line_occupy_one_cell_with_shifted_grids() -> None:
    # x = -50 m and +50 m straddle the line x = 0 of the unshifted grid: 2 cells there, but the
    # grid shifted by 500 m holds both in one cell.
    lats, lons = latlon_from_xy([-50, 50], [1_000, 1_000])
    single = aoo_grid(lats, lons, projection=ALBERS, shifts=1)
    assert single.n_cells == 2 and single.area_km2 == 8.0
    grid = aoo_grid(lats, lons, projection=ALBERS)
    assert grid.n_cells == 1
    assert aoo_km2(lats, lons, projection=ALBERS) == 4.0
    # Of the 16 origins, only the four with no x offset split the pair.
    assert grid.counts_by_origin.tolist() == [
        [2, 2, 2, 2],
        [1, 1, 1, 1],
        [1, 1, 1, 1],
        [1, 1, 1, 1],
    ]
    # The chosen cell spans x -1500..500 m, y 0..2000 m.
    assert grid.origin_m == (-3500.0, -2000.0)
    assert grid.cells.tolist() == [[1, 1]]
    (square,) = grid.cell_polygons_xy()
    assert square.bounds == (-1500.0, 0.0, 500.0, 2000.0)


def test_single_point_gets_aoo_of_one_cell_and_eoo_raised_to_it() -> None:
    result = assess_areas([43.25], [76.95])
    assert (result.aoo_km2, result.eoo_raw_km2, result.eoo_km2) == (4.0, 0.0, 4.0)
    assert result.eoo_set_to_aoo
    assert (result.n_points, result.n_unique_points, result.n_cells) == (1, 1, 1)
    assert result.hull.geom_type == "Point"
    # The cell drawn on the map contains the point.
    assert result.cells.contains(shapely.Point(76.95, 43.25))


def test_duplicates_count_once() -> None:
    lats, lons = latlon_from_xy([0, 10_000, 10_000, 0], [0, 0, 10_000, 10_000])
    lats4 = np.concatenate([lats, lats, lats])
    lons4 = np.concatenate([lons, lons, lons])
    result = assess_areas(lats4, lons4, projection=ALBERS)
    assert result.n_points == 12
    assert result.n_unique_points == 4
    assert result.eoo_km2 == pytest.approx(100.0, rel=1e-6)
    # Corners (0,0), (10,0), (10,10), (0,10) km: always 4 separate 2 km cells.
    assert result.n_cells == 4 and result.aoo_km2 == 16.0
    assert unique_points(lats4, lons4)[0].size == 4


def test_cell_size_and_larger_grids() -> None:
    # 1 km apart along x: with 2 km cells both fit in one cell of a shifted grid (4 km2); with
    # 10 km cells the same (100 km2).
    lats, lons = latlon_from_xy([100, 1_100], [100, 100])
    assert aoo_km2(lats, lons, projection=ALBERS) == 4.0
    assert aoo_km2(lats, lons, cell_km=10.0, projection=ALBERS) == 100.0
    with pytest.raises(ValueError, match="cell_km"):
        aoo_km2(lats, lons, cell_km=0.0)
    with pytest.raises(ValueError, match="shifts"):
        aoo_km2(lats, lons, shifts=0)


def test_eoo_kept_when_larger_than_aoo() -> None:
    lats, lons = latlon_from_xy([0, 20_000, 20_000, 0], [0, 0, 20_000, 20_000])
    result = assess_areas(lats, lons, projection=ALBERS)
    assert result.eoo_km2 == pytest.approx(400.0, rel=1e-6)
    assert result.aoo_km2 == 16.0
    assert not result.eoo_set_to_aoo
    geojson = result.to_geojson()
    assert [f["properties"]["kind"] for f in geojson["features"]] == ["eoo", "aoo"]
    assert geojson["features"][0]["geometry"]["type"] == "Polygon"
    assert len(geojson["features"][1]["geometry"]["coordinates"]) == 4


def test_bad_coordinates_raise_a_named_error() -> None:
    with pytest.raises(CoordinateError, match="latitude at index 2"):
        eoo_km2([45.0, 46.0, 95.0], [70.0, 71.0, 72.0])
    with pytest.raises(CoordinateError, match="differ in length"):
        aoo_km2([45.0, 46.0], [70.0])


def _brute_force_cells(x: np.ndarray, y: np.ndarray, cell_m: float, shifts: int) -> int:
    best = None
    for kx in range(shifts):
        for ky in range(shifts):
            ox, oy = kx * cell_m / shifts, ky * cell_m / shifts
            cx = np.floor((x - ox) / cell_m)
            cy = np.floor((y - oy) / cell_m)
            n = len(set(zip(cx.tolist(), cy.tolist(), strict=True)))
            best = n if best is None else min(best, n)
    assert best is not None
    return best


@settings(max_examples=40, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.floats(min_value=-30_000, max_value=30_000),
            st.floats(min_value=-30_000, max_value=30_000),
        ),
        min_size=1,
        max_size=40,
    ),
    st.sampled_from([1, 2, 4]),
)
def test_aoo_equals_the_brute_force_minimum(points: list[tuple[float, float]], shifts: int) -> None:
    x = np.array([p[0] for p in points])
    y = np.array([p[1] for p in points])
    lats, lons = ALBERS.to_latlon(x, y)
    grid = aoo_grid(lats, lons, projection=ALBERS, shifts=shifts)
    xr, yr = ALBERS.to_xy(*unique_points(lats, lons))
    assert grid.n_cells == _brute_force_cells(xr, yr, 2000.0, shifts)
    # Every point lies in one of the chosen cells.
    cells = shapely.union_all(grid.cell_polygons_xy())
    assert all(cells.intersects(shapely.Point(px, py)) for px, py in zip(xr, yr, strict=True))
    # EOO never shrinks below 0, and the reported EOO is never below the AOO.
    result = assess_areas(lats, lons, projection=ALBERS, shifts=shifts, include_geometry=False)
    assert result.eoo_km2 >= result.aoo_km2 > 0
