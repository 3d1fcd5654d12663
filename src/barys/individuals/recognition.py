"""The re-identification service: one :class:`~barys.individuals.reid.ReidEngine` index per
taxon, kept in step with the annotations, and match suggestions stored for review.

* The index of a taxon lives in ``DATA_DIR/reid/<taxon slug>.npz`` with a small JSON state
  file beside it. It holds every identified annotation of good or fair quality whose
  individual is not merged away; the engine's key is the annotation ID, its individual the
  passport code and its event the camera event ID (so that a query never matches its own
  event).
* ``individuals.reid-rebuild`` (a background job) builds the index from scratch: each chip is
  cut from the original image in the file store, then scores are calibrated on the
  catalogue's own leave-one-encounter-out queries.
* ``individuals.reid-sync`` brings an index up to date incrementally (added, removed and
  re-labelled annotations) and recalibrates when a fifth of the catalogue has changed.
  Annotation changes and decisions schedule it after their transaction commits.
* ``individuals.reid-suggest`` queries the index for the annotations of a camera event (or
  given annotations) and stores the ranked candidates as :class:`MatchSuggestion` rows with
  their probabilities, keypoint matches and the query's band.

``settings.BARYS_REID_EMBEDDING_WEIGHTS`` is read by the engine's deep-embedding backend;
this service builds HotSpotter indexes until a fused backend is registered (see
``docs/individuals.md``).
"""

from __future__ import annotations

import fcntl
import json
import logging
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from barys.core import jobs, roles
from barys.core.models import Job
from barys.individuals import chips
from barys.individuals.errors import IndexUnavailable, InvalidInput, NotFound
from barys.individuals.models import Annotation, Individual, MatchSuggestion
from barys.taxa.models import Taxon

if TYPE_CHECKING:
    from barys.individuals.reid import ReidEngine

log = logging.getLogger(__name__)

REBUILD = "individuals.reid-rebuild"
SYNC = "individuals.reid-sync"
SUGGEST = "individuals.reid-suggest"
#: Candidates stored per query annotation.
TOP = 12
#: Matched keypoint pairs stored per candidate (the strongest first, as the engine gives).
MAX_MATCHES = 200
#: Leave-one-encounter-out queries used to calibrate.
CALIBRATION_QUERIES = 300
#: Recalibrate during a sync once this fraction of the catalogue changed.
RECALIBRATE_FRACTION = 0.2

Reporter = Callable[[float, str], None]
_cache: dict[str, tuple[float, ReidEngine]] = {}
_cache_lock = threading.Lock()


def _quiet(progress: float, message: str = "") -> None:
    return None


# -- files ----------------------------------------------------------------------------------


def index_dir() -> Path:
    return Path(settings.DATA_DIR) / "reid"


def index_path(taxon: Taxon) -> Path:
    return index_dir() / f"{taxon.slug}.npz"


def state_path(taxon: Taxon) -> Path:
    return index_dir() / f"{taxon.slug}.json"


def read_state(taxon: Taxon) -> dict[str, Any]:
    """The index's state: ``built_at``, ``annotations``, ``individuals``, ``calibrated``,
    ``changes_since_calibration`` (empty when there is no index)."""
    path = state_path(taxon)
    if not path.exists() or not index_path(taxon).exists():
        return {}
    try:
        data = json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _write_state(taxon: Taxon, engine: ReidEngine, **extra: Any) -> dict[str, Any]:
    state = {
        "taxon": taxon.slug,
        "updated_at": timezone.now().isoformat(),
        "annotations": len(engine),
        "individuals": len(engine.individuals()),
        "calibrated": engine.calibrated,
        "calibration": engine.calibration.to_dict(),
        "backend": engine.backend.name,
        **extra,
    }
    path = state_path(taxon)
    temporary = path.with_suffix(".json.tmp")
    temporary.write_text(json.dumps(state, indent=2))
    temporary.replace(path)
    return state


