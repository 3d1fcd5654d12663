"""Camtrap DP import: a package into a new survey, or the same survey on a second run."""

from __future__ import annotations

import contextlib
import json
import re
from collections import defaultdict
from collections.abc import Sequence
from datetime import UTC, date, datetime
from os import PathLike
from pathlib import Path
from typing import Any, TypeVar

from django.db import models, transaction
from django.utils.text import slugify

from barys.camtrap import clock
from barys.camtrap.dp.common import EXTRA_FILES, EXTRA_RESOURCES, OUTAGE_TAG, zone_text_of
from barys.camtrap.errors import CamtrapError
from barys.camtrap.models import (
    Camera,
    Deployment,
    Event,
    Media,
    Observation,
    Outage,
    Station,
    Survey,
)
from barys.core import audit
from barys.core.filestore import store_bytes, store_path
from barys.individuals.models import Individual
from barys.interop import camtrap_dp as dp
from barys.taxa.models import Taxon


class PackageRefused(CamtrapError):
    """The package has bad values; nothing was imported. ``problems`` lists them all."""

    def __init__(self, problems: Sequence[str]) -> None:
        self.problems = list(problems)
        shown = "; ".join(self.problems[:10])
        more = f" (and {len(self.problems) - 10} more)" if len(self.problems) > 10 else ""
        super().__init__(f"the package was not imported: {shown}{more}")


def _split_tags(text: str | None) -> tuple[str, list[tuple[datetime, datetime, str]]]:
    kept: list[str] = []
    found: list[tuple[datetime, datetime, str]] = []
    for part in (text or "").split("|"):
        tag = part.strip()
        if not tag:
            continue
        match = OUTAGE_TAG.match(tag)
        if match:
            try:
                found.append(
                    (
                        dp.parse_datetime(match.group(1)),
                        dp.parse_datetime(match.group(2)),
                        match.group(3),
                    )
                )
                continue
            except ValueError:
                pass
        kept.append(tag)
    return " | ".join(kept), found


_Row = TypeVar("_Row", bound=models.Model)


def _stage(
    model: type[_Row],
    found: _Row | None,
    identity: dict[str, Any],
    values: dict[str, Any],
    new: list[_Row],
    changed: list[_Row],
) -> _Row:
    """The row with this package identifier: made (and listed as new) when not yet stored,
    else updated with ``values`` (and listed as changed)."""
    if found is None:
        found = model(**identity, **values)
        new.append(found)
        return found
    for key, value in values.items():
        setattr(found, key, value)
    changed.append(found)
    return found


def _save(model: type[_Row], new: list[_Row], changed: list[_Row], fields: list[str]) -> None:
    model._default_manager.bulk_create(new, batch_size=500)
    if changed:
        model._default_manager.bulk_update(changed, fields, batch_size=500)


def _camera_for(serial: str | None, model_text: str | None, actor: Any) -> Camera | None:
    if not serial:
        return None
    camera = Camera.objects.filter(serial=serial).first()
    if camera is None:
        make, _, model = (model_text or "").partition("-")
        if not model:
            make, model = "", make
        camera = Camera.objects.create(serial=serial, make=make[:100], model=model[:100])
        audit.record_create(camera, actor=actor)
    return camera


