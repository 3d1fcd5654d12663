"""Importing fixes from Movebank CSV (plain, ``.csv.gz`` or zip) or any CSV with a column map.

Streaming and chunked: the file is read in batches (:mod:`barys.interop.movebank`), each batch
is written in one transaction with bulk inserts together with the progress of the
:class:`~barys.telemetry.models.TelemetryImport`, so memory stays flat for millions of fixes, a
crash loses at most the batch in flight, and running the same import again resumes after the
last committed batch. A finished file is not read again with the same options (the same file
with another individual map is a new import). A fix that is already stored (same
individual, timestamp and exact coordinates) is skipped, so importing overlapping files adds
only the new fixes. Bad rows are reported with row number, field and reason; the good rows are
kept. Timestamps are parsed strictly: an ambiguous format refuses the file with an example row.

After the rows are in, the cleaning rules flag the touched part of each individual's track and
its home ranges are recomputed (``analyse=False`` skips both).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from barys.core import audit, filestore
from barys.core.models import User
from barys.individuals.models import Individual
from barys.interop.errors import FormatError
from barys.interop.movebank import FIX_FIELDS, FixBatch, FixReader, iter_csv_fixes, iter_movebank
from barys.interop.movebank import Fix as FileFix
from barys.telemetry.models import Fix, Tag, TagDeployment, TelemetryImport

log = logging.getLogger(__name__)

CHUNK = 10_000
REPORT_LIMIT = 10_000
Progress = Callable[[int], None]


class ImportProblem(ValueError):
    """The import cannot start (a bad option, an unknown individual code); nothing written."""


def location_key(lat: float | None, lon: float | None) -> int:
    """Exact coordinates (to 1e-7 degrees, about 1 cm) as one positive 63-bit integer; 0
    without a location. Used to recognise a fix that is already stored."""
    if lat is None or lon is None:
        return 0
    lat_i = int(round((lat + 90.0) * 1e7))
    lon_i = int(round((lon + 180.0) * 1e7))
    return lat_i * 3_600_000_001 + lon_i + 1


@dataclass
class ImportOptions:
    """How to read a file.

    Attributes:
        format: ``"movebank"`` (Movebank column names) or ``"csv"`` (``column_map`` needed).
        column_map: Fix field -> the file's column (see :data:`FIX_FIELDS`), for ``"csv"``.
        individual_map: the file's individual identifier -> Individual code.
        individual: Individual code for rows without an individual column or value.
        tag: tag identifier for rows without a tag column or value.
        timestamp_format: ``None`` (strict defaults), ``"posix"`` or a strptime format.
        timezone: zone of naive timestamps read with ``timestamp_format``.
        delimiter: CSV delimiter (``"csv"`` only).
    """

    format: str = "movebank"
    column_map: dict[str, str] = field(default_factory=dict)
    individual_map: dict[str, str] = field(default_factory=dict)
    individual: str | None = None
    tag: str | None = None
    timestamp_format: str | None = None
    timezone: str | None = None
    delimiter: str = ","

    def as_json(self) -> dict[str, Any]:
        return {
            "column_map": self.column_map,
            "individual_map": self.individual_map,
            "individual": self.individual,
            "tag": self.tag,
            "timestamp_format": self.timestamp_format,
            "timezone": self.timezone,
            "delimiter": self.delimiter,
        }

    @property
    def key(self) -> str:
        """Fingerprint of the reading options (SHA-256 hex)."""
        text = json.dumps({"format": self.format, **self.as_json()}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()

    def reader(self, path: Path, batch_size: int) -> FixReader:
        if self.format == "movebank":
            if self.column_map:
                raise ImportProblem("a column map is for generic CSV files (format 'csv')")
            return iter_movebank(
                path,
                batch_size=batch_size,
                timestamp_format=self.timestamp_format,
                timezone=self.timezone,
            )
        if self.format != "csv":
            raise ImportProblem(f"unknown format {self.format!r}: expected movebank or csv")
        if not self.column_map:
            raise ImportProblem("a generic CSV needs a column map (at least timestamp, lat, lon)")
        unknown = sorted(set(self.column_map) - set(FIX_FIELDS))
        if unknown:
            raise ImportProblem(
                f"unknown fields in the column map: {', '.join(unknown)}; "
                f"known: {', '.join(FIX_FIELDS)}"
            )
        missing = [f for f in ("timestamp", "lat", "lon") if f not in self.column_map]
        if missing:
            raise ImportProblem(f"the column map must name {', '.join(missing)}")
        try:
            return iter_csv_fixes(
                path,
                self.column_map,
                timestamp_format=self.timestamp_format,
                timezone=self.timezone,
                batch_size=batch_size,
                delimiter=self.delimiter,
            )
        except ValueError as exc:
            raise ImportProblem(str(exc)) from exc


@dataclass
class ImportResult:
    run: TelemetryImport
    skipped: bool  # the file had been imported already
    individuals: list[str] = field(default_factory=list)
    flagged: int = 0

    @property
    def summary(self) -> dict[str, int]:
        r = self.run
        return {
            "rows": max(r.rows_done - 1, 0),
            "created": r.created,
            "duplicates": r.duplicates,
            "rejected": r.rejected,
            "flagged": self.flagged,
        }


class _Resolver:
    """Maps a file's individual and tag identifiers to passports, tags and deployments."""

    def __init__(self, options: ImportOptions, actor: User | str | None, file_name: str) -> None:
        self.options = options
        self.actor = actor
        self.file_name = file_name
        self.individuals: dict[str | None, Individual | None] = {}
        self.tags: dict[str, Tag] = {}
        self.deployments: dict[int, list[TagDeployment]] = {}
        codes = set(options.individual_map.values())
        if options.individual:
            codes.add(options.individual)
        found = {i.code: i for i in Individual.objects.filter(code__in=codes)}
        missing = sorted(codes - set(found))
        if missing:
            raise ImportProblem(
                f"no individual with the code(s) {', '.join(missing)}; create the passports first"
            )
        self.by_code = found

    def individual(self, file_id: str | None) -> Individual | None:
        if file_id in self.individuals:
            return self.individuals[file_id]
        found: Individual | None = None
        if file_id is None:
            found = self.by_code.get(self.options.individual or "")
        elif file_id in self.options.individual_map:
            found = self.by_code[self.options.individual_map[file_id]]
        else:
            found = Individual.objects.filter(code=file_id).first()
        self.individuals[file_id] = found
        return found

    def tag(self, code: str) -> Tag:
        tag = self.tags.get(code)
        if tag is None:
            tag, created = Tag.objects.get_or_create(local_identifier=code)
            if created:
                audit.record_create(
                    tag, actor=self.actor or "import", reason=f"tag seen in {self.file_name}"
                )
            self.tags[code] = tag
        return tag

    def deployments_of(self, individual: Individual) -> list[TagDeployment]:
        found = self.deployments.get(individual.pk)
        if found is None:
            found = list(
                TagDeployment.objects.filter(individual=individual)
                .select_related("tag")
                .order_by("deploy_on")
            )
            self.deployments[individual.pk] = found
        return found

    def deployment(
        self, individual: Individual, tag_code: str | None, first: datetime, last: datetime
    ) -> list[TagDeployment]:
        """Deployments that may hold the fixes of ``tag_code`` between ``first`` and ``last``.

        Without a tag: every deployment of the individual. With a tag that a person deployed
        on the individual: those deployments (fixes outside them stay unassigned and the
        cleaning flags them). Otherwise the tag's automatic deployment, created or extended
        to cover the fixes.
        """
        deployments = self.deployments_of(individual)
        if tag_code is None:
            return deployments
        mine = [d for d in deployments if d.tag.local_identifier == tag_code]
        if any(not d.automatic for d in mine):
            return [d for d in mine if not d.automatic] + [d for d in mine if d.automatic]
        if mine:
            if not (mine[-1].covers(first) and mine[-1].covers(last)):
                self._extend(mine[-1], first, last)
            return mine
        created = TagDeployment.objects.create(
            tag=self.tag(tag_code),
            individual=individual,
            deploy_on=first,
            deploy_off=last,
            automatic=True,
            notes=f"Created by the import of {self.file_name}.",
        )
        audit.record_create(created, actor=self.actor or "import")
        deployments.append(created)
        return [created]

    def _extend(self, deployment: TagDeployment, first: datetime, last: datetime) -> None:
        before = audit.snapshot(deployment)
        deployment.deploy_on = min(deployment.deploy_on, first)
        if deployment.deploy_off is not None:
            deployment.deploy_off = max(deployment.deploy_off, last)
        deployment.save(update_fields=["deploy_on", "deploy_off"])
        audit.record_update(
            deployment,
            before,
            actor=self.actor or "import",
            reason=f"extended to the fixes of {self.file_name}",
        )


