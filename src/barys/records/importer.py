"""Importing occurrence files: streaming, chunked, idempotent and resumable.

The original file is stored once (content-addressed). One :class:`ImportBatch` per source and
file remembers how far the import got: every chunk of rows is written in one transaction
together with the batch's progress, so a crash loses at most the chunk in flight and running
the import again resumes after the last committed chunk. Importing a finished file again adds
nothing. A record whose occurrenceID exists already is updated when its content changed (its
``version`` goes up and an audit entry keeps the fields before and after) and left alone when
not. Rejected rows are reported with row number, field and reason; the good rows are kept.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from barys.core import audit, bulk, filestore
from barys.core.geo import h3_cells, in_kazakhstan
from barys.core.models import User
from barys.interop.errors import FormatError
from barys.records import cells, locating, quality, reading
from barys.records.matching import NameMatcher
from barys.records.models import ImportBatch, Occurrence, Source
from barys.records.policy import record_public_res
from barys.records.transform import Draft, Rejected, Transformer

log = logging.getLogger(__name__)
CHUNK = 5000
REPORT_LIMIT = 10_000
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    batch: ImportBatch
    skipped: bool  # the file had been imported already

    @property
    def summary(self) -> dict[str, int]:
        b = self.batch
        return {
            "rows": b.rows_done,
            "created": b.created,
            "updated": b.updated,
            "unchanged": b.unchanged,
            "rejected": b.rejected,
            "flagged": b.flagged,
        }


def _chunks(
    rows: Iterator[tuple[int, dict[str, str]]], size: int
) -> Iterator[list[tuple[int, dict[str, str]]]]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _inside(lat: float, lon: float) -> bool:
    return bool(in_kazakhstan([lat], [lon])[0])  # type: ignore[arg-type]


def import_occurrences(
    path: Path | str,
    *,
    source: Source,
    column_map: dict[str, str] | None = None,
    actor: User | str | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
) -> ImportResult:
    """Import a CSV or Darwin Core Archive into ``source``; see the module docstring."""
    path = Path(path)
    detected = reading.detect(path)  # FormatError before anything is written
    stored = filestore.store_path(path, original_name=path.name)
    with transaction.atomic():
        batch, created = ImportBatch.objects.select_for_update().get_or_create(
            source=source,
            file=stored,
            defaults={
                "file_name": path.name,
                "format": detected.format,
                "column_map": column_map or {},
                "created_by": actor if isinstance(actor, User) else None,
            },
        )
        if created:
            audit.record_create(batch, actor=actor or "import")
    if batch.state == ImportBatch.State.DONE:
        return ImportResult(batch, skipped=True)
    transformer = Transformer(source_code=source.code, matcher=NameMatcher(), inside=_inside)
    rows = reading.iter_rows(detected, batch.column_map or column_map)
    resume_after = batch.rows_done
    total = detected.rows_hint
    processed = 0
    touched: set[int] = set()
    try:
        for chunk in _chunks(rows, chunk_size):
            processed += len(chunk)
            if processed <= resume_after:
                continue
            if processed - len(chunk) < resume_after:
                chunk = chunk[resume_after - (processed - len(chunk)) :]
            items = [transformer(n, row) for n, row in chunk]
            touched.update(
                i.values["taxon_id"] for i in items if isinstance(i, Draft) and i.values["taxon_id"]
            )
            _write_chunk(batch, source, items, actor, rows_in_chunk=len(chunk))
            if progress:
                progress(batch.rows_done, max(total, batch.rows_done))
    except FormatError as exc:
        ImportBatch.objects.filter(pk=batch.pk).update(
            state=ImportBatch.State.FAILED, finished_at=timezone.now()
        )
        batch.refresh_from_db()
        raise exc
    if resume_after:  # the taxa of the rows written before the import was interrupted
        touched.update(
            Occurrence.objects.filter(batch=batch, taxon__isnull=False)
            .order_by()
            .values_list("taxon_id", flat=True)
            .distinct()
        )
    if touched:
        locating.after_import(sorted(touched))
    ImportBatch.objects.filter(pk=batch.pk).update(
        state=ImportBatch.State.DONE, finished_at=timezone.now()
    )
    batch.refresh_from_db()
    return ImportResult(batch, skipped=False)


def _write_chunk(
    batch: ImportBatch,
    source: Source,
    items: list[Draft | Rejected],
    actor: User | str | None,
    *,
    rows_in_chunk: int,
) -> None:
    drafts = [i for i in items if isinstance(i, Draft)]
    rejected = [i for i in items if isinstance(i, Rejected)]
    with transaction.atomic():
        locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
        locations = locating.locate([(d.values["latitude"], d.values["longitude"]) for d in drafts])
        taxa_categories = locating.taxon_categories({d.values["taxon_id"] for d in drafts})
        existing = _existing([d.occurrence_id for d in drafts])
        deltas: dict[cells.CellKey, cells.CellDelta] = {}
        new: list[dict[str, Any]] = []
        created = updated = unchanged = flagged = 0
        seen: set[Any] = set()
        for draft, place in zip(drafts, locations, strict=True):
            if draft.occurrence_id in seen:
                rejected.append(
                    Rejected(
                        draft.row, "occurrenceID", "the same occurrenceID appears twice in the file"
                    )
                )
                continue
            seen.add(draft.occurrence_id)
            values = _complete(draft, place, taxa_categories)
            if draft.flags:
                flagged += 1
            current = existing.get(draft.occurrence_id)
            if current is None:
                values.update(
                    occurrence_id=draft.occurrence_id,
                    source_id=source.pk,
                    batch_id=locked.pk,
                    row_number=draft.row,
                )
                new.append(values)
                keys = cells.record_keys(
                    values["taxon_id"],
                    values["public_h3_res"],
                    {res: values[f"h3_{res}"] for res in (3, 5, 7, 9)},
                )
                cells.accumulate(deltas, keys, 1, values["year"])
                created += 1
            elif current.content_hash == draft.content_hash:
                unchanged += 1
            else:
                before = audit.snapshot(current, exclude=("verbatim",))
                cells.accumulate(deltas, cells.keys_of(current), -1, None)
                for key, value in values.items():
                    setattr(current, key, value)
                current.version += 1
                current.batch = locked
                current.row_number = draft.row
                current.save()
                cells.accumulate(deltas, cells.keys_of(current), 1, current.year)
                audit.record_update(
                    current,
                    before,
                    actor=actor or "import",
                    reason=f"re-import of {locked.file_name} row {draft.row}",
                )
                updated += 1
        bulk.insert_rows(Occurrence, new)
        _flag_duplicates(new)
        cells.apply(deltas)
        report = list(locked.report)
        room = REPORT_LIMIT - len(report)
        report += [
            {"row": r.row, "field": r.field, "reason": r.reason} for r in rejected[: max(0, room)]
        ]
        ImportBatch.objects.filter(pk=locked.pk).update(
            rows_done=locked.rows_done + rows_in_chunk,
            created=locked.created + created,
            updated=locked.updated + updated,
            unchanged=locked.unchanged + unchanged,
            rejected=locked.rejected + len(rejected),
            flagged=locked.flagged + flagged,
            report=report,
        )
    batch.refresh_from_db()


def _existing(ids: list[uuid.UUID]) -> dict[uuid.UUID, Occurrence]:
    """The records already held under these occurrenceIDs. Most chunks of a new file hold
    none, so the IDs are looked up by the unique index alone first; only the matches, if any,
    are read as whole records."""
    if not ids:
        return {}
    table = Occurrence._meta.db_table
    field = Occurrence._meta.get_field("occurrence_id")
    step = connection.features.max_query_params or len(ids)
    found: list[int] = []
    with connection.cursor() as cursor:
        for start in range(0, len(ids), step):
            part = ids[start : start + step]
            marks = ", ".join(["%s"] * len(part))
            cursor.execute(
                f"SELECT id FROM {table} WHERE occurrence_id IN ({marks})",
                [bulk.parameter(field, i) for i in part],
            )
            found += [pk for (pk,) in cursor.fetchall()]
    if not found:
        return {}
    return {o.occurrence_id: o for o in Occurrence.objects.filter(pk__in=found)}


def _complete(
    draft: Draft, place: dict[str, str], categories: dict[int | None, int | None]
) -> dict[str, Any]:
    values = dict(draft.values)
    lat, lon = values["latitude"], values["longitude"]
    cells_at = h3_cells(lat, lon) if lat is not None else {}
    values.update({f"h3_{res}": cell for res, cell in cells_at.items()})
    if lat is None:
        values.update({"h3_3": None, "h3_5": None, "h3_7": None, "h3_9": None})
    values["oblast"] = place.get("oblast", "")
    values["protected_area"] = place.get("protected_area", "")
    values["flags"] = quality.to_bits(draft.flags)
    values["transformations"] = draft.transformations
    values["verbatim"] = draft.verbatim
    values["content_hash"] = draft.content_hash
    values["public_h3_res"] = record_public_res(
        taxon_category=categories.get(values["taxon_id"]),
        taxon_known=values["taxon_id"] is not None,
        override=None,
        withhold=False,
        regional=place.get("category"),
    )
    return values


DUPLICATE_BIT = quality.FLAGS["DUPLICATE_ACROSS_SOURCES"]


def _flag_duplicates(new: list[dict[str, Any]]) -> None:
    """Flag records of the same taxon, day and ~350 m cell held by another source (both)."""
    keyed = [o for o in new if o["taxon_id"] and o["h3_9"] and o["event_date_start"]]
    if not keyed:
        return
    candidates = Occurrence.objects.filter(h3_9__in={o["h3_9"] for o in keyed}).values_list(
        "pk", "source_id", "taxon_id", "h3_9", "event_date_start"
    )
    by_key: dict[tuple, list[tuple[int, int]]] = {}
    wanted = {(o["taxon_id"], o["h3_9"], o["event_date_start"].date()) for o in keyed}
    for pk, source_id, taxon_id, cell, start in candidates:
        if start is None or (taxon_id, cell, start.date()) not in wanted:
            continue
        by_key.setdefault((taxon_id, cell, start.date()), []).append((pk, source_id))
    duplicate_ids: set[int] = set()
    for rows in by_key.values():
        if len({source for _pk, source in rows}) > 1:
            duplicate_ids.update(pk for pk, _source in rows)
    if not duplicate_ids:
        return
    for pk, flags in Occurrence.objects.filter(pk__in=duplicate_ids).values_list("pk", "flags"):
        if not flags & DUPLICATE_BIT:
            Occurrence.objects.filter(pk=pk).update(flags=flags | DUPLICATE_BIT)
