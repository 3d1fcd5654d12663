"""Card ingest: a folder of camera-trap files into one deployment, fast and resumable.

What one run does, file by file (in sorted path order, a few files in parallel threads):

1. classify by extension: images (JPEG, PNG, TIFF) are read, videos are registered as media
   of their type without being decoded, anything else is reported as an unknown format;
2. hash the content (SHA-256) and read EXIF (capture time, make, model, serial number,
   trigger data) with :func:`barys.camtrap.detection.read_exif`;
3. store the original once in the content-addressed file store (a temporary file renamed
   into place, so a killed run never leaves half a file), copied or, with ``link=True``
   where the card is on the store's file system, hard-linked (:mod:`barys.core.filestore`);
4. in batches, one transaction each: skip contents already ingested (duplicates, whatever
   their name or deployment), and insert ``StoredFile`` and ``Media`` rows in bulk.

A medium's ``mediaID`` is derived from the deploymentID and the content hash, and the events
are regrouped deterministically at the end (:mod:`barys.camtrap.events`), so a run killed at
any moment and run again ends in exactly the state of an uninterrupted run: files already
stored are not copied twice, rows already committed are duplicates, and the events, flags
and identifiers are functions of the media alone.

Bad input is reported per file and never stops the card: an unreadable or unknown file is
rejected (not registered); a damaged JPEG, a file without a capture time, a time before 2001
or in the future, or a time outside the deployment window is registered and flagged; a file
from another camera (serial number differing from the deployment's camera) is rejected, or
flagged when the deployment's camera serial is not known (the card's majority serial wins).
"""

from __future__ import annotations

import os
import time
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone as dj_timezone

from barys.camtrap.card import Examined, Problem, examine, list_card
from barys.camtrap.detection.exif import ExifInfo
from barys.camtrap.events import derived_id, regroup_events
from barys.camtrap.media_times import describe_time_flags, place_in_time
from barys.camtrap.models import Deployment, IngestRun, Media
from barys.core import audit, bulk
from barys.core.models import StoredFile

Progress = Callable[[int], None]


@dataclass
class IngestSummary:
    """What one ingest run did."""

    deployment: str
    files: int = 0
    new: int = 0
    duplicates: int = 0
    flagged: int = 0
    rejected: int = 0
    events: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    run_id: int | None = None

    @property
    def rate(self) -> float:
        """Files per second."""
        return self.files / self.seconds if self.seconds > 0 else 0.0


def _trigger_dict(info: ExifInfo) -> dict[str, Any] | None:
    trigger = info.trigger
    if trigger is None:
        return None
    values = {
        "source": trigger.source,
        "mode": trigger.mode,
        "sequence_number": trigger.sequence_number,
        "sequence_length": trigger.sequence_length,
        "event_number": trigger.event_number,
        "ambient_temperature_c": trigger.ambient_temperature_c,
        "battery_voltage_v": trigger.battery_voltage_v,
        "user_label": trigger.user_label,
    }
    return {k: v for k, v in values.items() if v is not None}


def _media_row(item: Examined, deployment: Deployment, now: datetime) -> Media:
    info = item.exif
    media = Media(
        media_id=derived_id("media", deployment.deployment_id, item.sha256),
        deployment=deployment,
        file_id=item.sha256,
        file_name=item.name[:255],
        file_path=item.relpath[:1000],
        media_type=item.media_type,
        time_zone="",
    )
    camera_time: datetime | None
    if info is not None:
        camera_time = info.captured_at
        media.exif_make = (info.make or "")[:100]
        media.exif_model = (info.model or "")[:100]
        media.exif_serial = (info.serial_number or "")[:100]
        media.width, media.height = info.width, info.height
        media.trigger = _trigger_dict(info)
        mode = info.trigger.mode if info.trigger else None
        media.capture_method = (
            Media.CaptureMethod.TIME_LAPSE
            if mode == "time-lapse"
            else Media.CaptureMethod.ACTIVITY
            if mode
            else ""
        )
        exif_data: dict[str, Any] = {
            k: v
            for k, v in (
                ("Make", info.make),
                ("Model", info.model),
                ("SerialNumber", info.serial_number),
                ("DateTimeOriginal", info.datetime_original_raw),
                ("OffsetTimeOriginal", info.offset_time_original),
                ("Software", info.software),
            )
            if v
        }
        media.exif_data = exif_data or None
    else:
        camera_time = item.video_time
    place_in_time(media, camera_time, deployment, now)
    problems = list(item.problems) + describe_time_flags(media, deployment)
    media.damaged = item.damaged
    media.problems = "; ".join(problems)
    return media


class _Writer:
    """Writes examined files in batches (one transaction each) and keeps the tallies."""

    def __init__(self, deployment: Deployment, summary: IngestSummary) -> None:
        self.deployment = deployment
        self.summary = summary
        self.now = dj_timezone.now()

    def write(self, batch: list[Examined]) -> None:
        accepted = [item for item in batch if item.rejected is None]
        for item in batch:
            if item.rejected is not None:
                self.summary.rejected += 1
                self.summary.problems.append(Problem(item.relpath, item.rejected, False))
        if not accepted:
            return
        shas = list({item.sha256 for item in accepted})
        known = dict(
            Media.objects.filter(file_id__in=shas).values_list("file_id", "deployment__code")
        )
        files: dict[str, StoredFile] = {}
        rows: list[Media] = []
        for item in accepted:
            where = known.get(item.sha256)
            if where is not None:
                self.summary.duplicates += 1
                if where != self.deployment.code:
                    self.summary.problems.append(
                        Problem(item.relpath, f"already ingested in deployment {where}", False)
                    )
                continue
            known[item.sha256] = self.deployment.code
            files[item.sha256] = StoredFile(
                sha256=item.sha256,
                size=item.size,
                original_name=item.name[:500],
                content_type=item.media_type,
            )
            media = _media_row(item, self.deployment, self.now)
            rows.append(media)
            if media.problems:
                self.summary.flagged += 1
                self.summary.problems.append(Problem(item.relpath, media.problems, True))
        if not rows:
            return
        with transaction.atomic():
            bulk.insert_instances(list(files.values()), ignore_conflicts=True)
            bulk.insert_instances(rows, ignore_conflicts=True)
        self.summary.new += len(rows)


