"""Figures for the public portal: headline numbers, statistics and the richness map."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.cache import cache
from django.db.models import Count, Exists, Max, OuterRef
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from barys.core.charts import Series, SeriesPoint, svg_of, trend_chart
from barys.core.geo import h3_boundary
from barys.records import maps
from barys.records.models import Occurrence, OccurrenceCell
from barys.taxa.models import PopulationEstimate, Taxon

T = TypeVar("T")
#: How long figures over all records are kept (they are also recomputed as soon as a record
#: is added): counting ten million records takes SQLite a third of a second, grouping them by
#: class several seconds.
RECORD_FIGURES_SECONDS = 300


def over_records(name: str, compute: Callable[[], T]) -> T:
    """``compute()``, kept in the cache per newest record and language."""
    newest = Occurrence.objects.aggregate(newest=Max("id"))["newest"] or 0
    return cache.get_or_set(  # type: ignore[no-any-return]
        f"portal:{name}:{newest}:{get_language()}", compute, RECORD_FIGURES_SECONDS
    )


@dataclass
class Headlines:
    red_book_taxa: int
    records: int
    species_maps: int
    identified_snow_leopards: int


def headlines() -> Headlines:
    try:
        from barys.individuals.models import Individual

        leopards = Individual.objects.filter(
            taxon__slug="panthera-uncia", merged_into__isnull=True
        ).count()
    except Exception:  # the individuals app may not be migrated in a minimal install
        leopards = 0
    return Headlines(
        red_book_taxa=Taxon.objects.filter(in_red_book=True).count(),
        records=over_records("records", Occurrence.objects.count),
        species_maps=Taxon.objects.filter(
            Exists(OccurrenceCell.objects.filter(taxon=OuterRef("pk")))
        ).count(),
        identified_snow_leopards=leopards,
    )


def richness_geojson() -> dict[str, Any]:
    """Red Book species per public H3 cell (resolution 3, about 12,000 km²)."""
    red_book = list(Taxon.objects.filter(in_red_book=True).values_list("pk", flat=True))
    features = []
    for cell, n in maps.richness(resolution=3, taxon_ids=red_book):
        ring = [[lon, lat] for lat, lon in h3_boundary(cell)]
        ring.append(ring[0])
        features.append(
            {
                "type": "Feature",
                "id": str(cell),
                "geometry": {"type": "Polygon", "coordinates": [ring]},
                "properties": {"species": n},
            }
        )
    return {"type": "FeatureCollection", "features": features}


def records_per_year_svg() -> str | None:
    return over_records("per-year", _records_per_year_svg)


def _records_per_year_svg() -> str | None:
    rows = list(
        Occurrence.objects.exclude(year=None)
        .values("year")
        .annotate(n=Count("id"))
        .order_by("year")
    )
    if not rows:
        return None
    import matplotlib.pyplot as plt

    figure, axes = plt.subplots(figsize=(7, 2.8))
    axes.bar([r["year"] for r in rows], [r["n"] for r in rows], color="#1f5f8b")
    axes.set_title(_("Occurrence records per year"), fontsize=11)
    axes.set_ylabel(_("Records"))
    axes.spines[["top", "right"]].set_visible(False)
    return svg_of(figure)


def records_by_class() -> list[tuple[str, int]]:
    return over_records("by-class", _records_by_class)


def _records_by_class() -> list[tuple[str, int]]:
    counts = Counter(
        dict(
            Occurrence.objects.exclude(taxon=None)
            .values_list("taxon__class_name")
            .annotate(n=Count("id"))
            .values_list("taxon__class_name", "n")
        )
    )
    return sorted(((name or "—", n) for name, n in counts.items()), key=lambda kv: -kv[1])


def taxa_by_category() -> list[tuple[str, int]]:
    rows = (
        Taxon.objects.filter(in_red_book=True)
        .values_list("national_category")
        .annotate(n=Count("id"))
        .order_by("national_category")
    )
    return [(code or "?", n) for code, n in rows]


KEY_SPECIES = ("saiga-tatarica", "panthera-uncia", "falco-cherrug")


def trends_svg() -> list[tuple[Taxon, str]]:
    """Small trend charts of key species with a population series."""
    charts = []
    for taxon in Taxon.objects.filter(slug__in=KEY_SPECIES):
        estimates = list(PopulationEstimate.objects.filter(taxon=taxon).order_by("year_start"))
        if len(estimates) < 2:
            continue
        unit = estimates[0].unit
        points = [
            SeriesPoint(e.year_mid, e.value, e.lower, e.upper, e.uncertain)
            for e in estimates
            if e.unit == unit
        ]
        charts.append(
            (
                taxon,
                trend_chart(
                    [Series(taxon.name(), points)],
                    title=taxon.name(),
                    y_label=dict(PopulationEstimate.Unit.choices).get(unit, unit),
                    width=4.2,
                    height=2.6,
                    uncertain_label=_("uncertain estimate"),
                ),
            )
        )
    return charts
