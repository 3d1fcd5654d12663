"""The data behind the OGC API Features views: collections, query parameters, feature pages.

Place features are the stored geometries with their properties (``id`` = the place code).
Occurrence features are built from :func:`barys.records.policy.view` for an anonymous
visitor (``id`` = occurrenceID), so the collection never holds an exact sensitive location.
"""

from __future__ import annotations

import datetime as dt
import json
import threading
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import shapely
from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Min
from django.utils import timezone
from shapely.geometry import box
from shapely.geometry.base import BaseGeometry

from barys.core.geo import KAZAKHSTAN_BBOX
from barys.places import geometry as geo
from barys.places.mapdata import feature_text, place_properties
from barys.places.models import Place, PlaceKind

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
DEFAULT_LIMIT = 100
MAX_LIMIT = 10_000
OCCURRENCES = "occurrences"
#: Collection id -> (place kind or "" for occurrences, title, description).
COLLECTIONS: dict[str, tuple[str, str, str]] = {
    "protected-areas": (
        PlaceKind.PROTECTED_AREA,
        "Protected areas",
        "National parks, nature reserves and other protected areas.",
    ),
    "oblasts": (PlaceKind.OBLAST, "Oblasts", "First-level administrative units."),
    "monitoring-sites": (
        PlaceKind.SITE,
        "Monitoring sites",
        "Sites and plots of monitoring programmes.",
    ),
    "ranges": (
        PlaceKind.RANGE,
        "Species ranges",
        "Current, historical, breeding, wintering and reintroduction ranges.",
    ),
    OCCURRENCES: (
        "",
        "Occurrence records (public)",
        "Occurrence records as the public sees them: locations of sensitive taxa "
        "generalised to grid cells or withheld, dates reduced.",
    ),
}
#: How far (degrees) a public location may lie from the exact one (half a 1° cell, rounded
#: up): the database prefilter of a bbox query is widened by this much.
GENERALISATION_MARGIN_DEG = 1.0


class QueryError(ValueError):
    """A query parameter is malformed; the message names it."""


Interval = tuple[dt.datetime | None, dt.datetime | None]