def text(value: str) -> str:
    """Text from a file made safe for every database (PostgreSQL refuses NUL characters)."""
    return value.replace("\x00", "\ufffd") if "\x00" in value else value


def _dop(fix: FileFix) -> float | None:
    text = fix.extra.get("gps:dop") or fix.extra.get("gps:pdop")
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        return None
    return value if math.isfinite(value) and value >= 0 else None


def import_fixes(
    path: Path | str,
    *,
    options: ImportOptions | None = None,
    actor: User | str | None = None,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
    analyse: bool = True,
) -> ImportResult:
    """Import a telemetry file; see the module docstring. Raises :class:`ImportProblem` for
    bad options and :class:`~barys.interop.errors.FormatError` when the file as a whole
    cannot be read (nothing is written then, except a failed import's progress)."""
    path = Path(path)
    options = options or ImportOptions()
    resolver = _Resolver(options, actor, path.name)
    reader = options.reader(path, chunk_size)
    batches: Iterator[FixBatch] = iter(reader)
    first = next(batches, None)  # a FormatError here: nothing written yet
    stored = filestore.store_path(path, original_name=path.name)
    with transaction.atomic():
        run, created = TelemetryImport.objects.select_for_update().get_or_create(
            file=stored,
            format=options.format,
            options_key=options.key,
            defaults={
                "file_name": path.name,
                "options": {**options.as_json(), "chunk_size": chunk_size},
                "created_by": actor if isinstance(actor, User) else None,
            },
        )
        if created:
            audit.record_create(run, actor=actor or "import")
    if run.state == TelemetryImport.State.DONE:
        return ImportResult(run, skipped=True)
    stored_chunk = int(run.options.get("chunk_size", chunk_size))
    if stored_chunk != chunk_size:  # resume with the batches of the first attempt
        reader = options.reader(path, stored_chunk)
        batches = iter(reader)
        first = next(batches, None)
    resume_after = run.rows_done
    try:
        for batch in _chain(first, batches):
            if batch.last_row <= resume_after:
                continue
            _write_batch(run, batch, resolver)
            if progress:
                progress(run.rows_done)
    except FormatError as exc:
        TelemetryImport.objects.filter(pk=run.pk).update(
            state=TelemetryImport.State.FAILED,
            message=text(str(exc))[:2000],
            finished_at=timezone.now(),
        )
        raise
    before = audit.snapshot(run, exclude=("report",))
    TelemetryImport.objects.filter(pk=run.pk).update(
        state=TelemetryImport.State.DONE, finished_at=timezone.now()
    )
    run.refresh_from_db()
    after = audit.snapshot(run, exclude=("report",))
    audit.record(
        action="update",
        instance=run,
        before=before,
        after=after,
        actor=actor or "import",
        reason="import finished",
    )
    result = ImportResult(run, skipped=False)
    touched = run.options.get("touched", {})
    individuals = Individual.objects.in_bulk([int(k) for k in touched])
    result.individuals = sorted(i.code for i in individuals.values())
    if analyse:
        from barys.telemetry import ranges, services

        for key, (start, end) in touched.items():
            individual = individuals[int(key)]
            summary = services.clean_individual(
                individual=individual,
                start=datetime.fromisoformat(start),
                end=datetime.fromisoformat(end),
                actor=actor or "import",
            )
            result.flagged += summary.flagged_now
            ranges.compute_home_ranges(individual=individual)
    return result


