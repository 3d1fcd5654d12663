"""Camtrap DP export of surveys, whole or through the sensitive-location policy."""

from __future__ import annotations

import json
import re
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime
from os import PathLike
from pathlib import Path
from typing import Any

from django.db.models import Max

from barys.camtrap import clock
from barys.camtrap.access import public_station_location, station_categories
from barys.camtrap.dp.common import EXTRA_FILES, EXTRA_RESOURCES, LANGUAGES
from barys.camtrap.dp.rows import individuals_csv, individuals_resource, observations_table
from barys.camtrap.errors import NotFound
from barys.camtrap.exifedit import strip_gps
from barys.camtrap.models import (
    Deployment,
    Media,
    Outage,
    Station,
    Survey,
)
from barys.core import sensitivity
from barys.core.filestore import default_store
from barys.interop import camtrap_dp as dp
from barys.taxa.models import Taxon


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
                for code, lang in LANGUAGES.items()
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
    extra_resources = list(metadata_in.pop(EXTRA_RESOURCES, []) or [])
    extra_file_refs = dict(metadata_in.pop(EXTRA_FILES, {}) or {})
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
            view = sensitivity.generalise(
                latitude=latitude,
                longitude=longitude,
                uncertainty_m=uncertainty,
                locality="",
                event_date="",
                category=category,
            )
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
    observation_rows, individuals = observations_table(kept, media_ids, public)
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
        extra_resources.append(individuals_resource())
        extra_files["individuals.csv"] = individuals_csv(individuals)
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


def survey_for_export(code: str) -> Survey:
    """The survey with this code. Raises NotFound."""
    survey = Survey.objects.filter(code=code).first()
    if survey is None:
        raise NotFound(f"no survey with code {code!r}")
    return survey