@contextmanager
def _locked(taxon: Taxon) -> Iterator[None]:
    """One writer per taxon index at a time (across processes)."""
    index_dir().mkdir(parents=True, exist_ok=True)
    with (index_dir() / f".{taxon.slug}.lock").open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def load_engine(taxon: Taxon) -> ReidEngine | None:
    """The taxon's saved index (cached per process until the file changes), or ``None``."""
    path = index_path(taxon)
    try:
        mtime = path.stat().st_mtime
    except FileNotFoundError:
        return None
    key = str(path)
    with _cache_lock:
        cached = _cache.get(key)
        if cached is not None and cached[0] == mtime:
            return cached[1]
    from barys.individuals.reid import ReidEngine

    engine = ReidEngine.load(path)
    with _cache_lock:
        _cache[key] = (mtime, engine)
    return engine


def _save(taxon: Taxon, engine: ReidEngine) -> None:
    engine.save(index_path(taxon))
    with _cache_lock:
        _cache.pop(str(index_path(taxon)), None)


# -- catalogue ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Entry:
    """What the engine holds for one annotation."""

    key: str
    individual: str
    viewpoint: str
    event: str | None


def eligible(taxon: Taxon) -> Any:
    """Annotations that belong in the taxon's index."""
    return (
        Annotation.objects.filter(
            taxon=taxon,
            individual__isnull=False,
            individual__merged_into__isnull=True,
            media__file__isnull=False,
            quality__in=(Annotation.Quality.GOOD, Annotation.Quality.FAIR),
        )
        .select_related("individual", "media", "media__event", "event")
        .order_by("media_id", "id")
    )


def event_key(annotation: Annotation) -> str | None:
    """The camera event ID the engine uses to keep an annotation from matching its own
    event (the medium's current event, else the one recorded on the annotation)."""
    event = annotation.media.event if annotation.media.event_id else annotation.event
    return event.event_id if event is not None else None


def entry(annotation: Annotation) -> Entry:
    assert annotation.individual is not None
    return Entry(
        str(annotation.annotation_id),
        annotation.individual.code,
        annotation.viewpoint,
        event_key(annotation),
    )


def _add_all(
    engine: ReidEngine, annotations: list[Annotation], report: Reporter, start: float, span: float
) -> int:
    """Add annotations (grouped by medium so each original is read once); returns failures."""
    from barys.individuals.reid import ReidError

    failures = 0
    original: Any = None
    media_pk = None
    for index, annotation in enumerate(annotations):
        try:
            if annotation.media_id != media_pk:
                media_pk = annotation.media_id
                original = chips.open_original(annotation.media)
            item = entry(annotation)
            engine.add(
                item.key,
                item.individual,
                chips.chip_array(annotation, original),
                item.viewpoint,
                item.event,
            )
        except (NotFound, ReidError, OSError, ValueError) as exc:
            failures += 1
            log.warning("annotation %s left out of the index: %s", annotation.annotation_id, exc)
        if index % 10 == 0:
            report(start + span * index / max(len(annotations), 1), f"{index} annotations")
    return failures


def _calibrate(engine: ReidEngine, queries: int = CALIBRATION_QUERIES) -> bool:
    from barys.individuals.reid import CalibrationError

    try:
        engine.calibrate(max_queries=queries)
    except CalibrationError as exc:
        log.info("index kept its previous calibration: %s", exc)
        return False
    return True


def build_index(
    *, taxon: Taxon, report: Reporter = _quiet, calibration_queries: int = CALIBRATION_QUERIES
) -> dict[str, Any]:
    """Build the taxon's index from scratch and calibrate it on at most
    ``calibration_queries`` leave-one-encounter-out queries; returns a summary."""
    from barys.individuals.reid import ReidEngine

    with _locked(taxon):
        annotations = list(eligible(taxon))
        report(1, f"{len(annotations)} annotations to index")
        engine = ReidEngine()
        failures = _add_all(engine, annotations, report, 2, 80)
        report(85, "calibrating")
        calibrated = _calibrate(engine, calibration_queries)
        _save(taxon, engine)
        state = _write_state(
            taxon, engine, built_at=timezone.now().isoformat(), changes_since_calibration=0
        )
    report(100, "index built")
    return {**state, "failures": failures, "calibrated_now": calibrated}


