"""Extent of occurrence (EOO) and area of occupancy (AOO) for IUCN Red List assessments.

Definitions follow the *Guidelines for Using the IUCN Red List Categories and Criteria*
(IUCN Standards and Petitions Committee, version 16, 2024), sections 4.9 and 4.10:

* **EOO** is the area of the minimum convex polygon (convex hull) around all known sites,
  measured in an equal-area projection. Fewer than three distinct points, or points that all lie
  on one straight line, enclose no area: EOO 0.
* **AOO** is the number of occupied cells of a grid of ``cell_km`` x ``cell_km`` cells
  (2 km by default, the reference scale of the Guidelines) times the cell area. The count
  depends on where the grid is laid (Guidelines 4.10), so the grid is tried at
  ``shifts`` x ``shifts`` origins offset by multiples of ``cell_km / shifts`` in x and y
  (4 x 4 = 16 origins by default) and the minimum count is kept, as redlistr's
  ``gridUncertainty`` does with random shifts (Lee et al. 2019, Ecography 42:1050).
* If EOO comes out smaller than AOO it is set equal to AOO (section 4.9: EOO may not be smaller
  than AOO, which is by definition an area within it).

Both quantities are computed on unique points (duplicates removed first) with vectorised numpy,
scipy (Qhull) and pyproj; a taxon with a million records takes about a second.

The IUCN criteria pre-assessment lives in :mod:`barys.analytics.iucn_criteria` and is re-exported
here.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import ConvexHull, QhullError
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from barys.analytics.iucn_criteria import (
    AssessmentInputs,
    Category,
    ContinuingDecline,
    CriterionResult,
    ExtremeFluctuations,
    PreAssessment,
    ReductionEstimate,
    ThresholdMet,
    estimate_reduction,
    pre_assess,
)
from barys.analytics.projections import (
    EqualAreaProjection,
    FloatArray,
    as_latlon,
    equal_area_for,
    kazakhstan_albers,
)

__all__ = [
    "AooGrid",
    "AreaResult",
    "AssessmentInputs",
    "Category",
    "ContinuingDecline",
    "CriterionResult",
    "ExtremeFluctuations",
    "PreAssessment",
    "ReductionEstimate",
    "ThresholdMet",
    "aoo_grid",
    "aoo_km2",
    "assess_areas",
    "eoo_hull_xy",
    "eoo_km2",
    "estimate_reduction",
    "pre_assess",
    "unique_points",
]

logger = logging.getLogger(__name__)

DEFAULT_CELL_KM = 2.0
"""Reference AOO grid cell size of the IUCN Guidelines, km."""

DEFAULT_SHIFTS = 4
"""Grid origins tried per axis when minimising the AOO count (4 x 4 = 16 in all)."""

COLLINEAR_WIDTH_M = 0.05
"""Hulls thinner than this (metres) are treated as collinear: EOO 0."""

_UNIQUE_SCALE = 1e7  # duplicate points are compared at 1e-7 degree
_LON_SPAN = 360 * 10**7 + 1


def unique_points(lats: ArrayLike, lons: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validated latitude and longitude arrays (degrees) with duplicate points removed.

    Points are compared after rounding to 1e-7 degree (about 1 cm), and come back rounded so,
    sorted by latitude, then longitude.
    """
    lat, lon = as_latlon(lats, lons)
    if lat.size <= 1:
        return lat, lon
    ilat = np.rint((lat + 90.0) * _UNIQUE_SCALE).astype(np.int64)
    ilon = np.rint((lon + 180.0) * _UNIQUE_SCALE).astype(np.int64)
    keys = _sorted_unique(ilat * _LON_SPAN + ilon)
    return (keys // _LON_SPAN) / _UNIQUE_SCALE - 90.0, (keys % _LON_SPAN) / _UNIQUE_SCALE - 180.0


def _project(
    lats: ArrayLike, lons: ArrayLike, projection: EqualAreaProjection | None
) -> tuple[EqualAreaProjection, int, FloatArray, FloatArray]:
    lat_all, lon_all = as_latlon(lats, lons)
    n_points = int(lat_all.size)
    lat, lon = unique_points(lat_all, lon_all)
    if projection is None:
        projection = equal_area_for(lat, lon) if lat.size else kazakhstan_albers()
    x, y = projection.to_xy(lat, lon)
    return projection, n_points, x, y


def eoo_hull_xy(x: FloatArray, y: FloatArray) -> tuple[float, FloatArray]:
    """Convex hull of projected points: (area in m2, hull vertices as an (k, 2) array in metres).

    Fewer than three distinct points, or collinear points, give area 0 and the distinct points
    (at most their two extremes) as vertices. Points count as collinear when the hull is thinner
    than :data:`COLLINEAR_WIDTH_M` (area / diagonal of its bounding box), which absorbs the
    rounding of coordinates to 1e-7 degree and of the projection.
    """
    pts = np.column_stack([np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)])
    if pts.shape[0] >= 3:
        try:
            hull = ConvexHull(pts)
        except QhullError:
            logger.debug("convex hull is degenerate (collinear points): EOO 0")
        else:
            vertices = pts[hull.vertices]
            diagonal = float(np.hypot(*np.ptp(vertices, axis=0)))
            if float(hull.volume) > COLLINEAR_WIDTH_M * diagonal:
                return float(hull.volume), vertices
            logger.debug(
                "convex hull thinner than %s m: collinear points, EOO 0", COLLINEAR_WIDTH_M
            )
    if pts.shape[0] == 0:
        return 0.0, pts
    # Degenerate: return the two extreme points along the principal direction.
    centred = pts - pts.mean(axis=0)
    direction = np.linalg.svd(centred, full_matrices=False)[2][0] if pts.shape[0] > 1 else None
    if direction is None:
        return 0.0, pts[:1]
    proj = centred @ direction
    ends = pts[[int(np.argmin(proj)), int(np.argmax(proj))]]
    if np.array_equal(ends[0], ends[1]):
        ends = ends[:1]
    return 0.0, ends


