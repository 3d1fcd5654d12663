"""Background jobs: a record pages can show, updated by queue tasks.

A job kind is registered with :func:`job_handler`; the handler is a plain service function
``handler(job, report)`` where ``report(progress, message)`` updates the record. Tasks take
the job id and are idempotent: a finished job is never run again.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import transaction
from django.utils import timezone

from barys.core.models import Job, User

log = logging.getLogger(__name__)

Reporter = Callable[[float, str], None]
Handler = Callable[[Job, Reporter], Any]

_HANDLERS: dict[str, Handler] = {}


def job_handler(kind: str) -> Callable[[Handler], Handler]:
    """Register ``handler`` for jobs of ``kind``."""

    def decorate(handler: Handler) -> Handler:
        _HANDLERS[kind] = handler
        return handler

    return decorate


def registered_kinds() -> list[str]:
    return sorted(_HANDLERS)


def create_job(
    *,
    kind: str,
    params: dict | None = None,
    title: str = "",
    user: User | None = None,
    enqueue: bool = True,
) -> Job:
    """Create a queued job and hand it to the queue after the transaction commits."""
    if kind not in _HANDLERS:
        raise ValueError(f"unknown job kind {kind!r}")
    job = Job.objects.create(
        kind=kind,
        params=params or {},
        title=title[:300],
        created_by=user if user and user.is_authenticated else None,
    )
    if enqueue:
        from barys.core.tasks import run_job_task

        job_id = str(job.pk)
        transaction.on_commit(lambda: run_job_task(job_id))
    return job


def _reporter(job_id: Any) -> Reporter:
    def report(progress: float, message: str = "") -> None:
        pct = max(0, min(100, int(progress)))
        Job.objects.filter(pk=job_id).update(progress=pct, message=message[:2000])

    return report


def run_job(job_id: Any) -> Job:
    """Run a queued job now (called by the queue task). Finished jobs are left as they are."""
    with transaction.atomic():
        job = Job.objects.select_for_update().get(pk=job_id)
        if job.finished:
            return job
        job.state = Job.State.RUNNING
        job.started_at = timezone.now()
        job.attempts += 1
        job.save(update_fields=["state", "started_at", "attempts"])
    handler = _HANDLERS.get(job.kind)
    try:
        if handler is None:
            raise ValueError(f"no handler for job kind {job.kind!r}")
        result = handler(job, _reporter(job.pk))
    except Exception as exc:  # the job records any failure for the person who started it
        log.exception("job %s (%s) failed", job.pk, job.kind)
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.FAILED, message=str(exc)[:2000], finished_at=timezone.now()
        )
    else:
        Job.objects.filter(pk=job.pk).update(
            state=Job.State.DONE,
            progress=100,
            result=result if isinstance(result, dict) else None,
            finished_at=timezone.now(),
        )
    job.refresh_from_db()
    return job
