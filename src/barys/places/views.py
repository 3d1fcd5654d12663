"""Pages of the places app (thin): the species map, its SVG/PNG export, the IUCN criteria
pre-assessment, and Leaflet's files served from the ``xstatic-leaflet`` package."""

from __future__ import annotations

import mimetypes
from pathlib import Path
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.core import roles
from barys.places import areas, preassessment
from barys.places import render as map_render
from barys.places import species_map as maps
from barys.places.forms import INPUT_FIELDS, PreAssessmentForm
from barys.places.models import PlaceKind, RangeKind
from barys.taxa.models import Taxon

CELLS_ENDPOINT = "/api/v1/occurrences/cells"
#: Seconds browsers may keep Leaflet's files.
VENDOR_MAX_AGE = 7 * 24 * 3600


def _language() -> str:
    return (get_language() or "en")[:2]


def _cells_url() -> str | None:
    """The records app's occurrence-cells endpoint when it is installed, else None."""
    try:
        resolve(CELLS_ENDPOINT)
    except Resolver404:
        return None
    return CELLS_ENDPOINT


def _map_config(
    request: HttpRequest, taxon: Taxon, expert: bool, periods: list[str]
) -> dict[str, Any]:
    api = "/api/v1/places"
    return {
        "taxon": taxon.slug,
        "language": _language(),
        "basemapUrl": f"{api}/basemap",
        "protectedAreasUrl": f"{api}/features?kind={PlaceKind.PROTECTED_AREA}&simplify=0.001",
        "rangesUrl": f"{api}/ranges?taxon={taxon.slug}",
        "cellsUrl": _cells_url(),
        "areaUrl": f"{api}/areas/geometry?taxon={taxon.slug}" if expert else None,
        "periods": periods,
        "tileUrl": getattr(settings, "BARYS_TILE_URL", "") or None,
        "rangeStyle": {
            k: {"colour": c, "hatch": bool(h)} for k, (c, h) in map_render.RANGE_STYLE.items()
        },
        "labels": {
            "basemap": _("Kazakhstan and its oblasts"),
            "tiles": _("Tile map"),
            "ranges": _("Ranges"),
            "cells": _("Occurrence records (generalised)"),
            "eoo": _("EOO (minimum convex polygon)"),
            "aoo": _("AOO grid (2 × 2 km cells)"),
            "protectedAreas": _("Protected areas"),
            "noCells": _("Occurrence cells are not available."),
            "records": _("records"),
            "exactRecords": _("Exact records in your areas"),
            "legend": _("Legend"),
            "loadFailed": _("A map layer could not be loaded."),
            **{f"range:{k}": str(v) for k, v in RangeKind.choices},
        },
    }


def species_map(request: HttpRequest, slug: str) -> HttpResponse:
    taxon = get_object_or_404(Taxon, slug=slug)
    stored = areas.stored_areas(taxon)
    expert = maps.may_see_area_geometry(request.user, taxon)
    periods = [a.period for a in stored]
    return render(
        request,
        "places/species_map.html",
        {
            "taxon": taxon,
            "areas": stored,
            "expert": expert,
            "sensitive": maps.is_sensitive(taxon),
            "config": _map_config(request, taxon, expert, periods),
            "can_curate": roles.has_role(request.user, "curator"),
            "ranges": taxon.ranges.order_by("range_kind", "code"),
        },
    )


def species_map_image(request: HttpRequest, slug: str, fmt: str) -> HttpResponse:
    taxon = get_object_or_404(Taxon, slug=slug)
    size = "small" if request.GET.get("size") == "small" else "page"
    body = maps.map_image(taxon, fmt=fmt, size=size, language=_language())
    response = HttpResponse(body, content_type="image/svg+xml" if fmt == "svg" else "image/png")
    if request.GET.get("download"):
        response["Content-Disposition"] = f'attachment; filename="{taxon.slug}-map.{fmt}"'
    response["Cache-Control"] = "public, max-age=300"
    return response


def _require_curator(request: HttpRequest) -> None:
    if not roles.has_role(request.user, "curator"):
        raise PermissionDenied


def preassessment_page(request: HttpRequest, slug: str) -> HttpResponse:
    _require_curator(request)
    taxon = get_object_or_404(Taxon, slug=slug)
    recorded = preassessment.inputs_for(taxon)
    periods = [a.period for a in areas.stored_areas(taxon)]
    choices = preassessment.series_choices(taxon)
    form = PreAssessmentForm(
        request.POST or None, instance=recorded, periods=periods, series=choices
    )
    if request.method == "POST" and form.is_valid():
        values = {name: form.cleaned_data[name] for name in INPUT_FIELDS}
        preassessment.save_inputs(taxon=taxon, actor=request.user, **values)
        messages.success(request, _("The pre-assessment inputs were saved."))
        return redirect("species-preassessment", slug=taxon.slug)
    view = preassessment.build(taxon, recorded)
    return render(
        request,
        "places/preassessment.html",
        {
            "taxon": taxon,
            "form": form,
            "view": view,
            "result": view.result,
        },
    )


@require_POST
def recompute_areas_view(request: HttpRequest, slug: str) -> HttpResponse:
    _require_curator(request)
    taxon = get_object_or_404(Taxon, slug=slug)
    job = areas.schedule_area_recompute([taxon.pk], user=request.user)
    messages.success(request, _("EOO and AOO will be computed again in the background."))
    return redirect(reverse("job", args=[job.pk]))


def leaflet_file(request: HttpRequest, path: str) -> FileResponse:
    """A file of the ``xstatic-leaflet`` package (the site works offline, without a CDN)."""
    import xstatic.pkg.leaflet as leaflet

    base = Path(leaflet.BASE_DIR).resolve()
    target = (base / path).resolve()
    if base not in target.parents or not target.is_file():
        raise Http404(_("No such file."))
    content_type, _encoding = mimetypes.guess_type(target.name)
    response = FileResponse(
        target.open("rb"), content_type=content_type or "application/octet-stream"
    )
    response["Cache-Control"] = f"public, max-age={VENDOR_MAX_AGE}"
    response["X-Leaflet-Version"] = str(getattr(leaflet, "VERSION", ""))
    return response
