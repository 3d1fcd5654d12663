"""Geometry helpers for places: GeoJSON text in and out, repair, bounds and areas.

All geometries are in WGS84 longitude/latitude degrees (GeoJSON axis order). Pure functions
of shapely geometries; no database.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import shapely
from shapely.geometry import MultiPolygon, Polygon
from shapely.geometry.base import BaseGeometry

from barys.analytics.projections import EqualAreaProjection, kazakhstan_albers, polygon_area_km2

#: Decimal places kept for stored coordinates (1e-6 degree is about 0.1 m).
PRECISION = 6
POLYGONAL = ("Polygon", "MultiPolygon")


class GeometryError(ValueError):
    """A geometry cannot be used; the message says why."""


def parse(value: str | dict[str, Any] | BaseGeometry) -> BaseGeometry:
    """A shapely geometry from GeoJSON text or a parsed GeoJSON geometry or Feature.

    Raises :class:`GeometryError` for text that is not a GeoJSON geometry.
    """
    if isinstance(value, BaseGeometry):
        return value
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError as exc:
            raise GeometryError(f"not JSON: {exc.msg} at character {exc.pos}") from None
    if not isinstance(value, dict):
        raise GeometryError("a GeoJSON geometry must be a JSON object")
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
    kind = value.get("type")
    if kind not in {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }:
        raise GeometryError(f"not a GeoJSON geometry (type {kind!r})")
    try:
        geometry = shapely.from_geojson(json.dumps(value))
    except (shapely.errors.GEOSException, ValueError, TypeError) as exc:
        raise GeometryError(f"unreadable {kind}: {exc}") from None
    if geometry is None or geometry.is_empty:
        raise GeometryError(f"the {kind} is empty")
    return geometry


def to_text(geometry: BaseGeometry) -> str:
    """Compact GeoJSON text of ``geometry`` (coordinates as stored)."""
    return str(shapely.to_geojson(geometry))


def rounded_coordinates(geometry: BaseGeometry, decimals: int = PRECISION) -> BaseGeometry:
    """``geometry`` with coordinates rounded to ``decimals`` places, validity not checked
    (for drawing, e.g. AOO cells that share edges)."""
    return shapely.transform(geometry, lambda xy: np.round(xy, decimals))


def rounded(geometry: BaseGeometry, decimals: int = PRECISION) -> BaseGeometry:
    """``geometry`` with coordinates rounded to ``decimals`` places (still valid)."""
    result = rounded_coordinates(geometry, decimals)
    if not result.is_valid:
        result = (
            polygonal(shapely.make_valid(result))
            if _is_polygonal(geometry)
            else shapely.make_valid(result)
        )
    return result


def bounds(geometry: BaseGeometry) -> tuple[float, float, float, float]:
    """(west, south, east, north) in degrees."""
    west, south, east, north = (float(v) for v in geometry.bounds)
    return west, south, east, north


@cache
def albers() -> EqualAreaProjection:
    """The Kazakhstan Albers equal-area projection, made once (its transformers are cached)."""
    return kazakhstan_albers()


def area_km2(geometry: BaseGeometry) -> float | None:
    """Area in km² in the Kazakhstan Albers equal-area projection; None for non-polygons."""
    if not _is_polygonal(geometry):
        return None
    return round(polygon_area_km2(geometry, albers(), max_segment_deg=0.05), 3)


def _is_polygonal(geometry: BaseGeometry) -> bool:
    return geometry.geom_type in POLYGONAL


def polygonal(geometry: BaseGeometry) -> Polygon | MultiPolygon:
    """The polygon parts of ``geometry`` (e.g. after make_valid) as one (Multi)Polygon."""
    if isinstance(geometry, Polygon | MultiPolygon):
        return geometry
    parts = [g for g in shapely.get_parts(geometry) if isinstance(g, Polygon | MultiPolygon)]
    polygons: list[Polygon] = []
    for part in parts:
        polygons.extend(part.geoms if isinstance(part, MultiPolygon) else [part])
    polygons = [p for p in polygons if not p.is_empty and p.area > 0]
    if not polygons:
        return Polygon()
    if len(polygons) == 1:
        return polygons[0]
    merged = shapely.union_all(polygons)
    return merged if isinstance(merged, Polygon | MultiPolygon) else polygonal(merged)


@dataclass(frozen=True)
class Checked:
    """A geometry ready to store, and what was done to it (empty when nothing)."""

    geometry: BaseGeometry
    note: str


def check(geometry: BaseGeometry, *, polygons_only: bool) -> Checked:
    """Validate a geometry in degrees: coordinates in range, valid (repaired with make_valid
    when not), polygonal when ``polygons_only``. Raises :class:`GeometryError`."""
    if geometry is None or geometry.is_empty:
        raise GeometryError("the geometry is empty")
    coords = shapely.get_coordinates(geometry)
    if not np.all(np.isfinite(coords)):
        raise GeometryError("the geometry has coordinates that are not finite numbers")
    if np.any(np.abs(coords[:, 0]) > 180) or np.any(np.abs(coords[:, 1]) > 90):
        worst = coords[(np.abs(coords[:, 0]) > 180) | (np.abs(coords[:, 1]) > 90)][0]
        raise GeometryError(
            f"coordinate ({worst[0]:g}, {worst[1]:g}) is outside longitude -180..180 / "
            "latitude -90..90 (wrong coordinate reference system?)"
        )
    kind = geometry.geom_type
    if polygons_only and kind not in (*POLYGONAL, "GeometryCollection"):
        raise GeometryError(f"a {kind} is not a polygon")
    note = ""
    if not geometry.is_valid:
        reason = shapely.is_valid_reason(geometry)
        repaired = shapely.make_valid(geometry)
        if polygons_only or _is_polygonal(geometry):
            repaired = polygonal(repaired)
        if repaired.is_empty or (polygons_only and repaired.area <= 0):
            raise GeometryError(
                f"invalid geometry ({reason}) that cannot be repaired into a polygon"
            )
        geometry = repaired
        note = f"repaired: {reason}"
    elif polygons_only and kind == "GeometryCollection":
        geometry = polygonal(geometry)
        if geometry.is_empty:
            raise GeometryError("the geometry collection holds no polygon")
    if polygons_only and geometry.area <= 0:
        raise GeometryError("the polygon has no area")
    return Checked(rounded(geometry), note)


def simplified(geometry: BaseGeometry, tolerance_deg: float) -> BaseGeometry:
    """``geometry`` simplified (topology preserved) to ``tolerance_deg`` degrees."""
    if tolerance_deg <= 0:
        return geometry
    return shapely.simplify(geometry, tolerance_deg, preserve_topology=True)
