"""Individual registry endpoints of the JSON API (thin). Locations go through the policy."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from barys.core import roles
from barys.core.api_auth import current_user
from barys.core.models import Scope
from barys.individuals import decisions, kinship, passports, sightings
from barys.individuals.errors import NotFound
from barys.individuals.export import camtrap_dp_individuals
from barys.individuals.models import Annotation, Individual

router = Router(tags=["individuals"])


class IndividualOut(Schema):
    individualID: str
    scientificName: str
    individualName: str
    sex: str
    birthYear: int | None
    birthYearExact: bool
    status: str
    motherID: str
    firstSeen: str
    lastSeen: str
    mergedInto: str
    distinguishingMarks: str
    protectedArea: str


class YearCount(Schema):
    year: int
    camera: int
    records: int


class IndividualDetail(IndividualOut):
    offspring: list[str]
    sightingsByYear: list[YearCount]
    map: dict[str, Any]
    exact: bool
    dataGeneralizations: str


class LitterOut(Schema):
    year: int
    motherID: str
    cubs: int
    cubIDs: list[str]
    protectedArea: str
    source: str


class SuggestionOut(Schema):
    rank: int
    individualID: str
    probability: float
    score: float
    inliers: int
    band: str
    calibrated: bool
    status: str
    candidateAnnotation: str


def _exact_for(user: Any, individual: Individual) -> bool:
    return bool(roles.has_role(user, "observer", passports.scope_code_of(individual)))


@router.get("/individuals", response=list[IndividualOut])
def individual_list(request: HttpRequest, park: str = "", taxon: str = "") -> list[dict]:
    """Passports (merged ones included, with ``mergedInto``); first/last seen reduced to the
    year for sensitive taxa unless the caller may see exact data in the passport's area."""
    user = current_user(request)
    rows = Individual.objects.select_related("scope")
    if park:
        rows = rows.filter(scope__code=park)
    if taxon:
        rows = rows.filter(taxon__slug=taxon)
    found = list(rows.order_by("code")[:5000])
    exact = [i for i in found if _exact_for(user, i)]
    public = [i for i in found if not _exact_for(user, i)]
    out = camtrap_dp_individuals(individuals=exact, exact=True) if exact else []
    out += camtrap_dp_individuals(individuals=public, exact=False) if public else []
    return sorted(out, key=lambda r: r["individualID"])


@router.get("/individuals/{code}", response=IndividualDetail)
def individual_detail(request: HttpRequest, code: str) -> dict:
    """One passport with sightings per year and its map (stations or grid cells)."""
    user = current_user(request)
    try:
        individual = passports.get_individual(code)
    except NotFound as exc:
        raise HttpError(404, str(exc)) from exc
    exact = _exact_for(user, individual)
    row = camtrap_dp_individuals(individuals=[individual], exact=exact)[0]
    view = sightings.present(individual, user=user, surface="api individual")
    return {
        **row,
        "offspring": list(individual.offspring.order_by("code").values_list("code", flat=True)),
        "sightingsByYear": [
            {"year": y, "camera": c.get("camera", 0), "records": c.get("record", 0)}
            for y, c in view.by_year()
        ],
        "map": view.map_data(),
        "exact": view.exact if view.sightings else exact,
        "dataGeneralizations": view.generalisation_note,
    }


@router.get("/litters", response=list[LitterOut])
def litter_list(request: HttpRequest, park: str = "") -> list[dict]:
    """Litter records (female seen with cubs), oldest first; ``park`` is a scope code."""
    scope = get_object_or_404(Scope, code=park) if park else None
    return [
        {
            "year": litter.year,
            "motherID": litter.mother.code if litter.mother else "",
            "cubs": litter.cubs_count,
            "cubIDs": [c.code for c in litter.cubs.all()],
            "protectedArea": litter.scope.code if litter.scope else "",
            "source": litter.source,
        }
        for litter in kinship.litters(scope=scope)
    ]


@router.get("/annotations/{annotation_id}/suggestions", response=list[SuggestionOut])
def annotation_suggestions(request: HttpRequest, annotation_id: uuid.UUID) -> list[dict]:
    """Ranked candidates for an annotation (researchers of the station's area)."""
    user = current_user(request)
    annotation = get_object_or_404(
        Annotation.objects.select_related("media__deployment__station"),
        annotation_id=annotation_id,
    )
    if not roles.has_role(user, "researcher", decisions.annotation_scope(annotation)):
        raise HttpError(403, "the researcher role in the station's area is required")
    return [
        {
            "rank": s.rank,
            "individualID": s.individual.code,
            "probability": s.probability,
            "score": s.score,
            "inliers": s.inliers,
            "band": s.band,
            "calibrated": s.calibrated,
            "status": s.status,
            "candidateAnnotation": str(s.candidate_annotation.annotation_id)
            if s.candidate_annotation
            else "",
        }
        for s in annotation.suggestions.select_related("individual", "candidate_annotation")
    ]
