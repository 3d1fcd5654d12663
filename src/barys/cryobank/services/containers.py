"""Storage containers: create them and move them (every sample inside is logged)."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.db import transaction
from django.utils import timezone

from barys.core import audit
from barys.cryobank import access
from barys.cryobank.models import Container, CustodyEvent, Sample
from barys.cryobank.services.common import (
    ALLOWED_PARENTS,
    CryobankError,
    _log,
)

# --------------------------------------------------------------------------- containers


@transaction.atomic
def create_container(
    *,
    actor: Any,
    code: str,
    kind: str,
    name: str = "",
    parent: Container | None = None,
    rows: int | None = None,
    columns: int | None = None,
    preservation: str = "",
    notes: str = "",
) -> Container:
    """Add a facility, dewar, freezer, rack or box (boxes need rows × columns)."""
    access.require(access.may_keep_storage(actor), "keep the cryobank's storage")
    code = code.strip()
    if not code:
        raise CryobankError("a container needs a code", "code")
    if kind not in ALLOWED_PARENTS:
        raise CryobankError(f"unknown container kind {kind!r}", "kind")
    if (parent.kind if parent else None) not in ALLOWED_PARENTS[kind]:
        raise CryobankError(
            f"a {kind} cannot be put in {'a ' + parent.kind if parent else 'nothing'}", "parent"
        )
    if kind == Container.Kind.BOX and not (
        rows and columns and 1 <= rows <= 26 and 1 <= columns <= 30
    ):
        raise CryobankError("a box needs 1–26 rows and 1–30 columns", "rows")
    if Container.objects.filter(code=code).exists():
        raise CryobankError(f"container code {code} is taken", "code")
    container = Container.objects.create(
        code=code,
        kind=kind,
        name=name.strip(),
        parent=parent,
        rows=rows if kind == Container.Kind.BOX else None,
        columns=columns if kind == Container.Kind.BOX else None,
        preservation=preservation,
        notes=notes,
    )
    audit.record_create(container, actor=actor)
    return container


def _subtree_ids(container: Container) -> list[int]:
    ids = [container.pk]
    frontier = [container.pk]
    while frontier:
        frontier = list(
            Container.objects.filter(parent_id__in=frontier).values_list("pk", flat=True)
        )
        ids.extend(frontier)
    return ids


@transaction.atomic
def move_container(
    *,
    container: Container,
    new_parent: Container,
    actor: Any,
    reason: str = "",
    at: dt.datetime | None = None,
) -> list[CustodyEvent]:
    """Move a container (with everything in it); every contained sample gets a custody entry."""
    access.require(access.may_keep_storage(actor), "move containers")
    subtree = _subtree_ids(container)
    list(Container.objects.select_for_update().filter(pk__in=subtree))
    container.refresh_from_db()
    if new_parent.pk in subtree:
        raise CryobankError("a container cannot be moved into itself", "parent")
    if new_parent.kind not in ALLOWED_PARENTS[container.kind]:
        raise CryobankError(f"a {container.kind} cannot be put in a {new_parent.kind}", "parent")
    if container.parent_id == new_parent.pk:
        raise CryobankError(f"{container.code} is already in {new_parent.code}", "parent")
    samples = list(
        Sample.objects.select_for_update().filter(container_id__in=subtree).order_by("code")
    )
    paths_before = {
        pk: Container.objects.get(pk=pk).path_label() for pk in {s.container_id for s in samples}
    }
    before = audit.snapshot(container)
    container.parent = new_parent
    container.save(update_fields=["parent"])
    audit.record_update(container, before, actor=actor, reason=reason)
    boxes = {pk: Container.objects.get(pk=pk) for pk in paths_before}
    paths_after = {pk: box.path_label() for pk, box in boxes.items()}
    batch = uuid.uuid4()
    when = at or timezone.now()
    entries = []
    for sample in samples:
        box = boxes[sample.container_id]
        suffix = f" › {sample.position}" if sample.position else ""
        entries.append(
            _log(
                sample,
                str(CustodyEvent.Kind.CONTAINER_MOVED),
                actor,
                from_=(box, sample.position, paths_before[box.pk] + suffix),
                to=(box, sample.position, paths_after[box.pk] + suffix),
                reason=reason or f"{container.code} moved to {new_parent.code}",
                batch=batch,
                at=when,
            )
        )
    return entries
