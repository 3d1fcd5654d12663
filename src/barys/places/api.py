"""Map data endpoints of the JSON API (thin): the offline basemap, places, species ranges, and
the stored EOO/AOO of a taxon. GeoJSON responses carry ``application/geo+json``."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from barys.core.api_auth import current_user
from barys.places import mapdata
from barys.places import species_map as maps
from barys.places.areas import PERIOD_ALL, stored_areas
from barys.places.models import AreaEstimate, PlaceKind
from barys.taxa.models import Taxon

router = Router(tags=["places"])
GEOJSON = "application/geo+json"
#: Seconds a browser may keep map layers (they change rarely).
MAX_AGE = 300


class FeatureCollectionOut(Schema):
    """A GeoJSON FeatureCollection (RFC 7946) in WGS84 longitude/latitude degrees."""

    type: str
    features: list[dict[str, Any]]


class AreaOut(Schema):
    """EOO and AOO of a taxon over one period (areas in km²)."""

    period: str
    start_year: int | None
    end_year: int | None
    eoo_km2: float
    eoo_raw_km2: float
    aoo_km2: float
    cell_km: float
    n_records: int
    n_unique_points: int
    n_cells: int
    computed_at: str


class AreasOut(Schema):
    taxon: str
    geometry_visible: bool
    areas: list[AreaOut]


class PlacesQuery(Schema):
    kind: str = PlaceKind.PROTECTED_AREA
    bbox: str = ""
    simplify: float = 0.0
    lang: str | None = None


def _geojson(body: bytes, *, public: bool = True) -> HttpResponse:
    response = HttpResponse(body, content_type=GEOJSON)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}" if public else "private, no-store"
    return response


def _bbox(text: str) -> tuple[float, float, float, float] | None:
    if not text:
        return None
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        raise HttpError(400, "bbox: expected west,south,east,north in degrees") from None
    if not (-180 <= west <= east <= 180 and -90 <= south <= north <= 90):
        raise HttpError(400, "bbox: expected west <= east and south <= north in degrees")
    return west, south, east, north


def _activate(lang: str | None) -> None:
    if lang in {"kk", "ru", "en"}:
        translation.activate(lang)


@router.get("/places/basemap", response=FeatureCollectionOut, summary="Offline basemap")
def basemap(request: HttpRequest, lang: str | None = None) -> HttpResponse:
    """Kazakhstan's outline and its oblasts, simplified to about 1 km (property ``layer``:
    ``country`` or ``oblast``)."""
    _activate(lang)
    return _geojson(mapdata.basemap_geojson())


@router.get("/places/features", response=FeatureCollectionOut, summary="Places of one kind")
def places(request: HttpRequest, query: Query[PlacesQuery]) -> HttpResponse:
    """Protected areas, oblasts, monitoring sites or ranges (``kind``), optionally those whose
    bounding box meets ``bbox`` (west,south,east,north degrees), simplified to ``simplify``
    degrees (0 to 0.1)."""
    if query.kind not in PlaceKind.values:
        raise HttpError(400, f"kind: expected one of {', '.join(PlaceKind.values)}")
    if not 0 <= query.simplify <= 0.1:
        raise HttpError(400, "simplify: expected 0 to 0.1 degrees")
    _activate(query.lang)
    return _geojson(
        mapdata.places_geojson(query.kind, bbox=_bbox(query.bbox), simplify_deg=query.simplify)
    )


@router.get("/places/ranges", response=FeatureCollectionOut, summary="Ranges of a taxon")
def ranges(request: HttpRequest, taxon: str, lang: str | None = None) -> HttpResponse:
    """The range polygons of one taxon (by slug), with ``range_kind`` current, historical,
    breeding, wintering or reintroduction."""
    found = get_object_or_404(Taxon, slug=taxon)
    _activate(lang)
    return _geojson(mapdata.places_geojson(PlaceKind.RANGE, taxon=found))


@router.get("/places/areas", response=AreasOut, summary="EOO and AOO of a taxon")
def areas(request: HttpRequest, taxon: str) -> dict[str, Any]:
    """The stored EOO and AOO (km²) of a taxon per period; ``geometry_visible`` tells whether
    the caller may fetch the hull and cells (built from exact positions)."""
    found = get_object_or_404(Taxon, slug=taxon)
    rows = stored_areas(found)
    return {
        "taxon": found.slug,
        "geometry_visible": maps.may_see_area_geometry(current_user(request), found),
        "areas": [_area_out(row) for row in rows],
    }


def _area_out(row: AreaEstimate) -> dict[str, Any]:
    summary = mapdata.area_summary(row)
    summary.pop("cells_stored", None)
    return summary


@router.get(
    "/places/areas/geometry",
    response=FeatureCollectionOut,
    summary="EOO hull and AOO cells of a taxon",
)
def area_geometry(
    request: HttpRequest, taxon: str, period: str = PERIOD_ALL, layer: str = "eoo,aoo"
) -> HttpResponse:
    """The EOO hull (``eoo``) and occupied AOO cells (``aoo``) of one stored period. For a
    sensitive taxon only people who may see exact locations nationally get them (403
    otherwise); each such view is written to the access log."""
    found = get_object_or_404(Taxon, slug=taxon)
    user = current_user(request)
    if not maps.may_see_area_geometry(user, found):
        raise HttpError(
            403,
            "the EOO hull and AOO cells of a sensitive taxon show exact "
            "locations; your role does not allow them",
        )
    estimate = AreaEstimate.objects.filter(taxon=found, period=period).first()
    if estimate is None:
        raise HttpError(404, f"no EOO/AOO stored for period {period!r}")
    wanted = {part.strip() for part in layer.split(",")}
    maps.log_area_geometry_access(user, found, "api:places/areas/geometry")
    return _geojson(
        mapdata.area_geojson(estimate, hull="eoo" in wanted, cells="aoo" in wanted),
        public=not maps.is_sensitive(found),
    )
