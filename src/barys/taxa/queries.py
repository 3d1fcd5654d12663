"""Read-side helpers for the registry pages and API (filters, status history, charts)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from barys.core.charts import Series, SeriesPoint, trend_chart
from barys.taxa import search as taxon_search
from barys.taxa.models import Assessment, Category, Edition, Taxon
from barys.taxa.services import population_series


@dataclass
class TaxonFilters:
    q: str = ""
    class_name: str = ""
    national_category: str = ""
    iucn_category: str = ""
    edition: str = ""
    red_book_only: bool = False

    @classmethod
    def from_params(cls, params: Any) -> TaxonFilters:
        return cls(
            q=str(params.get("q", "") or "")[:200],
            class_name=str(params.get("class", "") or ""),
            national_category=str(params.get("national_category", "") or ""),
            iucn_category=str(params.get("iucn_category", "") or ""),
            edition=str(params.get("edition", "") or ""),
            red_book_only=str(params.get("red_book", "")) in {"1", "true", "on"},
        )

    @property
    def narrows(self) -> bool:
        """Any filter besides the query text and the species ranks."""
        return bool(
            self.class_name
            or self.national_category
            or self.iucn_category
            or self.edition
            or self.red_book_only
        )

    def narrowing(self) -> QuerySet[Taxon]:
        """Taxa of any rank passing the filters other than the query text."""
        taxa = Taxon.objects.all()
        if self.class_name:
            taxa = taxa.filter(class_name=self.class_name)
        if self.national_category:
            taxa = taxa.filter(national_category=self.national_category)
        if self.iucn_category:
            taxa = taxa.filter(iucn_category=self.iucn_category)
        if self.edition:
            taxa = taxa.filter(assessments__edition__code=self.edition).distinct()
        if self.red_book_only:
            taxa = taxa.filter(in_red_book=True)
        return taxa


def find_taxa(
    filters: TaxonFilters, *, limit: int = 50, offset: int = 0
) -> taxon_search.SearchResult:
    return taxon_search.search(
        filters.q,
        queryset=filters.narrowing() if filters.narrows else None,
        species_only=True,
        limit=limit,
        offset=offset,
    )


def filter_choices() -> dict[str, Any]:
    return {
        "classes": list(Taxon.objects.filter(rank="class").order_by("scientific_name")),
        "national": list(Category.objects.filter(scheme="national")),
        "iucn": list(Category.objects.filter(scheme="iucn")),
        "editions": list(Edition.objects.all()),
    }


def status_history(taxon: Taxon) -> list[Assessment]:
    """Assessments of national editions and global IUCN assessments, oldest first."""
    return sorted(
        taxon.assessments.select_related("edition"),
        key=lambda a: (a.sort_year, a.edition_id is None),
    )


def category_labels() -> dict[tuple[str, str], str]:
    return {(c.scheme, c.code): c.label() for c in Category.objects.all()}


def population_chart(taxon: Taxon) -> str | None:
    """The species page's trend chart (SVG), or None without at least two estimates."""
    groups = population_series(taxon)
    series = []
    units = set()
    for (area, unit), estimates in groups.items():
        if len(estimates) < 2:
            continue
        units.add(unit)
        label_unit = dict(estimates[0].Unit.choices).get(unit, unit)
        series.append(
            Series(
                label=f"{area or _('Kazakhstan')} ({label_unit})",
                points=[
                    SeriesPoint(
                        year=e.year_mid,
                        value=e.value,
                        lower=e.lower,
                        upper=e.upper,
                        uncertain=e.uncertain,
                    )
                    for e in estimates
                ],
            )
        )
    if not series:
        return None
    return trend_chart(
        series,
        title=_("Population estimates of %(name)s") % {"name": taxon.name()},
        y_label=_("Number"),
        uncertain_label=_("uncertain estimate"),
    )
