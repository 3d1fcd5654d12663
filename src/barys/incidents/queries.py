"""Reading incidents: filters, map features and statistics (always through the access rules)."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import ExtractYear
from django.urls import reverse
from django.utils.translation import gettext as _

from barys.core.charts import PALETTE, svg_of
from barys.incidents import access
from barys.incidents.models import Incident, IncidentType


def clean_text(value: Any) -> str:
    """A query parameter as text without control characters (databases refuse NUL)."""
    return "".join(c for c in str(value or "") if c.isprintable()).strip()


@dataclass
class IncidentFilters:
    """Filters of the incident list and API (all optional)."""

    type: str = ""
    state: str = ""
    priority: str = ""
    scope: str = ""
    taxon: str = ""
    year: int | None = None
    q: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> IncidentFilters:
        def text(name: str, size: int) -> str:
            return clean_text(params.get(name, ""))[:size]

        found = cls(
            type=text("type", 64),
            state=text("state", 16),
            priority=text("priority", 16),
            scope=text("scope", 64),
            taxon=text("taxon", 200),
            q=text("q", 100),
        )
        year = text("year", 8)
        if year:
            if year.isascii() and year.isdigit() and 1900 <= int(year) <= 2100:
                found.year = int(year)
            else:
                found.errors.append(_("The year must be a number such as 2023."))
        if found.state and found.state not in Incident.State.values:
            found.errors.append(_("Unknown state."))
            found.state = ""
        if found.priority and found.priority not in Incident.Priority.values:
            found.errors.append(_("Unknown priority."))
            found.priority = ""
        return found

    def apply(self, queryset: QuerySet[Incident]) -> QuerySet[Incident]:
        if self.type:
            queryset = queryset.filter(type__code=self.type)
        if self.state:
            queryset = queryset.filter(state=self.state)
        if self.priority:
            queryset = queryset.filter(priority=self.priority)
        if self.scope:
            queryset = queryset.filter(scope__code=self.scope)
        if self.taxon:
            queryset = queryset.filter(taxon__slug=self.taxon)
        if self.year:
            queryset = queryset.filter(occurred_at__year=self.year)
        if self.q:
            queryset = queryset.filter(code__icontains=self.q)
        return queryset


def find(filters: IncidentFilters, *, user: Any) -> QuerySet[Incident]:
    """Incidents ``user`` may open, filtered, newest first."""
    return (
        filters.apply(access.visible(user))
        .select_related("type", "scope", "taxon", "individual")
        .order_by("-occurred_at", "-id")
    )


def map_features(items: list[access.PresentedIncident]) -> dict[str, Any]:
    """GeoJSON of the presented incidents (withheld locations are left out)."""
    features = []
    for item in items:
        loc = item.location
        if loc.latitude is None or loc.longitude is None:
            continue
        incident = item.incident
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [loc.longitude, loc.latitude]},
                "properties": {
                    "code": incident.code,
                    "type": incident.type.name(),
                    "url": reverse("incident-detail", kwargs={"code": incident.code}),
                    "priority": incident.priority,
                    "state": incident.state,
                    "date": loc.event_date if not loc.exact else incident.occurred_at.isoformat(),
                    "exact": loc.exact,
                    "cell_deg": loc.cell_deg,
                    "uncertainty_m": loc.uncertainty_m,
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


@dataclass
class Statistics:
    """Counts of incidents by year, type and protected area, with their charts (SVG)."""

    total: int
    by_year_type: dict[int, dict[str, int]]
    by_type: list[tuple[str, int]]
    by_park: list[tuple[str, int]]
    years: list[int]
    type_names: list[str]
    year_chart: str
    park_chart: str
    public_only: bool


def statistics(*, user: Any) -> Statistics:
    """Statistics over the incidents ``user`` may open (published only for the public)."""
    base = access.visible(user)
    rows = (
        base.annotate(y=ExtractYear("occurred_at"))
        .values("y", "type_id")
        .annotate(n=Count("id"))
        .order_by("y")
    )
    types = {t.pk: t.name() for t in IncidentType.objects.all()}
    by_year_type: dict[int, dict[str, int]] = defaultdict(dict)
    by_type: Counter[str] = Counter()
    for row in rows:
        name = types.get(row["type_id"], "?")
        by_year_type[int(row["y"])][name] = by_year_type[int(row["y"])].get(name, 0) + row["n"]
        by_type[name] += row["n"]
    park_rows = (
        base.values("scope__code", "scope__name_en", "scope__name_ru", "scope__name_kk")
        .annotate(n=Count("id"))
        .order_by("-n")
    )
    from django.utils.translation import get_language

    lang = (get_language() or "en")[:2]
    by_park = []
    for row in park_rows:
        if not row["scope__code"]:
            label = _("outside protected areas")
        else:
            label = row.get(f"scope__name_{lang}") or row["scope__name_en"] or row["scope__code"]
        by_park.append((str(label), int(row["n"])))
    years = sorted(by_year_type)
    type_names = [name for name, _n in by_type.most_common()]
    return Statistics(
        total=sum(by_type.values()),
        by_year_type=dict(by_year_type),
        by_type=by_type.most_common(),
        by_park=by_park,
        years=years,
        type_names=type_names,
        year_chart=_year_chart(years, type_names, by_year_type) if years else "",
        park_chart=_park_chart(by_park) if by_park else "",
        public_only=not getattr(user, "is_authenticated", False),
    )


def _year_chart(
    years: list[int], type_names: list[str], by_year_type: Mapping[int, Mapping[str, int]]
) -> str:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    figure, axes = plt.subplots(figsize=(7.0, 3.4))
    bottoms = [0] * len(years)
    for index, name in enumerate(type_names):
        heights = [by_year_type.get(y, {}).get(name, 0) for y in years]
        axes.bar(
            [str(y) for y in years],
            heights,
            bottom=bottoms,
            label=name,
            color=PALETTE[index % len(PALETTE)],
        )
        bottoms = [b + h for b, h in zip(bottoms, heights, strict=True)]
    axes.set_ylabel(_("incidents"))
    axes.set_title(_("Incidents per year and type"), fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    axes.legend(fontsize=8, frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0))
    return svg_of(figure)


def _park_chart(by_park: list[tuple[str, int]]) -> str:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import MaxNLocator

    labels = [name for name, _n in by_park][::-1]
    values = [n for _name, n in by_park][::-1]
    figure, axes = plt.subplots(figsize=(7.0, 0.5 + 0.4 * len(labels)))
    axes.barh(labels, values, color=PALETTE[0])
    axes.set_xlabel(_("incidents"))
    axes.set_title(_("Incidents per protected area"), fontsize=11)
    axes.spines[["top", "right"]].set_visible(False)
    axes.xaxis.set_major_locator(MaxNLocator(integer=True))
    return svg_of(figure)
