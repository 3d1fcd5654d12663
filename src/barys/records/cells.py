"""The public map aggregate (:class:`OccurrenceCell`): counts per taxon and H3 cell, at no
resolution finer than each record's sensitivity allows."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import connection, transaction

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


def keys_of(occurrence: Occurrence) -> list[CellKey]:
    """The aggregate cells a stored record counts in (see :func:`record_keys`)."""
    return record_keys(
        occurrence.taxon_id,
        occurrence.public_h3_res,
        {3: occurrence.h3_3, 5: occurrence.h3_5, 7: occurrence.h3_7, 9: occurrence.h3_9},
    )


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
    """Add the deltas to the table (inside the caller's transaction).

    One ``INSERT … ON CONFLICT DO UPDATE`` per chunk of cells (SQLite ≥ 3.24 and PostgreSQL
    alike): counts are added in the database, so concurrent imports never lose an update.
    """
    if not deltas:
        return
    table = OccurrenceCell._meta.db_table
    grown = []
    shrunk = []
    for (taxon_id, res, cell), delta in deltas.items():
        if delta.count == 0 and delta.at_limit == 0:
            continue
        if delta.count < 0 or delta.at_limit < 0:
            # a decrement never inserts (the CHECK on the inserted row would refuse it)
            shrunk.append((delta.count, delta.at_limit, taxon_id, res, cell))
            continue
        lat, lon = h3_centre(cell)
        grown.append(
            (
                taxon_id,
                res,
                cell,
                delta.count,
                delta.at_limit,
                lat,
                lon,
                delta.first_year,
                delta.last_year,
            )
        )
    sql = (
        f"INSERT INTO {table} (taxon_id, res, cell, count, count_at_limit, latitude, "
        "longitude, first_year, last_year) VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s) "
        "ON CONFLICT (taxon_id, res, cell) DO UPDATE SET "
        f"count = {table}.count + excluded.count, "
        f"count_at_limit = {table}.count_at_limit + excluded.count_at_limit, "
        f"first_year = CASE WHEN excluded.first_year IS NULL THEN {table}.first_year "
        f"WHEN {table}.first_year IS NULL OR excluded.first_year < {table}.first_year "
        f"THEN excluded.first_year ELSE {table}.first_year END, "
        f"last_year = CASE WHEN excluded.last_year IS NULL THEN {table}.last_year "
        f"WHEN {table}.last_year IS NULL OR excluded.last_year > {table}.last_year "
        f"THEN excluded.last_year ELSE {table}.last_year END"
    )
    with connection.cursor() as cursor:
        for start in range(0, len(grown), 5000):
            cursor.executemany(sql, grown[start : start + 5000])
        if shrunk:
            cursor.executemany(
                f"UPDATE {table} SET "
                f"count = CASE WHEN count + %s < 0 THEN 0 ELSE count + %s END, "
                f"count_at_limit = CASE WHEN count_at_limit + %s < 0 THEN 0 "
                "ELSE count_at_limit + %s END "
                "WHERE taxon_id = %s AND res = %s AND cell = %s",
                [(c, c, a, a, t, r, k) for c, a, t, r, k in shrunk],
            )
            cursor.executemany(
                f"DELETE FROM {table} WHERE taxon_id = %s AND res = %s "
                "AND cell = %s AND count <= 0",
                [(t, r, k) for _c, _a, t, r, k in shrunk],
            )


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
