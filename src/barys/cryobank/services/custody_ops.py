"""Custody operations: moves, taking out, thaws, withdrawals, using up and discarding."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from barys.core import audit
from barys.cryobank import access
from barys.cryobank.models import Container, CustodyEvent, Sample
from barys.cryobank.services.common import (
    GONE,
    CryobankError,
    SampleUnavailable,
    _check_placement,
    _claim,
    _decimal,
    _finish,
    _lock_sample,
    _log,
    _save_placed,
    _where,
)


@transaction.atomic
def move_sample(
    *,
    sample: Sample,
    container: Container,
    position: str = "",
    actor: Any,
    reason: str = "",
    at: dt.datetime | None = None,
) -> CustodyEvent:
    """Move a sample to a container (and box position); custody: moved."""
    access.require(access.may_keep_storage(actor), "move samples")
    locked = _lock_sample(sample)
    if locked.status in GONE or locked.status == Sample.Status.ON_LOAN:
        raise SampleUnavailable(f"sample {locked.code} is {locked.get_status_display()}")
    container = Container.objects.get(pk=container.pk)
    position = _check_placement(container, position)
    if locked.container_id == container.pk and locked.position == position:
        raise CryobankError(f"sample {locked.code} is already there", "position")
    _claim(container, position, sample=locked)
    origin = _where(locked)
    before = audit.snapshot(locked)
    locked.container, locked.position, locked.status = container, position, Sample.Status.STORED
    _save_placed(locked, update_fields=["container", "position", "status", "updated_at"])
    entry = _log(
        locked,
        str(CustodyEvent.Kind.MOVED),
        actor,
        from_=origin,
        to=_where(locked),
        reason=reason,
        at=at,
    )
    audit.record_update(locked, before, actor=actor, reason=reason or "moved")
    sample.container, sample.position, sample.status = container, position, locked.status
    return entry


@transaction.atomic
def take_out(
    *, sample: Sample, actor: Any, reason: str, at: dt.datetime | None = None
) -> CustodyEvent:
    """Take a sample out of storage (to the bench); its position is freed."""
    access.require(access.may_keep_storage(actor), "take samples out")
    locked = _lock_sample(sample)
    if locked.status != Sample.Status.STORED:
        raise SampleUnavailable(f"sample {locked.code} is {locked.get_status_display()}")
    origin = _where(locked)
    before = audit.snapshot(locked)
    locked.container, locked.position, locked.status = None, "", Sample.Status.OUT
    locked.save(update_fields=["container", "position", "status", "updated_at"])
    entry = _log(
        locked,
        str(CustodyEvent.Kind.TAKEN_OUT),
        actor,
        from_=origin,
        to=(None, "", str(Sample.Status("out").label)),
        reason=reason,
        at=at,
    )
    audit.record_update(locked, before, actor=actor, reason=reason or "taken out")
    return entry


@transaction.atomic
def record_thaw(
    *, sample: Sample, actor: Any, reason: str, at: dt.datetime | None = None
) -> CustodyEvent:
    """A thaw–refreeze cycle of a sample (it stays where it is); custody: thawed."""
    access.require(access.may_keep_storage(actor), "record thaws")
    locked = _lock_sample(sample)
    if locked.status in GONE or locked.status == Sample.Status.ON_LOAN:
        raise SampleUnavailable(f"sample {locked.code} is {locked.get_status_display()}")
    before = audit.snapshot(locked)
    locked.thaw_count += 1
    locked.save(update_fields=["thaw_count", "updated_at"])
    entry = _log(
        locked,
        str(CustodyEvent.Kind.THAWED),
        actor,
        from_=_where(locked),
        to=_where(locked),
        reason=reason or f"thaw {locked.thaw_count}",
        at=at,
    )
    audit.record_update(locked, before, actor=actor, reason="thawed")
    return entry


@transaction.atomic
def withdraw(
    *, sample: Sample, quantity: Any, actor: Any, reason: str, at: dt.datetime | None = None
) -> CustodyEvent:
    """Withdraw material (e.g. for an extraction); at zero the sample is used up."""
    access.require(access.may_keep_storage(actor), "withdraw material")
    amount = _decimal(quantity, "quantity")
    locked = _lock_sample(sample)
    if locked.status in GONE or locked.status == Sample.Status.ON_LOAN or locked.used_up:
        raise SampleUnavailable(f"sample {locked.code} is {locked.get_status_display()}")
    if amount <= 0 or amount > locked.quantity:
        raise CryobankError(
            f"withdraw more than 0 and at most {locked.quantity} {locked.unit}", "quantity"
        )
    before = audit.snapshot(locked)
    locked.quantity = locked.quantity - amount
    locked.save(update_fields=["quantity", "updated_at"])
    entry = _log(
        locked,
        str(CustodyEvent.Kind.WITHDRAWN),
        actor,
        from_=_where(locked),
        to=(None, "", reason or "withdrawn"),
        quantity=amount,
        reason=reason,
        at=at,
    )
    audit.record_update(locked, before, actor=actor, reason=reason or "withdrawn")
    if locked.quantity <= 0:
        _finish(
            locked,
            actor,
            str(CustodyEvent.Kind.USED_UP),
            str(Sample.Status.USED_UP),
            "all material withdrawn",
            at=at,
        )
    return entry


@transaction.atomic
def mark_used_up(
    *, sample: Sample, actor: Any, reason: str, at: dt.datetime | None = None
) -> CustodyEvent:
    """The sample is used up (its tube is empty); its position is freed."""
    access.require(access.may_keep_storage(actor), "mark samples used up")
    locked = _lock_sample(sample)
    if locked.status in GONE or locked.status == Sample.Status.ON_LOAN:
        raise SampleUnavailable(f"sample {locked.code} is {locked.get_status_display()}")
    return _finish(
        locked, actor, str(CustodyEvent.Kind.USED_UP), str(Sample.Status.USED_UP), reason, at=at
    )


@transaction.atomic
def discard(
    *, sample: Sample, actor: Any, reason: str, at: dt.datetime | None = None
) -> CustodyEvent:
    """Discard a sample (e.g. spoiled); the reason is required."""
    access.require(access.may_keep_storage(actor), "discard samples")
    if not reason.strip():
        raise CryobankError("say why the sample is discarded", "reason")
    locked = _lock_sample(sample)
    if locked.status in GONE or locked.status == Sample.Status.ON_LOAN:
        raise SampleUnavailable(f"sample {locked.code} is {locked.get_status_display()}")
    return _finish(
        locked, actor, str(CustodyEvent.Kind.DISCARDED), str(Sample.Status.DISCARDED), reason, at=at
    )
