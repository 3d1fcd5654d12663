"""Occurrence endpoints of the JSON API (thin). Every location goes through the policy."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from barys.core.api_auth import current_user
from barys.core.geo import zoom_to_h3_resolution
from barys.records import maps, services
from barys.records.models import Occurrence
from barys.taxa.models import Taxon

router = Router(tags=["occurrences"])


class OccurrenceOut(Schema):
    occurrenceID: str
    basisOfRecord: str
    eventDate: str
    year: int | None
    scientificName: str
    vernacularName: str
    decimalLatitude: float | None
    decimalLongitude: float | None
    coordinateUncertaintyInMeters: float | None
    stateProvince: str
    locality: str
    individualCount: int | None
    occurrenceStatus: str
    organismID: str
    recordedBy: str
    datasetName: str
    dataGeneralizations: str
    informationWithheld: str
    flags: list[str]
    exact: bool


class OccurrencePage(Schema):
    results: list[OccurrenceOut]
    next_after: int | None


def _filters(request: HttpRequest) -> services.OccurrenceFilters:
    filters = services.OccurrenceFilters.from_params(request.GET)
    if filters.errors:
        raise HttpError(400, "; ".join(filters.errors))
    return filters


def _out(item: services.PresentedOccurrence) -> dict[str, Any]:
    dwc = item.darwin_core()
    return {
        **{
            k: dwc.get(k)
            if dwc.get(k) is not None
            else (
                ""
                if k
                not in {
                    "year",
                    "decimalLatitude",
                    "decimalLongitude",
                    "coordinateUncertaintyInMeters",
                    "individualCount",
                }
                else None
            )
            for k in OccurrenceOut.model_fields
            if k not in {"flags", "exact"}
        },
        "flags": item.flags,
        "exact": item.exact,
    }


def _geojson(items: list[services.PresentedOccurrence], next_after: int | None) -> dict:
    features = []
    for item in items:
        props = _out(item)
        lat, lon = props["decimalLatitude"], props["decimalLongitude"]
        features.append(
            {
                "type": "Feature",
                "id": props["occurrenceID"],
                "geometry": {"type": "Point", "coordinates": [lon, lat]}
                if lat is not None
                else None,
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features, "next_after": next_after}


@router.get("/occurrences", response={200: Any})
def occurrence_list(
    request: HttpRequest, limit: int = 50, after: int | None = None, format: str = "json"
) -> dict:
    """Occurrences (newest first, keyset paging with ``after``), filtered by taxon (slug),
    source, year_from, year_to, oblast, flag and bbox (west,south,east,north). ``format`` is
    ``json`` or ``geojson``."""
    filters = _filters(request)
    rows, next_after = services.page(filters, limit=max(1, min(limit, 500)), after_id=after)
    items = services.present(rows, user=current_user(request), surface="api occurrences")
    if format == "geojson":
        return _geojson(items, next_after)
    if format != "json":
        raise HttpError(400, "format: expected json or geojson")
    return {"results": [_out(i) for i in items], "next_after": next_after}


@router.get("/occurrences/cells", response={200: Any})
def occurrence_cells(request: HttpRequest, zoom: int = 5, taxon: str = "", bbox: str = "") -> dict:
    """Counts per H3 cell for a map view (GeoJSON); never finer than the policy allows the
    caller. People allowed exact views of records in their scopes get those records exact
    (``points`` or finer cells) in ``exact``."""
    errors: list[str] = []
    box = services.parse_bbox(bbox, errors) if bbox else None
    if errors:
        raise HttpError(400, "; ".join(errors))
    taxon_ids = None
    if taxon:
        found = get_object_or_404(Taxon, slug=taxon)
        taxon_ids = [found.pk, *Taxon.objects.filter(parent=found).values_list("pk", flat=True)]
    resolution = zoom_to_h3_resolution(zoom)
    collection = maps.cells_geojson(
        maps.public_cells(resolution=resolution, bbox=box, taxon_ids=taxon_ids)
    )
    user = current_user(request)
    if maps.exact_scope_filter(user) is not None:
        records = Occurrence.objects.all()
        if taxon_ids is not None:
            records = records.filter(taxon_id__in=taxon_ids)
        exact = maps.exact_cells_or_points(
            user=user, queryset=records, resolution=resolution, bbox=box
        )
        collection["exact"] = {
            "points": [
                {"id": str(p[0]), "lat": p[1], "lon": p[2], "year": p[4]} for p in exact["points"]
            ],
            "cells": maps.cells_geojson(exact["cells"])["features"],
        }
    return collection


@router.get("/occurrences/{occurrence_id}", response=OccurrenceOut)
def occurrence_detail(request: HttpRequest, occurrence_id: uuid.UUID) -> dict:
    record = get_object_or_404(
        Occurrence.objects.select_related("taxon", "source"), occurrence_id=occurrence_id
    )
    item = services.present([record], user=current_user(request), surface="api occurrence")[0]
    return _out(item)
