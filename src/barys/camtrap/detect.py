"""The detection pipeline: detectors over a deployment's media, and MegaDetector imports.

:func:`run_detection` (the ``camtrap.detect`` job) picks the first available detector from
the registry (:mod:`barys.camtrap.detection`: MegaDetector with the weights of
``BARYS_MEGADETECTOR_WEIGHTS``, then the weights-free motion detector), runs it event by
event (a sequence, with background frames of the same deployment near the same time of day),
stores every box with the model, its version and thresholds, classifies each event as
animal, human, vehicle or blank with :func:`barys.interop.megadetector.classify_sequence`,
and marks the media of events with a person so that they are hidden and blurred.

:func:`import_megadetector_batch` does the same from a MegaDetector batch-output file made
elsewhere (``barys import megadetector FILE --deployment CODE``).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from os import PathLike
from pathlib import Path, PurePosixPath
from typing import Any

from django.conf import settings
from django.db import transaction

from barys.camtrap import clock
from barys.camtrap.detection import DetectionContext, ImageDetections, registry
from barys.camtrap.detection.base import DEFAULT_ORDER, Detector
from barys.camtrap.errors import CamtrapError
from barys.camtrap.models import (
    Deployment,
    Detection,
    DetectionRun,
    Event,
    EventClassification,
    Media,
)
from barys.core import audit
from barys.core.filestore import default_store
from barys.core.jobs import Reporter, job_handler
from barys.core.models import Job
from barys.interop import megadetector as md

log = logging.getLogger(__name__)

#: Confidence at or above which a box counts, per detector name (MegaDetector v5's typical
#: threshold; the motion detector's boxes are already filtered by its own thresholds).
CLASSIFICATION_THRESHOLDS: dict[str, float] = {
    "megadetector": md.MDV5_TYPICAL_THRESHOLD,
    "motion": 0.2,
}
#: At most this many other events offer background frames to the motion detector.
BACKGROUND_CANDIDATES = 40
_CATEGORY_IDS = {name: key for key, name in md.STANDARD_CATEGORIES.items()}


def detector_settings() -> dict[str, dict[str, Any]]:
    """Factory settings of the built-in detectors, from the Django settings."""
    weights = getattr(settings, "BARYS_MEGADETECTOR_WEIGHTS", None)
    return {"megadetector": {"weights_path": str(weights) if weights else None}}


def _as_image_results(results: Sequence[ImageDetections]) -> list[md.ImageResult]:
    images = []
    for result in results:
        if result.failure is not None:
            images.append(md.ImageResult(result.image, None, result.failure))
            continue
        detections = tuple(
            md.Detection(_CATEGORY_IDS[d.category], d.conf, d.bbox)
            for d in result.detections
            if d.category in _CATEGORY_IDS
        )
        images.append(md.ImageResult(result.image, detections))
    return images


def _local(moment: datetime | None, zone_text: str) -> datetime | None:
    return None if moment is None else clock.in_zone(moment, zone_text).replace(tzinfo=None)


def _store_results(run: DetectionRun, rows: Sequence[tuple[Media, ImageDetections]]) -> None:
    Detection.objects.bulk_create(
        [
            Detection(
                run=run,
                media=media,
                category=box.category,
                confidence=box.conf,
                bbox_x=box.bbox[0],
                bbox_y=box.bbox[1],
                bbox_width=box.bbox[2],
                bbox_height=box.bbox[3],
            )
            for media, result in rows
            for box in result.detections
            if box.category in Detection.Category.values
        ],
        batch_size=500,
    )


def _classify(
    run: DetectionRun,
    event: Event | None,
    rows: Sequence[tuple[Media, ImageDetections]],
    label: str,
) -> set[int]:
    """Store the event's classification; return media to mark as showing a person."""
    if event is None or not rows:
        return set()
    decision = md.classify_sequence(
        _as_image_results([r for _, r in rows]),
        md.STANDARD_CATEGORIES,
        run.classification_threshold,
    )
    deciding = next((m for m, r in rows if r.image == decision.file), None)
    EventClassification.objects.update_or_create(
        event=event,
        run=run,
        defaults={
            "observation_type": decision.observation_type,
            "probability": round(decision.confidence, 4),
            "classified_by": label,
            "deciding_media": deciding,
            "present": sorted(decision.present),
        },
    )
    if "human" in decision.present:
        return {media.pk for media, _ in rows}
    return set()


def _mark_people(media_pks: Iterable[int]) -> int:
    pks = sorted(set(media_pks))
    for start in range(0, len(pks), 500):
        Media.objects.filter(pk__in=pks[start : start + 500]).update(person_present=True)
    return len(pks)


