"""Home ranges per individual and season, and the generalised seasonal ranges the public sees.

Computed with :mod:`barys.analytics.homerange` from the fixes that are not outliers: minimum
convex polygons with 95 % and 100 % of the fixes and kernel density isopleths at 50 % and 95 %
(reference bandwidth h_ref), areas in km² in a Lambert azimuthal equal-area projection centred
on all the individual's fixes (shared by the seasons, so their areas compare). Seasons: the
whole record (``all``) and the meteorological seasons of :data:`barys.telemetry.tracks.SEASONS`
with at least :data:`MIN_FIXES` fixes.

The public range of a season is the KDE 95 % isopleth of the fixes *older than the live window*
(``BARYS_LIVE_POSITION_DAYS``), replaced by the union of the grid cells it touches on a grid of
:func:`public_cell_deg` degrees (0.1° at the least, 1° for category-1 taxa when the
installation shows category 1 on a grid, withheld otherwise), so its outline is made of cell
edges and says nothing finer than the grid. At least :data:`PUBLIC_MIN_FIXES` old fixes are
needed.
"""

from __future__ import annotations

import logging
import math
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import shapely
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from shapely.geometry import mapping
from shapely.geometry.base import BaseGeometry

from barys.analytics import homerange
from barys.analytics.projections import centred_laea
from barys.core import audit, sensitivity
from barys.core.jobs import Reporter, create_job, job_handler
from barys.core.models import Job
from barys.individuals.models import Individual
from barys.taxa.models import Taxon
from barys.telemetry import tracks
from barys.telemetry.models import HomeRange

log = logging.getLogger(__name__)

MIN_FIXES = 30
PUBLIC_MIN_FIXES = 50
MCP_LEVELS = (95.0, 100.0)
KDE_LEVELS = (50.0, 95.0)
PUBLIC_MIN_CELL_DEG = 0.1
MAX_PUBLIC_CELLS = 40_000
SEASON_ORDER = ("all", *tracks.SEASONS)


def live_cutoff(now: datetime | None = None) -> datetime:
    """Fixes at or after this moment are live or recent: never public."""
    days = int(getattr(settings, "BARYS_LIVE_POSITION_DAYS", 30))
    return (now or timezone.now()) - timedelta(days=days)


def public_cell_deg(taxon: Taxon | None) -> float | None:
    """Grid cell (degrees) of the public seasonal ranges of a taxon's collared animals;
    ``None`` when they are withheld entirely (category 1 without a public grid)."""
    category = sensitivity.effective_category(taxon.sensitivity_category if taxon else None)
    if category == 1:
        return sensitivity.GRID_DEG[1] if sensitivity.current_config().category1_grid else None
    cell = (
        sensitivity.GRID_DEG.get(category, PUBLIC_MIN_CELL_DEG) if category else PUBLIC_MIN_CELL_DEG
    )
    return max(cell, PUBLIC_MIN_CELL_DEG)


def _decimals(cell_deg: float) -> int:
    return max(0, -int(math.floor(math.log10(cell_deg) + 1e-9)))


def snap_to_grid(polygon: BaseGeometry, cell_deg: float) -> dict[str, Any] | None:
    """The union of the ``cell_deg`` grid cells (anchored at 0°) that ``polygon`` (lon/lat)
    touches, as a GeoJSON geometry with coordinates rounded to the grid; ``None`` if empty.
    A range wider than :data:`MAX_PUBLIC_CELLS` cells is drawn on a coarser grid."""
    if polygon.is_empty:
        return None
    minx, miny, maxx, maxy = polygon.bounds
    cell = cell_deg
    while True:
        i0, i1 = math.floor(minx / cell), math.floor(maxx / cell)
        j0, j1 = math.floor(miny / cell), math.floor(maxy / cell)
        if (i1 - i0 + 1) * (j1 - j0 + 1) <= MAX_PUBLIC_CELLS:
            break
        cell *= 2
    ii, jj = np.meshgrid(np.arange(i0, i1 + 1), np.arange(j0, j1 + 1))
    x0, y0 = ii.ravel() * cell, jj.ravel() * cell
    boxes = shapely.box(x0, y0, x0 + cell, y0 + cell)
    shapely.prepare(polygon)
    hit = boxes[shapely.intersects(polygon, boxes)]
    if hit.size == 0:
        return None
    union = shapely.union_all(shapely.set_precision(hit, cell / 1000.0))
    union = shapely.simplify(union, cell / 100.0)
    decimals = _decimals(cell)

    def rounded(value: Any) -> Any:
        if isinstance(value, float | int):
            return round(float(value), decimals)
        return [rounded(v) for v in value]

    geometry = mapping(union)
    return {"type": geometry["type"], "coordinates": rounded(geometry["coordinates"])}


def _save(
    individual: Individual,
    season: str,
    method: str,
    level: float,
    values: dict[str, Any],
    existing: dict[tuple[str, str, float], HomeRange],
    actor: Any,
) -> HomeRange:
    row = existing.pop((season, method, level), None)
    if row is None:
        row = HomeRange.objects.create(
            individual=individual, season=season, method=method, level=level, **values
        )
        audit.record(
            action="create",
            instance=row,
            before=None,
            after=audit.snapshot(row, exclude=("geometry", "public_geometry")),
            actor=actor,
            reason="home range computed",
        )
        return row
    before = audit.snapshot(row, exclude=("geometry", "public_geometry", "computed_at"))
    for key, value in values.items():
        setattr(row, key, value)
    row.save()
    after = audit.snapshot(row, exclude=("geometry", "public_geometry", "computed_at"))
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    if changed:
        audit.record(
            action="update",
            instance=row,
            before={k: before.get(k) for k in changed},
            after={k: after[k] for k in changed},
            actor=actor,
            reason="home range recomputed",
        )
    return row


