"""Registering samples (one, several from one event, aliquots) and describing them."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from barys.core import audit
from barys.core.models import Scope
from barys.cryobank import access
from barys.cryobank.models import Container, CustodyEvent, Permit, Preservation, Sample
from barys.cryobank.services.common import (
    DESCRIPTIVE_FIELDS,
    GONE,
    CryobankError,
    PositionOccupied,
    SampleUnavailable,
    _check_placement,
    _claim,
    _decimal,
    _finish,
    _lock_sample,
    _log,
    _next_aliquot_code,
    _next_code,
    _save_placed,
    _user,
    _where,
)
from barys.taxa.models import Taxon

# --------------------------------------------------------------------------- samples


@transaction.atomic
def register_sample(
    *,
    actor: Any,
    taxon: Taxon | None = None,
    material: str,
    preservation: str,
    quantity: Any,
    unit: str,
    individual: Any = None,
    source_kind: str = "other",
    source_incident: Any = None,
    source_detail: str = "",
    collected_at: dt.datetime | None = None,
    collected_by: str = "",
    scope: Scope | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    uncertainty_m: float | None = None,
    locality: str = "",
    preparation: str = "",
    prepared_at: dt.date | None = None,
    prepared_by: str = "",
    concentration_ng_ul: Any = None,
    ratio_260_280: Any = None,
    quality_checked_on: dt.date | None = None,
    quality_remarks: str = "",
    container: Container | None = None,
    position: str = "",
    remarks: str = "",
    permits: Iterable[Permit] = (),
    parent: Sample | None = None,
    code: str | None = None,
    reason: str = "",
    batch: uuid.UUID | None = None,
    at: dt.datetime | None = None,
) -> Sample:
    """Register a sample and, when a place is given, store it there (custody: registered).

    With ``source_incident`` the taxon, individual, protected area, place and time default to
    the incident's.
    """
    if source_incident is not None:
        taxon = taxon or source_incident.taxon
        individual = individual or source_incident.individual
        scope = scope or source_incident.scope
        if latitude is None and longitude is None:
            latitude, longitude = source_incident.latitude, source_incident.longitude
            uncertainty_m = uncertainty_m or source_incident.uncertainty_m
            locality = locality or source_incident.locality
        collected_at = collected_at or source_incident.occurred_at
    if individual is not None and taxon is None:
        taxon = individual.taxon
    access.require(
        access.may_register(actor, scope.code if scope else None),
        "register samples" + (f" in {scope.code}" if scope else ""),
    )
    if taxon is None:
        raise CryobankError("a sample needs a taxon", "taxon")
    if material not in Sample.Material.values:
        raise CryobankError(f"unknown material {material!r}", "material")
    if preservation not in Preservation.values:
        raise CryobankError(f"unknown preservation {preservation!r}", "preservation")
    if unit not in Sample.Unit.values:
        raise CryobankError(f"unknown unit {unit!r}", "unit")
    amount = _decimal(quantity, "quantity")
    if amount <= 0:
        raise CryobankError("the quantity must be more than zero", "quantity")
    if (latitude is None) != (longitude is None):
        raise CryobankError("give both latitude and longitude, or neither", "latitude")
    if container is not None:
        container = Container.objects.get(pk=container.pk)  # labels from the stored tree
    position = _check_placement(container, position)
    _claim(container, position, sample=None)
    sample = Sample(
        taxon=taxon,
        individual=individual,
        parent=parent,
        source_kind=source_kind,
        source_incident=source_incident,
        source_detail=source_detail.strip(),
        collected_at=collected_at,
        collected_by=collected_by.strip(),
        scope=scope,
        latitude=latitude,
        longitude=longitude,
        uncertainty_m=uncertainty_m,
        locality=locality.strip(),
        material=material,
        preparation=preparation.strip(),
        preservation=preservation,
        prepared_at=prepared_at,
        prepared_by=prepared_by.strip(),
        quantity=amount,
        unit=unit,
        concentration_ng_ul=None
        if concentration_ng_ul in (None, "")
        else _decimal(concentration_ng_ul, "concentration_ng_ul"),
        ratio_260_280=None
        if ratio_260_280 in (None, "")
        else _decimal(ratio_260_280, "ratio_260_280"),
        quality_checked_on=quality_checked_on,
        quality_remarks=quality_remarks.strip(),
        status=Sample.Status.STORED if container else Sample.Status.OUT,
        container=container,
        position=position,
        remarks=remarks.strip(),
        created_by=_user(actor),
    )
    year = timezone.localtime(at or timezone.now()).year
    for _attempt in range(5):
        sample.code = code or _next_code(year)
        try:
            _save_placed(sample)
            break
        except IntegrityError:
            if code or not Sample.objects.filter(code=sample.code).exists():
                raise
    else:  # pragma: no cover - five writers in a row took the next number
        raise CryobankError("could not allocate a sample code; try again")
    permit_list = list(permits)
    if permit_list:
        sample.permits.set(permit_list)
    origin = (
        f"derived from {parent.code}"
        if parent
        else (
            f"{sample.get_source_kind_display()}: {source_incident.code}"
            if source_incident
            else f"{sample.get_source_kind_display()}"
            + (f": {source_detail}" if source_detail else "")
        )
    )
    _log(
        sample,
        str(CustodyEvent.Kind.REGISTERED),
        actor,
        from_=(None, "", origin),
        to=_where(sample),
        quantity=amount,
        reason=reason,
        batch=batch,
        at=at,
    )
    audit.record_create(sample, actor=actor)
    return sample


@transaction.atomic
def register_samples_from_event(
    *, actor: Any, items: Sequence[dict[str, Any]], **common: Any
) -> list[Sample]:
    """Several samples from one event (an incident, a capture, a necropsy) in one go.

    ``common`` holds what the samples share (``source_incident``, ``source_kind``,
    ``collected_at``…); each item adds its own ``material``, ``quantity``, ``unit``,
    ``preservation``, ``container`` and ``position``. All or nothing.
    """
    if not items:
        raise CryobankError("give at least one sample", "items")
    seen: set[tuple[int, str]] = set()
    for index, item in enumerate(items, start=1):
        container, position = item.get("container"), (item.get("position") or "").upper()
        if container is not None and position:
            if (container.pk, position) in seen:
                raise PositionOccupied(
                    f"sample {index}: position {position} of box {container.code} is given twice",
                    "position",
                )
            seen.add((container.pk, position))
    batch = uuid.uuid4()
    samples = []
    for index, item in enumerate(items, start=1):
        try:
            samples.append(register_sample(actor=actor, batch=batch, **{**common, **item}))
        except CryobankError as exc:
            raise type(exc)(f"sample {index}: {exc}", exc.field) from exc
    return samples


@transaction.atomic
def create_aliquots(
    *,
    parent: Sample,
    actor: Any,
    count: int,
    quantity_each: Any,
    placements: Sequence[tuple[Container | None, str]] | None = None,
    reason: str = "",
    at: dt.datetime | None = None,
) -> list[Sample]:
    """Split ``count`` aliquots of ``quantity_each`` (parent's unit) off a sample.

    The parent's quantity falls by the total (custody: aliquoted); each aliquot is registered
    where ``placements`` says (custody: registered). A parent left empty is used up.
    """
    access.require(access.may_keep_storage(actor), "make aliquots")
    if count < 1 or count > 500:
        raise CryobankError("make between 1 and 500 aliquots", "count")
    each = _decimal(quantity_each, "quantity_each")
    if each <= 0:
        raise CryobankError("each aliquot needs a quantity above zero", "quantity_each")
    placements = list(placements or [])
    if placements and len(placements) != count:
        raise CryobankError(f"give {count} places for {count} aliquots", "placements")
    locked = _lock_sample(parent)
    if locked.status in GONE or locked.status == Sample.Status.ON_LOAN or locked.used_up:
        raise SampleUnavailable(f"sample {locked.code} is {locked.get_status_display()}")
    total = each * count
    if total > locked.quantity:
        raise CryobankError(
            f"{count} × {each} {locked.unit} is more than the {locked.quantity} {locked.unit} left",
            "quantity_each",
        )
    batch = uuid.uuid4()
    when = at or timezone.now()
    before = audit.snapshot(locked)
    locked.quantity = locked.quantity - total
    locked.save(update_fields=["quantity", "updated_at"])
    _log(
        locked,
        str(CustodyEvent.Kind.ALIQUOTED),
        actor,
        from_=_where(locked),
        to=_where(locked),
        quantity=total,
        reason=reason or f"{count} aliquots of {each} {locked.unit}",
        batch=batch,
        at=when,
    )
    audit.record_update(locked, before, actor=actor, reason="aliquots taken")
    taken: set[str] = set()
    aliquots = []
    for index in range(count):
        container, position = placements[index] if placements else (None, "")
        code = _next_aliquot_code(locked, taken)
        taken.add(code)
        aliquots.append(
            register_sample(
                actor=actor,
                taxon=locked.taxon,
                individual=locked.individual,
                parent=locked,
                material=locked.material,
                preservation=locked.preservation,
                quantity=each,
                unit=locked.unit,
                source_kind=locked.source_kind,
                source_incident=locked.source_incident,
                source_detail=locked.source_detail,
                collected_at=locked.collected_at,
                collected_by=locked.collected_by,
                scope=locked.scope,
                latitude=locked.latitude,
                longitude=locked.longitude,
                uncertainty_m=locked.uncertainty_m,
                locality=locked.locality,
                preparation=locked.preparation,
                prepared_at=locked.prepared_at,
                prepared_by=locked.prepared_by,
                concentration_ng_ul=locked.concentration_ng_ul,
                ratio_260_280=locked.ratio_260_280,
                container=container,
                position=position,
                permits=locked.permits.all(),
                code=code,
                reason=reason,
                batch=batch,
                at=when,
            )
        )
    if locked.quantity <= 0:
        _finish(
            locked,
            actor,
            str(CustodyEvent.Kind.USED_UP),
            str(Sample.Status.USED_UP),
            "all material went into aliquots",
            batch=batch,
            at=when,
        )
    return aliquots


@transaction.atomic
def update_sample(*, sample: Sample, actor: Any, reason: str = "", **changes: Any) -> Sample:
    """Change descriptive fields (audited). Place and quantity change only through custody."""
    unknown = set(changes) - DESCRIPTIVE_FIELDS
    if unknown:
        raise CryobankError(
            "these fields change only through the custody log: " + ", ".join(sorted(unknown))
        )
    locked = _lock_sample(sample)
    scope = changes.get("scope", locked.scope)
    access.require(access.may_register(actor, scope.code if scope else None), "edit samples")
    before = audit.snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    locked.save()
    audit.record_update(locked, before, actor=actor, reason=reason)
    return locked
