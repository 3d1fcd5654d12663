"""OGC API – Features (Part 1: Core, GeoJSON) at ``/ogcapi/`` for QGIS, GDAL and others.

Collections: the places (``protected-areas``, ``oblasts``, ``monitoring-sites``, ``ranges``)
and ``occurrences``, the public view of the occurrence records: every location comes from the
sensitivity policy for an anonymous visitor (generalised or withheld), and the ``bbox`` and
``datetime`` filters apply to those public locations and dates, never to the exact ones.
Responses are JSON (``?f=json``, the only format); coordinates are CRS84 longitude/latitude.
"""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views.decorators.http import require_GET

from barys.places import ogcapi_data as data
from barys.places.mapdata import collection_text

JSON = "application/json"
GEOJSON = "application/geo+json"
OPENAPI = "application/vnd.oai.openapi+json;version=3.0"
CONFORMANCE = (
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/core",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson",
    "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/oas30",
)


def _respond(body: Any, *, status: int = 200, content_type: str = JSON) -> HttpResponse:
    text = body if isinstance(body, bytes) else json.dumps(body, ensure_ascii=False).encode()
    response = HttpResponse(text, status=status, content_type=content_type)
    response["Access-Control-Allow-Origin"] = "*"
    return response


def _error(status: int, code: str, description: str) -> HttpResponse:
    return _respond({"code": code, "description": description}, status=status)


def _format_error(request: HttpRequest) -> HttpResponse | None:
    wanted = request.GET.get("f", "json").lower()
    if wanted not in {"json", "geojson", "application/json", GEOJSON}:
        return _error(
            400, "InvalidParameterValue", f"format f={wanted!r} is not offered; use f=json"
        )
    return None


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/ogcapi").rstrip("/")


@require_GET
def landing(request: HttpRequest) -> HttpResponse:
    if (problem := _format_error(request)) is not None:
        return problem
    base = _base(request)
    return _respond(
        {
            "title": "Barys OGC API – Features",
            "description": "Protected areas, oblasts, monitoring sites, species ranges and public "
            "occurrence records of rare and endangered animals of Kazakhstan. "
            "Locations of sensitive species are generalised.",
            "links": [
                {"href": f"{base}/", "rel": "self", "type": JSON, "title": "this document"},
                {
                    "href": f"{base}/api",
                    "rel": "service-desc",
                    "type": OPENAPI,
                    "title": "the API definition",
                },
                {
                    "href": f"{base}/conformance",
                    "rel": "conformance",
                    "type": JSON,
                    "title": "conformance classes",
                },
                {
                    "href": f"{base}/collections",
                    "rel": "data",
                    "type": JSON,
                    "title": "collections",
                },
            ],
        }
    )


@require_GET
def conformance(request: HttpRequest) -> HttpResponse:
    if (problem := _format_error(request)) is not None:
        return problem
    return _respond({"conformsTo": list(CONFORMANCE)})


@require_GET
def api_definition(request: HttpRequest) -> HttpResponse:
    return _respond(data.openapi_document(_base(request)), content_type=OPENAPI)


@require_GET
def collections(request: HttpRequest) -> HttpResponse:
    if (problem := _format_error(request)) is not None:
        return problem
    base = _base(request)
    return _respond(
        {
            "links": [{"href": f"{base}/collections", "rel": "self", "type": JSON}],
            "collections": [data.collection_document(cid, base) for cid in data.COLLECTIONS],
        }
    )


@require_GET
def collection(request: HttpRequest, collection_id: str) -> HttpResponse:
    if (problem := _format_error(request)) is not None:
        return problem
    if collection_id not in data.COLLECTIONS:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    return _respond(data.collection_document(collection_id, _base(request)))


@require_GET
def items(request: HttpRequest, collection_id: str) -> HttpResponse:
    if (problem := _format_error(request)) is not None:
        return problem
    if collection_id not in data.COLLECTIONS:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    try:
        query = data.ItemsQuery.from_params(request.GET)
    except data.QueryError as exc:
        return _error(400, "InvalidParameterValue", str(exc))
    page = data.items_page(collection_id, query)
    base = _base(request)
    self_url = f"{base}/collections/{collection_id}/items"
    links = [
        {"href": self_url + query.to_query(), "rel": "self", "type": GEOJSON},
        {"href": f"{base}/collections/{collection_id}", "rel": "collection", "type": JSON},
    ]
    if page.has_more:
        links.append(
            {
                "href": self_url + query.to_query(offset=query.offset + query.limit),
                "rel": "next",
                "type": GEOJSON,
            }
        )
    if query.offset > 0:
        links.append(
            {
                "href": self_url + query.to_query(offset=max(0, query.offset - query.limit)),
                "rel": "prev",
                "type": GEOJSON,
            }
        )
    extra: dict[str, Any] = {"timeStamp": data.timestamp()}
    if page.number_matched is not None:
        extra["numberMatched"] = page.number_matched
    extra["numberReturned"] = len(page.features)
    extra["links"] = links
    return _respond(collection_text(page.features, extra), content_type=GEOJSON)


@require_GET
def item(request: HttpRequest, collection_id: str, feature_id: str) -> HttpResponse:
    if (problem := _format_error(request)) is not None:
        return problem
    if collection_id not in data.COLLECTIONS:
        return _error(404, "NotFound", f"no collection {collection_id!r}")
    feature = data.one_feature(collection_id, feature_id)
    if feature is None:
        return _error(404, "NotFound", f"no feature {feature_id!r} in {collection_id!r}")
    base = _base(request)
    links = json.dumps(
        [
            {
                "href": f"{base}/collections/{collection_id}/items/{feature_id}",
                "rel": "self",
                "type": GEOJSON,
            },
            {"href": f"{base}/collections/{collection_id}", "rel": "collection", "type": JSON},
        ]
    )
    body = feature[:-1] + ',"links":' + links + "}"
    return _respond(body.encode("utf-8"), content_type=GEOJSON)