def sync_index(*, taxon: Taxon, report: Reporter = _quiet) -> dict[str, Any]:
    """Bring the taxon's index up to date with the annotations (builds it when missing)."""
    from barys.individuals.reid import ReidEngine

    if not index_path(taxon).exists():
        return build_index(taxon=taxon, report=report)
    with _locked(taxon):
        engine = ReidEngine.load(index_path(taxon))
        wanted = {str(a.annotation_id): a for a in eligible(taxon)}
        held = {a.key: a for a in engine.annotations()}
        stale = [
            key
            for key, have in held.items()
            if key not in wanted
            or entry(wanted[key]) != Entry(have.key, have.individual, have.viewpoint, have.event)
        ]
        for key in stale:
            engine.remove(key)
        missing = [wanted[key] for key in wanted if key not in held or key in stale]
        failures = _add_all(engine, missing, report, 5, 80)
        changes = len(stale) + len(missing)
        state = read_state(taxon)
        since = int(state.get("changes_since_calibration", 0)) + changes
        calibrated = False
        if changes and since >= max(10, RECALIBRATE_FRACTION * len(engine)):
            report(85, "calibrating")
            calibrated = _calibrate(engine)
            since = 0 if calibrated else since
        if changes or calibrated:
            _save(taxon, engine)
        state = _write_state(
            taxon,
            engine,
            built_at=state.get("built_at", ""),
            changes_since_calibration=since,
        )
    report(100, f"{len(missing)} added, {len(stale)} removed")
    return {
        **state,
        "added": len(missing),
        "removed": len(stale),
        "failures": failures,
        "calibrated_now": calibrated,
    }


# -- suggestions --------------------------------------------------------------------------


def _store(annotation: Annotation, result: Any, job: Job | None, backend: str) -> int:
    codes = [c.individual for c in result]
    individuals = {i.code: i for i in Individual.objects.filter(code__in=codes)}
    keys = [c.annotation for c in result]
    candidates = {
        str(a.annotation_id): a for a in Annotation.objects.filter(annotation_id__in=keys)
    }
    rows = []
    for rank, candidate in enumerate(result, start=1):
        individual = individuals.get(candidate.individual)
        if individual is None:
            continue
        matches = [[round(float(v), 1) for v in row] for row in candidate.matches[:MAX_MATCHES]]
        rows.append(
            MatchSuggestion(
                annotation=annotation,
                individual=individual,
                candidate_annotation=candidates.get(candidate.annotation),
                rank=rank,
                score=float(candidate.score),
                raw_score=float(candidate.raw_score),
                probability=float(candidate.probability),
                inliers=int(candidate.inliers),
                matches=matches,
                band=result.band,
                calibrated=bool(result.calibrated),
                backend=backend,
                job=job,
            )
        )
    with transaction.atomic():
        MatchSuggestion.objects.filter(annotation=annotation).delete()
        MatchSuggestion.objects.bulk_create(rows)
    return len(rows)


def suggest(
    *, annotations: list[Annotation], job: Job | None = None, report: Reporter = _quiet
) -> dict[str, Any]:
    """Query the index of each annotation's taxon and store the ranked candidates.

    Annotations of taxa without an index are reported in ``skipped``.
    """
    done = stored = 0
    skipped: list[str] = []
    bands: dict[str, str] = {}
    for index, annotation in enumerate(annotations):
        engine = load_engine(annotation.taxon)
        if engine is None:
            skipped.append(str(annotation.annotation_id))
            continue
        try:
            chip = chips.chip_array(annotation)
        except NotFound as exc:
            log.warning("no chip for annotation %s: %s", annotation.annotation_id, exc)
            skipped.append(str(annotation.annotation_id))
            continue
        key = str(annotation.annotation_id)
        result = engine.query(
            chip,
            annotation.viewpoint,
            top=TOP,
            exclude=[key],
            event=event_key(annotation),
        )
        stored += _store(annotation, result, job, engine.backend.name)
        bands[key] = result.band
        done += 1
        report(100 * (index + 1) / max(len(annotations), 1), f"{done} annotations queried")
    return {"queried": done, "suggestions": stored, "skipped": skipped, "bands": bands}


