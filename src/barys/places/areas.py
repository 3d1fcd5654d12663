"""Stored EOO and AOO per taxon and period, computed with :mod:`barys.analytics.iucn`.

For each taxon the records used are those of the taxon and of its subspecies that have
coordinates, ``occurrenceStatus`` present and no coordinate quality flag. Periods are
``all`` (every such record, dated or not), each calendar decade holding records
(``1990-1999``…) and any custom period stored before (``YYYY-YYYY``, inclusive years).

* EOO = :func:`barys.analytics.iucn.assess_areas` ``eoo_km2``: the convex hull area in the
  Kazakhstan Albers equal-area projection, raised to the AOO when smaller;
* AOO = occupied 2 x 2 km cells x 4 km², the minimum over 16 grid origins.

:func:`recompute_areas` does the work now; :func:`schedule_area_recompute` queues it as a
background job (the records import calls it after writing records).
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import chain

import numpy as np
import shapely
from django.db import connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce

from barys.analytics import iucn
from barys.analytics.projections import (
    EqualAreaProjection,
    equal_area_for,
    in_kazakhstan_region,
)
from barys.core.jobs import Reporter, create_job, job_handler
from barys.core.models import Job, User
from barys.places import geometry as geo
from barys.places.models import AreaEstimate
from barys.taxa.models import Taxon

log = logging.getLogger(__name__)

AREA_JOB = "places.recompute_areas"
PERIOD_ALL = "all"
#: The AOO cells are stored for drawing only up to this many cells (about 1.3 MB of GeoJSON).
MAX_STORED_CELLS = 10_000
#: Quality flags that exclude a record's coordinates from EOO and AOO.
COORDINATE_FLAGS = (
    "ZERO_COORDINATE",
    "COORDINATE_OUT_OF_RANGE",
    "COORDINATE_INVALID",
    "PRESUMED_SWAPPED_COORDINATE",
    "PRESUMED_NEGATED_LONGITUDE",
    "COUNTRY_COORDINATE_MISMATCH",
    "COORDINATE_UNCERTAINTY_METERS_INVALID",
)
_PERIOD = re.compile(r"^(\d{4})-(\d{4})$")


class AreaError(ValueError):
    """A period or taxon given to the area services is not valid."""


@dataclass(frozen=True)
class Period:
    """A label (``all`` or ``YYYY-YYYY``) and its inclusive years (None for ``all``)."""

    label: str
    start: int | None = None
    end: int | None = None

    @classmethod
    def parse(cls, label: str) -> Period:
        if label == PERIOD_ALL:
            return cls(PERIOD_ALL)
        match = _PERIOD.match(label or "")
        if not match:
            raise AreaError(f"period {label!r} is neither 'all' nor 'YYYY-YYYY'")
        start, end = int(match.group(1)), int(match.group(2))
        if end < start:
            raise AreaError(f"period {label!r} ends before it starts")
        return cls(label, start, end)

    @classmethod
    def of_years(cls, start: int, end: int) -> Period:
        return cls.parse(f"{start:04d}-{end:04d}")


def coordinate_flag_mask() -> int:
    from barys.records.quality import FLAGS

    mask = 0
    for name in COORDINATE_FLAGS:
        mask |= FLAGS[name]
    return mask


def _member_taxa(taxon_id: int) -> list[int]:
    """The taxon and its subspecies (records of a subspecies count for its species)."""
    children = Taxon.objects.filter(parent_id=taxon_id, rank="subspecies")
    return [taxon_id, *children.values_list("pk", flat=True)]


def usable_records(taxon_id: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Latitudes, longitudes (degrees) and years (0 when unknown) of the records used."""
    from barys.records.models import Occurrence

    queryset = (
        Occurrence.objects.filter(
            taxon_id__in=_member_taxa(taxon_id),
            latitude__isnull=False,
            longitude__isnull=False,
            occurrence_status="present",
        )
        .annotate(coordinate_flags=F("flags").bitand(coordinate_flag_mask()))
        .filter(coordinate_flags=0)
        .annotate(year_or_zero=Coalesce("year", Value(0)))
        .order_by()
        .values_list("latitude", "longitude", "year_or_zero")
    )
    sql, params = queryset.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    if not rows:
        empty = np.zeros(0)
        return empty, empty, empty.astype(np.int64)
    data = np.fromiter(chain.from_iterable(rows), dtype=np.float64, count=3 * len(rows))
    data = data.reshape(-1, 3)
    return data[:, 0], data[:, 1], data[:, 2].astype(np.int64)


