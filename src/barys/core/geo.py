"""Geographic helpers: the country outline, H3 cells and distances (WGS84 degrees, metres)."""

from __future__ import annotations

import json
import math
from functools import cache
from pathlib import Path

import h3
import numpy as np
import shapely
from shapely.geometry import shape
from shapely.geometry.base import BaseGeometry

GEODATA = Path(__file__).resolve().parent / "geodata"
EARTH_RADIUS_M = 6_371_008.8
METRES_PER_DEGREE = math.pi * EARTH_RADIUS_M / 180.0
#: H3 resolutions stored for every located record (approximate cell areas: r3 12,400 km²,
#: r5 250 km², r7 5.2 km², r9 0.105 km²).
H3_RESOLUTIONS: tuple[int, ...] = (3, 5, 7, 9)
#: Kazakhstan's bounding box (south, west, north, east) in degrees.
KAZAKHSTAN_BBOX = (40.5, 46.4, 55.5, 87.4)


@cache
def kazakhstan() -> BaseGeometry:
    """Kazakhstan's outline (Natural Earth 1:10m), prepared for fast point tests."""
    data = json.loads((GEODATA / "kazakhstan.geojson").read_text(encoding="utf-8"))
    geometry = shape(data["features"][0]["geometry"])
    shapely.prepare(geometry)
    return geometry


def in_kazakhstan(lats: np.ndarray, lons: np.ndarray, *, tolerance_deg: float = 0.0) -> np.ndarray:
    """Boolean array: is each point inside Kazakhstan (optionally within a tolerance)?"""
    outline = kazakhstan() if tolerance_deg <= 0 else _buffered(tolerance_deg)
    return np.asarray(
        shapely.contains_xy(outline, np.asarray(lons, float), np.asarray(lats, float))
    )


@cache
def _buffered(tolerance_deg: float) -> BaseGeometry:
    geometry = kazakhstan().buffer(tolerance_deg)
    shapely.prepare(geometry)
    return geometry


def h3_cell(lat: float, lon: float, resolution: int) -> int:
    """The H3 cell (as an integer id) containing the point."""
    return int(h3.str_to_int(h3.latlng_to_cell(lat, lon, resolution)))


def h3_cells(lat: float, lon: float) -> dict[int, int]:
    """Cells of the point at every stored resolution."""
    return {res: h3_cell(lat, lon, res) for res in H3_RESOLUTIONS}


def h3_boundary(cell: int) -> list[tuple[float, float]]:
    """The cell's outline as (lat, lon) pairs."""
    return [tuple(p) for p in h3.cell_to_boundary(h3.int_to_str(cell))]  # type: ignore[misc]


def h3_centre(cell: int) -> tuple[float, float]:
    lat, lon = h3.cell_to_latlng(h3.int_to_str(cell))
    return float(lat), float(lon)


def haversine_m(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in metres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(a)))


def zoom_to_h3_resolution(zoom: int) -> int:
    """The stored H3 resolution that suits a web-map zoom level."""
    if zoom <= 5:
        return 3
    if zoom <= 8:
        return 5
    if zoom <= 11:
        return 7
    return 9
