"""The public map aggregate (:class:`OccurrenceCell`): counts per taxon and H3 cell, at no
resolution finer than each record's sensitivity allows."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction

from barys.core.geo import H3_RESOLUTIONS, h3_centre
from barys.records.models import Occurrence, OccurrenceCell

CellKey = tuple[int, int, int]  # taxon id, resolution, cell


@dataclass
class CellDelta:
    count: int = 0
    at_limit: int = 0
    first_year: int | None = None
    last_year: int | None = None


def record_keys(
    taxon_id: int | None, public_res: int, cells: dict[int, int | None]
) -> list[CellKey]:
    """The aggregate cells one record counts in (none when withheld or without taxon); the
    last key is at the record's own limit."""
    if taxon_id is None or public_res <= 0:
        return []
    return [
        (taxon_id, res, cell)
        for res in H3_RESOLUTIONS
        if res <= public_res and (cell := cells.get(res)) is not None
    ]


def accumulate(
    deltas: dict[CellKey, CellDelta], keys: Iterable[CellKey], sign: int, year: int | None
) -> None:
    keys = list(keys)
    for index, key in enumerate(keys):
        delta = deltas.setdefault(key, CellDelta())
        delta.count += sign
        if index == len(keys) - 1:
            delta.at_limit += sign
        if sign > 0 and year is not None:
            delta.first_year = year if delta.first_year is None else min(delta.first_year, year)
            delta.last_year = year if delta.last_year is None else max(delta.last_year, year)


def apply(deltas: dict[CellKey, CellDelta]) -> None:
    """Add the deltas to the table (inside the caller's transaction)."""
    if not deltas:
        return
    by_taxon_res: dict[tuple[int, int], list[int]] = defaultdict(list)
    for taxon_id, res, cell in deltas:
        by_taxon_res[(taxon_id, res)].append(cell)
    existing: dict[CellKey, OccurrenceCell] = {}
    for (taxon_id, res), cells in by_taxon_res.items():
        for start in range(0, len(cells), 500):
            for row in OccurrenceCell.objects.select_for_update().filter(
                taxon_id=taxon_id, res=res, cell__in=cells[start : start + 500]
            ):
                existing[(row.taxon_id, row.res, row.cell)] = row
    new: list[OccurrenceCell] = []
    changed: list[OccurrenceCell] = []
    empty: list[OccurrenceCell] = []
    for key, delta in deltas.items():
        row = existing.get(key)
        if row is None:
            if delta.count <= 0:
                continue
            lat, lon = h3_centre(key[2])
            new.append(
                OccurrenceCell(
                    taxon_id=key[0],
                    res=key[1],
                    cell=key[2],
                    count=delta.count,
                    count_at_limit=max(0, delta.at_limit),
                    latitude=lat,
                    longitude=lon,
                    first_year=delta.first_year,
                    last_year=delta.last_year,
                )
            )
            continue
        row.count = max(0, row.count + delta.count)
        row.count_at_limit = max(0, row.count_at_limit + delta.at_limit)
        if delta.first_year is not None:
            row.first_year = (
                delta.first_year
                if row.first_year is None
                else min(row.first_year, delta.first_year)
            )
            row.last_year = (
                delta.last_year
                if row.last_year is None
                else max(row.last_year, delta.last_year or 0)
            )
        (changed if row.count > 0 else empty).append(row)
    OccurrenceCell.objects.bulk_create(new, batch_size=2000)
    OccurrenceCell.objects.bulk_update(
        changed, ["count", "count_at_limit", "first_year", "last_year"], batch_size=2000
    )
    if empty:
        OccurrenceCell.objects.filter(pk__in=[r.pk for r in empty]).delete()


def rebuild(taxon_ids: list[int] | None = None) -> int:
    """Recompute the aggregate (of ``taxon_ids``, or all) from the records; returns the
    number of cells written."""
    deltas: dict[CellKey, CellDelta] = {}
    rows = Occurrence.objects.filter(taxon__isnull=False, public_h3_res__gt=0)
    existing = OccurrenceCell.objects.all()
    if taxon_ids is not None:
        rows = rows.filter(taxon_id__in=taxon_ids)
        existing = existing.filter(taxon_id__in=taxon_ids)
    rows = rows.values_list("taxon_id", "public_h3_res", "year", "h3_3", "h3_5", "h3_7", "h3_9")
    for taxon_id, public_res, year, c3, c5, c7, c9 in rows.iterator(chunk_size=20000):
        accumulate(deltas, record_keys(taxon_id, public_res, {3: c3, 5: c5, 7: c7, 9: c9}), 1, year)
    with transaction.atomic():
        existing.delete()
        apply(deltas)
    return len(deltas)
