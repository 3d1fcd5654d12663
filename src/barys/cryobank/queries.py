"""Finding samples and describing the storage (no HTTP)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext as _

from barys.cryobank.models import ROW_LETTERS, Container, Sample
from barys.incidents.queries import clean_text


@dataclass
class SampleFilters:
    """Search by code, taxon (slug; its subspecies included), individual code, material,
    place (protected area code) and status."""

    q: str = ""
    taxon: str = ""
    individual: str = ""
    material: str = ""
    place: str = ""
    status: str = ""
    incident: str = ""
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: Mapping[str, Any]) -> SampleFilters:
        def text(name: str, size: int = 100) -> str:
            return clean_text(params.get(name, ""))[:size]

        found = cls(
            q=text("q"),
            taxon=text("taxon", 200),
            individual=text("individual"),
            material=text("material"),
            place=text("place"),
            status=text("status"),
            incident=text("incident"),
        )
        if found.material and found.material not in Sample.Material.values:
            found.errors.append(_("Unknown material."))
            found.material = ""
        if found.status and found.status not in Sample.Status.values:
            found.errors.append(_("Unknown status."))
            found.status = ""
        return found

    def apply(self, queryset: QuerySet[Sample]) -> QuerySet[Sample]:
        if self.q:
            queryset = queryset.filter(code__icontains=self.q)
        if self.taxon:
            queryset = queryset.filter(
                Q(taxon__slug=self.taxon) | Q(taxon__parent__slug=self.taxon)
            )
        if self.individual:
            queryset = queryset.filter(individual__code__iexact=self.individual)
        if self.material:
            queryset = queryset.filter(material=self.material)
        if self.place:
            queryset = queryset.filter(
                Q(scope__code=self.place)
                | Q(scope__name_en__icontains=self.place)
                | Q(scope__name_ru__icontains=self.place)
                | Q(scope__name_kk__icontains=self.place)
            )
        if self.status:
            queryset = queryset.filter(status=self.status)
        if self.incident:
            queryset = queryset.filter(source_incident__code=self.incident)
        return queryset

    def as_params(self) -> dict[str, str]:
        return {
            k: v
            for k, v in {
                "q": self.q,
                "taxon": self.taxon,
                "individual": self.individual,
                "material": self.material,
                "place": self.place,
                "status": self.status,
                "incident": self.incident,
            }.items()
            if v
        }


def find(filters: SampleFilters) -> QuerySet[Sample]:
    return (
        filters.apply(Sample.objects.all())
        .select_related("taxon", "individual", "scope", "container", "parent", "source_incident")
        .order_by("code")
    )


@dataclass(frozen=True)
class GridCell:
    position: str
    sample: Sample | None


@dataclass(frozen=True)
class BoxGrid:
    box: Container
    column_labels: list[int]
    rows: list[tuple[str, list[GridCell]]]
    occupied: int
    capacity: int


def box_grid(box: Container) -> BoxGrid:
    """The box as rows × columns, each cell holding its sample (or None)."""
    by_position = {s.position: s for s in box.samples.select_related("taxon").exclude(position="")}
    rows = []
    for r in range(box.rows or 0):
        letter = ROW_LETTERS[r]
        cells = [
            GridCell(f"{letter}{c + 1}", by_position.get(f"{letter}{c + 1}"))
            for c in range(box.columns or 0)
        ]
        rows.append((letter, cells))
    capacity = (box.rows or 0) * (box.columns or 0)
    return BoxGrid(
        box=box,
        column_labels=list(range(1, (box.columns or 0) + 1)),
        rows=rows,
        occupied=len(by_position),
        capacity=capacity,
    )


@dataclass
class TreeNode:
    container: Container
    children: list[TreeNode]
    samples: int
    total: int


def storage_tree() -> list[TreeNode]:
    """Every container as a tree (facilities at the top) with sample counts."""
    containers = list(Container.objects.all().order_by("code"))
    counts = dict(
        Sample.objects.filter(container__isnull=False)
        .values_list("container_id")
        .annotate(n=Count("id"))
    )
    nodes = {c.pk: TreeNode(c, [], int(counts.get(c.pk, 0)), 0) for c in containers}
    roots: list[TreeNode] = []
    for c in containers:
        parent = nodes.get(c.parent_id) if c.parent_id else None
        (parent.children if parent else roots).append(nodes[c.pk])

    def total(node: TreeNode) -> int:
        node.total = node.samples + sum(total(child) for child in node.children)
        return node.total

    for root in roots:
        total(root)
    return roots


def free_positions(box: Container, limit: int | None = None) -> list[str]:
    taken = set(box.samples.exclude(position="").values_list("position", flat=True))
    free = [p for p in box.positions() if p not in taken]
    return free[:limit] if limit else free


def collection_summary() -> dict[str, Any]:
    """Taxa, samples and materials held (for the cryobank's front page)."""
    held = Sample.objects.exclude(status__in=["used_up", "discarded"])
    return {
        "samples": held.count(),
        "taxa": held.values("taxon").distinct().count(),
        "by_taxon": list(
            held.values("taxon__scientific_name", "taxon__slug")
            .annotate(n=Count("id"))
            .order_by("taxon__scientific_name")
        ),
        "by_material": list(held.values("material").annotate(n=Count("id")).order_by("-n")),
    }
