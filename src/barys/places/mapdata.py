"""GeoJSON for the map pages and the OGC API: places, the basemap, stored EOO/AOO layers.

Feature collections are assembled from the stored GeoJSON text without parsing it (unless a
simplified geometry is asked for) and cached per process; a cache entry is used only while
the places of its kind are unchanged (one small query checks that per request).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from functools import cache
from typing import Any

from django.db.models import Count, Max, QuerySet
from django.utils.translation import get_language

from barys.core.geo import kazakhstan
from barys.places import builtin
from barys.places import geometry as geo
from barys.places.models import AreaEstimate, Place, PlaceKind
from barys.taxa.models import Taxon

#: Simplification of the basemap outlines, degrees (about 1 km).
BASEMAP_TOLERANCE_DEG = 0.01
PLACE_PROPERTIES = (
    "code",
    "kind",
    "name_kk",
    "name_ru",
    "name_en",
    "designation",
    "iucn_category",
    "established_year",
    "range_kind",
    "area_km2",
    "source",
    "notes",
)
_lock = threading.Lock()
_cache: dict[tuple[Any, ...], tuple[Any, bytes]] = {}
_MAX_ENTRIES = 256


def invalidate() -> None:
    """Forget every cached collection."""
    with _lock:
        _cache.clear()


def stamp(kinds: Iterable[str], taxon_id: int | None = None) -> tuple[int, str]:
    """(count, latest change) of the places of ``kinds``: changes when any of them changes."""
    queryset = Place.objects.filter(kind__in=list(kinds))
    if taxon_id is not None:
        queryset = queryset.filter(taxon_id=taxon_id)
    found = queryset.aggregate(n=Count("id"), latest=Max("updated_at"))
    return int(found["n"]), str(found["latest"])


def _cached(key: tuple[Any, ...], version: Any, build: Any) -> bytes:
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == version:
        return hit[1]
    body: bytes = build()
    with _lock:
        if len(_cache) >= _MAX_ENTRIES:
            _cache.clear()
        _cache[key] = (version, body)
    return body


def _language() -> str:
    return (get_language() or "en")[:2]


def place_properties(place: Place, language: str) -> dict[str, Any]:
    props = {name: getattr(place, name) for name in PLACE_PROPERTIES}
    props["name"] = place.name(language)
    props["taxon"] = place.taxon.slug if place.taxon_id and place.taxon else None
    props["scope"] = place.scope.code if place.scope_id and place.scope else None
    return props


def feature_text(
    feature_id: str | int | None, geometry_text: str, properties: dict[str, Any]
) -> str:
    """One GeoJSON Feature as text, the geometry text spliced in unparsed."""
    head = '{"type":"Feature",' + (
        f'"id":{json.dumps(feature_id)},' if feature_id is not None else ""
    )
    return (
        head
        + '"geometry":'
        + (geometry_text or "null")
        + ',"properties":'
        + json.dumps(properties, ensure_ascii=False)
        + "}"
    )


def collection_text(features: Iterable[str], extra: dict[str, Any] | None = None) -> bytes:
    """A GeoJSON FeatureCollection from feature texts (``extra`` members added first)."""
    members = "".join(
        f"{json.dumps(k)}:{json.dumps(v, ensure_ascii=False)}," for k, v in (extra or {}).items()
    )
    return (
        '{"type":"FeatureCollection",' + members + '"features":[' + ",".join(features) + "]}"
    ).encode("utf-8")


def places_queryset(
    kind: str, *, taxon: Taxon | None = None, bbox: tuple[float, float, float, float] | None = None
) -> QuerySet[Place]:
    """Places of ``kind`` (of ``taxon``) whose bounding box meets ``bbox`` (west, south, east,
    north in degrees), ordered by code."""
    queryset = Place.objects.filter(kind=kind).select_related("taxon", "scope")
    if taxon is not None:
        queryset = queryset.filter(taxon=taxon)
    if bbox is not None:
        west, south, east, north = bbox
        queryset = queryset.filter(
            south__lte=north, north__gte=south, west__lte=east, east__gte=west
        )
    return queryset.order_by("code")


def places_geojson(
    kind: str,
    *,
    taxon: Taxon | None = None,
    bbox: tuple[float, float, float, float] | None = None,
    simplify_deg: float = 0.0,
) -> bytes:
    """A FeatureCollection of places (properties: :data:`PLACE_PROPERTIES`, ``name`` in the
    active language, ``taxon`` slug, ``scope`` code); geometries simplified to
    ``simplify_deg`` degrees when positive."""
    language = _language()
    version = stamp([kind], taxon.pk if taxon else None)
    key = ("places", kind, taxon.pk if taxon else None, bbox, simplify_deg, language)

    def build() -> bytes:
        features = []
        for place in places_queryset(kind, taxon=taxon, bbox=bbox):
            text = place.geometry
            if simplify_deg > 0:
                text = geo.to_text(geo.rounded(geo.simplified(geo.parse(text), simplify_deg), 5))
            features.append(feature_text(place.code, text, place_properties(place, language)))
        return collection_text(features)

    return _cached(key, version, build)


@cache
def _country_feature() -> str:
    outline = geo.rounded(geo.simplified(kazakhstan(), BASEMAP_TOLERANCE_DEG), 4)
    return feature_text(
        "kazakhstan", geo.to_text(outline), {"layer": "country", "code": "KZ", "name": "Kazakhstan"}
    )


def basemap_geojson() -> bytes:
    """The offline basemap: Kazakhstan's outline and its oblasts (``layer`` property
    ``country`` or ``oblast``), simplified to about 1 km. The oblasts stored in the
    database are used; without any, those shipped with Barys."""
    language = _language()
    version = stamp([PlaceKind.OBLAST])

    def build() -> bytes:
        features = [_country_feature()]
        stored = list(Place.objects.filter(kind=PlaceKind.OBLAST).order_by("code"))
        if stored:
            items = [(p.code, p.name(language), p.geometry) for p in stored]
        else:
            items = [
                (p.code, getattr(p, f"name_{language}", "") or p.name_en, p.geometry)
                for p in builtin.oblasts()
            ]
        for code, name, text in items:
            shape = geo.rounded(geo.simplified(geo.parse(text), BASEMAP_TOLERANCE_DEG), 4)
            features.append(
                feature_text(
                    code, geo.to_text(shape), {"layer": "oblast", "code": code, "name": name}
                )
            )
        return collection_text(features)

    return _cached(("basemap", language), version, build)


def area_geojson(estimate: AreaEstimate, *, hull: bool, cells: bool) -> bytes:
    """The stored EOO hull and/or AOO cells of one estimate as a FeatureCollection."""
    features = []
    common = {"period": estimate.period, "n_records": estimate.n_records}
    if hull and estimate.hull:
        features.append(
            feature_text(
                "eoo",
                estimate.hull,
                {
                    "layer": "eoo",
                    "eoo_km2": estimate.eoo_km2,
                    "eoo_raw_km2": estimate.eoo_raw_km2,
                    **common,
                },
            )
        )
    if cells and estimate.cells:
        features.append(
            feature_text(
                "aoo",
                estimate.cells,
                {
                    "layer": "aoo",
                    "aoo_km2": estimate.aoo_km2,
                    "n_cells": estimate.n_cells,
                    "cell_km": estimate.cell_km,
                    **common,
                },
            )
        )
    return collection_text(features)


def area_summary(estimate: AreaEstimate) -> dict[str, Any]:
    """The numbers of one stored estimate (areas in km²)."""
    return {
        "period": estimate.period,
        "start_year": estimate.start_year,
        "end_year": estimate.end_year,
        "eoo_km2": estimate.eoo_km2,
        "eoo_raw_km2": estimate.eoo_raw_km2,
        "aoo_km2": estimate.aoo_km2,
        "cell_km": estimate.cell_km,
        "n_records": estimate.n_records,
        "n_unique_points": estimate.n_unique_points,
        "n_cells": estimate.n_cells,
        "cells_stored": bool(estimate.cells)
        if "cells" not in estimate.get_deferred_fields()
        else None,
        "computed_at": estimate.computed_at.isoformat(),
    }
