"""Incident services: record, update, act, attach, publish, link (no HTTP).

Every change is audited. Permission checks raise :class:`barys.core.roles.PermissionDenied`;
attributes that do not fit the type's schema raise
:class:`barys.incidents.schema.AttributeErrors` with field-level messages.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from barys.core import audit, filestore
from barys.core.models import Scope, User
from barys.core.roles import PermissionDenied
from barys.incidents import access, images
from barys.incidents.models import (
    HIGH_PRIORITIES,
    Incident,
    IncidentAction,
    IncidentAttachment,
    IncidentNotification,
    IncidentType,
)
from barys.incidents.schema import validate_attributes
from barys.individuals.models import Individual
from barys.taxa.models import Taxon

#: Largest attachment accepted, in bytes.
MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024
DOCUMENT_TYPES = frozenset(
    {
        "application/pdf",
        "text/plain",
        "text/csv",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/msword",
        "application/vnd.oasis.opendocument.text",
    }
)
NOTIFY_JOB = "incidents.notify"

EDITABLE_FIELDS = (
    "occurred_at",
    "scope",
    "latitude",
    "longitude",
    "uncertainty_m",
    "locality",
    "taxon",
    "individual",
    "count",
    "state",
    "priority",
    "reporter_name",
    "narrative",
    "attributes",
    "outcome",
    "type",
)


class IncidentError(ValueError):
    """An incident operation cannot be done; the message says why (``field`` names the input)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        self.field = field
        super().__init__(message)


def _actor(actor: Any) -> User | None:
    return actor if isinstance(actor, User) and actor.is_authenticated else None