@transaction.atomic
def import_package(
    *,
    path: str | PathLike[str],
    actor: Any = None,
    survey_code: str | None = None,
    scope_code: str = "",
) -> Survey:
    """Import a Camtrap DP package (all or nothing); see the module docstring.

    Raises:
        FormatError: the package cannot be read.
        PackageRefused: some values are bad; every one is listed.
    """
    package = dp.read_package(path)
    if package.errors:
        raise PackageRefused([str(e) for e in package.errors])
    metadata = package.metadata
    project: dict[str, Any] = (
        metadata["project"] if isinstance(metadata.get("project"), dict) else {}
    )
    code = (
        survey_code
        or slugify(str(metadata.get("name") or metadata.get("id") or "camtrap-dp"))[:100]
    )
    if not code:
        raise CamtrapError("the package has no name; give a survey code")
    temporal: dict[str, Any] = (
        metadata["temporal"] if isinstance(metadata.get("temporal"), dict) else {}
    )
    stored_metadata = dict(metadata)
    stored_metadata[EXTRA_RESOURCES] = package.extra_resources
    stored_metadata[EXTRA_FILES] = {
        relpath: store_bytes(content, original_name=Path(relpath).name).sha256
        for relpath, content in package.extra_files.items()
    }
    design = project.get("samplingDesign")
    fields = {
        "title": str(metadata.get("title") or project.get("title") or code)[:300],
        "acronym": str(project.get("acronym") or "")[:50],
        "description": str(metadata.get("description") or ""),
        "sampling_design": design
        if design in Survey.SamplingDesign.values
        else Survey.SamplingDesign.OPPORTUNISTIC,
        "capture_methods": list(project.get("captureMethod") or []),
        "start_date": _date(temporal.get("start")),
        "end_date": _date(temporal.get("end")),
        "package_metadata": stored_metadata,
    }
    survey = Survey.objects.filter(code=code).first()
    if survey is None:
        survey = Survey.objects.create(code=code, scope_code=scope_code, **fields)
        audit.record_create(survey, actor=actor)
    else:
        before = audit.snapshot(survey)
        for key, value in fields.items():
            setattr(survey, key, value)
        survey.save()
        audit.record_update(survey, before, actor=actor, reason="Camtrap DP import")
    deployments = _import_deployments(survey, package, actor)
    media = _import_media(package, deployments, actor)
    events = _import_events(package, deployments)
    _import_observations(package, deployments, media, events)
    _accept_human_classifications(events, actor)
    audit.record_update(
        survey,
        audit.snapshot(survey),
        actor=actor,
        reason=f"Camtrap DP import of {package.path}: {len(package.deployments)} deployments, "
        f"{len(package.media)} media, {len(package.observations)} observations",
    )
    return survey


def _accept_human_classifications(events: dict[str, Event], actor: Any) -> None:
    """Events a person classified in the package count as reviewed; their confirmed animal
    observations become occurrence records (see :mod:`barys.camtrap.occurrences`)."""
    from barys.camtrap import occurrences

    classified = Event.objects.filter(
        pk__in=[e.pk for e in events.values()],
        observations__classification_method=Observation.Method.HUMAN,
        review_state=Event.ReviewState.UNREVIEWED,
    )
    Event.objects.filter(pk__in=list(classified.values_list("pk", flat=True))).update(
        review_state=Event.ReviewState.REVIEWED
    )
    deployment_ids = {e.deployment_id for e in events.values()}
    occurrences.sync_deployments(deployment_ids, actor=actor)


