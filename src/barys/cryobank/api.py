"""Cryobank endpoints of the JSON API (thin, signed-in staff only). Collection places go
through the sensitivity policy; the custody log is read-only here as everywhere."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from barys.core.api_auth import LOGIN_REQUIRED
from barys.cryobank import access, queries
from barys.cryobank.models import Sample

router = Router(tags=["cryobank"])


class CustodyOut(Schema):
    at: dt.datetime
    kind: str
    who: str
    from_label: str
    to_label: str
    quantity: float | None
    quantity_after: float | None
    reason: str


class SampleOut(Schema):
    code: str
    materialSampleID: str
    scientificName: str
    organismID: str | None
    material: str
    preservation: str
    quantity: float
    unit: str
    status: str
    container: str | None
    position: str
    parent: str | None
    incident: str | None
    eventDate: str
    decimalLatitude: float | None
    decimalLongitude: float | None
    coordinateUncertaintyInMeters: float | None
    exact: bool


class SampleDetailOut(SampleOut):
    custody: list[CustodyOut]


def _out(item: access.PresentedSample) -> dict[str, Any]:
    sample, loc = item.sample, item.location
    return {
        "code": sample.code,
        "materialSampleID": f"urn:uuid:{sample.uuid}",
        "scientificName": sample.taxon.scientific_name,
        "organismID": sample.individual.code if sample.individual_id else None,
        "material": sample.material,
        "preservation": sample.preservation,
        "quantity": float(sample.quantity),
        "unit": sample.unit,
        "status": sample.status,
        "container": sample.container.code if sample.container_id else None,
        "position": sample.position,
        "parent": sample.parent.code if sample.parent_id else None,
        "incident": sample.source_incident.code if sample.source_incident_id else None,
        "eventDate": loc.event_date,
        "decimalLatitude": loc.latitude,
        "decimalLongitude": loc.longitude,
        "coordinateUncertaintyInMeters": loc.uncertainty_m,
        "exact": loc.exact,
    }


def _require_view(request: HttpRequest) -> Any:
    if not access.may_view(request.user):
        raise HttpError(403, "the cryobank is open to field staff, researchers and curators")
    return request.user


@router.get("/cryobank/samples", response=list[SampleOut], auth=LOGIN_REQUIRED)
def sample_list(request: HttpRequest, limit: int = 100, offset: int = 0) -> list[dict]:
    """Samples filtered by q (code), taxon (slug), individual, material, place (protected area
    code), status and incident (number)."""
    user = _require_view(request)
    filters = queries.SampleFilters.from_params(request.GET)
    if filters.errors:
        raise HttpError(400, "; ".join(filters.errors))
    limit = max(1, min(limit, 1000))
    rows = list(queries.find(filters)[max(0, offset) : max(0, offset) + limit])
    return [_out(i) for i in access.present(rows, user=user, surface="cryobank API")]


@router.get("/cryobank/samples/{code}", response=SampleDetailOut, auth=LOGIN_REQUIRED)
def sample_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    """One sample with its custody log."""
    user = _require_view(request)
    sample = get_object_or_404(
        Sample.objects.select_related(
            "taxon", "individual", "container", "parent", "source_incident", "scope"
        ),
        code=code,
    )
    item = access.present([sample], user=user, surface="cryobank API")[0]
    custody = [
        {
            "at": e.at,
            "kind": e.kind,
            "who": e.actor_label,
            "from_label": e.from_label,
            "to_label": e.to_label,
            "quantity": float(e.quantity) if e.quantity is not None else None,
            "quantity_after": float(e.quantity_after) if e.quantity_after is not None else None,
            "reason": e.reason,
        }
        for e in sample.custody.order_by("at", "id")
    ]
    return {**_out(item), "custody": custody}