def _chain(first: FixBatch | None, rest: Iterator[FixBatch]) -> Iterator[FixBatch]:
    if first is not None:
        yield first
        yield from rest


def _write_batch(run: TelemetryImport, batch: FixBatch, resolver: _Resolver) -> None:
    report: list[dict[str, Any]] = [
        {
            "row": e.row,
            "field": e.field,
            "reason": text(e.reason),
            **({"value": text(e.value[:100])} if e.value is not None else {}),
        }
        for e in batch.errors
    ]
    rejected_rows = len({e.row for e in batch.errors})
    groups: dict[tuple[int, str | None], list[FileFix]] = defaultdict(list)
    unknown: dict[str | None, int] = defaultdict(int)
    individuals: dict[int, Individual] = {}
    for fix in batch.fixes:
        file_id = None if fix.individual is None else text(fix.individual)
        individual = resolver.individual(file_id)
        if individual is None:
            unknown[file_id] += 1
            continue
        individuals[individual.pk] = individual
        tag = text(fix.tag) if fix.tag else resolver.options.tag
        groups[(individual.pk, tag[:100] if tag else None)].append(fix)
    for file_id, count in unknown.items():
        rejected_rows += count
        shown = "(empty)" if file_id is None else repr(file_id)
        report.append(
            {
                "row": batch.first_row,
                "field": "individual",
                "reason": f"unknown individual {shown}: {count} rows in rows {batch.first_row}–"
                f"{batch.last_row}; map it with --individual-map FILE_ID=CODE",
            }
        )
    with transaction.atomic():
        locked = TelemetryImport.objects.select_for_update().get(pk=run.pk)
        new: list[tuple[Any, ...]] = []
        adapt = time_adapter()
        duplicates = 0
        touched: dict[str, list[str]] = dict(locked.options.get("touched", {}))
        for (individual_id, tag_code), fixes in groups.items():
            individual = individuals[individual_id]
            first = min(f.timestamp for f in fixes)
            last = max(f.timestamp for f in fixes)
            deployments = resolver.deployment(individual, tag_code, first, last)
            existing = set(
                Fix.objects.filter(
                    individual_id=individual_id,
                    timestamp__gte=first,
                    timestamp__lte=last,
                ).values_list("timestamp", "location_key")
            )
            for fix in fixes:
                key = location_key(fix.lat, fix.lon)
                if (fix.timestamp, key) in existing:
                    duplicates += 1
                    continue
                existing.add((fix.timestamp, key))
                deployment = _deployment_for(deployments, fix.timestamp)
                new.append(
                    (
                        individual_id,
                        deployment.pk if deployment else None,
                        adapt(fix.timestamp),
                        fix.lat,
                        fix.lon,
                        key,
                        fix.altitude,
                        fix.altitude_reference or "",
                        fix.hdop,
                        _dop(fix),
                        fix.satellites,
                        fix.fix_type,
                        fix.temperature,
                        fix.battery,
                        text(fix.event_id or "")[:40],
                        fix.visible,
                        0,
                        None,
                        False,
                        "",
                        "",
                        None,
                        None,
                    )
                )
            span = touched.get(str(individual_id))
            lo, hi = first.isoformat(), last.isoformat()
            if span is not None:
                lo = min(lo, span[0], key=datetime.fromisoformat)
                hi = max(hi, span[1], key=datetime.fromisoformat)
            touched[str(individual_id)] = [lo, hi]
        created = insert_fixes(new)
        stored_report = list(locked.report)
        room = REPORT_LIMIT - len(stored_report)
        stored_report += report[: max(0, room)]
        TelemetryImport.objects.filter(pk=locked.pk).update(
            rows_done=batch.last_row,
            created=locked.created + created,
            duplicates=locked.duplicates + duplicates,
            rejected=locked.rejected + rejected_rows,
            report=stored_report,
            options={**locked.options, "touched": touched},
        )
    run.refresh_from_db()


