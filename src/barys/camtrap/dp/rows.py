"""The observation and individual rows of an exported package: stored observations, the
latest machine classification of each event and the machine boxes above their threshold."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC
from typing import Any

from barys.camtrap.events import derived_id
from barys.camtrap.models import (
    Deployment,
    Detection,
    DetectionRun,
    EventClassification,
    Media,
    Observation,
)
from barys.individuals.models import Individual


def _latest_runs(deployments: Iterable[Deployment]) -> dict[int, DetectionRun]:
    runs: dict[int, DetectionRun] = {}
    for run in DetectionRun.objects.filter(
        deployment__in=list(deployments), state=DetectionRun.State.DONE
    ).order_by("deployment_id", "started_at", "pk"):
        runs[run.deployment_id] = run
    return runs


def observations_table(
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
        _machine_observations(
            deployments, media_ids, events_with_observations, media_with_observations, public
        )
    )
    return rows, individuals


def _machine_observations(
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


def individuals_resource() -> dict[str, Any]:
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


def individuals_csv(individuals: dict[str, Individual]) -> bytes:
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