def timestamp() -> str:
    return timezone.now().replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse_instant(text: str, *, end: bool) -> dt.datetime:
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time.max if end else dt.time.min)
        else:
            moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise QueryError(f"datetime: {text!r} is not an RFC 3339 date or date-time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment


def parse_datetime(text: str) -> Interval:
    """An instant or an interval (``start/end``, ``..`` for open ends) as (start, end)."""
    if "/" in text:
        start_text, _sep, end_text = text.partition("/")
        start = None if start_text in {"", ".."} else _parse_instant(start_text, end=False)
        end = None if end_text in {"", ".."} else _parse_instant(end_text, end=True)
        if start and end and end < start:
            raise QueryError("datetime: the interval ends before it starts")
        return start, end
    return _parse_instant(text, end=False), _parse_instant(text, end=True)


def public_interval(date_text: str) -> Interval | None:
    """The time span a public date (``YYYY``, ``YYYY-MM``, a day, a date-time or an interval
    of days) stands for; None when there is no date."""
    if not date_text:
        return None
    if "/" in date_text:
        first, _sep, last = date_text.partition("/")
        return (public_interval(first) or (None, None))[0], (public_interval(last) or (None, None))[
            1
        ]
    try:
        if len(date_text) == 4:
            year = int(date_text)
            return (
                dt.datetime(year, 1, 1, tzinfo=dt.UTC),
                dt.datetime(year, 12, 31, 23, 59, 59, tzinfo=dt.UTC),
            )
        if len(date_text) == 7:
            year, month = int(date_text[:4]), int(date_text[5:7])
            nxt = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
            return dt.datetime(year, month, 1, tzinfo=dt.UTC), nxt - dt.timedelta(seconds=1)
        if len(date_text) == 10:
            return _parse_instant(date_text, end=False), _parse_instant(date_text, end=True)
        moment = _parse_instant(date_text.replace("Z", "+00:00"), end=False)
        return moment, moment
    except (ValueError, QueryError):
        return None


def _overlaps(a: Interval, b: Interval) -> bool:
    a_start, a_end = a
    b_start, b_end = b
    return (a_end is None or b_start is None or b_start <= a_end) and (
        a_start is None or b_end is None or a_start <= b_end
    )


@dataclass(frozen=True)
class ItemsQuery:
    """The query parameters of ``/items``; bbox as (west, south, east, north) degrees."""

    limit: int = DEFAULT_LIMIT
    offset: int = 0
    bbox: tuple[float, float, float, float] | None = None
    datetime_text: str = ""
    interval: Interval | None = field(default=None, compare=False)

    @classmethod
    def from_params(cls, params: Mapping[str, str]) -> ItemsQuery:
        limit = _integer(params, "limit", DEFAULT_LIMIT, minimum=1)
        offset = _integer(params, "offset", 0, minimum=0)
        bbox = _bbox(params.get("bbox", ""))
        when = params.get("datetime", "")
        return cls(
            limit=min(limit, MAX_LIMIT),
            offset=offset,
            bbox=bbox,
            datetime_text=when,
            interval=parse_datetime(when) if when else None,
        )

    def to_query(self, *, offset: int | None = None) -> str:
        values: dict[str, Any] = {
            "f": "json",
            "limit": self.limit,
            "offset": self.offset if offset is None else offset,
        }
        if self.bbox is not None:
            values["bbox"] = ",".join(f"{v:g}" for v in self.bbox)
        if self.datetime_text:
            values["datetime"] = self.datetime_text
        return "?" + urlencode(values)


def _integer(params: Mapping[str, str], name: str, default: int, *, minimum: int) -> int:
    text = params.get(name, "")
    if text == "":
        return default
    try:
        value = int(text)
    except ValueError:
        raise QueryError(f"{name}: {text!r} is not a whole number") from None
    if value < minimum:
        raise QueryError(f"{name}: {value} is below {minimum}")
    return value


def _bbox(text: str) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        values = [float(v) for v in text.split(",")]
    except ValueError:
        raise QueryError(f"bbox: {text!r} is not four (or six) numbers") from None
    if len(values) == 6:
        values = [values[0], values[1], values[3], values[4]]
    if len(values) != 4 or not all(v == v and abs(v) != float("inf") for v in values):
        raise QueryError(f"bbox: {text!r} is not four (or six) numbers")
    west, south, east, north = values
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        raise QueryError("bbox: expected west,south,east,north in degrees with south <= north")
    if west > east:
        raise QueryError("bbox: boxes crossing the antimeridian are not supported")
    return west, south, east, north


@dataclass
class Page:
    features: list[str]
    has_more: bool
    number_matched: int | None


_shape_lock = threading.Lock()
_shapes: dict[tuple[int, Any], BaseGeometry] = {}


def _shape(place: Place) -> BaseGeometry:
    key = (place.pk, place.updated_at)
    with _shape_lock:
        found = _shapes.get(key)
    if found is None:
        found = geo.parse(place.geometry)
        shapely.prepare(found)
        with _shape_lock:
            if len(_shapes) > 2000:
                _shapes.clear()
            _shapes[key] = found
    return found


def _place_feature(place: Place) -> str:
    props = place_properties(place, "en")
    if place.kind == PlaceKind.RANGE and place.taxon is not None:
        props["scientificName"] = place.taxon.scientific_name
    return feature_text(place.code, place.geometry, props)


def _places_page(kind: str, query: ItemsQuery) -> Page:
    from barys.places.mapdata import places_queryset

    places = list(places_queryset(kind, bbox=query.bbox))
    if query.bbox is not None:
        window = box(*query.bbox)
        places = [p for p in places if _shape(p).intersects(window)]
    chosen = places[query.offset : query.offset + query.limit]
    return Page(
        [_place_feature(p) for p in chosen],
        has_more=query.offset + query.limit < len(places),
        number_matched=len(places),
    )


def _occurrence_feature(occurrence: Any, view: Any) -> str:
    taxon = occurrence.taxon
    geometry = (
        json.dumps({"type": "Point", "coordinates": [view.longitude, view.latitude]})
        if view.latitude is not None and view.longitude is not None
        else "null"
    )
    props = {
        "occurrenceID": str(occurrence.occurrence_id),
        "scientificName": taxon.scientific_name if taxon else occurrence.verbatim_name,
        "taxon": taxon.slug if taxon else None,
        "basisOfRecord": occurrence.basis_of_record,
        "occurrenceStatus": occurrence.occurrence_status,
        "eventDate": view.event_date or None,
        "year": int(view.event_date[:4]) if view.event_date[:4].isdigit() else None,
        "individualCount": occurrence.individual_count,
        "coordinateUncertaintyInMeters": view.uncertainty_m,
        "locality": view.locality or None,
        "oblast": (occurrence.oblast or None) if view.exact else None,
        "protectedArea": (occurrence.protected_area or None) if view.exact else None,
        "dataGeneralizations": view.data_generalizations or None,
        "informationWithheld": view.information_withheld or None,
    }
    return feature_text(str(occurrence.occurrence_id), geometry, props)


def _public_view(occurrence: Any) -> Any:
    from barys.records import policy

    return policy.view(occurrence, user=AnonymousUser(), surface="ogcapi")


def _occurrence_candidates(query: ItemsQuery) -> Any:
    from barys.records.models import Occurrence

    queryset = Occurrence.objects.select_related("taxon").order_by("pk")
    if query.bbox is not None:
        west, south, east, north = query.bbox
        margin = GENERALISATION_MARGIN_DEG
        queryset = queryset.filter(
            latitude__gte=south - margin,
            latitude__lte=north + margin,
            longitude__gte=west - margin,
            longitude__lte=east + margin,
        )
    if query.interval is not None:
        start, end = query.interval
        queryset = queryset.filter(event_date_start__isnull=False)
        if start is not None:
            queryset = queryset.filter(year__gte=start.year)
        if end is not None:
            queryset = queryset.filter(year__lte=end.year)
    return queryset


def _matches(view: Any, query: ItemsQuery) -> bool:
    if query.bbox is not None:
        if view.latitude is None or view.longitude is None:
            return False
        west, south, east, north = query.bbox
        if not (south <= view.latitude <= north and west <= view.longitude <= east):
            return False
    if query.interval is not None:
        span = public_interval(view.event_date)
        if span is None or not _overlaps(span, query.interval):
            return False
    return True


def _occurrences_page(query: ItemsQuery) -> Page:
    queryset = _occurrence_candidates(query)
    if query.bbox is None and query.interval is None:
        rows = list(queryset[query.offset : query.offset + query.limit + 1])
        features = [_occurrence_feature(o, _public_view(o)) for o in rows[: query.limit]]
        return Page(features, has_more=len(rows) > query.limit, number_matched=queryset.count())
    found: list[str] = []
    matched = 0
    for occurrence in _iterate(queryset):
        view = _public_view(occurrence)
        if not _matches(view, query):
            continue
        matched += 1
        if matched <= query.offset:
            continue
        if len(found) == query.limit:
            return Page(found, has_more=True, number_matched=None)
        found.append(_occurrence_feature(occurrence, view))
    return Page(found, has_more=False, number_matched=matched)


def _iterate(queryset: Any, chunk: int = 2000) -> Iterator[Any]:
    """Records in primary-key order, fetched ``chunk`` at a time (keyset pagination).

    Each chunk's keys come first, from the filters alone: a bounding box is then answered
    from the (latitude, longitude) index without reading a record, and only the chunk's
    records are read whole."""
    after = 0
    while True:
        keys = list(queryset.filter(pk__gt=after).values_list("pk", flat=True)[:chunk])
        if keys:
            found = queryset.in_bulk(keys)
            yield from (found[key] for key in keys if key in found)
        if len(keys) < chunk:
            return
        after = keys[-1]


def items_page(collection_id: str, query: ItemsQuery) -> Page:
    kind = COLLECTIONS[collection_id][0]
    if collection_id == OCCURRENCES:
        return _occurrences_page(query)
    return _places_page(kind, query)


def one_feature(collection_id: str, feature_id: str) -> str | None:
    """One feature's GeoJSON text, or None when there is none with that id."""
    if collection_id == OCCURRENCES:
        import uuid

        from barys.records.models import Occurrence

        try:
            key = uuid.UUID(feature_id)
        except ValueError:
            return None
        occurrence = Occurrence.objects.select_related("taxon").filter(occurrence_id=key).first()
        return (
            None
            if occurrence is None
            else _occurrence_feature(occurrence, _public_view(occurrence))
        )
    place = (
        Place.objects.select_related("taxon", "scope")
        .filter(kind=COLLECTIONS[collection_id][0], code=feature_id)
        .first()
    )
    return None if place is None else _place_feature(place)


def _spatial_extent(collection_id: str) -> list[float]:
    kind = COLLECTIONS[collection_id][0]
    south, west, north, east = KAZAKHSTAN_BBOX
    if kind:
        found = Place.objects.filter(kind=kind).aggregate(
            w=Min("west"), s=Min("south"), e=Max("east"), n=Max("north")
        )
        if found["w"] is not None:
            return [found["w"], found["s"], found["e"], found["n"]]
    return [west, south, east, north]


def collection_document(collection_id: str, base: str) -> dict[str, Any]:
    """The description of one collection with its extent and links."""
    _kind, title, description = COLLECTIONS[collection_id]
    url = f"{base}/collections/{collection_id}"
    extent: dict[str, Any] = {"spatial": {"bbox": [_spatial_extent(collection_id)], "crs": CRS84}}
    if collection_id == OCCURRENCES:
        extent["temporal"] = {
            "interval": [[None, None]],
            "trs": "http://www.opengis.net/def/uom/ISO-8601/0/Gregorian",
        }
    return {
        "id": collection_id,
        "title": title,
        "description": description,
        "itemType": "feature",
        "crs": [CRS84],
        "extent": extent,
        "links": [
            {"href": url, "rel": "self", "type": "application/json"},
            {
                "href": f"{url}/items",
                "rel": "items",
                "type": "application/geo+json",
                "title": title,
            },
        ],
    }


def openapi_document(base: str) -> dict[str, Any]:
    """A compact OpenAPI 3.0 definition of this OGC API."""
    parameters = [
        {
            "name": "limit",
            "in": "query",
            "schema": {
                "type": "integer",
                "minimum": 1,
                "maximum": MAX_LIMIT,
                "default": DEFAULT_LIMIT,
            },
        },
        {"name": "offset", "in": "query", "schema": {"type": "integer", "minimum": 0}},
        {
            "name": "bbox",
            "in": "query",
            "style": "form",
            "explode": False,
            "schema": {"type": "array", "minItems": 4, "maxItems": 6, "items": {"type": "number"}},
        },
        {"name": "datetime", "in": "query", "schema": {"type": "string"}},
        {"name": "f", "in": "query", "schema": {"type": "string", "enum": ["json"]}},
    ]
    geojson = {
        "200": {
            "description": "GeoJSON",
            "content": {"application/geo+json": {"schema": {"type": "object"}}},
        }
    }
    plain = {
        "200": {
            "description": "JSON",
            "content": {"application/json": {"schema": {"type": "object"}}},
        }
    }
    collection_param = {
        "name": "collectionId",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "enum": list(COLLECTIONS)},
    }
    return {
        "openapi": "3.0.3",
        "info": {"title": "Barys OGC API – Features", "version": "1.0.0"},
        "servers": [{"url": base}],
        "paths": {
            "/": {"get": {"operationId": "landing", "responses": plain}},
            "/conformance": {"get": {"operationId": "conformance", "responses": plain}},
            "/collections": {"get": {"operationId": "collections", "responses": plain}},
            "/collections/{collectionId}": {
                "get": {
                    "operationId": "collection",
                    "parameters": [collection_param],
                    "responses": plain,
                }
            },
            "/collections/{collectionId}/items": {
                "get": {
                    "operationId": "items",
                    "parameters": [collection_param, *parameters],
                    "responses": geojson,
                }
            },
            "/collections/{collectionId}/items/{featureId}": {
                "get": {
                    "operationId": "item",
                    "parameters": [
                        collection_param,
                        {
                            "name": "featureId",
                            "in": "path",
                            "required": True,
                            "schema": {"type": "string"},
                        },
                    ],
                    "responses": geojson,
                }
            },
        },
    }
