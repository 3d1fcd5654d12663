"""Incident endpoints of the JSON API (thin). Locations go through the sensitivity policy:
the public gets published incidents only, generalised."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError
from ninja.responses import Status

from barys.core import roles
from barys.core.api_auth import LOGIN_REQUIRED, current_user
from barys.incidents import access, queries, services
from barys.incidents.models import Incident, IncidentType
from barys.incidents.schema import AttributeErrors

router = Router(tags=["incidents"])


class IncidentTypeOut(Schema):
    code: str
    name: str
    default_priority: str
    attribute_schema: dict[str, Any]


class IncidentOut(Schema):
    code: str
    id: str
    type: str
    type_name: str
    date: str
    scope: str | None
    taxon: str | None
    scientific_name: str | None
    individual: str | None
    count: int | None
    state: str
    priority: str
    outcome: str
    published: bool
    latitude: float | None
    longitude: float | None
    uncertainty_m: float | None
    locality: str
    exact: bool
    data_generalizations: str
    information_withheld: str
    attributes: dict[str, Any]
    summary: str


class IncidentPage(Schema):
    results: list[IncidentOut]
    count: int


class IncidentIn(Schema):
    type: str
    occurred_at: dt.datetime
    scope: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    uncertainty_m: float | None = None
    locality: str = ""
    taxon: str | None = None
    individual: str | None = None
    count: int | None = 1
    priority: str | None = None
    narrative: str = ""
    reporter_name: str = ""
    attributes: dict[str, Any] = {}


def _out(item: access.PresentedIncident) -> dict[str, Any]:
    incident, loc = item.incident, item.location
    public_only = not item.staff
    attributes = incident.attributes or {}
    if public_only:
        props = (incident.type.schema or {}).get("properties", {})
        attributes = {k: v for k, v in attributes.items() if props.get(k, {}).get("x-public")}
    return {
        "code": incident.code,
        "id": str(incident.uuid),
        "type": incident.type.code,
        "type_name": incident.type.name(),
        "date": incident.occurred_at.isoformat() if loc.exact else loc.event_date,
        "scope": incident.scope.code if incident.scope_id else None,
        "taxon": incident.taxon.slug if incident.taxon_id else None,
        "scientific_name": incident.taxon.scientific_name if incident.taxon_id else None,
        "individual": incident.individual.code if incident.individual_id and item.staff else None,
        "count": incident.count,
        "state": incident.state,
        "priority": incident.priority,
        "outcome": incident.outcome,
        "published": incident.published,
        "latitude": loc.latitude,
        "longitude": loc.longitude,
        "uncertainty_m": loc.uncertainty_m,
        "locality": loc.locality,
        "exact": loc.exact,
        "data_generalizations": loc.data_generalizations,
        "information_withheld": loc.information_withheld,
        "attributes": attributes,
        "summary": incident.narrative if item.staff else incident.public_summary,
    }


@router.get("/incident-types", response=list[IncidentTypeOut])
def incident_types(request: HttpRequest) -> list[dict[str, Any]]:
    """Active incident types with the JSON schema of their typed attributes."""
    return [
        {
            "code": t.code,
            "name": t.name(),
            "default_priority": t.default_priority,
            "attribute_schema": t.schema,
        }
        for t in IncidentType.objects.filter(active=True)
    ]


@router.get("/incidents", response={200: Any})
def incident_list(
    request: HttpRequest, limit: int = 100, offset: int = 0, format: str = "json"
) -> dict[str, Any]:
    """Incidents the caller may see (the public: published ones, generalised), filtered by
    type, state, priority, scope, taxon (slug) and year; ``format=geojson`` for a map."""
    user = current_user(request)
    filters = queries.IncidentFilters.from_params(request.GET)
    if filters.errors:
        raise HttpError(400, "; ".join(filters.errors))
    limit = max(1, min(limit, 1000))
    found = queries.find(filters, user=user)
    rows = list(found[max(0, offset) : max(0, offset) + limit])
    items = access.present(rows, user=user, surface="incidents API")
    if format == "geojson":
        return queries.map_features(items)
    return {"results": [_out(i) for i in items], "count": found.count()}


@router.get("/incidents/{code}", response={200: IncidentOut})
def incident_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    user = current_user(request)
    incident = get_object_or_404(
        Incident.objects.select_related("type", "scope", "taxon", "individual"), code=code
    )
    if not access.may_view(user, incident):
        raise HttpError(404, "Not Found")
    return _out(access.present_one(incident, user=user, surface="incidents API"))


@router.post("/incidents", response={201: IncidentOut}, auth=LOGIN_REQUIRED)
def incident_create(request: HttpRequest, payload: IncidentIn) -> Status[dict[str, Any]]:
    """Record an incident (observers in the incident's protected area)."""
    user = request.user
    try:
        found = services.resolve_references(
            type_code=payload.type,
            scope_code=payload.scope,
            taxon_slug=payload.taxon,
            individual_code=payload.individual,
        )
        incident = services.record_incident(
            actor=user,
            type=found.type,
            occurred_at=payload.occurred_at,
            scope=found.scope,
            latitude=payload.latitude,
            longitude=payload.longitude,
            uncertainty_m=payload.uncertainty_m,
            locality=payload.locality,
            taxon=found.taxon,
            individual=found.individual,
            count=payload.count,
            priority=payload.priority,
            narrative=payload.narrative,
            reporter_name=payload.reporter_name,
            attributes=payload.attributes,
        )
    except AttributeErrors as exc:
        raise HttpError(
            400,
            "attributes: "
            + "; ".join(f"{name}: {' '.join(msgs)}" for name, msgs in exc.errors.items()),
        ) from exc
    except services.IncidentError as exc:
        raise HttpError(400, f"{exc.field or 'incident'}: {exc}") from exc
    except roles.PermissionDenied as exc:
        raise HttpError(403, str(exc)) from exc
    return Status(201, _out(access.present_one(incident, user=user, surface="incidents API")))
