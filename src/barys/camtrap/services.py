"""Registry services: surveys, stations, cameras, deployments, outages and clock corrections.

Every change writes an audit entry. Times are UTC; see :mod:`barys.camtrap.clock` for the
camera clock.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Model

from barys.camtrap import clock
from barys.camtrap.errors import CamtrapError, NotFound
from barys.camtrap.models import Camera, Deployment, Media, Outage, Station, Survey
from barys.core import audit

Actor = Any


def _create(model_class: type[Model], actor: Actor, /, **fields: Any) -> Any:
    instance = model_class(**fields)
    instance.full_clean(validate_unique=True, validate_constraints=True)
    instance.save()
    audit.record_create(instance, actor=actor)
    return instance


def _update(instance: Model, actor: Actor, reason: str = "", /, **fields: Any) -> Any:
    before = audit.snapshot(instance)
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean(validate_unique=True, validate_constraints=True)
    instance.save()
    audit.record_update(instance, before, actor=actor, reason=reason)
    return instance


def get_deployment(code: str) -> Deployment:
    """The deployment with this code (or deploymentID).

    Raises:
        NotFound: no such deployment.
    """
    found = (
        Deployment.objects.select_related("station", "station__survey", "camera")
        .filter(code=code)
        .first()
        or Deployment.objects.select_related("station", "station__survey", "camera")
        .filter(deployment_id=code)
        .first()
    )
    if found is None:
        raise NotFound(f"no deployment with code {code!r}")
    return found


@transaction.atomic
def create_survey(*, code: str, title: str, actor: Actor = None, **fields: Any) -> Survey:
    """Create a survey (audited). ``fields``: any other :class:`Survey` field."""
    target_taxa = fields.pop("target_taxa", None)
    survey = _create(Survey, actor, code=code, title=title, **fields)
    if target_taxa:
        survey.target_taxa.set(target_taxa)
    return survey


@transaction.atomic
def create_station(
    *,
    survey: Survey,
    code: str,
    latitude: float,
    longitude: float,
    actor: Actor = None,
    **fields: Any,
) -> Station:
    """Create a station of ``survey`` (audited); the scope defaults to the survey's."""
    fields.setdefault("scope_code", survey.scope_code)
    return _create(
        Station, actor, survey=survey, code=code, latitude=latitude, longitude=longitude, **fields
    )


@transaction.atomic
def create_camera(*, serial: str, actor: Actor = None, **fields: Any) -> Camera:
    """Register a camera (audited)."""
    return _create(Camera, actor, serial=serial, **fields)


@transaction.atomic
def create_deployment(
    *,
    code: str,
    station: Station,
    start: datetime,
    end: datetime | None = None,
    camera: Camera | None = None,
    actor: Actor = None,
    **fields: Any,
) -> Deployment:
    """Create a deployment (audited).

    Raises:
        CamtrapError: the end is before the start, or the time zone is unknown.
    """
    if end is not None and end < start:
        raise CamtrapError(f"deployment {code}: the end {end} is before the start {start}")
    zone_text = fields.get("time_zone", "Asia/Almaty")
    if not clock.is_valid_zone(zone_text):
        raise CamtrapError(f"deployment {code}: unknown time zone {zone_text!r}")
    return _create(
        Deployment, actor, code=code, station=station, start=start, end=end, camera=camera, **fields
    )


@transaction.atomic
def update_deployment(
    *, deployment: Deployment, actor: Actor = None, reason: str = "", **fields: Any
) -> Deployment:
    """Change deployment fields (audited); flags and events are refreshed when the window,
    zone or event gap change."""
    window_changed = any(k in fields for k in ("start", "end", "time_zone", "event_gap_s"))
    _update(deployment, actor, reason, **fields)
    if window_changed:
        from barys.camtrap.events import regroup_events
        from barys.camtrap.media_times import recompute_times

        recompute_times(deployment)
        regroup_events(deployment)
    return deployment