def eoo_km2(
    lats: ArrayLike, lons: ArrayLike, *, projection: EqualAreaProjection | None = None
) -> float:
    """Extent of occurrence in km2: area of the minimum convex polygon around the points.

    ``lats``/``lons`` in decimal degrees (WGS84); ``projection`` defaults to
    :func:`~barys.analytics.projections.equal_area_for`. Returns 0 for fewer than three distinct
    points or collinear points. This is the raw EOO; see :func:`assess_areas` for the EOO >= AOO
    rule.
    """
    _, _, x, y = _project(lats, lons, projection)
    area_m2, _ = eoo_hull_xy(x, y)
    return area_m2 / 1e6


@dataclass(frozen=True)
class AooGrid:
    """Occupied cells of the AOO grid at the origin that minimises their number.

    ``cells`` holds integer (column, row) indices: cell ``(i, j)`` spans
    ``origin_m[0] + i * cell_m`` to ``origin_m[0] + (i + 1) * cell_m`` in x, likewise in y
    (metres in ``projection``).
    """

    cell_km: float
    shifts: int
    origin_m: tuple[float, float]
    cells: NDArray[np.int64]
    counts_by_origin: NDArray[np.int64]
    projection: EqualAreaProjection

    @property
    def n_cells(self) -> int:
        """Number of occupied cells."""
        return int(self.cells.shape[0])

    @property
    def area_km2(self) -> float:
        """AOO in km2: occupied cells times the cell area."""
        return self.n_cells * self.cell_km * self.cell_km

    def cell_polygons_xy(self) -> NDArray[np.object_]:
        """The occupied cells as shapely squares in projected metres."""
        cell_m = self.cell_km * 1000.0
        x0 = self.origin_m[0] + self.cells[:, 0] * cell_m
        y0 = self.origin_m[1] + self.cells[:, 1] * cell_m
        corners = np.stack(
            [
                np.column_stack([x0, y0]),
                np.column_stack([x0 + cell_m, y0]),
                np.column_stack([x0 + cell_m, y0 + cell_m]),
                np.column_stack([x0, y0 + cell_m]),
                np.column_stack([x0, y0]),
            ],
            axis=1,
        )
        return shapely.polygons(corners)  # type: ignore[no-any-return]

    def cell_polygons_lonlat(self) -> MultiPolygon:
        """The occupied cells as one (lon, lat) MultiPolygon, for drawing the grid on a map."""
        if self.n_cells == 0:
            return MultiPolygon()
        cell_m = self.cell_km * 1000.0
        x0 = self.origin_m[0] + self.cells[:, 0] * cell_m
        y0 = self.origin_m[1] + self.cells[:, 1] * cell_m
        xs = np.stack([x0, x0 + cell_m, x0 + cell_m, x0, x0], axis=1)
        ys = np.stack([y0, y0, y0 + cell_m, y0 + cell_m, y0], axis=1)
        lat, lon = self.projection.to_latlon(xs.ravel(), ys.ravel())
        rings = np.stack([lon, lat], axis=1).reshape(self.n_cells, 5, 2)
        return MultiPolygon(list(shapely.polygons(rings)))


