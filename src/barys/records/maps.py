"""Map data: occurrence cells for the public (never finer than the policy) and exact points
or cells for people allowed to see them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, Min, Q, QuerySet

from barys.core import roles
from barys.core.access_log import log_access
from barys.core.geo import H3_RESOLUTIONS, h3_boundary, h3_centre
from barys.records.models import Occurrence, OccurrenceCell

BBox = tuple[float, float, float, float]  # west, south, east, north
POINT_LIMIT = 2000


@dataclass
class Cell:
    cell: int
    resolution: int
    count: int
    first_year: int | None
    last_year: int | None


#: How far (degrees) a cell's centre may lie outside the view while its hexagon still overlaps
#: it: the hexagon's circumradius (its edge length; 69, 9.9, 1.4 and 0.2 km at resolutions
#: 3, 5, 7 and 9) in degrees of longitude at 55° N, Kazakhstan's northern edge, rounded up.
CELL_PAD_DEGREES = {3: 1.1, 5: 0.16, 7: 0.025, 9: 0.004}


def _bbox_q(bbox: BBox | None, resolution: int, prefix: str = "") -> Q:
    """Rows whose point (a record, or a cell's centre) lies in or near the view."""
    if bbox is None:
        return Q()
    west, south, east, north = bbox
    pad = CELL_PAD_DEGREES.get(resolution, CELL_PAD_DEGREES[3])
    return Q(
        **{
            f"{prefix}latitude__gte": south - pad,
            f"{prefix}latitude__lte": north + pad,
            f"{prefix}longitude__gte": west - pad,
            f"{prefix}longitude__lte": east + pad,
        }
    )


def public_cells(
    *, resolution: int, bbox: BBox | None = None, taxon_ids: list[int] | None = None
) -> list[Cell]:
    """Counts per H3 cell at ``resolution`` or, for records that may not be shown that fine,
    at their own limit (so every record counts once)."""
    resolution = max(r for r in H3_RESOLUTIONS if r <= max(resolution, H3_RESOLUTIONS[0]))
    base = OccurrenceCell.objects.all()
    if taxon_ids is not None:
        base = base.filter(taxon_id__in=taxon_ids)
    merged: dict[tuple[int, int], Cell] = {}

    def add(res: int, cell: int, count: int, first: int | None, last: int | None) -> None:
        if count <= 0:
            return
        item = merged.get((res, cell))
        if item is None:
            merged[(res, cell)] = Cell(cell, res, count, first, last)
            return
        item.count += count
        if first is not None:
            item.first_year = first if item.first_year is None else min(item.first_year, first)
        if last is not None:
            item.last_year = last if item.last_year is None else max(item.last_year, last)

    for cell, count, first, last in base.filter(
        _bbox_q(bbox, resolution), res=resolution
    ).values_list("cell", "count", "first_year", "last_year"):
        add(resolution, cell, count, first, last)
    for coarser in (r for r in H3_RESOLUTIONS if r < resolution):
        # records that may not be shown finer count once, in their own coarser cell
        for cell, count, first, last in base.filter(
            _bbox_q(bbox, coarser), res=coarser, count_at_limit__gt=0
        ).values_list("cell", "count_at_limit", "first_year", "last_year"):
            add(coarser, cell, count, first, last)
    return sorted(merged.values(), key=lambda c: (c.resolution, c.cell))


def exact_scope_filter(user: Any) -> Q | None:
    """Records ``user`` may see exactly: None for nobody, an empty Q for all."""
    scopes = roles.scopes_with_role(user, "observer")
    if scopes is None:
        return Q()
    if roles.has_role(user, "curator"):
        return Q()
    if not scopes:
        return None
    return Q(protected_area__in=sorted(scopes))


def exact_cells_or_points(
    *, user: Any, queryset: QuerySet[Occurrence], resolution: int, bbox: BBox | None
) -> dict[str, Any]:
    """For a person allowed exact views: points when few, else exact cell counts. Records
    outside their scopes are left out here (the caller adds public cells for those)."""
    allowed = exact_scope_filter(user)
    if allowed is None:
        return {"points": [], "cells": []}
    records = queryset.filter(allowed, latitude__isnull=False).filter(_bbox_q(bbox, resolution))
    records = records.filter(withhold_location=False)
    sample = list(
        records.values_list("occurrence_id", "latitude", "longitude", "taxon_id", "year")[
            : POINT_LIMIT + 1
        ]
    )
    if len(sample) <= POINT_LIMIT:
        log_access(
            actor=user, surface="map points", object_type="records.occurrence", count=len(sample)
        )
        return {"points": sample, "cells": []}
    column = f"h3_{resolution}"
    rows = records.values(column).annotate(n=Count("id"), first=Min("year"), last=Max("year"))
    cells = [
        Cell(r[column], resolution, r["n"], r["first"], r["last"])
        for r in rows
        if r[column] is not None
    ]
    return {"points": [], "cells": cells}


def cells_geojson(cells: list[Cell]) -> dict[str, Any]:
    features = []
    for c in cells:
        ring = [[lon, lat] for lat, lon in h3_boundary(c.cell)]
        ring.append(ring[0])
        lat, lon = h3_centre(c.cell)
        features.append(
            {
                "type": "Feature",
                "id": str(c.cell),
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {
                    "count": c.count,
                    "first_year": c.first_year,
                    "last_year": c.last_year,
                    "resolution": c.resolution,
                    "centre": [round(lon, 5), round(lat, 5)],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def richness(*, resolution: int = 3, taxon_ids: list[int] | None = None) -> list[tuple[int, int]]:
    """Number of distinct taxa per public cell (for the national species-richness map)."""
    taxa: dict[int, set[int]] = defaultdict(set)
    base = OccurrenceCell.objects.filter(res=resolution)
    if taxon_ids is not None:
        base = base.filter(taxon_id__in=taxon_ids)
    for cell, taxon_id in base.values_list("cell", "taxon_id"):
        taxa[cell].add(taxon_id)
    return sorted((cell, len(ids)) for cell, ids in taxa.items())