@transaction.atomic
def add_outage(
    *,
    deployment: Deployment,
    start: datetime,
    end: datetime,
    reason: str,
    comment: str = "",
    actor: Actor = None,
) -> Outage:
    """Record a time the camera did not work (audited).

    Raises:
        CamtrapError: the outage ends before it starts or lies outside the deployment.
    """
    if end < start:
        raise CamtrapError(f"the outage ends ({end}) before it starts ({start})")
    if start < deployment.start or (deployment.end is not None and end > deployment.end):
        raise CamtrapError(
            f"the outage {start:%Y-%m-%d %H:%M}–{end:%Y-%m-%d %H:%M} UTC lies outside "
            f"deployment {deployment.code}"
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    return _create(
        Outage,
        actor,
        deployment=deployment,
        start=start,
        end=end,
        reason=reason,
        comment=comment,
        recorded_by=user,
    )


def correction_of(deployment: Deployment) -> clock.ClockCorrection:
    """The deployment's clock correction, with its anchor as a camera-local time."""
    anchor = None
    if deployment.clock_anchor is not None:
        anchor = clock.in_zone(deployment.clock_anchor, deployment.time_zone).replace(tzinfo=None)
    return clock.ClockCorrection(
        offset_s=deployment.clock_offset_s,
        drift_s_per_day=deployment.clock_drift_s_per_day,
        anchor=anchor,
    )


@transaction.atomic
def set_clock_correction(
    *,
    deployment: Deployment,
    offset_s: float = 0.0,
    drift_s_per_day: float = 0.0,
    anchor_local: datetime | None = None,
    note: str = "",
    actor: Actor = None,
) -> Deployment:
    """Set the clock correction and recompute every medium's time from its original (audited).

    ``offset_s=0`` and ``drift_s_per_day=0`` undo any correction.
    """
    anchor = clock.to_utc(anchor_local, deployment.time_zone) if anchor_local else None
    if drift_s_per_day and anchor is None:
        raise CamtrapError("a clock drift needs an anchor time")
    _update(
        deployment,
        actor,
        "clock correction",
        clock_offset_s=float(offset_s),
        clock_drift_s_per_day=float(drift_s_per_day),
        clock_anchor=anchor,
        clock_note=note,
    )
    from barys.camtrap.events import regroup_events
    from barys.camtrap.media_times import recompute_times

    recompute_times(deployment)
    regroup_events(deployment)
    return deployment


def set_clock_from_reference_photos(
    *, deployment: Deployment, references: Iterable[tuple[Media, datetime]], actor: Actor = None
) -> Deployment:
    """Correct the clock from one or two photos whose true time is known.

    ``references``: ``(medium, true time)`` pairs; a naive true time is local time in the
    deployment's zone, an aware one is converted.

    Raises:
        CamtrapError: a medium of another deployment or without camera time, or bad pairs.
    """
    pairs: list[tuple[datetime, datetime]] = []
    names: list[str] = []
    for media, true_time in references:
        if media.deployment_id != deployment.pk or not media.timestamp_local:
            raise CamtrapError(f"{media} is not a timed medium of deployment {deployment.code}")
        true_local = (
            clock.in_zone(true_time, deployment.time_zone) if true_time.tzinfo else true_time
        ).replace(tzinfo=None)
        pairs.append((clock.parse_local(media.timestamp_local), true_local))
        names.append(
            f"{media.file_name} camera {media.timestamp_local} true "
            f"{clock.format_local(true_local)}"
        )
    try:
        correction = clock.correction_from_references(pairs)
    except ValueError as exc:
        raise CamtrapError(str(exc)) from None
    return set_clock_correction(
        deployment=deployment,
        offset_s=correction.offset_s,
        drift_s_per_day=correction.drift_s_per_day,
        anchor_local=correction.anchor,
        note="from reference photos: " + "; ".join(names),
        actor=actor,
    )


def effort_seconds(deployment: Deployment, outages: Iterable[Outage] | None = None) -> float:
    """Seconds the camera worked: the deployment window less the union of its outages.

    An open deployment (no end) counts up to its last medium, or zero.
    """
    end = deployment.end
    if end is None:
        last = deployment.media.exclude(timestamp=None).order_by("-timestamp").first()
        end = last.timestamp if last and last.timestamp else deployment.start
    spans = sorted(
        (max(o.start, deployment.start), min(o.end, end))
        for o in (outages if outages is not None else deployment.outages.all())
    )
    total = max(0.0, (end - deployment.start).total_seconds())
    covered = 0.0
    current: tuple[datetime, datetime] | None = None
    for start, stop in spans:
        if stop <= start:
            continue
        if current is None or start > current[1]:
            if current is not None:
                covered += (current[1] - current[0]).total_seconds()
            current = (start, stop)
        else:
            current = (current[0], max(current[1], stop))
    if current is not None:
        covered += (current[1] - current[0]).total_seconds()
    return max(0.0, total - covered)
