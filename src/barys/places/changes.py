"""What happens when places change: caches are dropped and, when oblasts or protected areas
changed, a background job assigns every record its oblast and protected area again.

Saves and deletes through the ORM (the admin site, services) arrive through signals; bulk
paths (the importer) call :func:`places_changed` once after their transaction.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from barys.core.models import Job, User

log = logging.getLogger(__name__)

RELOCATE_JOB = "places.relocate_records"
#: Kinds whose changes move records between places.
LOCATING_KINDS = frozenset({"oblast", "protected_area"})


def places_changed(kinds: Iterable[str], *, user: User | None = None) -> Job | None:
    """Drop the cached place indexes; schedule re-locating the records when needed."""
    from barys.places import locator, mapdata

    kinds = set(kinds)
    locator.invalidate()
    mapdata.invalidate()
    if kinds & LOCATING_KINDS:
        return schedule_relocation(user=user)
    return None


def schedule_relocation(*, user: User | None = None) -> Job | None:
    """Queue the re-locating job unless one is already waiting (it will see the change)."""
    from barys.core import jobs

    if Job.objects.filter(kind=RELOCATE_JOB, state=Job.State.QUEUED).exists():
        return None
    return jobs.create_job(
        kind=RELOCATE_JOB, title="Assign records to oblasts and protected areas again", user=user
    )


def on_place_saved(sender: Any, instance: Any, **kwargs: Any) -> None:
    """Signal receiver (post_save, post_delete) for places and their proxies."""
    from barys.places.models import Place

    if not isinstance(instance, Place) or kwargs.get("raw"):
        return
    from barys.places import locator, mapdata

    locator.invalidate()
    mapdata.invalidate()
    deleted = "created" not in kwargs
    before = getattr(instance, "_located_as", None)
    kinds = {instance.kind, before[0] if before else instance.kind}
    moved = deleted or instance.moves_records
    instance._located_as = instance.location_key()
    if not (kinds & LOCATING_KINDS and moved):
        return  # e.g. only a name changed
    connection = transaction.get_connection()
    if any(func is _relocate_after_commit for _sids, func, *_rest in connection.run_on_commit):
        return  # one re-locating job per transaction is enough
    transaction.on_commit(_relocate_after_commit)


def _relocate_after_commit() -> None:
    schedule_relocation()
