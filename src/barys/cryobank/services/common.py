"""Shared parts of the cryobank services: errors, custody entries, placement checks, codes."""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from barys.core import audit
from barys.core.models import User
from barys.cryobank.models import Container, CustodyEvent, Sample

ALLOWED_PARENTS: dict[str, set[str | None]] = {
    "facility": {None},
    "dewar": {"facility"},
    "freezer": {"facility"},
    "rack": {"dewar", "freezer"},
    "box": {"rack", "dewar", "freezer"},
}
#: Fields that describe a sample (changed with :func:`update_sample`); where it is and how
#: much is left change only through the custody services.
DESCRIPTIVE_FIELDS = frozenset(
    {
        "taxon",
        "individual",
        "material",
        "preparation",
        "preservation",
        "prepared_at",
        "prepared_by",
        "concentration_ng_ul",
        "ratio_260_280",
        "quality_checked_on",
        "quality_remarks",
        "remarks",
        "collected_at",
        "collected_by",
        "scope",
        "latitude",
        "longitude",
        "uncertainty_m",
        "locality",
        "source_kind",
        "source_incident",
        "source_detail",
    }
)
GONE = frozenset({"used_up", "discarded"})


class CryobankError(ValueError):
    """A cryobank operation cannot be done; ``field`` names the input at fault."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


class PositionOccupied(CryobankError):
    """The box position already holds another sample."""


class SampleUnavailable(CryobankError):
    """The sample is used up, discarded or away, so the operation is not possible."""


def _user(actor: Any) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def _actor_label(actor: Any) -> str:
    if isinstance(actor, str):
        return actor
    person = _user(actor)
    return person.get_username() if person else "system"


def _decimal(value: Any, field: str) -> Decimal:
    try:
        number = Decimal(str(value))
    except Exception:  # decimal.InvalidOperation and friends
        raise CryobankError(f"{field}: not a number: {value!r}", field) from None
    if not number.is_finite():
        raise CryobankError(f"{field}: not a finite number", field)
    return number


# --------------------------------------------------------------------------- custody entries


def _log(
    sample: Sample,
    kind: str,
    actor: Any,
    *,
    from_: tuple[Container | None, str, str],
    to: tuple[Container | None, str, str],
    reason: str = "",
    quantity: Decimal | None = None,
    batch: uuid.UUID | None = None,
    at: dt.datetime | None = None,
) -> CustodyEvent:
    return CustodyEvent.objects.create(
        sample=sample,
        kind=kind,
        at=at or timezone.now(),
        actor=_user(actor),
        actor_label=_actor_label(actor)[:200],
        from_container=from_[0],
        from_position=from_[1],
        from_label=from_[2][:500],
        to_container=to[0],
        to_position=to[1],
        to_label=to[2][:500],
        quantity=quantity,
        quantity_after=sample.quantity,
        reason=reason.strip(),
        batch=batch,
    )


def _where(sample: Sample) -> tuple[Container | None, str, str]:
    return (sample.container, sample.position, sample.location_label())


def _lock_sample(sample: Sample) -> Sample:
    return (
        Sample.objects.select_for_update(of=("self",)).select_related("container").get(pk=sample.pk)
    )


def _check_placement(container: Container | None, position: str) -> str:
    position = (position or "").strip().upper()
    if container is None:
        if position:
            raise CryobankError("a position needs a box", "position")
        return ""
    if container.kind == Container.Kind.BOX:
        if not position:
            raise CryobankError(f"choose a position in box {container.code}", "position")
        if not container.valid_position(position):
            raise CryobankError(
                f"{position} is not a position of box {container.code} "
                f"({container.rows} rows × {container.columns} columns)",
                "position",
            )
    elif position:
        raise CryobankError("positions exist only in boxes", "position")
    if container.kind == Container.Kind.FACILITY:
        raise CryobankError("put samples in a dewar, freezer, rack or box", "container")
    if not container.active:
        raise CryobankError(f"container {container.code} is not in use", "container")
    return position


def _claim(container: Container | None, position: str, *, sample: Sample | None) -> None:
    """Lock the target container and make sure the position is free (else PositionOccupied).

    The row lock serialises concurrent moves into the same box on PostgreSQL (SQLite
    serialises all writers already); the unique index is the last line of defence.
    """
    if container is None or not position:
        return
    Container.objects.select_for_update().filter(pk=container.pk).first()
    holder = Sample.objects.filter(container=container, position=position)
    if sample is not None and sample.pk:
        holder = holder.exclude(pk=sample.pk)
    occupant = holder.values_list("code", flat=True).first()
    if occupant:
        raise PositionOccupied(
            f"position {position} of box {container.code} holds sample {occupant}", "position"
        )


def _save_placed(sample: Sample, **kwargs: Any) -> None:
    try:
        with transaction.atomic():
            sample.save(**kwargs)
    except IntegrityError as exc:
        if (
            sample.container_id
            and sample.position
            and Sample.objects.filter(container_id=sample.container_id, position=sample.position)
            .exclude(pk=sample.pk)
            .exists()
        ):
            raise PositionOccupied(
                f"position {sample.position} of box {sample.container.code} is taken", "position"
            ) from exc
        raise


# --------------------------------------------------------------------------- sample codes


def _number(text: str) -> int | None:
    return int(text) if text.isascii() and text.isdigit() else None


def _next_code(year: int) -> str:
    prefix = f"CB-{year}-"
    codes = Sample.objects.filter(code__startswith=prefix, parent__isnull=True).values_list(
        "code", flat=True
    )
    numbers = [n for c in codes if (n := _number(c[len(prefix) :])) is not None]
    return f"{prefix}{max(numbers, default=0) + 1:04d}"


def _next_aliquot_code(parent: Sample, taken: set[str]) -> str:
    prefix = f"{parent.code}-"
    existing = Sample.objects.filter(code__startswith=prefix).values_list("code", flat=True)
    numbers = [n for c in [*existing, *taken] if (n := _number(c[len(prefix) :])) is not None]
    return f"{prefix}{max(numbers, default=0) + 1}"


def _finish(
    sample: Sample,
    actor: Any,
    kind: str,
    status: str,
    reason: str,
    *,
    batch: uuid.UUID | None = None,
    at: dt.datetime | None = None,
) -> CustodyEvent:
    origin = _where(sample)
    before = audit.snapshot(sample)
    sample.container, sample.position, sample.status = None, "", status
    if status == Sample.Status.USED_UP:
        sample.quantity = Decimal("0")
    sample.save(update_fields=["container", "position", "status", "quantity", "updated_at"])
    entry = _log(
        sample,
        kind,
        actor,
        from_=origin,
        to=(None, "", sample.get_status_display()),
        reason=reason,
        batch=batch,
        at=at,
    )
    audit.record_update(sample, before, actor=actor, reason=reason)
    return entry
