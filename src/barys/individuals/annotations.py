"""Annotation services: boxes on camera-trap media, from detections or drawn by hand.

A box is normalised to the image: ``(x, y, width, height)`` as fractions 0–1 of the image's
width and height, ``(x, y)`` the top-left corner. An annotation shows one animal from one
viewpoint and is linked to at most one individual (identifications go through
:mod:`barys.individuals.decisions`, which keeps them undoable). Every change is audited and
schedules an update of the re-identification index.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from django.db import transaction

from barys.core import audit, roles
from barys.individuals.errors import InvalidInput, RegistryConflict
from barys.individuals.models import Annotation, Individual, Viewpoint
from barys.taxa.models import Taxon

Box = tuple[float, float, float, float]
#: Fields :func:`update_annotation` may change.
EDITABLE_FIELDS = ("box", "viewpoint", "quality", "life_stage", "is_reference", "notes", "taxon")
_TOLERANCE = 1e-6


def check_box(box: Sequence[Any]) -> Box:
    """A valid normalised box ``(x, y, width, height)`` (raises :class:`InvalidInput`)."""
    try:
        x, y, w, h = (float(v) for v in box)
    except (TypeError, ValueError):
        raise InvalidInput("box: expected four numbers x, y, width, height") from None
    if not all(math.isfinite(v) for v in (x, y, w, h)):
        raise InvalidInput("box: values must be finite numbers")
    if w <= 0 or h <= 0:
        raise InvalidInput("box: width and height must be greater than 0")
    if x < 0 or y < 0 or x + w > 1 + _TOLERANCE or y + h > 1 + _TOLERANCE:
        raise InvalidInput("box: must lie inside the image (fractions 0–1 of its size)")
    return (x, y, min(w, 1.0 - x), min(h, 1.0 - y))


def check_viewpoint(viewpoint: str) -> str:
    if viewpoint not in Viewpoint.values:
        raise InvalidInput(
            f"viewpoint {viewpoint!r}: expected one of {', '.join(Viewpoint.values)}"
        )
    return viewpoint


def media_scope(media: Any) -> str | None:
    return media.deployment.station.scope_code or None


def can_annotate(user: Any, media: Any) -> bool:
    """Researchers of the station's area annotate and identify."""
    return roles.has_role(user, "researcher", media_scope(media))


def _require(actor: Any, media: Any) -> None:
    if not isinstance(actor, str):
        roles.require_role(actor, "researcher", media_scope(media))


def _default_taxon(media: Any, individual: Individual | None) -> Taxon:
    if individual is not None:
        return individual.taxon
    targets = list(media.deployment.station.survey.target_taxa.all()[:2])
    if len(targets) == 1:
        return targets[0]
    raise InvalidInput("taxon: required (the survey has no single target taxon)")


def _sync(taxon: Taxon) -> None:
    from barys.individuals import recognition

    recognition.schedule_sync(taxon)


