"""Confirmed camera-trap observations as Darwin Core occurrences in the unified records.

An observation is *confirmed* when a person made it (``classificationMethod`` human), it is of
an animal with a taxon, and its event is not waiting for a second opinion. Each confirmed
observation is one ``MachineObservation`` record (occurrenceID derived from the
observationID), at the station's exact position: the records keep exact positions and every
surface shows them through the sensitivity policy (generalised or withheld for the public).

The records follow the observations: saving or deleting an observation (the review, the
identification of individuals, a Camtrap DP import) updates or removes its record, through
:func:`sync_observation` (connected to the model's signals) or :func:`sync_events`.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.db import transaction

from barys.camtrap.models import Event, Media, Observation
from barys.records import cells, derived, locating
from barys.records.models import Occurrence

SOURCE_CODE = "barys-camera-traps"
OCCURRENCE_NAMESPACE = uuid.UUID("0b6f9e52-8c1d-4f0a-a3c7-2e5d9b41c6f8")
REASON = "camera-trap observation"


def occurrence_id_of(observation_id: str) -> uuid.UUID:
    return uuid.uuid5(OCCURRENCE_NAMESPACE, observation_id)


def is_confirmed(observation: Observation) -> bool:
    event = observation.event
    return (
        observation.observation_type == Observation.Type.ANIMAL
        and observation.taxon_id is not None
        and observation.classification_method == Observation.Method.HUMAN
        and (event is None or event.review_state != Event.ReviewState.SECOND_OPINION)
    )


def _source() -> Any:
    return derived.source(
        SOURCE_CODE,
        title="Camera traps (reviewed observations)",
        description="Animals seen on camera-trap images and confirmed by a person.",
    )


def _values(
    observation: Observation, source: Any, media_of_event: dict[int, list[str]]
) -> dict[str, Any]:
    deployment = observation.deployment
    station = deployment.station
    taxon = observation.taxon
    assert taxon is not None
    event = observation.event
    media_ids: list[str] = []
    if observation.media is not None:
        media_ids = [observation.media.media_id]
    elif event is not None:
        media_ids = media_of_event.get(event.pk, [])
    return {
        "source": source,
        "basis_of_record": Occurrence.Basis.MACHINE,
        "event_date_start": observation.event_start,
        "event_date_end": observation.event_end,
        "event_date_precision": Occurrence.DatePrecision.DATETIME,
        "year": observation.event_start.year,
        "taxon": taxon,
        "verbatim_name": observation.scientific_name or taxon.scientific_name,
        "match_type": Occurrence.Match.EXACT,
        "latitude": station.latitude,
        "longitude": station.longitude,
        "coordinate_uncertainty_m": station.coordinate_uncertainty_m,
        "locality": station.name,
        "protected_area": station.scope_code,
        "individual_count": observation.count,
        "sex": observation.sex,
        "life_stage": observation.life_stage,
        "occurrence_status": "present",
        "organism_id": observation.individual.code if observation.individual else "",
        "recorded_by": deployment.setup_by,
        "identified_by": observation.classified_by,
        "associated_media": " | ".join(media_ids),
        "remarks": observation.behaviour,
        "verbatim": {
            "observationID": observation.observation_id,
            "eventID": event.event_id if event else observation.event_ref,
            "deploymentID": deployment.deployment_id,
            "locationID": station.code,
        },
        "transformations": ["camera-trap observation confirmed by a person"],
    }


def _write(observations: list[Observation], actor: Any) -> dict[str, int]:
    counts = {"created": 0, "updated": 0, "unchanged": 0, "removed": 0}
    confirmed = [o for o in observations if is_confirmed(o)]
    stale = [occurrence_id_of(o.observation_id) for o in observations if not is_confirmed(o)]
    deltas: derived.Deltas = {}
    with transaction.atomic():
        if confirmed:
            source = _source()
            media_of_event: dict[int, list[str]] = {}
            for event_pk, media_id in (
                Media.objects.filter(event_id__in={o.event_id for o in confirmed if o.event_id})
                .order_by("event_id", "timestamp", "pk")
                .values_list("event_id", "media_id")
            ):
                media_of_event.setdefault(event_pk, []).append(media_id)
            places = locating.locate(
                [(o.deployment.station.latitude, o.deployment.station.longitude) for o in confirmed]
            )
            for observation, place in zip(confirmed, places, strict=True):
                values = _values(observation, source, media_of_event)
                values["oblast"] = place.get("oblast", "")
                values["protected_area"] = values["protected_area"] or place.get(
                    "protected_area", ""
                )
                outcome = derived.write(
                    occurrence_id=occurrence_id_of(observation.observation_id),
                    values=values,
                    place=place,
                    actor=actor,
                    reason=REASON,
                    deltas=deltas,
                )
                counts[outcome] += 1
        if stale:
            counts["removed"] = derived.remove(stale, actor=actor, reason=REASON, deltas=deltas)
        cells.apply(deltas)
    if confirmed:
        locating.after_import(sorted({o.taxon_id for o in confirmed if o.taxon_id}))
    return counts


def _loaded(queryset: Any) -> list[Observation]:
    return list(
        queryset.select_related("deployment__station", "event", "media", "taxon", "individual")
    )


def sync_events(events: Iterable[Event], *, actor: Any = None) -> dict[str, int]:
    """Brings the records of these events' observations in line with them."""
    return _write(_loaded(Observation.objects.filter(event__in=list(events))), actor)


def sync_deployments(deployment_ids: Iterable[int], *, actor: Any = None) -> dict[str, int]:
    """The same for every observation of these deployments (after an import)."""
    ids = list(deployment_ids)
    return _write(_loaded(Observation.objects.filter(deployment_id__in=ids)), actor)


def sync_observation(sender: Any, instance: Observation, **kwargs: Any) -> None:
    """Signal receiver: an observation was saved."""
    if kwargs.get("raw"):
        return
    _write(_loaded(Observation.objects.filter(pk=instance.pk)), None)


def forget_observation(sender: Any, instance: Observation, **kwargs: Any) -> None:
    """Signal receiver: an observation was deleted; its record goes with it."""
    deltas: derived.Deltas = {}
    with transaction.atomic():
        derived.remove(
            [occurrence_id_of(instance.observation_id)], actor=None, reason=REASON, deltas=deltas
        )
        cells.apply(deltas)
