"""Loans, returns and permits."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone

from barys.core import audit
from barys.cryobank import access
from barys.cryobank.models import Container, CustodyEvent, Loan, Permit, Sample
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
    _user,
    _where,
)

# --------------------------------------------------------------------------- loans


@transaction.atomic
def loan_sample(
    *,
    sample: Sample,
    actor: Any,
    borrower: str,
    reference: str = "",
    purpose: str = "",
    contact: str = "",
    due_on: dt.date | None = None,
    permit: Permit | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> Loan:
    """Lend a whole sample (its tube) to another institution; a used-up sample cannot be lent.

    To lend part of a sample, make an aliquot first and lend that.
    """
    access.require(access.may_keep_storage(actor), "lend samples")
    if not borrower.strip():
        raise CryobankError("name the borrowing institution", "borrower")
    locked = _lock_sample(sample)
    if locked.used_up:
        raise SampleUnavailable(f"sample {locked.code} is used up and cannot be loaned", "sample")
    if locked.status in GONE or locked.status == Sample.Status.ON_LOAN:
        raise SampleUnavailable(
            f"sample {locked.code} is {locked.get_status_display()} and cannot be loaned", "sample"
        )
    when = at or timezone.now()
    reference = reference.strip() or f"LN-{timezone.localtime(when):%Y%m%d}-{locked.code}"
    loan = Loan.objects.create(
        sample=locked,
        reference=reference[:100],
        borrower=borrower.strip(),
        contact=contact.strip(),
        purpose=purpose.strip(),
        quantity=locked.quantity,
        loaned_at=when,
        due_on=due_on,
        permit=permit,
        created_by=_user(actor),
    )
    audit.record_create(loan, actor=actor)
    origin = _where(locked)
    before = audit.snapshot(locked)
    locked.container, locked.position, locked.status = None, "", Sample.Status.ON_LOAN
    locked.save(update_fields=["container", "position", "status", "updated_at"])
    if permit is not None:
        locked.permits.add(permit)
    _log(
        locked,
        str(CustodyEvent.Kind.LOANED),
        actor,
        from_=origin,
        to=(None, "", f"on loan to {loan.borrower} ({loan.reference})"),
        quantity=loan.quantity,
        reason=reason or purpose,
        at=when,
    )
    audit.record_update(locked, before, actor=actor, reason=f"loan {loan.reference}")
    return loan


@transaction.atomic
def return_loan(
    *,
    loan: Loan,
    actor: Any,
    quantity_returned: Any,
    container: Container | None = None,
    position: str = "",
    reason: str = "",
    at: dt.datetime | None = None,
) -> Loan:
    """Record a loan's return and put what came back into storage (nothing back: used up)."""
    access.require(access.may_keep_storage(actor), "record returns")
    loan = Loan.objects.select_for_update().get(pk=loan.pk)
    if not loan.open:
        raise CryobankError(f"loan {loan.reference} was already returned", "loan")
    amount = _decimal(quantity_returned, "quantity_returned")
    if amount < 0 or amount > loan.quantity:
        raise CryobankError(
            f"the quantity returned must be between 0 and {loan.quantity}", "quantity_returned"
        )
    locked = _lock_sample(loan.sample)
    when = at or timezone.now()
    before_loan = audit.snapshot(loan)
    loan.returned_at, loan.quantity_returned = when, amount
    loan.save(update_fields=["returned_at", "quantity_returned"])
    audit.record_update(loan, before_loan, actor=actor, reason="returned")
    origin = (None, "", f"on loan to {loan.borrower} ({loan.reference})")
    before = audit.snapshot(locked)
    locked.quantity = amount
    if amount > 0:
        if container is not None:
            container = Container.objects.get(pk=container.pk)
        position = _check_placement(container, position)
        _claim(container, position, sample=locked)
        locked.container, locked.position = container, position
        locked.status = Sample.Status.STORED if container else Sample.Status.OUT
        _save_placed(locked)
        _log(
            locked,
            str(CustodyEvent.Kind.RETURNED),
            actor,
            from_=origin,
            to=_where(locked),
            quantity=amount,
            reason=reason,
            at=when,
        )
        audit.record_update(locked, before, actor=actor, reason=f"loan {loan.reference} back")
    else:
        locked.status = Sample.Status.OUT
        locked.save(update_fields=["quantity", "status", "updated_at"])
        _log(
            locked,
            str(CustodyEvent.Kind.RETURNED),
            actor,
            from_=origin,
            to=(None, "", "returned empty"),
            quantity=amount,
            reason=reason,
            at=when,
        )
        audit.record_update(locked, before, actor=actor, reason=f"loan {loan.reference} back")
        _finish(
            locked,
            actor,
            str(CustodyEvent.Kind.USED_UP),
            str(Sample.Status.USED_UP),
            "consumed on loan",
            at=when,
        )
    return loan


@transaction.atomic
def add_permit(
    *,
    actor: Any,
    number: str,
    kind: str,
    issued_by: str = "",
    issued_on: dt.date | None = None,
    valid_until: dt.date | None = None,
    remarks: str = "",
    samples: Iterable[Sample] = (),
) -> Permit:
    """Record a permit (CITES or national) and attach it to samples."""
    access.require(access.may_keep_storage(actor), "record permits")
    if kind not in Permit.Kind.values:
        raise CryobankError(f"unknown permit kind {kind!r}", "kind")
    permit, created = Permit.objects.get_or_create(
        kind=kind,
        number=number.strip(),
        defaults={
            "issued_by": issued_by,
            "issued_on": issued_on,
            "valid_until": valid_until,
            "remarks": remarks,
        },
    )
    if created:
        audit.record_create(permit, actor=actor)
    for sample in samples:
        sample.permits.add(permit)
    return permit