def _events_with_media(deployment: Deployment) -> list[tuple[Event | None, list[Media]]]:
    media = list(
        Media.objects.filter(
            deployment=deployment, media_type__startswith="image/", file__isnull=False
        )
        .select_related("event")
        .order_by("timestamp", "file_name", "pk")
    )
    by_event: dict[int | None, list[Media]] = defaultdict(list)
    for item in media:
        by_event[item.event_id].append(item)
    groups: list[tuple[Event | None, list[Media]]] = []
    for key, items in by_event.items():
        if key is None:
            groups.extend((None, [item]) for item in items)
        else:
            groups.append((items[0].event, items))
    return groups


def run_detection(
    *,
    deployment: Deployment,
    job: Job | None = None,
    report: Reporter | None = None,
    order: Sequence[str] = DEFAULT_ORDER,
    detector: Detector | None = None,
    factory_settings: Mapping[str, Mapping[str, Any]] | None = None,
    threshold: float | None = None,
) -> DetectionRun:
    """Run the first available detector over the deployment's images (see module docstring).

    Args:
        deployment: the deployment.
        job: the job record, when run as a job.
        report: progress callback ``(per cent, message)``.
        order: detector names to try.
        detector: a detector to use instead of choosing from the registry.
        factory_settings: per detector name, settings for its factory (default: from Django
            settings).
        threshold: the classification threshold (default: per detector).

    Raises:
        CamtrapError: no detector is available.
    """
    skipped: tuple[tuple[str, str], ...] = ()
    if detector is None:
        selection = registry.select(order, factory_settings or detector_settings())
        skipped = selection.skipped
        if selection.detector is None:
            raise CamtrapError(
                "no detector is available: " + "; ".join(f"{n}: {why}" for n, why in skipped)
            )
        detector = selection.detector
    threshold = (
        threshold
        if threshold is not None
        else CLASSIFICATION_THRESHOLDS.get(detector.name, md.MDV5_TYPICAL_THRESHOLD)
    )
    groups = _events_with_media(deployment)
    total = sum(len(items) for _, items in groups)
    model_name = getattr(detector, "model_name", detector.name)
    label = f"{model_name} {detector.version}"
    run = DetectionRun.objects.create(
        deployment=deployment,
        job=job,
        detector=detector.name,
        model=model_name,
        model_version=detector.version,
        thresholds=dict(getattr(detector, "thresholds", {}) or {}),
        classification_threshold=threshold,
        skipped=[list(s) for s in skipped],
        images_total=total,
    )
    audit.record_create(run, actor="detection pipeline")
    store = default_store()
    firsts = [(items[0], event) for event, items in groups if event is not None]
    zone_text = deployment.time_zone
    done = failures = 0
    people: set[int] = set()
    try:
        for event, items in groups:
            others = [m for m, e in firsts if e is not event]
            step = max(1, len(others) // BACKGROUND_CANDIDATES)
            others = others[::step][:BACKGROUND_CANDIDATES]
            context = DetectionContext(
                deployment=deployment.code,
                background=[store.local_path(m.file_id) for m in others],
                background_times=[_local(m.timestamp, zone_text) for m in others],
                capture_times=[_local(m.timestamp, zone_text) for m in items],
            )
            paths = [store.local_path(m.file_id) for m in items]
            results = detector.detect(paths, context)
            rows = list(zip(items, results, strict=True))
            failures += sum(1 for _, r in rows if r.failure is not None)
            with transaction.atomic():
                _store_results(run, rows)
                people |= _classify(run, event, rows, label)
                people |= {
                    m.pk
                    for m, r in rows
                    for b in r.detections
                    if b.category == "person" and b.conf >= threshold
                }
            done += len(items)
            DetectionRun.objects.filter(pk=run.pk).update(images_done=done, failures=failures)
            if report:
                report(100.0 * done / max(1, total), f"{done} of {total} images ({detector.name})")
    except Exception:
        DetectionRun.objects.filter(pk=run.pk).update(
            state=DetectionRun.State.FAILED, finished_at=datetime.now(UTC)
        )
        raise
    _mark_people(people)
    DetectionRun.objects.filter(pk=run.pk).update(
        state=DetectionRun.State.DONE,
        finished_at=datetime.now(UTC),
        images_done=done,
        failures=failures,
    )
    if people:
        from barys.camtrap.ingest import ensure_derivatives_job

        transaction.on_commit(lambda: ensure_derivatives_job(deployment))
    run.refresh_from_db()
    return run


@job_handler("camtrap.detect")
def detection_job(job: Job, report: Callable[[float, str], None]) -> dict[str, Any]:
    """Job: the detection pipeline over one deployment (params: ``deployment``, ``order``)."""
    from barys.camtrap.services import get_deployment

    deployment = get_deployment(str(job.params["deployment"]))
    order = job.params.get("order") or DEFAULT_ORDER
    run = run_detection(deployment=deployment, job=job, report=report, order=order)
    return {
        "run": run.pk,
        "detector": run.detector,
        "model": f"{run.model} {run.model_version}",
        "images": run.images_done,
        "failures": run.failures,
        "skipped": run.skipped,
    }


def start_detection(
    *, deployment: Deployment, actor: Any = None, order: Sequence[str] | None = None
) -> Job:
    """Queue the detection job of a deployment (one at a time per deployment)."""
    from barys.core import jobs

    waiting = Job.objects.filter(
        kind="camtrap.detect",
        params__deployment=deployment.code,
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
    ).first()
    if waiting is not None:
        return waiting
    return jobs.create_job(
        kind="camtrap.detect",
        params={"deployment": deployment.code, "order": list(order or DEFAULT_ORDER)},
        title=f"Detection on {deployment.code}",
        user=actor if getattr(actor, "is_authenticated", False) else None,
    )


# --------------------------------------------------------------------------- MegaDetector JSON


def _match_media(
    batch: md.BatchResult, media: Sequence[Media]
) -> tuple[dict[int, md.ImageResult], list[str]]:
    """Media matched to batch images: exact card path, else a unique matching path suffix."""
    by_name: dict[str, list[md.ImageResult]] = defaultdict(list)
    for image in batch.images:
        by_name[PurePosixPath(image.file.replace("\\", "/")).name.lower()].append(image)
    matched: dict[int, md.ImageResult] = {}
    used: set[str] = set()
    for item in media:
        candidates = by_name.get(item.file_name.lower(), [])
        wanted = item.file_path.replace("\\", "/")
        exact = [c for c in candidates if c.file.replace("\\", "/") == wanted]
        suffix = [
            c
            for c in candidates
            if wanted.endswith("/" + c.file.replace("\\", "/"))
            or c.file.replace("\\", "/").endswith("/" + wanted)
        ]
        chosen = exact or suffix or (candidates if len(candidates) == 1 else [])
        if len(chosen) == 1 and chosen[0].file not in used:
            matched[item.pk] = chosen[0]
            used.add(chosen[0].file)
    unmatched = [image.file for image in batch.images if image.file not in used]
    return matched, unmatched


@transaction.atomic
def import_megadetector_batch(
    *,
    path: str | PathLike[str],
    deployment: Deployment,
    threshold: float | None = None,
    actor: Any = None,
) -> tuple[DetectionRun, list[str]]:
    """Import a MegaDetector batch-output file for a deployment's media (all or nothing).

    Returns the run and the files of the batch that match no medium of the deployment.

    Raises:
        FormatError: the file breaks the format (nothing is imported).
        CamtrapError: no image of the batch matches a medium of the deployment.
    """
    batch = md.read_batch(path)
    media = list(Media.objects.filter(deployment=deployment).select_related("event"))
    matched, unmatched = _match_media(batch, media)
    if not matched:
        raise CamtrapError(
            f"none of the {len(batch.images)} images in {Path(path).name} matches a medium of "
            f"deployment {deployment.code}"
        )
    threshold = batch.typical_detection_threshold if threshold is None else threshold
    run = DetectionRun.objects.create(
        deployment=deployment,
        detector="megadetector-json",
        model=batch.detector or "megadetector",
        model_version=batch.detector_version or "unknown",
        thresholds={"typical_detection_threshold": batch.typical_detection_threshold},
        classification_threshold=threshold,
        source_file=str(path)[:1000],
        images_total=len(matched),
        images_done=len(matched),
        failures=sum(1 for image in matched.values() if image.detections is None),
    )
    audit.record_create(run, actor=actor)
    categories = dict(batch.detection_categories)
    by_pk = {m.pk: m for m in media}
    rows: list[tuple[Media, ImageDetections]] = []
    for pk, image in matched.items():
        boxes = tuple(
            _box(categories.get(d.category, d.category), d) for d in (image.detections or ())
        )
        rows.append(
            (
                by_pk[pk],
                ImageDetections(
                    image.file, boxes, run.model, run.model_version, run.thresholds, image.failure
                ),
            )
        )
    _store_results(run, rows)
    label = f"{run.model} {run.model_version}"
    people = {
        m.pk
        for m, r in rows
        for b in r.detections
        if b.category == "person" and b.conf >= threshold
    }
    by_event: dict[int, list[tuple[Media, ImageDetections]]] = defaultdict(list)
    for item, result in rows:
        if item.event_id is not None:
            by_event[item.event_id].append((item, result))
    for items in by_event.values():
        people |= _classify(run, items[0][0].event, items, label)
    _mark_people(people)
    DetectionRun.objects.filter(pk=run.pk).update(
        state=DetectionRun.State.DONE, finished_at=datetime.now(UTC)
    )
    if people:
        from barys.camtrap.ingest import ensure_derivatives_job

        transaction.on_commit(lambda: ensure_derivatives_job(deployment, actor=actor))
    run.refresh_from_db()
    return run, unmatched


def _box(category: str, detection: md.Detection) -> Any:
    from barys.camtrap.detection import BoxDetection

    return BoxDetection(category, detection.conf, detection.bbox)
