"""Camtrap DP export and import of surveys (the ORM side of :mod:`barys.interop.camtrap_dp`).

Export writes one package per survey: deployments (one row per deployment), media (media
with a usable time), observations (the stored ones, plus the latest machine classification
of each event and the machine boxes above their threshold where no stored observation says
otherwise) and an ``individuals`` resource when observations name individuals.

With ``public=True`` the package follows the sensitive-location policy: the coordinates of
deployments at stations that recorded sensitive taxa (or whose survey targets them) are
snapped to the policy's grid with ``coordinateUncertainty`` inflated and the location name,
set-up people and comments withheld; deployments of category-1 stations are left out with
their media and observations; media with people are left out; what was done is written into
the package description and the deployment tags (``dataGeneralizations:…``).

Import reads a package into a new (or the same, on a second run) survey. Identifiers are
kept as written, so importing the same package again changes nothing; package metadata and
resources outside the standard are kept and written back on export.
"""

from __future__ import annotations

import contextlib
import json
import logging
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from os import PathLike
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils.text import slugify

from barys.camtrap import clock
from barys.camtrap.access import public_station_location, station_categories
from barys.camtrap.errors import CamtrapError, NotFound
from barys.camtrap.events import derived_id
from barys.camtrap.exifedit import strip_gps
from barys.camtrap.models import (
    Camera,
    Deployment,
    Detection,
    DetectionRun,
    Event,
    EventClassification,
    Media,
    Observation,
    Outage,
    Station,
    Survey,
)
from barys.core import audit
from barys.core.filestore import default_store, store_bytes, store_path
from barys.individuals.models import Individual
from barys.interop import camtrap_dp as dp
from barys.taxa.models import Taxon

log = logging.getLogger(__name__)

_OUTAGE_TAG = re.compile(r"^outage:(\S+)/(\S+)/(\S+)$")
_EXTRA_RESOURCES = "_extra_resources"
_EXTRA_FILES = "_extra_files"
_LANGUAGES = {"eng": "en", "rus": "ru", "kaz": "kk"}


def _zone_text_of(moment: datetime) -> str:
    offset = moment.utcoffset()
    minutes = int(offset.total_seconds() // 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes >= 0 else "-"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


# =========================================================================== export


def _tags(deployment: Deployment, outages: Sequence[Outage], extra: Sequence[str]) -> str | None:
    parts = [t.strip() for t in deployment.deployment_tags.split("|") if t.strip()]
    for outage in outages:
        parts.append(
            f"outage:{dp.format_datetime(outage.start.astimezone(UTC))}/"
            f"{dp.format_datetime(outage.end.astimezone(UTC))}/{outage.reason}"
        )
    parts.extend(extra)
    return " | ".join(parts) or None


def _deployment_end(deployment: Deployment) -> datetime:
    if deployment.end is not None:
        return deployment.end
    last = deployment.media.aggregate(last=Max("timestamp"))["last"]
    return last or deployment.start


def _exportable_media(survey: Survey, public: bool) -> Any:
    query = Media.objects.filter(
        deployment__station__survey=survey,
        timestamp__isnull=False,
        implausible_time=False,
        serial_mismatch=False,
        no_timestamp=False,
    )
    if public:
        query = query.filter(person_present=False)
    return query


def _json_text(value: Any) -> Any:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, sort_keys=True)