def _check_serials(deployment: Deployment, summary: IngestSummary) -> None:
    """Without a known camera serial, flag media whose serial differs from the majority."""
    counts = dict(_serial_counts(deployment))
    if len(counts) < 2:
        return
    majority = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
    odd = (
        Media.objects.filter(deployment=deployment, serial_mismatch=False)
        .exclude(exif_serial="")
        .exclude(exif_serial=majority)
    )
    for media in odd.only("pk", "file_path", "exif_serial", "problems").order_by("file_path"):
        reason = (
            f"camera serial {media.exif_serial} differs from {majority}, the serial of most "
            "files on this card"
        )
        Media.objects.filter(pk=media.pk).update(
            serial_mismatch=True,
            problems="; ".join(p for p in (media.problems, reason) if p),
        )
        summary.flagged += 1
        summary.problems.append(Problem(media.file_path, reason, True))


def _serial_counts(deployment: Deployment) -> list[tuple[str, int]]:
    from django.db.models import Count

    return [
        (row["exif_serial"], row["n"])
        for row in Media.objects.filter(deployment=deployment)
        .exclude(exif_serial="")
        .values("exif_serial")
        .annotate(n=Count("pk"))
    ]


def ensure_derivatives_job(deployment: Deployment, *, actor: Any = None) -> None:
    """Queue a thumbnail/preview job for the deployment unless one is already waiting."""
    from barys.core import jobs
    from barys.core.models import Job

    waiting = Job.objects.filter(
        kind="camtrap.derivatives",
        params__deployment=deployment.code,
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
    ).exists()
    if not waiting:
        jobs.create_job(
            kind="camtrap.derivatives",
            params={"deployment": deployment.code},
            title=f"Thumbnails and previews of {deployment.code}",
            user=actor if getattr(actor, "is_authenticated", False) else None,
        )


def ingest_card(
    *,
    deployment: Deployment,
    root: str | os.PathLike[str],
    actor: Any = None,
    workers: int = 2,
    batch_size: int = 200,
    progress: Progress | None = None,
    on_files: Callable[[int], None] | None = None,
    derivatives: bool = True,
    link: bool = False,
) -> IngestSummary:
    """Ingest the files under ``root`` into ``deployment``; see the module docstring.

    Args:
        deployment: the deployment the card belongs to.
        root: the card's folder (or one file).
        actor: the person (or a label such as ``"cli"``) for the audit entry.
        workers: threads hashing, reading and storing files.
        batch_size: files per database transaction.
        progress: called with the number of files done since the last call.
        on_files: called once with the number of files to process.
        derivatives: queue the thumbnail/preview job at the end.
        link: hard-link originals into the file store instead of copying them, where the
            card is on the store's file system (the card's files become read-only).
    """
    started = time.monotonic()
    base = Path(root)
    if not base.exists():
        from barys.camtrap.errors import NotFound

        raise NotFound(f"no such folder or file: {base}")
    files, unknown = list_card(base)
    if base.is_file():
        base = base.parent
    summary = IngestSummary(deployment=deployment.code, files=len(files) + len(unknown))
    summary.rejected += len(unknown)
    summary.problems.extend(unknown)
    if on_files:
        on_files(summary.files)
    if progress and unknown:
        progress(len(unknown))
    run = IngestRun.objects.create(
        deployment=deployment,
        source=str(Path(root))[:1000],
        files_seen=summary.files,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record_create(run, actor=actor)
    summary.run_id = run.pk
    expected = deployment.camera.serial if deployment.camera is not None else ""
    writer = _Writer(deployment, summary)
    window = max(4, workers * 64)
    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ingest") as pool:
        pending: deque[Future[Examined]] = deque()
        queue = iter(files)

        def fill() -> None:
            while len(pending) < window:
                path = next(queue, None)
                if path is None:
                    return
                pending.append(pool.submit(examine, path, base, expected, link))

        fill()
        batch: list[Examined] = []
        while pending:
            batch.append(pending.popleft().result())
            fill()
            if progress:
                progress(1)
            if len(batch) >= batch_size:
                writer.write(batch)
                batch = []
        writer.write(batch)
    if not expected:
        _check_serials(deployment, summary)
    summary.events = regroup_events(deployment)
    summary.seconds = time.monotonic() - started
    IngestRun.objects.filter(pk=run.pk).update(
        state=IngestRun.State.DONE,
        new=summary.new,
        duplicates=summary.duplicates,
        flagged=summary.flagged,
        rejected=summary.rejected,
        report=[p.as_dict() for p in summary.problems[:5000]],
        finished_at=datetime.now(UTC),
    )
    if (
        derivatives
        and Media.objects.filter(
            deployment=deployment, media_type__startswith="image/", derived__isnull=True
        ).exists()
    ):
        transaction.on_commit(lambda: ensure_derivatives_job(deployment, actor=actor))
    return summary
