"""What the camera-trap pages show, computed without HTTP (views stay thin).

Every station position goes through :mod:`barys.core.sensitivity`; media lists leave out
what the viewer may not see (:mod:`barys.camtrap.access`).
"""

from __future__ import annotations

import tempfile
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from barys.camtrap import access, charts, clock
from barys.camtrap.errors import CamtrapError, NotFound
from barys.camtrap.exifedit import strip_gps
from barys.camtrap.ingest import IngestSummary, ingest_card
from barys.camtrap.models import (
    Deployment,
    DerivedFile,
    Detection,
    DetectionRun,
    Event,
    EventClassification,
    IngestRun,
    Media,
    Outage,
    Station,
    Survey,
)
from barys.camtrap.services import effort_seconds
from barys.core import sensitivity
from barys.core.access_log import log_access
from barys.core.filestore import default_store
from barys.core.models import Job
from barys.core.roles import PermissionDenied

# --------------------------------------------------------------------------- surveys


@dataclass
class StationView:
    station: Station
    location: sensitivity.LocationView
    deployments: int


@dataclass
class SurveyPage:
    survey: Survey
    stations: list[StationView]
    can_view: bool
    deployments: list[Deployment] = field(default_factory=list)
    timeline_svg: str = ""
    generalised: int = 0
    withheld: int = 0


def survey_list() -> list[dict[str, Any]]:
    """Surveys with their numbers of stations and deployments."""
    return list(
        Survey.objects.annotate(
            n_stations=Count("stations", distinct=True),
            n_deployments=Count("stations__deployments", distinct=True),
        ).order_by("-start_date", "code")
    )


def station_views(*, survey: Survey, user: Any, surface: str) -> list[StationView]:
    """The survey's stations with their positions as ``user`` may see them.

    Exact views of sensitive stations are written to the access log, once per request.
    """
    stations = list(
        Station.objects.filter(survey=survey).annotate(n=Count("deployments")).order_by("code")
    )
    views = access.station_positions(
        user=user,
        stations=stations,
        categories=access.station_categories(stations),
        surface=surface,
        object_id=survey.code,
    )
    return [
        StationView(station, views[station.pk], station.n)  # type: ignore[attr-defined]
        for station in stations
    ]


def survey_page(*, survey: Survey, user: Any) -> SurveyPage:
    stations = station_views(survey=survey, user=user, surface="camera-trap survey page")
    can_view = access.can_view_area(user, survey.scope_code)
    page = SurveyPage(
        survey=survey,
        stations=stations,
        can_view=can_view,
        generalised=sum(1 for s in stations if s.location.generalised and not s.location.withheld),
        withheld=sum(1 for s in stations if s.location.withheld),
    )
    if can_view:
        page.deployments = list(
            Deployment.objects.filter(station__survey=survey)
            .select_related("station", "camera")
            .annotate(n_media=Count("media"))
            .order_by("station__code", "start")
        )
        page.timeline_svg = _survey_timeline(survey, page.deployments)
    return page


def _survey_timeline(survey: Survey, deployments: list[Deployment]) -> str:
    if not deployments:
        return ""
    spans: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    gaps: dict[str, list[tuple[Any, Any]]] = defaultdict(list)
    for deployment in deployments:
        spans[deployment.station.code].append(
            (deployment.start, deployment.end or deployment.start)
        )
    for outage in Outage.objects.filter(deployment__station__survey=survey).select_related(
        "deployment__station"
    ):
        gaps[outage.deployment.station.code].append((outage.start, outage.end))
    rows = [(code, spans[code], gaps.get(code, [])) for code in sorted(spans)]
    return charts.survey_timeline_svg(
        rows=rows,
        title=_("Deployments and outages by station"),
        deployed_label=_("camera deployed"),
        outage_label=_("outage"),
    )


