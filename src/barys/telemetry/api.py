"""Telemetry endpoints of the JSON API (thin). Every location goes through the policy in
:mod:`barys.telemetry.presentation`: exact fixes only for people allowed them (logged)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.errors import HttpError

from barys.core.api_auth import LOGIN_REQUIRED, current_user
from barys.telemetry import exporting, presentation, services

router = Router(tags=["telemetry"])


class DeploymentOut(Schema):
    individual: str
    taxon: str
    deploy_on: str
    deploy_off: str | None
    attachment: str
    end_reason: str
    fixes: int
    recent: bool


class CollarOut(Schema):
    tag: str
    manufacturer: str
    model: str
    serial_number: str
    sensors: list[str]
    deployments: list[DeploymentOut]


class OverrideIn(Schema):
    decision: str  # "valid", "outlier" or "" (back to the cleaning's verdict)
    reason: str


class OverrideOut(Schema):
    id: int
    flags: list[str]
    outlier: bool
    override: str


class PublishOut(Schema):
    created: int
    updated: int
    unchanged: int
    days: int
    withheld: bool


def _time(value: str | None, name: str) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        raise HttpError(400, f"{name}: expected an ISO 8601 date or time") from None
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed


@router.get("/telemetry/collars", response=list[CollarOut], url_name="telemetry_collars")
def collar_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Tags (collars) with their deployments and fix counts; no locations."""
    rows = presentation.collar_list(user=current_user(request))
    return [
        {
            "tag": r.tag.local_identifier,
            "manufacturer": r.tag.manufacturer,
            "model": r.tag.model,
            "serial_number": r.tag.serial_number,
            "sensors": list(r.tag.sensors or []),
            "deployments": [
                {
                    "individual": d.deployment.individual.code,
                    "taxon": d.deployment.individual.taxon.scientific_name,
                    "deploy_on": f"{d.deployment.deploy_on:%Y-%m-%d}",
                    "deploy_off": f"{d.deployment.deploy_off:%Y-%m-%d}"
                    if d.deployment.deploy_off
                    else None,
                    "attachment": d.deployment.attachment,
                    "end_reason": d.deployment.end_reason,
                    "fixes": d.fixes,
                    "recent": d.recent,
                }
                for d in r.deployments
            ],
        }
        for r in rows
    ]


@router.get("/telemetry/individuals/{code}/track", response={200: Any}, url_name="telemetry_track")
def track(
    request: HttpRequest,
    code: str,
    layer: str = "fixes",
    start: str = "",
    end: str = "",
    include_outliers: bool = True,
) -> dict[str, Any]:
    """The individual's track as GeoJSON. ``layer``: ``fixes`` (points with flags and
    reasons), ``daily`` or ``monthly`` (paths without outliers), ``detections`` (other
    methods, e.g. camera traps). ``start``/``end``: ISO 8601 (UTC when no offset). Only people
    allowed exact locations in the animal's area get features; others get an empty
    collection with ``information_withheld``."""
    try:
        return presentation.track_geojson(
            code=code,
            user=current_user(request),
            layer=layer,
            start=_time(start, "start"),
            end=_time(end, "end"),
            include_outliers=include_outliers,
        )
    except presentation.NotFound as exc:
        raise HttpError(404, str(exc)) from exc
    except services.TelemetryError as exc:
        raise HttpError(400, str(exc)) from exc


@router.get(
    "/telemetry/individuals/{code}/home-ranges",
    response={200: Any},
    url_name="telemetry_home_ranges",
)
def home_ranges(request: HttpRequest, code: str) -> dict[str, Any]:
    """Home ranges (MCP 95/100 %, KDE 50/95 %) per season as GeoJSON with areas in km²:
    exact polygons for people allowed exact locations, otherwise only the generalised
    seasonal ranges (grid cells, from fixes older than the live window)."""
    try:
        return presentation.home_ranges_geojson(code=code, user=current_user(request))
    except presentation.NotFound as exc:
        raise HttpError(404, str(exc)) from exc


@router.post("/telemetry/fixes/{fix_id}/override", response=OverrideOut, auth=LOGIN_REQUIRED)
def override(request: HttpRequest, fix_id: int, payload: OverrideIn) -> dict[str, Any]:
    """A researcher's verdict on a flagged fix (audited): ``valid``, ``outlier`` or ``""``."""
    try:
        fix = services.override_fix(
            fix_id=fix_id, decision=payload.decision, reason=payload.reason, actor=request.user
        )
    except services.NotAllowed as exc:
        raise HttpError(403, str(exc)) from exc
    except services.TelemetryError as exc:
        raise HttpError(400, str(exc)) from exc
    from barys.telemetry.cleaning import flag_names

    return {
        "id": fix.pk,
        "flags": flag_names(fix.flags),
        "outlier": fix.outlier,
        "override": fix.override,
    }


@router.post("/telemetry/individuals/{code}/occurrences", response=PublishOut, auth=LOGIN_REQUIRED)
def publish(request: HttpRequest, code: str) -> dict[str, Any]:
    """Publish the individual's fixes as generalised daily Darwin Core occurrences."""
    try:
        result = exporting.publish_occurrences(individual_code=code, actor=request.user)
    except services.NotAllowed as exc:
        raise HttpError(403, str(exc)) from exc
    except services.TelemetryError as exc:
        raise HttpError(404, str(exc)) from exc
    return {
        "created": result.created,
        "updated": result.updated,
        "unchanged": result.unchanged,
        "days": result.days,
        "withheld": result.withheld,
    }