#: Columns written by :func:`insert_fixes`, in the order of its row tuples.
INSERT_COLUMNS = (
    "individual",
    "deployment",
    "timestamp",
    "latitude",
    "longitude",
    "location_key",
    "altitude_m",
    "altitude_reference",
    "hdop",
    "dop",
    "satellites",
    "fix_type",
    "temperature_c",
    "battery_mv",
    "event_id",
    "source_visible",
    "flags",
    "flag_values",
    "outlier",
    "override",
    "override_reason",
    "override_by",
    "override_at",
)


def _sqlite_time(value: datetime) -> str:
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return str(value.replace(tzinfo=None))  # Django's SQLite format, naive UTC


def time_adapter() -> Callable[[datetime], Any]:
    """How :func:`insert_fixes` passes an aware datetime to the database: Django's own
    adapter, with a shortcut for SQLite (the same text, several times faster)."""
    if connection.vendor == "sqlite":
        return _sqlite_time
    return connection.ops.adapt_datetimefield_value  # type: ignore[no-any-return]


def insert_fixes(rows: list[tuple[Any, ...]]) -> int:
    """Bulk insert of fix rows (tuples in :data:`INSERT_COLUMNS` order, times through
    :func:`time_adapter`) with one prepared statement; rows that are already stored (same
    individual, time and place) are skipped by the database (``ON CONFLICT DO NOTHING``, on
    SQLite and PostgreSQL). Building model instances and compiling SQL per row, as
    ``bulk_create`` does, costs ten times more for millions of fixes. Returns the number of
    rows inserted."""
    if not rows:
        return 0
    fields = {f.name: f for f in Fix._meta.concrete_fields}
    quote = connection.ops.quote_name
    columns = ", ".join(quote(fields[name].column) for name in INSERT_COLUMNS)
    marks = ", ".join(["%s"] * len(INSERT_COLUMNS))
    sql = (
        f"INSERT INTO {quote(Fix._meta.db_table)} ({columns}) VALUES ({marks}) "
        "ON CONFLICT DO NOTHING"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)
        count = cursor.rowcount
    return count if count is not None and count >= 0 else len(rows)