def compute_home_ranges(
    *, individual: Individual, now: datetime | None = None, actor: Any = "system"
) -> list[HomeRange]:
    """Compute and store the individual's home ranges (see the module docstring); seasons
    that no longer have enough fixes are removed. Returns the stored rows."""
    track = tracks.load_track(individual, include_outliers=False)
    cutoff = live_cutoff(now)
    cell = public_cell_deg(individual.taxon)
    rows: list[HomeRange] = []
    with transaction.atomic():
        existing = {
            (r.season, r.method, r.level): r
            for r in HomeRange.objects.filter(individual=individual)
        }
        if len(track) >= MIN_FIXES:
            projection = centred_laea(track.lat, track.lon)
            months = track.months
            old = track.t < tracks.as_datetime64(cutoff)
            for season in SEASON_ORDER:
                mask = (
                    np.ones(len(track), dtype=bool)
                    if season == "all"
                    else np.isin(months, tracks.SEASONS[season])
                )
                if int(mask.sum()) < MIN_FIXES:
                    continue
                try:
                    rows += _season(
                        individual,
                        season,
                        track,
                        mask,
                        mask & old,
                        projection,
                        cell,
                        existing,
                        actor,
                    )
                except ValueError as exc:  # degenerate fixes, e.g. all at one place
                    log.info("no %s home range of %s: %s", season, individual.code, exc)
        for stale in existing.values():
            audit.record(
                action="delete",
                instance=stale,
                before=audit.snapshot(stale, exclude=("geometry", "public_geometry")),
                after=None,
                actor=actor,
                reason="season without enough fixes",
            )
            stale.delete()
    return rows


def _season(
    individual: Individual,
    season: str,
    track: tracks.Track,
    mask: np.ndarray,
    old: np.ndarray,
    projection: Any,
    cell: float | None,
    existing: dict[tuple[str, str, float], HomeRange],
    actor: Any,
) -> list[HomeRange]:
    """Compute the season's ranges (raises ValueError for degenerate fixes before anything is
    saved), then save them."""
    lat, lon = track.lat[mask], track.lon[mask]
    first = track.t[mask][0].astype(datetime).replace(tzinfo=UTC)
    last = track.t[mask][-1].astype(datetime).replace(tzinfo=UTC)
    common = {"n_fixes": int(mask.sum()), "first_fix": first, "last_fix": last}
    found: list[tuple[str, float, dict[str, Any]]] = []
    for percent in MCP_LEVELS:
        polygon = homerange.mcp(lat, lon, percent, projection=projection)
        found.append(
            (
                "mcp",
                percent,
                {
                    **common,
                    "area_km2": polygon.area_km2,
                    "geometry": mapping(polygon.polygon),
                    "parameters": {
                        "centre": polygon.centre_method,
                        "n_used": polygon.n_used,
                        "projection": polygon.projection,
                    },
                    "public_geometry": None,
                    "public_cell_deg": None,
                    "public_until": None,
                },
            )
        )
    kde = homerange.kde(lat, lon, KDE_LEVELS, projection=projection)
    public: dict[str, Any] | None = None
    if cell is not None and int(old.sum()) >= PUBLIC_MIN_FIXES:
        old_kde = homerange.kde(track.lat[old], track.lon[old], (95.0,), projection=projection)
        public = snap_to_grid(old_kde.isopleths[95.0].polygon, cell)
    until = track.t[old][-1].astype(datetime).replace(tzinfo=UTC) if old.any() else None
    for level in KDE_LEVELS:
        iso = kde.isopleths[level]
        is_public = level == 95.0 and public is not None
        found.append(
            (
                "kde",
                level,
                {
                    **common,
                    "area_km2": iso.area_km2,
                    "geometry": mapping(iso.polygon),
                    "parameters": {
                        "bandwidth": kde.bandwidth,
                        "bandwidth_m": kde.bandwidth_m,
                        "cell_m": kde.cell_m,
                        "projection": kde.projection,
                    },
                    "public_geometry": public if is_public else None,
                    "public_cell_deg": cell if is_public else None,
                    "public_until": until if is_public else None,
                },
            )
        )
    return [
        _save(individual, season, method, level, values, existing, actor)
        for method, level, values in found
    ]


@job_handler("telemetry.home_ranges")
def home_ranges_job(job: Job, report: Reporter) -> dict[str, Any]:
    """Job: recompute the home ranges of ``params["individual"]`` (a code)."""
    individual = Individual.objects.get(code=job.params["individual"])
    report(10, f"home ranges of {individual.code}")
    rows = compute_home_ranges(individual=individual, actor=job.created_by or "system")
    return {"individual": individual.code, "home_ranges": len(rows)}


def schedule_home_ranges(*, individual: Individual, user: Any = None) -> Job:
    """Recompute the individual's home ranges in the background (idempotent job)."""
    person = user if getattr(user, "is_authenticated", False) else None
    return create_job(
        kind="telemetry.home_ranges",
        params={"individual": individual.code},
        title=f"Home ranges of {individual.code}",
        user=person,
    )
