"""The species map: who may see which layers, the printed map, the species-page panel.

The EOO hull's vertices and the AOO cells are built from exact record positions, so for a
sensitive taxon they are shown only to people who may see exact locations nationally (the
sensitivity policy's rule); everyone sees the areas in km², the ranges, the protected areas
and the public occurrence cells.
"""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from barys.core import sensitivity
from barys.core.access_log import log_access
from barys.core.geo import kazakhstan
from barys.core.navigation import Panel
from barys.places import builtin, mapdata, render
from barys.places import geometry as geo
from barys.places.areas import PERIOD_ALL, stored_areas
from barys.places.models import AreaEstimate, Place, PlaceKind, RangeKind
from barys.taxa.models import Taxon

#: The finest H3 resolution drawn on the printed map (about 250 km² hexagons); records the
#: policy shows only coarser are drawn at their own resolution.
PRINT_H3_RES = 5


def is_sensitive(taxon: Taxon) -> bool:
    return taxon.sensitivity_category is not None


def may_see_area_geometry(user: Any, taxon: Taxon) -> bool:
    """May ``user`` see the EOO hull and AOO cells of ``taxon`` (built from exact points)?"""
    return not is_sensitive(taxon) or sensitivity.may_see_exact(user, ())


def log_area_geometry_access(user: Any, taxon: Taxon, surface: str) -> None:
    """Write the access log entry for an exact view of a sensitive taxon's EOO/AOO layers."""
    if is_sensitive(taxon):
        log_access(
            actor=user, surface=surface, object_type="places.areaestimate", object_id=str(taxon.pk)
        )


def public_cells(taxon: Taxon) -> list[int]:
    """H3 cells (integers) of the public occurrence aggregate of ``taxon`` and its
    subspecies, at :data:`PRINT_H3_RES` or coarser where the policy allows no finer (from
    :func:`barys.records.maps.public_cells`, the records app's public map service)."""
    from barys.records.maps import public_cells as records_public_cells

    members = [
        taxon.pk,
        *Taxon.objects.filter(parent=taxon, rank="subspecies").values_list("pk", flat=True),
    ]
    return [c.cell for c in records_public_cells(resolution=PRINT_H3_RES, taxon_ids=members)]


def map_layers(taxon: Taxon, language: str, cells: list[int]) -> render.MapLayers:
    """Everything the printed map of ``taxon`` shows (``cells``: its :func:`public_cells`)."""
    stored_oblasts = list(
        Place.objects.filter(kind=PlaceKind.OBLAST).values_list("geometry", flat=True)
    )
    oblast_texts = stored_oblasts or [p.geometry for p in builtin.oblasts()]
    tolerance = mapdata.BASEMAP_TOLERANCE_DEG
    oblasts = [geo.simplified(geo.parse(t), tolerance) for t in oblast_texts]
    ranges = [
        (kind, geo.parse(text))
        for kind, text in Place.objects.filter(kind=PlaceKind.RANGE, taxon=taxon)
        .order_by("range_kind", "code")
        .values_list("range_kind", "geometry")
    ]
    areas = [
        geo.simplified(geo.parse(t), 0.002)
        for t in Place.objects.filter(kind=PlaceKind.PROTECTED_AREA).values_list(
            "geometry", flat=True
        )
    ]
    labels = {f"range:{k}": str(label) for k, label in RangeKind.choices}
    labels["cells"] = _("occurrence records (generalised)")
    labels["protected_areas"] = _("protected areas")
    return render.MapLayers(
        title=taxon.name(language),
        subtitle=taxon.scientific_name,
        country=geo.simplified(kazakhstan(), tolerance),
        oblasts=oblasts,
        ranges=ranges,
        cells=cells,
        protected_areas=areas,
        labels=labels,
        footnote=_(
            "Barys. Records are shown as generalised hexagonal cells. Boundaries: Natural Earth."
        ),
    )


def map_image(taxon: Taxon, *, fmt: str, size: str, language: str) -> bytes:
    """The printed map as SVG or PNG bytes, cached until its places or cells change.

    The cells drawn, the species' and its subspecies', are their own version.
    """
    cells = public_cells(taxon)
    version = (
        mapdata.stamp([PlaceKind.OBLAST, PlaceKind.PROTECTED_AREA]),
        mapdata.stamp([PlaceKind.RANGE], taxon.pk),
        tuple(cells),
        taxon.sensitivity_category,
        taxon.name(language),
    )
    key = ("map-image", taxon.pk, fmt, size, language)
    return mapdata._cached(
        key,
        version,
        lambda: render.render(
            map_layers(taxon, language, cells),
            fmt=fmt,
            size=size,
            dpi=200 if size == "page" else 110,
        ),
    )


def summary_area(taxon: Taxon) -> AreaEstimate | None:
    """The stored EOO/AOO over all records, if computed."""
    return next((a for a in stored_areas(taxon) if a.period == PERIOD_ALL), None)


def species_panel(*, taxon: Taxon, request: Any = None, **_context: Any) -> Panel | None:
    """The map panel of the species page: a small map, the EOO/AOO and a link (species and
    subspecies only)."""
    if taxon.rank not in {"species", "subspecies"}:
        return None
    return Panel(
        template="places/species_panel.html",
        order=20,
        context={
            "taxon": taxon,
            "map_url": reverse("species-map", args=[taxon.slug]),
            "image_url": reverse("species-map-svg", args=[taxon.slug]) + "?size=small",
            "area": summary_area(taxon),
            "ranges": Place.objects.filter(kind=PlaceKind.RANGE, taxon=taxon).count(),
        },
    )