@transaction.atomic
def create_annotation(
    *,
    media: Any,
    viewpoint: str,
    actor: Any,
    box: Sequence[float] | None = None,
    detection: Any = None,
    taxon: Taxon | None = None,
    quality: str = str(Annotation.Quality.GOOD),
    life_stage: str = "",
    individual: Individual | None = None,
    is_reference: bool = False,
    notes: str = "",
) -> Annotation:
    """Annotate one animal on ``media``.

    ``box`` (normalised x, y, width, height) or ``detection`` (its box is used) is needed.
    ``taxon`` defaults to the individual's, else the survey's single target taxon. Giving
    ``individual`` here is for imports and the demo; people identify through decisions.
    """
    _require(actor, media)
    if detection is not None and detection.media_id != media.pk:
        raise InvalidInput("detection: belongs to another medium")
    if box is None:
        if detection is None:
            raise InvalidInput("box: draw a box or choose a detection")
        box = detection.bbox
    x, y, w, h = check_box(box)
    check_viewpoint(viewpoint)
    if quality not in Annotation.Quality.values:
        raise InvalidInput(f"quality {quality!r}: expected good, fair or poor")
    if life_stage and life_stage not in Annotation.LifeStage.values:
        raise InvalidInput(f"life stage {life_stage!r}: expected adult, subadult or cub")
    taxon = taxon or _default_taxon(media, individual)
    if individual is not None:
        if individual.taxon_id != taxon.pk:
            raise RegistryConflict(f"{individual.code} is of another taxon")
        if individual.merged_into_id:
            raise RegistryConflict(f"{individual.code} was merged into another passport")
    annotation = Annotation.objects.create(
        media=media,
        event_id=media.event_id,
        detection=detection,
        origin=Annotation.Origin.DETECTION if detection is not None else Annotation.Origin.HAND,
        taxon=taxon,
        bbox_x=x,
        bbox_y=y,
        bbox_width=w,
        bbox_height=h,
        viewpoint=viewpoint,
        quality=quality,
        life_stage=life_stage,
        individual=individual,
        is_reference=is_reference,
        notes=notes,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    audit.record_create(annotation, actor=actor)
    if individual is not None:
        from barys.individuals import decisions
        from barys.individuals.changes import ChangeSet

        # the identification observation of the event, as a decision would keep it
        cs = ChangeSet(actor=actor, reason="annotation created with its individual")
        if annotation.event_id:
            decisions._reconcile_event(cs, annotation.event_id)
        decisions._refresh_seen(cs, individual)
    _sync(taxon)
    return annotation


@transaction.atomic
def update_annotation(
    *, annotation: Annotation, actor: Any, reason: str = "", **fields: Any
) -> Annotation:
    """Change the box, viewpoint, quality, life stage, reference flag, notes or taxon."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown annotation fields: {', '.join(sorted(unknown))}")
    _require(actor, annotation.media)
    changes = dict(fields)
    if "box" in changes:
        box = check_box(changes.pop("box"))
        changes.update(zip(("bbox_x", "bbox_y", "bbox_width", "bbox_height"), box, strict=True))
    if "viewpoint" in changes:
        check_viewpoint(changes["viewpoint"])
    if changes.get("quality", annotation.quality) not in Annotation.Quality.values:
        raise InvalidInput("quality: expected good, fair or poor")
    if changes.get("life_stage") and changes["life_stage"] not in Annotation.LifeStage.values:
        raise InvalidInput("life stage: expected adult, subadult or cub")
    taxon = changes.get("taxon")
    individual = annotation.individual if annotation.individual_id else None
    if taxon is not None and individual is not None and individual.taxon_id != taxon.pk:
        raise RegistryConflict("the identified individual is of another taxon")
    if changes.get("is_reference", annotation.is_reference) and individual is None:
        raise InvalidInput("only an identified annotation can be a reference photo")
    before = audit.snapshot(annotation)
    for name, value in changes.items():
        setattr(annotation, name, value)
    annotation.save()
    audit.record_update(annotation, before, actor=actor, reason=reason)
    _sync(annotation.taxon)
    return annotation


@transaction.atomic
def delete_annotation(*, annotation: Annotation, actor: Any, reason: str = "") -> None:
    """Delete an annotation that is not identified (remove the identification first)."""
    _require(actor, annotation.media)
    if annotation.individual_id is not None:
        raise RegistryConflict("remove the identification before deleting the annotation")
    taxon = annotation.taxon
    audit.record_delete(annotation, actor=actor, reason=reason)
    annotation.delete()
    _sync(taxon)


def annotations_from_detections(
    *,
    media: Any,
    actor: Any,
    viewpoint: str,
    taxon: Taxon | None = None,
    min_confidence: float = 0.5,
) -> list[Annotation]:
    """One annotation per animal detection of ``media`` at or above ``min_confidence`` that
    has none yet (``viewpoint`` for all of them; change each afterwards)."""
    made = []
    for detection in media.detections.filter(
        category="animal", confidence__gte=min_confidence, annotations__isnull=True
    ).order_by("-confidence"):
        made.append(
            create_annotation(
                media=media, viewpoint=viewpoint, actor=actor, detection=detection, taxon=taxon
            )
        )
    return made
