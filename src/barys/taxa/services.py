"""Registry services: status bookkeeping, assessments and population estimates (audited)."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from barys.core import audit
from barys.core.models import User
from barys.taxa.models import RANK_ORDER, Assessment, Edition, PopulationEstimate, Taxon

DEFAULT_RED_BOOK_SENSITIVITY = 2
DEFAULT_SENSITIVITY_REASON = "default for taxa of the current Red Book edition"


class RegistryError(ValueError):
    """A registry change is not valid; the message names the field."""


def current_edition() -> Edition | None:
    return Edition.objects.filter(is_current=True).order_by("-year").first()


def class_of(taxon: Taxon) -> str:
    for node in [taxon, *reversed(taxon.ancestors())]:
        if node.rank == "class":
            return node.scientific_name
    return ""


def check_parent(taxon: Taxon, parent: Taxon | None) -> None:
    """Refuse a parent that creates a cycle or breaks rank order."""
    if parent is None:
        if taxon.rank != "kingdom":
            raise RegistryError(f"{taxon.scientific_name}: parent: only a kingdom has no parent")
        return
    if RANK_ORDER[parent.rank] >= RANK_ORDER[taxon.rank]:
        raise RegistryError(
            f"{taxon.scientific_name}: parent: rank {parent.rank} of "
            f"{parent.scientific_name} is not above {taxon.rank}"
        )
    node: Taxon | None = parent
    seen: set[int] = set()
    while node is not None:
        if taxon.pk is not None and node.pk == taxon.pk:
            raise RegistryError(
                f"{taxon.scientific_name}: parent: {parent.scientific_name} would make a cycle"
            )
        if node.pk in seen:
            break
        seen.add(node.pk)
        node = node.parent


def refresh_status(taxa: list[Taxon] | None = None) -> int:
    """Set each taxon's current national/IUCN category, Red Book flag, class and default
    sensitivity from the current edition. Returns the number of taxa changed."""
    edition = current_edition()
    queryset = Taxon.objects.select_related("parent")
    if taxa is not None:
        queryset = queryset.filter(pk__in=[t.pk for t in taxa])
    current = {}
    latest_iucn: dict[int, Assessment] = {}
    assessments = sorted(
        Assessment.objects.select_related("edition"),
        key=lambda a: (a.sort_year, a.edition_id is None),
    )
    for assessment in assessments:
        if assessment.iucn_category:
            latest_iucn[assessment.taxon_id] = assessment
        if edition is not None and assessment.edition_id == edition.pk:
            current[assessment.taxon_id] = assessment
    parents = {t.pk: t for t in Taxon.objects.only("pk", "rank", "scientific_name", "parent_id")}
    changed = []
    for taxon in queryset:
        class_name = ""
        node: Any = parents.get(taxon.pk)
        hops = 0
        while node is not None and hops < 20:
            if node.rank == "class":
                class_name = node.scientific_name
                break
            node = parents.get(node.parent_id) if node.parent_id else None
            hops += 1
        assessment = current.get(taxon.pk)
        iucn = latest_iucn.get(taxon.pk)
        values = {
            "in_red_book": taxon.red_book_status == "listed"
            or (assessment is not None and taxon.red_book_status == ""),
            "national_category": assessment.national_category if assessment else "",
            "iucn_category": iucn.iucn_category if iucn else "",
            "class_name": class_name,
        }
        if (
            values["in_red_book"]
            and taxon.sensitivity_category is None
            and not taxon.sensitivity_reason
        ):
            values["sensitivity_category"] = DEFAULT_RED_BOOK_SENSITIVITY
            values["sensitivity_reason"] = DEFAULT_SENSITIVITY_REASON
        if any(getattr(taxon, k) != v for k, v in values.items()):
            for key, value in values.items():
                setattr(taxon, key, value)
            changed.append(taxon)
    Taxon.objects.bulk_update(
        changed,
        [
            "in_red_book",
            "national_category",
            "iucn_category",
            "class_name",
            "sensitivity_category",
            "sensitivity_reason",
        ],
        batch_size=1000,
    )
    return len(changed)


ASSESSMENT_FIELDS = (
    "national_category",
    "iucn_category",
    "iucn_criteria",
    "year",
    "rationale_kk",
    "rationale_ru",
    "rationale_en",
    "threats",
    "measures",
    "sources",
    "uncertain",
    "notes",
)


@transaction.atomic
def save_assessment(
    *, taxon: Taxon, edition: Edition | None, actor: User | str | None, **values: Any
) -> Assessment:
    """Create or update the taxon's assessment in ``edition`` (None: a global IUCN assessment
    of ``values["year"]``), audited."""
    unknown = set(values) - set(ASSESSMENT_FIELDS)
    if unknown:
        raise RegistryError(f"assessment: unknown fields {sorted(unknown)}")
    if edition is None and not values.get("year"):
        raise RegistryError("year: a global IUCN assessment needs its year")
    lookup: dict[str, Any] = {"taxon": taxon, "edition": edition}
    if edition is None:
        lookup["year"] = values["year"]
    assessment = Assessment.objects.filter(**lookup).first()
    if assessment is None:
        assessment = Assessment.objects.create(taxon=taxon, edition=edition, **values)
        audit.record_create(assessment, actor=actor)
    else:
        before = audit.snapshot(assessment)
        for key, value in values.items():
            setattr(assessment, key, value)
        assessment.save()
        audit.record_update(assessment, before, actor=actor)
    refresh_status([taxon])
    return assessment


ESTIMATE_FIELDS = (
    "area",
    "year_start",
    "year_end",
    "value",
    "lower",
    "upper",
    "unit",
    "method",
    "source",
    "notes",
    "uncertain",
)


def validate_estimate(values: dict[str, Any]) -> None:
    value, lower, upper = values.get("value"), values.get("lower"), values.get("upper")
    if value is None and (lower is None or upper is None):
        raise RegistryError("value: give a value or both bounds of an interval")
    for name in ("value", "lower", "upper"):
        if values.get(name) is not None and values[name] < 0:
            raise RegistryError(f"{name}: a population cannot be negative")
    if lower is not None and upper is not None and lower > upper:
        raise RegistryError("lower: the lower bound is above the upper bound")
    if (
        value is not None
        and lower is not None
        and upper is not None
        and not lower <= value <= upper
    ):
        raise RegistryError("value: the value is outside its interval")
    end = values.get("year_end")
    if end is not None and end < values["year_start"]:
        raise RegistryError("year_end: the period ends before it starts")


@transaction.atomic
def save_population_estimate(
    *,
    taxon: Taxon,
    actor: User | str | None,
    estimate: PopulationEstimate | None = None,
    **values: Any,
) -> PopulationEstimate:
    """Create (or update ``estimate``) a population estimate, validated and audited."""
    unknown = set(values) - set(ESTIMATE_FIELDS)
    if unknown:
        raise RegistryError(f"population estimate: unknown fields {sorted(unknown)}")
    merged = {f: getattr(estimate, f) for f in ESTIMATE_FIELDS} if estimate else {}
    merged.update(values)
    validate_estimate(merged)
    if estimate is None:
        estimate = PopulationEstimate.objects.create(taxon=taxon, **values)
        audit.record_create(estimate, actor=actor)
        return estimate
    before = audit.snapshot(estimate)
    for key, value in values.items():
        setattr(estimate, key, value)
    estimate.save()
    audit.record_update(estimate, before, actor=actor)
    return estimate


def population_series(taxon: Taxon) -> dict[tuple[str, str], list[PopulationEstimate]]:
    """Estimates grouped by (area, unit), each series ordered by year."""
    series: dict[tuple[str, str], list[PopulationEstimate]] = {}
    for estimate in taxon.population_estimates.order_by("year_start"):
        series.setdefault((estimate.area, estimate.unit), []).append(estimate)
    return series