def _deployment_for(deployments: list[TagDeployment], moment: datetime) -> TagDeployment | None:
    for deployment in deployments:
        if deployment.covers(moment):
            return deployment
    return None


def parse_mapping(text: str, *, what: str) -> dict[str, str]:
    """``"a=b,c=d"``, or a path to a JSON object or a two-column CSV (with or without a
    header), into a dict. Raises :class:`ImportProblem` naming ``what`` on bad input."""
    import csv
    import json

    candidate = Path(text)
    if candidate.suffix.lower() in (".json", ".csv") and candidate.exists():
        if candidate.suffix.lower() == ".json":
            try:
                data = json.loads(candidate.read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise ImportProblem(f"{what} {candidate}: not a JSON object ({exc})") from exc
            if not isinstance(data, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in data.items()
            ):
                raise ImportProblem(f"{what} {candidate}: expected an object of strings")
            return dict(data)
        mapping: dict[str, str] = {}
        with candidate.open(encoding="utf-8-sig", newline="") as handle:
            for number, row in enumerate(csv.reader(handle), start=1):
                if not row or not "".join(row).strip():
                    continue
                if len(row) != 2:
                    raise ImportProblem(
                        f"{what} {candidate}, row {number}: expected two columns, got {len(row)}"
                    )
                mapping[row[0].strip()] = row[1].strip()
        return mapping
    mapping = {}
    for part in text.split(","):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        if not sep or not key.strip() or not value.strip():
            raise ImportProblem(
                f"{what}: expected KEY=VALUE pairs separated by commas, got {part!r}"
            )
        mapping[key.strip()] = value.strip()
    return mapping


def options_from(
    *, format: str = "movebank", column_map: Mapping[str, str] | None = None, **kwargs: Any
) -> ImportOptions:
    """Build :class:`ImportOptions` (a generic CSV when a column map is given)."""
    if column_map:
        format = "csv"
    return ImportOptions(format=format, column_map=dict(column_map or {}), **kwargs)
