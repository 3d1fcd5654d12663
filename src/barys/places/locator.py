"""Assigning points to oblasts and protected areas, vectorised and cached.

The index holds the prepared polygons of every oblast and protected area; it is rebuilt when
the places change (checked with one small query per call: the number of those places and
their latest change). A point on a border belongs to the polygon it touches; where polygons
overlap (a reserve inside a national park) the smallest one wins.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import shapely
from django.db.models import Count, Max

from barys.core.jobs import Reporter, job_handler
from barys.core.models import Job
from barys.places import geometry as geo
from barys.places.changes import LOCATING_KINDS, RELOCATE_JOB
from barys.places.models import Place

log = logging.getLogger(__name__)

#: Records read and updated per database round trip by the re-locating job.
CHUNK = 20_000
Point = tuple[float | None, float | None]


@dataclass(frozen=True)
class _Polygon:
    code: str
    kind: str
    west: float
    south: float
    east: float
    north: float
    area: float
    geometry: Any


class PlaceIndex:
    """Prepared polygons of oblasts and protected areas."""

    def __init__(self, polygons: Sequence[_Polygon]) -> None:
        # Largest first, so that smaller (more specific) polygons overwrite larger ones.
        self.polygons = sorted(polygons, key=lambda p: -p.area)

    @classmethod
    def from_database(cls) -> PlaceIndex:
        polygons = []
        rows = Place.objects.filter(kind__in=LOCATING_KINDS).values_list(
            "code", "kind", "geometry", "west", "south", "east", "north", "area_km2"
        )
        for code, kind, text, west, south, east, north, area in rows:
            shape = geo.parse(text)
            if shape.geom_type not in geo.POLYGONAL:
                continue
            shapely.prepare(shape)
            polygons.append(_Polygon(code, kind, west, south, east, north, area or 0.0, shape))
        return cls(polygons)

    def locate(self, lats: np.ndarray, lons: np.ndarray) -> dict[str, np.ndarray]:
        """Oblast and protected-area codes per point ("" where none; NaN points get "")."""
        lats = np.asarray(lats, dtype=np.float64)
        lons = np.asarray(lons, dtype=np.float64)
        result = {kind: np.full(lats.shape, "", dtype=object) for kind in LOCATING_KINDS}
        valid = np.isfinite(lats) & np.isfinite(lons)
        for polygon in self.polygons:
            candidates = (
                valid
                & (lats >= polygon.south)
                & (lats <= polygon.north)
                & (lons >= polygon.west)
                & (lons <= polygon.east)
            )
            index = np.flatnonzero(candidates)
            if index.size == 0:
                continue
            inside = shapely.intersects_xy(polygon.geometry, lons[index], lats[index])
            result[polygon.kind][index[inside]] = polygon.code
        return result


_lock = threading.Lock()
_cache: dict[str, Any] = {"stamp": None, "index": None}


def _stamp() -> tuple[int, Any]:
    found = Place.objects.filter(kind__in=LOCATING_KINDS).aggregate(
        n=Count("id"), latest=Max("updated_at")
    )
    return int(found["n"]), found["latest"]


def current_index() -> PlaceIndex:
    """The cached index, rebuilt when the oblasts or protected areas changed."""
    stamp = _stamp()
    with _lock:
        index = _cache["index"]
        if index is None or _cache["stamp"] != stamp:
            index = PlaceIndex.from_database()
            _cache.update(stamp=stamp, index=index)
            log.debug("place index rebuilt: %d polygons", len(index.polygons))
        return index  # type: ignore[no-any-return]


def invalidate() -> None:
    """Forget the cached index (the next call rebuilds it)."""
    with _lock:
        _cache.update(stamp=None, index=None)


def locate_points(points: list[Point]) -> list[dict[str, str]]:
    """The locator registered with :func:`barys.records.locating.register_locator`: per point
    a dict with ``oblast`` and ``protected_area`` codes (empty strings where none)."""
    if not points:
        return []
    lats = np.array([np.nan if p[0] is None else p[0] for p in points], dtype=np.float64)
    lons = np.array([np.nan if p[1] is None else p[1] for p in points], dtype=np.float64)
    found = current_index().locate(lats, lons)
    return [
        {"oblast": o, "protected_area": a}
        for o, a in zip(found["oblast"], found["protected_area"], strict=True)
    ]


def relocate_all(report: Reporter | None = None, *, chunk: int = CHUNK) -> dict[str, int]:
    """Assign every record with coordinates its oblast and protected area again.

    Reads the records in primary-key order, ``chunk`` at a time, and updates only those whose
    places changed, with one UPDATE per distinct (oblast, protected area) pair in the chunk.
    Returns the numbers of records seen and changed.
    """
    from barys.records.models import Occurrence

    index = current_index()
    base = Occurrence.objects.filter(latitude__isnull=False, longitude__isnull=False)
    last_pk = base.aggregate(m=Max("pk"))["m"] or 0
    seen = changed = 0
    after = 0
    while True:
        rows = list(
            base.filter(pk__gt=after)
            .order_by("pk")
            .values_list("pk", "latitude", "longitude", "oblast", "protected_area")[:chunk]
        )
        if not rows:
            break
        pks = np.array([r[0] for r in rows], dtype=np.int64)
        found = index.locate(np.array([r[1] for r in rows]), np.array([r[2] for r in rows]))
        groups: dict[tuple[str, str], list[int]] = {}
        for i, row in enumerate(rows):
            new = (found["oblast"][i], found["protected_area"][i])
            if (row[3], row[4]) != new:
                groups.setdefault(new, []).append(int(pks[i]))
        for (oblast, area), ids in groups.items():
            for start in range(0, len(ids), 900):
                Occurrence.objects.filter(pk__in=ids[start : start + 900]).update(
                    oblast=oblast, protected_area=area
                )
            changed += len(ids)
        seen += len(rows)
        after = int(pks[-1])
        if report is not None:
            report(100.0 * after / max(last_pk, 1), f"{seen} records checked, {changed} moved")
    log.info("re-located %d records, %d changed", seen, changed)
    return {"records": seen, "changed": changed}


@job_handler(RELOCATE_JOB)
def _relocate_job(job: Job, report: Reporter) -> dict[str, int]:
    return relocate_all(report)