def stations_geojson(*, survey: Survey, user: Any) -> dict[str, Any]:
    """The station map layer (GeoJSON) as ``user`` may see it; withheld stations are left out."""
    features = []
    for item in station_views(survey=survey, user=user, surface="camera-trap station map"):
        view = item.location
        if view.withheld or view.latitude is None or view.longitude is None:
            continue
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [view.longitude, view.latitude]},
                "properties": {
                    "code": item.station.code,
                    "name": view.locality,
                    "elevation_m": item.station.elevation_m if view.exact else None,
                    "deployments": item.deployments,
                    "exact": view.exact,
                    "uncertainty_m": view.uncertainty_m,
                    "generalisation": view.data_generalizations,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


# --------------------------------------------------------------------------- deployments


def require_area(user: Any, deployment: Deployment) -> None:
    if not access.can_view_deployment(user, deployment):
        raise PermissionDenied(_("a role in this protected area is needed"))


def deployment_page(*, deployment: Deployment, user: Any) -> dict[str, Any]:
    """Everything the deployment page shows; raises PermissionDenied out of scope."""
    require_area(user, deployment)
    scope = deployment.station.scope_code
    media = Media.objects.filter(deployment=deployment)
    visible = media.filter(access.visible_media_q(user, scope))
    outages = list(deployment.outages.all())
    zone_text = deployment.time_zone
    per_day: Counter[date] = Counter()
    for moment in visible.exclude(timestamp=None).values_list("timestamp", flat=True).iterator():
        per_day[clock.in_zone(moment, zone_text).date()] += 1
    start_day = clock.in_zone(deployment.start, zone_text).date()
    if deployment.end is not None:
        end_day = clock.in_zone(deployment.end, zone_text).date()
    else:
        end_day = max(per_day) if per_day else start_day
    reasons = dict(Outage.Reason.choices)
    timeline = charts.deployment_timeline_svg(
        start=start_day,
        end=max(end_day, start_day),
        media_per_day=dict(per_day),
        outages=[
            (
                clock.in_zone(o.start, zone_text).replace(tzinfo=None),
                clock.in_zone(o.end, zone_text).replace(tzinfo=None),
                str(reasons.get(o.reason, o.reason)),
            )
            for o in outages
        ],
        title=_("Media per day and outages"),
        media_label=_("media per day"),
        outage_label=_("outage"),
    )
    flags = media.aggregate(
        total=Count("pk"),
        out_of_window=Count("pk", filter=Q(out_of_window=True)),
        implausible=Count("pk", filter=Q(implausible_time=True)),
        no_time=Count("pk", filter=Q(no_timestamp=True)),
        serial=Count("pk", filter=Q(serial_mismatch=True)),
        damaged=Count("pk", filter=Q(damaged=True)),
        people=Count("pk", filter=Q(person_present=True)),
        videos=Count("pk", filter=Q(media_type__startswith="video/")),
    )
    classes = (
        dict(
            EventClassification.objects.filter(run=latest_run(deployment))
            .values_list("observation_type")
            .annotate(n=Count("pk"))
        )
        if latest_run(deployment)
        else {}
    )
    jobs = list(
        Job.objects.filter(
            kind__in=["camtrap.detect", "camtrap.derivatives"], params__deployment=deployment.code
        ).order_by("-created_at")[:4]
    )
    return {
        "deployment": deployment,
        "station": deployment.station,
        "survey": deployment.station.survey,
        "outages": outages,
        "timeline_svg": timeline,
        "flags": flags,
        "events": Event.objects.filter(deployment=deployment).count(),
        "effort_days": round(effort_seconds(deployment, outages) / 86400.0, 1),
        "runs": list(
            DetectionRun.objects.filter(deployment=deployment).order_by("-started_at")[:5]
        ),
        "ingests": list(
            IngestRun.objects.filter(deployment=deployment).order_by("-started_at")[:5]
        ),
        "classes": classes,
        "jobs": jobs,
        "active_job": next((j for j in jobs if not j.finished), None),
        "can_ingest": access.can_ingest(user, deployment.station.scope_code),
        "local_start": clock.in_zone(deployment.start, zone_text),
        "local_end": clock.in_zone(deployment.end, zone_text) if deployment.end else None,
        "outage_reasons": Outage.Reason.choices,
    }


def latest_run(deployment: Deployment) -> DetectionRun | None:
    return (
        DetectionRun.objects.filter(deployment=deployment, state=DetectionRun.State.DONE)
        .order_by("-started_at", "-pk")
        .first()
    )


@dataclass
class MediaCard:
    media: Media
    boxes: list[dict[str, Any]]
    has_preview: bool


@dataclass
class EventCard:
    event: Event
    media: list[MediaCard]
    classification: EventClassification | None
    hidden: int


def cards(
    user: Any, scope: str, events: Iterable[Event], run: DetectionRun | None
) -> list[EventCard]:
    events = list(events)
    media = list(Media.objects.filter(event__in=events).order_by("timestamp", "file_name"))
    allowed = [m for m in media if access.can_view_media(user, m, scope)]
    hidden = Counter(m.event_id for m in media if m not in allowed)
    boxes: dict[int, list[dict[str, Any]]] = defaultdict(list)
    if run is not None:
        for detection in Detection.objects.filter(
            run=run, media__in=allowed, confidence__gte=run.classification_threshold
        ):
            boxes[detection.media_id].append(
                {
                    "category": detection.category,
                    "confidence": round(detection.confidence, 2),
                    "left": round(100 * max(0.0, detection.bbox_x), 2),
                    "top": round(100 * max(0.0, detection.bbox_y), 2),
                    "width": round(100 * detection.bbox_width, 2),
                    "height": round(100 * detection.bbox_height, 2),
                }
            )
    previews = set(DerivedFile.objects.filter(media__in=allowed).values_list("media_id", flat=True))
    by_event: dict[int, list[MediaCard]] = defaultdict(list)
    for item in allowed:
        by_event[item.event_id].append(MediaCard(item, boxes.get(item.pk, []), item.pk in previews))
    classifications = (
        {c.event_id: c for c in EventClassification.objects.filter(run=run, event__in=events)}
        if run
        else {}
    )
    return [
        EventCard(
            event, by_event.get(event.pk, []), classifications.get(event.pk), hidden[event.pk]
        )
        for event in events
    ]


def event_page(
    *, deployment: Deployment, user: Any, page: int = 1, kind: str = "", per_page: int = 12
) -> dict[str, Any]:
    """A page of the deployment's events with their media and boxes."""
    require_area(user, deployment)
    run = latest_run(deployment)
    events = Event.objects.filter(deployment=deployment).order_by("start", "event_id")
    if kind and run is not None:
        events = events.filter(classifications__run=run, classifications__observation_type=kind)
    total = events.count()
    page = max(1, page)
    chunk = list(events[(page - 1) * per_page : page * per_page])
    return {
        "deployment": deployment,
        "cards": cards(user, deployment.station.scope_code, chunk, run),
        "page": page,
        "has_next": page * per_page < total,
        "total": total,
        "kind": kind,
        "run": run,
        "kinds": EventClassification.Type.choices,
    }


def event_detail(*, event_id: str, user: Any) -> dict[str, Any]:
    event = Event.objects.select_related("deployment__station").filter(event_id=event_id).first()
    if event is None:
        raise NotFound(_("no such event"))
    require_area(user, event.deployment)
    run = latest_run(event.deployment)
    card = cards(user, event.deployment.station.scope_code, [event], run)[0]
    return {
        "event": event,
        "card": card,
        "deployment": event.deployment,
        "run": run,
        "classifications": list(event.classifications.select_related("run")),
        "observations": list(
            event.observations.select_related("individual").order_by("level", "pk")
        ),
    }


@dataclass(frozen=True)
class MediaFile:
    content: bytes | None
    path: Path | None
    content_type: str
    file_name: str


def media_file(*, media_id: str, kind: str, user: Any) -> MediaFile:
    """A medium's original, preview or thumbnail, if ``user`` may see it.

    Originals of sensitive stations lose their EXIF GPS unless the viewer may see the exact
    location (such views are logged).

    Raises:
        NotFound: no such medium or file.
        PermissionDenied: the viewer may not see it.
    """
    media = Media.objects.select_related("deployment__station").filter(media_id=media_id).first()
    if media is None:
        raise NotFound(_("no such medium"))
    station = media.deployment.station
    if not access.can_view_media(user, media, station.scope_code):
        raise PermissionDenied(_("this medium is not visible to you"))
    if kind in ("preview", "thumbnail"):
        derived = DerivedFile.objects.filter(media=media, kind=kind).first()
        if derived is None:
            raise NotFound(_("not made yet"))
        from barys.camtrap.derivatives import derived_path

        return MediaFile(None, derived_path(derived.relpath), "image/jpeg", f"{media.media_id}.jpg")
    if kind != "original" or media.file_id is None:
        raise NotFound(_("no such file"))
    category = access.station_categories([station])[station.pk]
    with default_store().open(media.file_id) as handle:
        data = handle.read()
    if category is not None:
        if sensitivity.may_see_exact(user, station.scope_codes):
            log_access(
                actor=user,
                surface="camera-trap original",
                object_type="camtrap.media",
                object_id=media.media_id,
            )
        elif media.media_type == "image/jpeg":
            data = strip_gps(data)
        else:
            raise PermissionDenied(_("originals of this kind are not served for this station"))
    return MediaFile(data, None, media.media_type, media.file_name or media.media_id)


# --------------------------------------------------------------------------- edits


def ingest_upload(
    *, deployment: Deployment, files: Iterable[tuple[str, Iterable[bytes]]], actor: Any
) -> IngestSummary:
    """Ingest a small batch of uploaded files (name, chunks) through the card ingest."""
    if not access.can_ingest(actor, deployment.station.scope_code):
        raise PermissionDenied(_("a role in this protected area is needed"))
    with tempfile.TemporaryDirectory(prefix="barys-upload-") as folder:
        count = 0
        for name, chunks in files:
            safe = Path(name).name.replace("\x00", "")
            if not safe or safe.startswith("."):
                continue
            target = Path(folder) / safe
            with target.open("wb") as handle:
                for chunk in chunks:
                    handle.write(chunk)
            count += 1
        if not count:
            raise CamtrapError(_("no files were uploaded"))
        return ingest_card(deployment=deployment, root=folder, actor=actor, workers=1, link=True)


def local_to_utc(text: str, deployment: Deployment) -> Any:
    """A ``YYYY-MM-DDTHH:MM`` local time of the deployment's zone as UTC (for forms)."""
    from datetime import datetime

    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        raise CamtrapError(_("expected a date and time such as 2024-01-31T14:30")) from None
    return clock.to_utc(value, deployment.time_zone) if value.tzinfo is None else value


__all__ = [
    "deployment_page",
    "event_detail",
    "event_page",
    "ingest_upload",
    "media_file",
    "station_views",
    "stations_geojson",
    "survey_list",
    "survey_page",
]