def decades(years: np.ndarray) -> list[Period]:
    """One period per calendar decade holding at least one dated record."""
    known = years[years > 0]
    return [Period.of_years(int(d), int(d) + 9) for d in np.unique(known // 10 * 10)]


def projection_for(lats: np.ndarray, lons: np.ndarray) -> EqualAreaProjection:
    """:func:`~barys.analytics.projections.equal_area_for`, reusing one Kazakhstan Albers
    projection (building a projection's transformer costs tens of milliseconds)."""
    if in_kazakhstan_region(lats, lons):
        return geo.albers()
    return equal_area_for(lats, lons)


def _hull_geometry(ulat: np.ndarray, ulon: np.ndarray) -> str:
    """The EOO hull of distinct points as GeoJSON, computed on its own (for taxa with too many
    cells to draw)."""
    projection = projection_for(ulat, ulon)
    x, y = projection.to_xy(ulat, ulon)
    _area, vertices = iucn.eoo_hull_xy(x, y)
    if vertices.shape[0] == 0:
        return ""
    if vertices.shape[0] == 1:
        shape = shapely.points(vertices[0])
    elif vertices.shape[0] == 2:
        shape = shapely.linestrings(vertices)
    else:
        shape = shapely.polygons(vertices)
    shape = projection.geometry_to_lonlat(shapely.segmentize(shape, 10_000.0))
    return geo.to_text(geo.rounded_coordinates(shape))


def assess(lats: np.ndarray, lons: np.ndarray) -> tuple[iucn.AreaResult, str, str]:
    """EOO/AOO of the points, with the hull and (when not too many) the cells as GeoJSON.

    With more than :data:`MAX_STORED_CELLS` points the result's ``n_points`` counts distinct
    points (the records are counted by the caller)."""
    projection = projection_for(lats, lons)
    if lats.size == 0:
        result = iucn.assess_areas(lats, lons, include_geometry=False, projection=projection)
        return result, "", ""
    if lats.size > MAX_STORED_CELLS:
        # Many records: duplicates removed once here; the cells are drawn only when few.
        lats, lons = iucn.unique_points(lats, lons)
    result = iucn.assess_areas(
        lats, lons, include_geometry=lats.size <= MAX_STORED_CELLS, projection=projection
    )
    if lats.size > MAX_STORED_CELLS and result.n_cells <= MAX_STORED_CELLS:
        result = iucn.assess_areas(lats, lons, projection=projection)
    if result.cells.is_empty and result.n_cells:
        return result, _hull_geometry(lats, lons), ""
    hull = geo.to_text(geo.rounded_coordinates(result.hull)) if not result.hull.is_empty else ""
    cells = geo.to_text(geo.rounded_coordinates(result.cells)) if not result.cells.is_empty else ""
    return result, hull, cells


def _store(taxon_id: int, period: Period, lats: np.ndarray, lons: np.ndarray) -> AreaEstimate:
    result, hull, cells = assess(lats, lons)
    estimate, _created = AreaEstimate.objects.update_or_create(
        taxon_id=taxon_id,
        period=period.label,
        defaults={
            "start_year": period.start,
            "end_year": period.end,
            "eoo_km2": result.eoo_km2,
            "eoo_raw_km2": result.eoo_raw_km2,
            "aoo_km2": result.aoo_km2,
            "cell_km": result.cell_km,
            "n_records": int(lats.size),
            "n_unique_points": result.n_unique_points,
            "n_cells": result.n_cells,
            "hull": hull,
            "cells": cells,
            "projection": result.projection,
        },
    )
    return estimate


def _with_parents(taxon_ids: Iterable[int]) -> list[int]:
    """The existing taxa among ``taxon_ids`` and the species of the subspecies among them."""
    found = Taxon.objects.filter(pk__in={int(t) for t in taxon_ids if t is not None})
    ids = set(found.values_list("pk", flat=True))
    ids |= {p for p in found.filter(rank="subspecies").values_list("parent_id", flat=True) if p}
    return sorted(ids)


def recompute_areas(
    taxon_ids: Iterable[int],
    *,
    extra_periods: Iterable[str] = (),
    every_period: bool = True,
    report: Reporter | None = None,
) -> dict[int, list[AreaEstimate]]:
    """Compute and store EOO and AOO of each taxon (and of the species of each subspecies)
    for ``all``, every decade with records, the custom periods stored before and
    ``extra_periods``. Decades without records lose their stored row. With
    ``every_period=False`` only ``all`` and ``extra_periods`` are computed and the other
    stored rows are left as they are. Returns the rows computed per taxon id."""
    wanted = [Period.parse(p) for p in extra_periods]
    targets = _with_parents(taxon_ids)
    done: dict[int, list[AreaEstimate]] = {}
    for number, taxon_id in enumerate(targets, start=1):
        lats, lons, years = usable_records(taxon_id)
        stored = set(
            AreaEstimate.objects.filter(taxon_id=taxon_id).values_list("period", flat=True)
        )
        decade_periods = decades(years) if every_period else []
        periods = {p.label: p for p in [Period(PERIOD_ALL), *decade_periods, *wanted]}
        for label in stored - set(periods) if every_period else ():
            period = Period.parse(label)
            if (
                period.start is not None
                and period.end is not None
                and not (period.start % 10 == 0 and period.end == period.start + 9)
            ):
                periods[label] = period  # a custom period stays
        rows = []
        with transaction.atomic():
            if every_period:
                AreaEstimate.objects.filter(taxon_id=taxon_id).exclude(
                    period__in=list(periods)
                ).delete()
            for period in periods.values():
                if period.start is None:
                    rows.append(_store(taxon_id, period, lats, lons))
                    continue
                mask = (years >= period.start) & (years <= period.end)
                rows.append(_store(taxon_id, period, lats[mask], lons[mask]))
        done[taxon_id] = rows
        if report is not None:
            report(100.0 * number / len(targets), f"{number} of {len(targets)} taxa")
    return done


def schedule_area_recompute(taxon_ids: Iterable[int], *, user: User | None = None) -> Job:
    """Queue :func:`recompute_areas` for ``taxon_ids`` as a background job (a waiting job
    takes the new taxa instead of a second job being made)."""
    ids = sorted({int(t) for t in taxon_ids if t is not None})
    with transaction.atomic():
        waiting = (
            Job.objects.select_for_update()
            .filter(kind=AREA_JOB, state=Job.State.QUEUED)
            .order_by("created_at")
            .first()
        )
        if waiting is not None:
            waiting.params = {"taxa": sorted(set(waiting.params.get("taxa", [])) | set(ids))}
            waiting.save(update_fields=["params"])
            return waiting
    return create_job(
        kind=AREA_JOB, params={"taxa": ids}, title=f"EOO and AOO of {len(ids)} taxa", user=user
    )


@job_handler(AREA_JOB)
def _area_job(job: Job, report: Reporter) -> dict[str, int]:
    done = recompute_areas(job.params.get("taxa", []), report=report)
    return {"taxa": len(done), "periods": sum(len(v) for v in done.values())}


def stored_areas(taxon: Taxon) -> list[AreaEstimate]:
    """The stored rows of ``taxon``, ``all`` first, then periods in time order."""
    rows = list(AreaEstimate.objects.filter(taxon=taxon).defer("hull", "cells"))
    return sorted(rows, key=lambda r: (r.period != PERIOD_ALL, r.start_year or 0, r.end_year or 0))