def _run_starts(sorted_keys: NDArray[np.int64]) -> NDArray[np.bool_]:
    """Mask of the first element of each run of equal values in a sorted array."""
    first = np.empty(sorted_keys.size, dtype=bool)
    if sorted_keys.size:
        first[0] = True
        np.not_equal(sorted_keys[1:], sorted_keys[:-1], out=first[1:])
    return first


def _sorted_unique(keys: NDArray[np.int64]) -> NDArray[np.int64]:
    """Sorted unique values (a plain sort; faster here than numpy's hash-based unique)."""
    ordered = np.sort(keys)
    return ordered[_run_starts(ordered)]


def _aoo_from_xy(
    x: FloatArray, y: FloatArray, cell_km: float, shifts: int, projection: EqualAreaProjection
) -> AooGrid:
    if not (np.isfinite(cell_km) and cell_km > 0):
        raise ValueError(f"cell_km must be a positive number of kilometres (got {cell_km!r})")
    if int(shifts) != shifts or shifts < 1:
        raise ValueError(f"shifts must be a positive integer (got {shifts!r})")
    shifts = int(shifts)
    cell_m = float(cell_km) * 1000.0
    step = cell_m / shifts
    if x.size == 0:
        return AooGrid(
            cell_km=float(cell_km),
            shifts=shifts,
            origin_m=(0.0, 0.0),
            cells=np.zeros((0, 2), dtype=np.int64),
            counts_by_origin=np.zeros((shifts, shifts), dtype=np.int64),
            projection=projection,
        )
    # Index of each point on a sub-grid of step = cell / shifts. For an origin offset by
    # (kx, ky) steps, the cell index is floor((s - k) / shifts): exact, since k is an integer.
    sx = np.floor(x / step).astype(np.int64)
    sy = np.floor(y / step).astype(np.int64)
    # Rebase on a multiple of ``shifts`` so that offsets stay relative to the absolute grid.
    sx0 = (int(sx.min()) // shifts) * shifts
    sy0 = (int(sy.min()) // shifts) * shifts
    sx -= sx0
    sy -= sy0
    width = int(sx.max()) + shifts + 1
    sub = _sorted_unique(sy * width + sx)  # sorted by (row, column)
    usx = sub % width
    usy = sub // width
    height = int(usy.max()) + shifts + 1
    ncx = width // shifts + 2
    ncy = height // shifts + 2
    counts = np.zeros((shifts, shifts), dtype=np.int64)
    # Two stages, without a sort per origin: (1) columns of cells for each x offset -- keys
    # (row, cell column) stay sorted, so runs give the unique pairs; (2) re-sorted by
    # (cell column, row), the cell keys for each y offset are sorted too and runs count cells.
    by_column: list[tuple[NDArray[np.int64], NDArray[np.int64]]] = []
    for kx in range(shifts):
        cx = (usx + shifts - kx) // shifts
        first = _run_starts(usy * ncx + cx)
        pairs = np.sort(cx[first] * height + usy[first])
        col, row = pairs // height, pairs % height
        by_column.append((col, row))
        for ky in range(shifts):
            cy = (row + shifts - ky) // shifts
            counts[kx, ky] = int(np.count_nonzero(_run_starts(col * ncy + cy)))
    kx_best, ky_best = (int(v) for v in np.unravel_index(int(np.argmin(counts)), counts.shape))
    col, row = by_column[kx_best]
    keys = col * ncy + (row + shifts - ky_best) // shifts
    keys = keys[_run_starts(keys)]
    cells = np.column_stack([keys // ncy, keys % ncy]).astype(np.int64)
    # Cell (i, j) starts at (sx0 + kx - shifts + i * shifts) sub-steps.
    origin = ((sx0 + kx_best - shifts) * step, (sy0 + ky_best - shifts) * step)
    return AooGrid(
        cell_km=float(cell_km),
        shifts=shifts,
        origin_m=(float(origin[0]), float(origin[1])),
        cells=cells,
        counts_by_origin=counts,
        projection=projection,
    )


def aoo_grid(
    lats: ArrayLike,
    lons: ArrayLike,
    cell_km: float = DEFAULT_CELL_KM,
    *,
    shifts: int = DEFAULT_SHIFTS,
    projection: EqualAreaProjection | None = None,
) -> AooGrid:
    """The AOO grid (occupied cells) at the origin that minimises the count of occupied cells.

    ``cell_km`` is the cell side in km; ``shifts`` the number of grid origins tried along each
    axis, offset by ``cell_km / shifts`` (``shifts**2`` origins in all; 1 = a single grid with
    its origin at the projection's false origin).
    """
    proj, _, x, y = _project(lats, lons, projection)
    return _aoo_from_xy(x, y, cell_km, shifts, proj)


def aoo_km2(
    lats: ArrayLike,
    lons: ArrayLike,
    cell_km: float = DEFAULT_CELL_KM,
    *,
    shifts: int = DEFAULT_SHIFTS,
    projection: EqualAreaProjection | None = None,
) -> float:
    """Area of occupancy in km2: occupied ``cell_km`` x ``cell_km`` cells times the cell area.

    The minimum over ``shifts`` x ``shifts`` grid origins (see :func:`aoo_grid`).
    """
    return aoo_grid(lats, lons, cell_km, shifts=shifts, projection=projection).area_km2


@dataclass(frozen=True)
class AreaResult:
    """EOO and AOO of a taxon, with geometries in (lon, lat) degrees for drawing on a map.

    ``eoo_km2`` is the EOO to use in an assessment: the raw convex-hull area ``eoo_raw_km2``,
    raised to ``aoo_km2`` when smaller (Guidelines section 4.9; ``eoo_set_to_aoo`` tells when).
    ``n_points`` counts the records given, ``n_unique_points`` the distinct ones, ``n_cells`` the
    occupied AOO cells. ``hull`` is the convex hull (a Polygon; a LineString or Point when
    degenerate; edges densified to 10 km in the projection so that it draws as computed);
    ``cells`` the occupied cells (MultiPolygon). ``grid_origin_m`` is the chosen AOO grid origin
    in the projection's metres.
    """

    eoo_km2: float
    aoo_km2: float
    eoo_raw_km2: float
    n_points: int
    n_unique_points: int
    n_cells: int
    cell_km: float
    shifts: int
    grid_origin_m: tuple[float, float]
    hull: BaseGeometry
    cells: MultiPolygon
    projection: str

    @property
    def eoo_set_to_aoo(self) -> bool:
        """True when the EOO was raised to the AOO (section 4.9)."""
        return self.eoo_km2 > self.eoo_raw_km2

    def to_geojson(self) -> dict[str, Any]:
        """A GeoJSON FeatureCollection with the EOO hull and the AOO cells (areas in km2)."""
        return {
            "type": "FeatureCollection",
            "features": [
                {
                    "type": "Feature",
                    "geometry": mapping(self.hull),
                    "properties": {
                        "kind": "eoo",
                        "eoo_km2": self.eoo_km2,
                        "eoo_raw_km2": self.eoo_raw_km2,
                    },
                },
                {
                    "type": "Feature",
                    "geometry": mapping(self.cells),
                    "properties": {
                        "kind": "aoo",
                        "aoo_km2": self.aoo_km2,
                        "n_cells": self.n_cells,
                        "cell_km": self.cell_km,
                    },
                },
            ],
        }


def assess_areas(
    lats: ArrayLike,
    lons: ArrayLike,
    cell_km: float = DEFAULT_CELL_KM,
    *,
    shifts: int = DEFAULT_SHIFTS,
    projection: EqualAreaProjection | None = None,
    include_geometry: bool = True,
) -> AreaResult:
    """EOO and AOO in km2 of a set of occurrences, with EOO raised to AOO when smaller.

    ``lats``/``lons`` in decimal degrees (WGS84). With ``include_geometry=False`` the hull and
    cells are left empty (faster for very many cells).
    """
    proj, n_points, x, y = _project(lats, lons, projection)
    area_m2, hull_xy = eoo_hull_xy(x, y)
    grid = _aoo_from_xy(x, y, cell_km, shifts, proj)
    eoo_raw = area_m2 / 1e6
    aoo = grid.area_km2
    eoo = max(eoo_raw, aoo)
    hull: BaseGeometry = Polygon()
    cells = MultiPolygon()
    if include_geometry:
        hull = _hull_lonlat(hull_xy, proj)
        cells = grid.cell_polygons_lonlat()
    return AreaResult(
        eoo_km2=eoo,
        aoo_km2=aoo,
        eoo_raw_km2=eoo_raw,
        n_points=n_points,
        n_unique_points=int(x.size),
        n_cells=grid.n_cells,
        cell_km=grid.cell_km,
        shifts=grid.shifts,
        grid_origin_m=grid.origin_m,
        hull=hull,
        cells=cells,
        projection=proj.proj4,
    )


def _hull_lonlat(hull_xy: FloatArray, projection: EqualAreaProjection) -> BaseGeometry:
    if hull_xy.shape[0] == 0:
        return Polygon()
    if hull_xy.shape[0] == 1:
        geom: BaseGeometry = shapely.points(hull_xy[0])
    elif hull_xy.shape[0] == 2:
        geom = shapely.linestrings(hull_xy)
    else:
        geom = shapely.polygons(hull_xy)
    geom = shapely.segmentize(geom, 10_000.0)
    return projection.geometry_to_lonlat(geom)