def _check_location(latitude: float | None, longitude: float | None) -> None:
    if (latitude is None) != (longitude is None):
        raise IncidentError("give both latitude and longitude, or neither", "latitude")
    if latitude is not None and not -90 <= latitude <= 90:
        raise IncidentError("latitude must be between -90 and 90 degrees", "latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise IncidentError("longitude must be between -180 and 180 degrees", "longitude")


def _next_code(year: int) -> str:
    prefix = f"INC-{year}-"
    last = (
        Incident.objects.filter(code__startswith=prefix)
        .order_by("-code")
        .values_list("code", flat=True)
        .first()
    )
    number = int(last.rsplit("-", 1)[1]) + 1 if last else 1
    return f"{prefix}{number:04d}"


def _save_new(incident: Incident) -> None:
    """Save with the next free readable code (retrying when another writer took it)."""
    year = timezone.localtime(incident.occurred_at).year
    for _attempt in range(5):
        incident.code = _next_code(year)
        try:
            with transaction.atomic():
                incident.save()
            return
        except IntegrityError:
            if Incident.objects.filter(code=incident.code).exists():
                continue
            raise
    raise IncidentError("could not allocate an incident number; try again")


@dataclass(frozen=True)
class References:
    """The objects an incident names by code (as the API and field forms send them)."""

    type: IncidentType
    scope: Scope | None = None
    taxon: Taxon | None = None
    individual: Individual | None = None


def resolve_references(
    *,
    type_code: str,
    scope_code: str | None = None,
    taxon_slug: str | None = None,
    individual_code: str | None = None,
) -> References:
    """The incident type, protected area, taxon and individual these codes name.

    Raises:
        IncidentError: a code names nothing (``field`` says which).
    """
    incident_type = IncidentType.objects.filter(code=type_code, active=True).first()
    if incident_type is None:
        raise IncidentError(f"unknown incident type {type_code!r}", "type")
    found: dict[str, Any] = {}
    for field, model, lookup, code, what in (
        ("scope", Scope, "code", scope_code, "protected area"),
        ("taxon", Taxon, "slug", taxon_slug, "taxon"),
        ("individual", Individual, "code", individual_code, "individual"),
    ):
        if code:
            found[field] = model.objects.filter(**{lookup: code}).first()
            if found[field] is None:
                raise IncidentError(f"unknown {what} {code!r}", field)
    return References(type=incident_type, **found)


@transaction.atomic
def record_incident(
    *,
    actor: User | None,
    type: IncidentType,
    occurred_at: dt.datetime,
    scope: Scope | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    uncertainty_m: float | None = None,
    locality: str = "",
    taxon: Taxon | None = None,
    individual: Individual | None = None,
    count: int | None = 1,
    priority: str | None = None,
    state: str = "new",
    reporter_name: str = "",
    narrative: str = "",
    attributes: dict[str, Any] | None = None,
    outcome: str = "",
    check_permission: bool = True,
) -> Incident:
    """Record a new incident (``occurred_at`` aware, stored in UTC; metres; degrees).

    A new high-priority incident queues one e-mail to the park's staff.
    """
    if check_permission and not access.may_record(actor, scope.code if scope else None):
        where = f"in {scope.code}" if scope else "nationally"
        raise PermissionDenied(f"the observer role {where} is required to record incidents")
    if timezone.is_naive(occurred_at):
        raise IncidentError(
            "the date and time need a time zone (e.g. 2023-12-05T10:00:00+05:00)", "occurred_at"
        )
    if priority and priority not in Incident.Priority.values:
        raise IncidentError(f"expected one of {', '.join(Incident.Priority.values)}", "priority")
    _check_location(latitude, longitude)
    attributes = dict(attributes or {})
    validate_attributes(type.schema, attributes)
    if individual is not None and taxon is None:
        taxon = individual.taxon
    incident = Incident(
        type=type,
        occurred_at=occurred_at,
        scope=scope,
        latitude=latitude,
        longitude=longitude,
        uncertainty_m=uncertainty_m,
        locality=locality.strip(),
        taxon=taxon,
        individual=individual,
        count=count,
        priority=priority or type.default_priority,
        state=state,
        reporter=_actor(actor),
        reporter_name=reporter_name.strip() or (str(actor) if _actor(actor) else ""),
        narrative=narrative.strip(),
        attributes=attributes,
        outcome=outcome,
        created_by=_actor(actor),
    )
    _save_new(incident)
    audit.record_create(incident, actor=actor)
    schedule_notification(incident=incident, actor=actor)
    return incident


@transaction.atomic
def update_incident(
    *, incident: Incident, actor: User | None, reason: str = "", **changes: Any
) -> Incident:
    """Change fields of an incident (audited); becoming high priority queues the e-mail."""
    if not access.may_edit(actor, incident):
        raise PermissionDenied("the observer role in the incident's area is required")
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise IncidentError(f"these fields cannot be changed here: {', '.join(sorted(unknown))}")
    new_scope = changes.get("scope", incident.scope)
    if "scope" in changes and not access.may_record(actor, new_scope.code if new_scope else None):
        raise PermissionDenied("you cannot move the incident to that area")
    locked = Incident.objects.select_for_update().get(pk=incident.pk)
    before = audit.snapshot(locked)
    for name, value in changes.items():
        setattr(locked, name, value)
    _check_location(locked.latitude, locked.longitude)
    validate_attributes(locked.type.schema, locked.attributes or {})
    locked.save()
    audit.record_update(locked, before, actor=actor, reason=reason)
    schedule_notification(incident=locked, actor=actor)
    return locked


@transaction.atomic
def add_action(
    *,
    incident: Incident,
    actor: User | None,
    kind: str,
    at: dt.datetime | None = None,
    description: str = "",
    actor_name: str = "",
    outcome: str | None = None,
    state: str | None = None,
) -> IncidentAction:
    """Add an action to the timeline; optionally set the outcome and state at once."""
    if not access.may_edit(actor, incident):
        raise PermissionDenied("the observer role in the incident's area is required")
    if kind not in IncidentAction.Kind.values:
        raise IncidentError(f"unknown action {kind!r}", "kind")
    action = IncidentAction.objects.create(
        incident=incident,
        at=at or timezone.now(),
        kind=kind,
        description=description.strip(),
        actor=_actor(actor),
        actor_name=actor_name.strip() or (str(actor) if _actor(actor) else ""),
    )
    audit.record_create(action, actor=actor)
    changes: dict[str, Any] = {}
    if outcome is not None and outcome != incident.outcome:
        if outcome not in Incident.Outcome.values:
            raise IncidentError(f"unknown outcome {outcome!r}", "outcome")
        changes["outcome"] = outcome
    if state and state != incident.state:
        if state not in Incident.State.values:
            raise IncidentError(f"unknown state {state!r}", "state")
        changes["state"] = state
    elif incident.state == Incident.State.NEW:
        changes["state"] = Incident.State.ACTIVE
    if changes:
        before = audit.snapshot(incident)
        Incident.objects.filter(pk=incident.pk).update(**changes, updated_at=timezone.now())
        incident.refresh_from_db()
        audit.record_update(incident, before, actor=actor, reason=f"action {kind}")
    return action


def _content_type(filename: str, content_type: str) -> str:
    guessed = mimetypes.guess_type(filename)[0] or ""
    return (content_type or guessed or "application/octet-stream").split(";")[0].strip()


@transaction.atomic
def add_attachment(
    *,
    incident: Incident,
    actor: User | None,
    data: bytes,
    filename: str,
    content_type: str = "",
    caption: str = "",
) -> IncidentAttachment:
    """Store a photo or document once (content-addressed) and attach it to the incident."""
    if not access.may_edit(actor, incident):
        raise PermissionDenied("the observer role in the incident's area is required")
    if not data:
        raise IncidentError("the file is empty", "file")
    if len(data) > MAX_ATTACHMENT_BYTES:
        raise IncidentError(f"the file is larger than {MAX_ATTACHMENT_BYTES // 2**20} MiB", "file")
    kind_type = _content_type(filename, content_type)
    if kind_type.startswith("image/"):
        try:
            images.strip_gps(data)  # proves a clean copy can be made for the public
        except images.NotAnImage:
            raise IncidentError("the photo cannot be read as an image", "file") from None
        kind = IncidentAttachment.Kind.PHOTO
    elif kind_type in DOCUMENT_TYPES:
        kind = IncidentAttachment.Kind.DOCUMENT
    else:
        raise IncidentError("only photos, PDF, text and office documents can be attached", "file")
    stored = filestore.store_bytes(
        data, original_name=filename[:500] or "attachment", content_type=kind_type
    )
    attachment, created = IncidentAttachment.objects.get_or_create(
        incident=incident,
        file=stored,
        defaults={
            "kind": kind,
            "caption": caption.strip()[:300],
            "has_gps": kind == IncidentAttachment.Kind.PHOTO and images.has_gps(data),
            "uploaded_by": _actor(actor),
        },
    )
    if created:
        audit.record_create(attachment, actor=actor)
    return attachment


@transaction.atomic
def set_published(
    *, incident: Incident, actor: User | None, published: bool, public_summary: str | None = None
) -> Incident:
    """Curators publish an incident for the public (shown generalised) or withdraw it."""
    if not access.may_publish(actor):
        raise PermissionDenied("the curator role is required to publish incidents")
    before = audit.snapshot(incident)
    incident.published = published
    if public_summary is not None:
        incident.public_summary = public_summary.strip()
    incident.save(update_fields=["published", "public_summary", "updated_at"])
    audit.record_update(
        incident,
        before,
        actor=actor,
        reason="published" if published else "withdrawn from the public",
    )
    return incident


@transaction.atomic
def link_incidents(
    *, incident: Incident, other: Incident, actor: User | None, unlink: bool = False
) -> None:
    """Link (or unlink) two incidents; both must be editable by ``actor``."""
    if incident.pk == other.pk:
        raise IncidentError("an incident cannot be linked to itself", "other")
    if not (access.may_edit(actor, incident) and access.may_edit(actor, other)):
        raise PermissionDenied("you may link only incidents you can edit")
    before = {"related": sorted(incident.related.values_list("code", flat=True))}
    if unlink:
        incident.related.remove(other)
    else:
        incident.related.add(other)
    after = {"related": sorted(incident.related.values_list("code", flat=True))}
    if before != after:
        audit.record(
            action="update",
            instance=incident,
            before=before,
            after=after,
            actor=actor,
            reason="unlinked" if unlink else "linked",
        )


def schedule_notification(*, incident: Incident, actor: Any = None) -> bool:
    """Queue the high-priority e-mail once; True when a job was queued now.

    Saving the incident again, or queueing twice, never sends a second e-mail: the job
    handler records the notification and sends only when none was sent.
    """
    if incident.priority not in HIGH_PRIORITIES:
        return False
    if IncidentNotification.objects.filter(incident=incident, sent_at__isnull=False).exists():
        return False
    from barys.core.jobs import create_job
    from barys.core.models import Job

    if Job.objects.filter(
        kind=NOTIFY_JOB,
        params__incident_id=incident.pk,
        state__in=[Job.State.QUEUED, Job.State.RUNNING],
    ).exists():
        return False

    create_job(
        kind=NOTIFY_JOB,
        params={"incident_id": incident.pk},
        title=f"Notify staff of {incident.code}",
        user=_actor(actor),
    )
    return True