def _taxonomic(names: Iterable[str], imported: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    known = {entry.get("scientificName"): entry for entry in imported if isinstance(entry, dict)}
    result: list[dict[str, Any]] = []
    for name in sorted(set(names)):
        if name in known:
            result.append(known[name])
            continue
        entry: dict[str, Any] = {"scientificName": name}
        taxon = Taxon.objects.filter(scientific_name__iexact=name).first()
        if taxon is not None:
            entry["taxonRank"] = taxon.rank
            vernacular = {
                code: getattr(taxon, f"name_{lang}")
                for code, lang in _LANGUAGES.items()
                if getattr(taxon, f"name_{lang}", "")
            }
            if vernacular:
                entry["vernacularNames"] = vernacular
        result.append(entry)
    return result


def _media_path(media: Media, deployment: Deployment) -> str:
    if media.file_path and (
        re.match(r"^[a-z]+://", media.file_path) or media.file_path.startswith("media/")
    ):
        return media.file_path
    name = Path(media.file_path or media.file_name or media.media_id).name
    return f"media/{deployment.code}/{name}"


def _latest_runs(deployments: Iterable[Deployment]) -> dict[int, DetectionRun]:
    runs: dict[int, DetectionRun] = {}
    for run in DetectionRun.objects.filter(
        deployment__in=list(deployments), state=DetectionRun.State.DONE
    ).order_by("deployment_id", "started_at", "pk"):
        runs[run.deployment_id] = run
    return runs


def export_survey(
    *,
    survey: Survey,
    out_dir: str | PathLike[str],
    public: bool = False,
    copy_media: bool = False,
    created: datetime | None = None,
) -> Path:
    """Write the survey as a Camtrap DP package into ``out_dir``; see the module docstring."""
    metadata_in = dict(survey.package_metadata or {})
    extra_resources = list(metadata_in.pop(_EXTRA_RESOURCES, []) or [])
    extra_file_refs = dict(metadata_in.pop(_EXTRA_FILES, {}) or {})
    stations = list(Station.objects.filter(survey=survey))
    categories = station_categories(stations)
    deployments = list(
        Deployment.objects.filter(station__survey=survey)
        .select_related("station", "camera")
        .order_by("start", "code")
    )
    withheld: set[int] = set()
    generalised: set[int] = set()
    deployment_rows: list[dict[str, Any]] = []
    outages = defaultdict(list)
    for outage in Outage.objects.filter(deployment__in=deployments).order_by("start"):
        outages[outage.deployment_id].append(outage)
    lats: list[float] = []
    lons: list[float] = []
    precision_deg: float | None = None
    for deployment in deployments:
        station = deployment.station
        extra = dict(deployment.camtrap_extra or {})
        latitude = extra.get("latitude", station.latitude)
        longitude = extra.get("longitude", station.longitude)
        uncertainty = extra.get("coordinateUncertainty", station.coordinate_uncertainty_m)
        location_name = extra.get("locationName", station.name) or None
        tags_extra: list[str] = []
        setup_by = deployment.setup_by or None
        comments = deployment.comments or None
        category = categories.get(station.pk)
        if public and category is not None:
            view = public_station_location(station, category)
            if view.withheld:
                withheld.add(deployment.pk)
                continue
            generalised.add(deployment.pk)
            view = dp_generalise(latitude, longitude, uncertainty, category)
            latitude, longitude, uncertainty = view.latitude, view.longitude, view.uncertainty_m
            location_name = None
            setup_by = None
            comments = None
            tags_extra.append(
                f"dataGeneralizations:coordinates snapped to a {view.cell_deg:g} degree grid"
            )
            precision_deg = max(precision_deg or 0.0, view.cell_deg or 0.0)
        zone_text = deployment.time_zone
        lats.append(float(latitude))
        lons.append(float(longitude))
        camera = deployment.camera
        deployment_rows.append(
            {
                "deploymentID": deployment.deployment_id,
                "locationID": station.code,
                "locationName": location_name,
                "latitude": latitude,
                "longitude": longitude,
                "coordinateUncertainty": int(uncertainty) if uncertainty else None,
                "deploymentStart": clock.in_zone(deployment.start, zone_text),
                "deploymentEnd": clock.in_zone(_deployment_end(deployment), zone_text),
                "setupBy": setup_by,
                "cameraID": camera.serial if camera else extra.get("cameraID"),
                "cameraModel": extra.get(
                    "cameraModel", camera.camera_model_text if camera else None
                )
                or None,
                "cameraDelay": deployment.camera_delay_s,
                "cameraHeight": deployment.camera_height_m,
                "cameraDepth": deployment.camera_depth_m,
                "cameraTilt": deployment.camera_tilt_deg,
                "cameraHeading": deployment.camera_heading_deg,
                "detectionDistance": deployment.detection_distance_m,
                "timestampIssues": deployment.timestamp_issues,
                "baitUse": deployment.bait_use,
                "featureType": extra.get("featureType", station.feature_type) or None,
                "habitat": extra.get("habitat", station.habitat) or None,
                "deploymentGroups": deployment.deployment_groups or None,
                "deploymentTags": _tags(deployment, outages[deployment.pk], tags_extra),
                "deploymentComments": comments,
            }
        )
    kept = [d for d in deployments if d.pk not in withheld]
    by_pk = {d.pk: d for d in kept}
    media_rows: list[dict[str, Any]] = []
    media_ids: set[int] = set()
    copies: list[tuple[str, str]] = []
    for media in (
        _exportable_media(survey, public)
        .filter(deployment__in=kept)
        .order_by("deployment__start", "timestamp", "file_name", "pk")
    ):
        deployment = by_pk[media.deployment_id]
        media_ids.add(media.pk)
        path = _media_path(media, deployment)
        if copy_media and media.file_id and not re.match(r"^[a-z]+://", path):
            copies.append((path, media.file_id))
        media_rows.append(
            {
                "mediaID": media.media_id,
                "deploymentID": deployment.deployment_id,
                "captureMethod": media.capture_method or None,
                "timestamp": clock.in_zone(
                    media.timestamp, media.time_zone or deployment.time_zone
                ),
                "filePath": path,
                "filePublic": bool(media.file_public and not public) if not public else False,
                "fileName": media.file_name or None,
                "fileMediatype": media.media_type,
                "exifData": _json_text(media.exif_data),
                "favorite": media.favourite,
                "mediaComments": media.comments or None,
            }
        )
    observation_rows, individuals = _observation_rows(kept, media_ids, public)
    names = [row["scientificName"] for row in observation_rows if row.get("scientificName")]
    metadata = _metadata(
        survey,
        metadata_in,
        deployment_rows,
        observation_rows,
        names,
        lats,
        lons,
        precision_deg,
        bool(individuals),
        created,
    )
    if public and (generalised or withheld):
        note = (
            f" Sensitive locations: coordinates of {len(generalised)} deployment(s) generalised "
            f"to the policy grid; {len(withheld)} deployment(s) of category-1 taxa withheld."
        )
        metadata["description"] = (metadata.get("description") or "") + note
    extra_files: dict[str, bytes] = {}
    for relpath, sha in extra_file_refs.items():
        with default_store().open(sha) as handle:
            extra_files[relpath] = handle.read()
    if individuals:
        extra_resources = [r for r in extra_resources if r.get("name") != "individuals"]
        extra_resources.append(_individuals_resource())
        extra_files["individuals.csv"] = _individuals_csv(individuals)
    for relpath, sha in copies:
        with default_store().open(sha) as handle:
            data = handle.read()
        extra_files[relpath] = strip_gps(data) if public else data
    return dp.write_package(
        out_dir,
        metadata=metadata,
        deployments=deployment_rows,
        media=media_rows,
        observations=observation_rows,
        extra_resources=extra_resources,
        extra_files=extra_files,
    )


def dp_generalise(
    latitude: float, longitude: float, uncertainty: float | None, category: int
) -> Any:
    from barys.core import sensitivity

    return sensitivity.generalise(
        latitude=latitude,
        longitude=longitude,
        uncertainty_m=uncertainty,
        locality="",
        event_date="",
        category=category,
    )


def _metadata(
    survey: Survey,
    imported: dict[str, Any],
    deployment_rows: Sequence[dict[str, Any]],
    observation_rows: Sequence[dict[str, Any]],
    names: Sequence[str],
    lats: Sequence[float],
    lons: Sequence[float],
    precision_deg: float | None,
    has_individuals: bool,
    created: datetime | None,
) -> dict[str, Any]:
    metadata = dict(imported)
    metadata["created"] = dp.format_datetime((created or datetime.now(UTC)).astimezone(UTC))
    if "name" not in metadata:
        metadata["name"] = re.sub(r"[^a-z0-9._-]", "-", survey.code.lower())
    metadata.setdefault("id", str(uuid.uuid5(uuid.NAMESPACE_URL, f"barys:survey:{survey.code}")))
    metadata.setdefault("title", survey.title)
    if survey.description:
        metadata.setdefault("description", survey.description)
    if not metadata.get("contributors"):
        from barys.core.models import Scope

        scope = Scope.objects.filter(code=survey.scope_code).first() if survey.scope_code else None
        metadata["contributors"] = [
            {
                "title": scope.name_en if scope else (survey.scope_code or "Barys"),
                "role": "rightsHolder",
            }
        ]
    project = dict(metadata.get("project") or {})
    project.setdefault("id", str(uuid.uuid5(uuid.NAMESPACE_URL, f"barys:project:{survey.code}")))
    project.setdefault("title", survey.title)
    if survey.acronym:
        project.setdefault("acronym", survey.acronym)
    project.setdefault("samplingDesign", survey.sampling_design)
    project.setdefault("captureMethod", survey.capture_methods or ["activityDetection"])
    project.setdefault("individualAnimals", has_individuals)
    levels = sorted({row["observationLevel"] for row in observation_rows}) or ["event"]
    project.setdefault("observationLevel", levels)
    metadata["project"] = project
    if lats:
        west, east, south, north = min(lons), max(lons), min(lats), max(lats)
        metadata["spatial"] = {
            "type": "Polygon",
            "coordinates": [
                [[west, south], [east, south], [east, north], [west, north], [west, south]]
            ],
        }
    else:
        metadata.setdefault(
            "spatial",
            {"type": "Polygon", "coordinates": [[[0, 0], [0, 0], [0, 0], [0, 0], [0, 0]]]},
        )
    if precision_deg:
        metadata["coordinatePrecision"] = max(
            float(metadata.get("coordinatePrecision") or 0), precision_deg
        )
    starts = [row["deploymentStart"] for row in deployment_rows]
    ends = [row["deploymentEnd"] for row in deployment_rows]
    if starts:
        metadata["temporal"] = {
            "start": min(starts).date().isoformat(),
            "end": max(ends).date().isoformat(),
        }
    else:
        today = date.today().isoformat()
        metadata.setdefault("temporal", {"start": today, "end": today})
    metadata["taxonomic"] = _taxonomic(names, metadata.get("taxonomic") or [])
    return metadata


def _observation_rows(
    deployments: Sequence[Deployment], media_ids: set[int], public: bool
) -> tuple[list[dict[str, Any]], dict[str, Individual]]:
    by_pk = {d.pk: d for d in deployments}
    rows: list[dict[str, Any]] = []
    individuals: dict[str, Individual] = {}
    stored = (
        Observation.objects.filter(deployment__in=deployments)
        .select_related("event", "media", "individual", "individual__taxon", "taxon")
        .order_by("deployment__start", "event_start", "observation_id")
    )
    events_with_observations: set[int] = set()
    media_with_observations: set[int] = set()
    for obs in stored:
        if obs.media_id is not None and obs.media_id not in media_ids:
            continue
        if public and obs.observation_type == Observation.Type.HUMAN:
            continue  # people stay out of public packages
        if obs.event_id:
            events_with_observations.add(obs.event_id)
        if obs.media_id:
            media_with_observations.add(obs.media_id)
        individual_id = obs.individual.code if obs.individual else (obs.individual_ref or None)
        if obs.individual is not None:
            individuals[obs.individual.code] = obs.individual
        rows.append(
            {
                "observationID": obs.observation_id,
                "deploymentID": by_pk[obs.deployment_id].deployment_id,
                "mediaID": obs.media.media_id if obs.media else None,
                "eventID": obs.event.event_id if obs.event else (obs.event_ref or None),
                "eventStart": obs.event_start.astimezone(UTC),
                "eventEnd": obs.event_end.astimezone(UTC),
                "observationLevel": obs.level,
                "observationType": obs.observation_type,
                "cameraSetupType": obs.camera_setup_type or None,
                "scientificName": (obs.taxon.scientific_name if obs.taxon else obs.scientific_name)
                or None,
                "count": obs.count,
                "lifeStage": obs.life_stage or None,
                "sex": obs.sex or None,
                "behavior": obs.behaviour or None,
                "individualID": individual_id,
                "individualPositionRadius": obs.individual_position_radius_m,
                "individualPositionAngle": obs.individual_position_angle_deg,
                "individualSpeed": obs.individual_speed_m_s,
                "bboxX": obs.bbox_x,
                "bboxY": obs.bbox_y,
                "bboxWidth": obs.bbox_width,
                "bboxHeight": obs.bbox_height,
                "classificationMethod": obs.classification_method or None,
                "classifiedBy": obs.classified_by or None,
                "classificationTimestamp": obs.classification_timestamp.astimezone(UTC)
                if obs.classification_timestamp
                else None,
                "classificationProbability": obs.classification_probability,
                "observationTags": obs.tags or None,
                "observationComments": obs.comments or None,
            }
        )
    rows.extend(
        _machine_rows(
            deployments, media_ids, events_with_observations, media_with_observations, public
        )
    )
    return rows, individuals


def _machine_rows(
    deployments: Sequence[Deployment],
    media_ids: set[int],
    events_done: set[int],
    media_done: set[int],
    public: bool,
) -> list[dict[str, Any]]:
    runs = _latest_runs(deployments)
    by_pk = {d.pk: d for d in deployments}
    rows: list[dict[str, Any]] = []
    if not runs:
        return rows
    run_ids = [run.pk for run in runs.values()]
    classifications = (
        EventClassification.objects.filter(run_id__in=run_ids)
        .select_related("event", "run")
        .order_by("event__start", "event__event_id")
    )
    visible_events: set[int] = set(
        Media.objects.filter(pk__in=media_ids, event__isnull=False).values_list(
            "event_id", flat=True
        )
    )
    for item in classifications:
        event = item.event
        if event.pk in events_done or event.pk not in visible_events:
            continue
        if public and "human" in (item.present or []):
            continue
        kind = (
            item.observation_type
            if item.observation_type in dict(Observation.Type.choices)
            else "unclassified"
        )
        rows.append(
            {
                "observationID": derived_id("machine-event", event.event_id, str(item.run_id)),
                "deploymentID": by_pk[event.deployment_id].deployment_id,
                "mediaID": None,
                "eventID": event.event_id,
                "eventStart": event.start.astimezone(UTC),
                "eventEnd": event.end.astimezone(UTC),
                "observationLevel": "event",
                "observationType": kind,
                "classificationMethod": "machine",
                "classifiedBy": item.classified_by,
                "classificationTimestamp": item.classified_at.astimezone(UTC),
                "classificationProbability": min(1.0, max(0.0, item.probability)),
            }
        )
    detections = (
        Detection.objects.filter(run_id__in=run_ids, media_id__in=media_ids)
        .select_related("media", "media__event", "run")
        .order_by("media__timestamp", "media__media_id", "-confidence", "pk")
    )
    kinds = {"animal": "animal", "person": "human", "vehicle": "vehicle"}
    for detection in detections:
        run = detection.run
        if detection.confidence < run.classification_threshold or detection.media_id in media_done:
            continue
        if public and detection.category == "person":
            continue
        media = detection.media
        x = min(1.0, max(0.0, detection.bbox_x))
        y = min(1.0, max(0.0, detection.bbox_y))
        width = min(1.0 - x, max(1e-6, detection.bbox_width))
        height = min(1.0 - y, max(1e-6, detection.bbox_height))
        rows.append(
            {
                "observationID": derived_id("machine-box", media.media_id, str(detection.pk)),
                "deploymentID": by_pk[media.deployment_id].deployment_id,
                "mediaID": media.media_id,
                "eventID": media.event.event_id if media.event else None,
                "eventStart": media.timestamp.astimezone(UTC),
                "eventEnd": media.timestamp.astimezone(UTC),
                "observationLevel": "media",
                "observationType": kinds[detection.category],
                "bboxX": round(x, 6),
                "bboxY": round(y, 6),
                "bboxWidth": round(width, 6),
                "bboxHeight": round(height, 6),
                "classificationMethod": "machine",
                "classifiedBy": f"{run.model} {run.model_version}",
                "classificationProbability": round(detection.confidence, 6),
            }
        )
    return rows


def _individuals_resource() -> dict[str, Any]:
    return {
        "name": "individuals",
        "description": "Individually identified animals (Barys passports) named in observations.individualID.",
        "path": "individuals.csv",
        "profile": "tabular-data-resource",
        "format": "csv",
        "mediatype": "text/csv",
        "encoding": "utf-8",
        "schema": {
            "fields": [
                {
                    "name": "individualID",
                    "type": "string",
                    "constraints": {"required": True, "unique": True},
                },
                {"name": "individualName", "type": "string"},
                {"name": "scientificName", "type": "string"},
                {"name": "sex", "type": "string"},
                {"name": "birthYear", "type": "integer"},
                {"name": "motherID", "type": "string"},
            ],
            "primaryKey": ["individualID"],
        },
    }


def _individuals_csv(individuals: dict[str, Individual]) -> bytes:
    import csv
    import io

    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(
        ["individualID", "individualName", "scientificName", "sex", "birthYear", "motherID"]
    )
    for code in sorted(individuals):
        item = individuals[code]
        writer.writerow(
            [
                item.code,
                item.name,
                item.taxon.scientific_name,
                item.sex if item.sex != "unknown" else "",
                item.birth_year or "",
                item.mother.code if item.mother_id and item.mother else "",
            ]
        )
    return buffer.getvalue().encode("utf-8")


def export_all(
    *, out_dir: str | PathLike[str], public: bool = False, copy_media: bool = False
) -> list[Path]:
    """Every survey into its own sub-folder of ``out_dir`` (named by the survey code)."""
    written = []
    for survey in Survey.objects.order_by("code"):
        written.append(
            export_survey(
                survey=survey,
                out_dir=Path(out_dir) / survey.code,
                public=public,
                copy_media=copy_media,
            )
        )
    return written


# =========================================================================== import


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
        match = _OUTAGE_TAG.match(tag)
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
    stored_metadata[_EXTRA_RESOURCES] = package.extra_resources
    stored_metadata[_EXTRA_FILES] = {
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
            "time_zone": _zone_text_of(row["deploymentStart"]),
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
            "time_zone": _zone_text_of(moment),
            "exif_data": exif,
            "favourite": row["favorite"],
            "comments": row["mediaComments"] or "",
        }
        media = existing.get(row["mediaID"])
        if media is None:
            media = Media(media_id=row["mediaID"], **values)
            new.append(media)
            existing[row["mediaID"]] = media
        else:
            for key, value in values.items():
                setattr(media, key, value)
            changed.append(media)
    Media.objects.bulk_create(new, batch_size=500)
    if changed:
        Media.objects.bulk_update(changed, fields, batch_size=500)
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
        found = existing.get(row["observationID"])
        if found is None:
            new.append(Observation(observation_id=row["observationID"], **values))
        else:
            for key, value in values.items():
                setattr(found, key, value)
            changed.append(found)
    Observation.objects.bulk_create(new, batch_size=500)
    if changed:
        Observation.objects.bulk_update(changed, fields, batch_size=500)
    by_event: dict[int, list[int]] = defaultdict(list)
    for media_pk, event in media_events.items():
        by_event[event.pk].append(media_pk)
    for event_pk, pks in by_event.items():
        Media.objects.filter(pk__in=pks).update(event_id=event_pk)
    for event in events.values():
        count = Media.objects.filter(event=event).count()
        if event.media_count != count:
            Event.objects.filter(pk=event.pk).update(media_count=count)


def survey_for_export(code: str) -> Survey:
    """The survey with this code. Raises NotFound."""
    survey = Survey.objects.filter(code=code).first()
    if survey is None:
        raise NotFound(f"no survey with code {code!r}")
    return survey


__all__ = [
    "PackageRefused",
    "export_all",
    "export_survey",
    "import_package",
    "survey_for_export",
]