def _date(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def _import_deployments(
    survey: Survey, package: dp.CamtrapPackage, actor: Any
) -> dict[str, Deployment]:
    result: dict[str, Deployment] = {}
    stations: dict[str, Station] = {s.code: s for s in Station.objects.filter(survey=survey)}
    for row in package.deployments:
        location = row["locationID"] or slugify(row["locationName"] or "") or row["deploymentID"]
        station = stations.get(location)
        if station is None:
            station = Station.objects.create(
                survey=survey,
                code=location[:100],
                name=(row["locationName"] or "")[:300],
                latitude=row["latitude"],
                longitude=row["longitude"],
                coordinate_uncertainty_m=row["coordinateUncertainty"],
                habitat=(row["habitat"] or "")[:500],
                feature_type=row["featureType"] or "",
                scope_code=survey.scope_code,
            )
            audit.record_create(station, actor=actor)
            stations[location] = station
        extra: dict[str, Any] = {}
        for name, value, mine in (
            ("latitude", row["latitude"], station.latitude),
            ("longitude", row["longitude"], station.longitude),
            (
                "coordinateUncertainty",
                row["coordinateUncertainty"],
                station.coordinate_uncertainty_m,
            ),
            ("locationName", row["locationName"] or "", station.name),
            ("habitat", row["habitat"] or "", station.habitat),
            ("featureType", row["featureType"] or "", station.feature_type),
        ):
            if value != mine:
                extra[name] = value
        camera = _camera_for(row["cameraID"], row["cameraModel"], actor)
        if (
            camera is None
            and row["cameraModel"]
            or camera is not None
            and (row["cameraModel"] or None) != (camera.camera_model_text or None)
        ):
            extra["cameraModel"] = row["cameraModel"]
        if row.get("_extra"):
            extra["columns"] = row["_extra"]
        tags, outages = _split_tags(row["deploymentTags"])
        values = {
            "station": station,
            "camera": camera,
            "start": row["deploymentStart"].astimezone(UTC),
            "end": row["deploymentEnd"].astimezone(UTC),
            "time_zone": zone_text_of(row["deploymentStart"]),
            "camera_height_m": row["cameraHeight"],
            "camera_depth_m": row["cameraDepth"],
            "camera_tilt_deg": row["cameraTilt"],
            "camera_heading_deg": row["cameraHeading"],
            "camera_delay_s": row["cameraDelay"],
            "detection_distance_m": row["detectionDistance"],
            "bait_use": row["baitUse"],
            "timestamp_issues": row["timestampIssues"],
            "setup_by": (row["setupBy"] or "")[:200],
            "deployment_groups": (row["deploymentGroups"] or "")[:500],
            "deployment_tags": tags[:1000],
            "comments": row["deploymentComments"] or "",
            "camtrap_extra": extra,
        }
        deployment = Deployment.objects.filter(deployment_id=row["deploymentID"]).first()
        if deployment is None:
            code = row["deploymentID"]
            if Deployment.objects.filter(code=code).exists():
                code = f"{survey.code}-{code}"
            deployment = Deployment.objects.create(
                deployment_id=row["deploymentID"], code=code[:100], **values
            )
            audit.record_create(deployment, actor=actor)
        else:
            if deployment.station.survey_id != survey.pk:
                raise CamtrapError(
                    f"deployment {row['deploymentID']} already belongs to survey "
                    f"{deployment.station.survey.code}"
                )
            before = audit.snapshot(deployment)
            for attribute, value in values.items():
                setattr(deployment, attribute, value)
            deployment.save()
            audit.record_update(deployment, before, actor=actor, reason="Camtrap DP import")
        existing = {(o.start, o.end, o.reason) for o in deployment.outages.all()}
        for start, end, reason in outages:
            key: tuple[datetime, datetime, str] = (
                start.astimezone(UTC),
                end.astimezone(UTC),
                reason if reason in Outage.Reason.values else "other",
            )
            if key not in existing:
                outage = Outage.objects.create(
                    deployment=deployment, start=key[0], end=key[1], reason=key[2]
                )
                audit.record_create(outage, actor=actor)
        result[row["deploymentID"]] = deployment
    return result


def _import_media(
    package: dp.CamtrapPackage, deployments: dict[str, Deployment], actor: Any
) -> dict[str, Media]:
    existing = {
        m.media_id: m
        for m in Media.objects.filter(media_id__in=[r["mediaID"] for r in package.media])
    }
    new: list[Media] = []
    changed: list[Media] = []
    fields = [
        "deployment",
        "file",
        "file_name",
        "file_path",
        "file_public",
        "media_type",
        "capture_method",
        "timestamp",
        "timestamp_local",
        "time_zone",
        "exif_data",
        "favourite",
        "comments",
    ]
    for row in package.media:
        deployment = deployments[row["deploymentID"]]
        stored = None
        file_path = row["filePath"]
        if not re.match(r"^[a-z]+://", file_path):
            local = package.path / file_path
            if local.is_file() and ".." not in Path(file_path).parts:
                stored = store_path(
                    local,
                    original_name=row["fileName"] or local.name,
                    content_type=row["fileMediatype"],
                )
                if Media.objects.filter(file=stored).exclude(media_id=row["mediaID"]).exists():
                    stored = None
        exif: Any = row["exifData"]
        if isinstance(exif, str):
            with contextlib.suppress(ValueError):
                exif = json.loads(exif)
        moment: datetime = row["timestamp"]
        values = {
            "deployment": deployment,
            "file": stored,
            "file_name": (row["fileName"] or "")[:255],
            "file_path": file_path[:1000],
            "file_public": row["filePublic"],
            "media_type": row["fileMediatype"][:100],
            "capture_method": row["captureMethod"] or "",
            "timestamp": moment.astimezone(UTC),
            "timestamp_local": clock.format_local(moment),
            "time_zone": zone_text_of(moment),
            "exif_data": exif,
            "favourite": row["favorite"],
            "comments": row["mediaComments"] or "",
        }
        existing[row["mediaID"]] = _stage(
            Media, existing.get(row["mediaID"]), {"media_id": row["mediaID"]}, values, new, changed
        )
    _save(Media, new, changed, fields)
    return {m.media_id: m for m in Media.objects.filter(media_id__in=list(existing))}


def _import_events(
    package: dp.CamtrapPackage, deployments: dict[str, Deployment]
) -> dict[str, Event]:
    spans: dict[str, tuple[str, datetime, datetime]] = {}
    for row in package.observations:
        event_id = row["eventID"]
        if not event_id:
            continue
        start, end = row["eventStart"].astimezone(UTC), row["eventEnd"].astimezone(UTC)
        if event_id in spans:
            dep, s, e = spans[event_id]
            spans[event_id] = (dep, min(s, start), max(e, end))
        else:
            spans[event_id] = (row["deploymentID"], start, end)
    existing = {e.event_id: e for e in Event.objects.filter(event_id__in=list(spans))}
    for event_id, (deployment_id, start, end) in spans.items():
        event = existing.get(event_id)
        if event is None:
            existing[event_id] = Event.objects.create(
                event_id=event_id, deployment=deployments[deployment_id], start=start, end=end
            )
        elif (event.start, event.end) != (start, end):
            event.start, event.end = start, end
            event.save(update_fields=["start", "end"])
    return existing


def _import_observations(
    package: dp.CamtrapPackage,
    deployments: dict[str, Deployment],
    media: dict[str, Media],
    events: dict[str, Event],
) -> None:
    names = {r["scientificName"] for r in package.observations if r["scientificName"]}
    taxa = {t.scientific_name.lower(): t for t in Taxon.objects.filter(scientific_name__in=names)}
    codes = {r["individualID"] for r in package.observations if r["individualID"]}
    individuals = {i.code: i for i in Individual.objects.filter(code__in=codes)}
    existing = {
        o.observation_id: o
        for o in Observation.objects.filter(
            observation_id__in=[r["observationID"] for r in package.observations]
        )
    }
    media_events: dict[int, Event] = {}
    new: list[Observation] = []
    changed: list[Observation] = []
    fields = [
        f.name
        for f in Observation._meta.concrete_fields
        if f.name not in ("id", "observation_id", "created_at", "updated_at")
    ]
    for row in package.observations:
        item = media.get(row["mediaID"]) if row["mediaID"] else None
        event = events.get(row["eventID"]) if row["eventID"] else None
        if item is not None and event is not None:
            media_events[item.pk] = event
        name = row["scientificName"] or ""
        values = {
            "deployment": deployments[row["deploymentID"]],
            "event": event,
            "event_ref": row["eventID"] or "",
            "media": item,
            "level": row["observationLevel"],
            "event_start": row["eventStart"].astimezone(UTC),
            "event_end": row["eventEnd"].astimezone(UTC),
            "observation_type": row["observationType"],
            "camera_setup_type": row["cameraSetupType"] or "",
            "taxon": taxa.get(name.lower()),
            "scientific_name": name,
            "count": row["count"],
            "life_stage": row["lifeStage"] or "",
            "sex": row["sex"] or "",
            "behaviour": (row["behavior"] or "")[:500],
            "individual": individuals.get(row["individualID"] or ""),
            "individual_ref": (row["individualID"] or "")[:100],
            "individual_position_radius_m": row["individualPositionRadius"],
            "individual_position_angle_deg": row["individualPositionAngle"],
            "individual_speed_m_s": row["individualSpeed"],
            "bbox_x": row["bboxX"],
            "bbox_y": row["bboxY"],
            "bbox_width": row["bboxWidth"],
            "bbox_height": row["bboxHeight"],
            "classification_method": row["classificationMethod"] or "",
            "classified_by": (row["classifiedBy"] or "")[:200],
            "classification_timestamp": row["classificationTimestamp"].astimezone(UTC)
            if row["classificationTimestamp"]
            else None,
            "classification_probability": row["classificationProbability"],
            "tags": (row["observationTags"] or "")[:1000],
            "comments": row["observationComments"] or "",
        }
        _stage(
            Observation,
            existing.get(row["observationID"]),
            {"observation_id": row["observationID"]},
            values,
            new,
            changed,
        )
    _save(Observation, new, changed, fields)
    by_event: dict[int, list[int]] = defaultdict(list)
    for media_pk, event in media_events.items():
        by_event[event.pk].append(media_pk)
    for event_pk, pks in by_event.items():
        Media.objects.filter(pk__in=pks).update(event_id=event_pk)
    for event in events.values():
        count = Media.objects.filter(event=event).count()
        if event.media_count != count:
            Event.objects.filter(pk=event.pk).update(media_count=count)