def annotations_of_event(event_id: str, *, include_identified: bool = False) -> list[Annotation]:
    """The annotations of a camera event (by its eventID)."""
    from django.db.models import Q

    found = Annotation.objects.filter(
        Q(media__event__event_id=event_id) | Q(event__event_id=event_id)
    )
    if not include_identified:
        found = found.filter(individual__isnull=True)
    return list(
        found.select_related(
            "media__event", "media__deployment__station", "event", "taxon", "individual"
        )
        .distinct()
        .order_by("media__timestamp", "id")
    )


# -- jobs ------------------------------------------------------------------------------------


def _taxon(params: dict[str, Any]) -> Taxon:
    taxon = Taxon.objects.filter(slug=params.get("taxon", "")).first()
    if taxon is None:
        raise InvalidInput(f"unknown taxon {params.get('taxon')!r}")
    return taxon


@jobs.job_handler(REBUILD)
def rebuild_job(job: Job, report: Reporter) -> dict[str, Any]:
    return build_index(taxon=_taxon(job.params), report=report)


@jobs.job_handler(SYNC)
def sync_job(job: Job, report: Reporter) -> dict[str, Any]:
    return sync_index(taxon=_taxon(job.params), report=report)


@jobs.job_handler(SUGGEST)
def suggest_job(job: Job, report: Reporter) -> dict[str, Any]:
    params = job.params
    if params.get("event"):
        annotations = annotations_of_event(
            str(params["event"]), include_identified=bool(params.get("all"))
        )
    else:
        annotations = list(
            Annotation.objects.filter(annotation_id__in=params.get("annotations", []))
            .select_related("media__event", "event", "taxon")
            .order_by("id")
        )
    return suggest(annotations=annotations, job=job, report=report)


def _pending(kind: str, **params: Any) -> bool:
    found = Job.objects.filter(kind=kind, state=Job.State.QUEUED)
    for name, value in params.items():
        found = found.filter(**{f"params__{name}": value})
    return found.exists()


def schedule_sync(taxon: Taxon) -> None:
    """Queue an index sync for ``taxon`` once the current transaction commits (at most one
    waiting sync per taxon); nothing happens while the taxon has no index yet."""

    def queue() -> None:
        if not index_path(taxon).exists() or _pending(SYNC, taxon=taxon.slug):
            return
        jobs.create_job(kind=SYNC, params={"taxon": taxon.slug}, title=f"Update index {taxon}")

    transaction.on_commit(queue)


def require_reviewer(user: Any, scope: str | None = None) -> None:
    roles.require_role(user, "researcher", scope)


def request_rebuild(*, taxon: Taxon, user: Any, enqueue: bool = True) -> Job:
    """Queue a rebuild of the taxon's index (researchers anywhere; the index is shared)."""
    if not roles.has_role_anywhere(user, "researcher"):
        raise roles.PermissionDenied("the researcher role is required")
    return jobs.create_job(
        kind=REBUILD,
        params={"taxon": taxon.slug},
        title=f"Re-identification index of {taxon.scientific_name}",
        user=user,
        enqueue=enqueue,
    )


def request_suggestions(
    *, event_id: str, user: Any, include_identified: bool = False, enqueue: bool = True
) -> Job:
    """Queue "suggest matches" for the annotations of a camera event."""
    annotations = annotations_of_event(event_id, include_identified=True)
    if not annotations:
        raise NotFound("the event has no annotations")
    station = annotations[0].media.deployment.station
    require_reviewer(user, station.scope_code or None)
    if not any(index_path(a.taxon).exists() for a in annotations):
        raise IndexUnavailable("no re-identification index for this taxon yet; build it first")
    return jobs.create_job(
        kind=SUGGEST,
        params={"event": event_id, "all": include_identified},
        title=f"Suggest matches for event {event_id}",
        user=user,
        enqueue=enqueue,
    )
