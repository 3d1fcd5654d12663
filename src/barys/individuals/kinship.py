"""Kinship and reproduction: litter records (a female seen with cubs in a year), litter sizes
per year and park, and the females seen with cubs.

Litter records carry no location; their years and sizes are public. Links to the camera
events behind them are shown only to people allowed to see those events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from barys.core import audit, charts, roles
from barys.core.models import Scope
from barys.individuals.errors import InvalidInput, RegistryConflict
from barys.individuals.models import Individual, LitterRecord
from barys.taxa.models import Taxon

#: Largest litter the form accepts (snow leopards: 1–5, usually 2–3).
MAX_CUBS = 8


def _require(actor: Any, scope: Scope | None) -> None:
    if not isinstance(actor, str):
        roles.require_role(actor, "researcher", scope.code if scope else None)


def _check(
    *,
    mother: Individual | None,
    year: int,
    cubs_count: int,
    cubs: list[Individual],
    taxon: Taxon,
    exclude_pk: int | None = None,
) -> None:
    this_year = timezone.now().year
    if not 1950 <= year <= this_year:
        raise InvalidInput(f"year {year}: expected 1950–{this_year}")
    if not 1 <= cubs_count <= MAX_CUBS:
        raise InvalidInput(f"number of cubs {cubs_count}: expected 1–{MAX_CUBS}")
    if len(cubs) > cubs_count:
        raise InvalidInput("more cub passports than cubs")
    if mother is not None:
        if mother.sex == Individual.Sex.MALE:
            raise RegistryConflict(f"{mother.code} is recorded as a male")
        if mother.taxon_id != taxon.pk:
            raise RegistryConflict(f"{mother.code} is of another taxon")
        if mother.birth_year is not None and mother.birth_year >= year:
            raise RegistryConflict(f"{mother.code} was born in {mother.birth_year}")
        clash = LitterRecord.objects.filter(mother=mother, year=year)
        if exclude_pk is not None:
            clash = clash.exclude(pk=exclude_pk)
        if clash.exists():
            raise RegistryConflict(f"{mother.code} already has a litter record in {year}")
    for cub in cubs:
        if mother is not None and cub.pk == mother.pk:
            raise RegistryConflict("the mother cannot be one of her cubs")
        if cub.taxon_id != taxon.pk:
            raise RegistryConflict(f"{cub.code} is of another taxon")


@transaction.atomic
def create_litter(
    *,
    taxon: Taxon,
    year: int,
    cubs_count: int,
    actor: Any,
    mother: Individual | None = None,
    cubs: Iterable[Individual] = (),
    scope: Scope | None = None,
    **fields: Any,
) -> LitterRecord:
    """Record a female seen with ``cubs_count`` cubs in ``year`` (audited). ``fields``:
    ``seen_on``, ``evidence_event``, ``evidence_annotation``, ``evidence_occurrence``,
    ``evidence_note``, ``source``, ``notes``."""
    cub_list = list(cubs)
    scope = scope or (mother.scope if mother is not None else None)
    _require(actor, scope)
    _check(mother=mother, year=year, cubs_count=cubs_count, cubs=cub_list, taxon=taxon)
    litter = LitterRecord.objects.create(
        taxon=taxon,
        mother=mother,
        year=year,
        cubs_count=cubs_count,
        scope=scope,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
        **fields,
    )
    if cub_list:
        litter.cubs.set(cub_list)
    audit.record_create(litter, actor=actor)
    return litter


@transaction.atomic
def update_litter(
    *, litter: LitterRecord, actor: Any, cubs: Iterable[Individual] | None = None, **fields: Any
) -> LitterRecord:
    """Change a litter record (audited)."""
    _require(actor, litter.scope)
    before = audit.snapshot(litter)
    before["cubs"] = sorted(litter.cubs.values_list("pk", flat=True))
    for name, value in fields.items():
        setattr(litter, name, value)
    cub_list = list(cubs) if cubs is not None else list(litter.cubs.all())
    _check(
        mother=litter.mother,
        year=litter.year,
        cubs_count=litter.cubs_count,
        cubs=cub_list,
        taxon=litter.taxon,
        exclude_pk=litter.pk,
    )
    litter.save()
    if cubs is not None:
        litter.cubs.set(cub_list)
    after = audit.snapshot(litter)
    after["cubs"] = sorted(c.pk for c in cub_list)
    changed = sorted(k for k in after if before.get(k) != after.get(k))
    if changed:
        audit.record(
            action="update",
            instance=litter,
            before={k: before.get(k) for k in changed},
            after={k: after[k] for k in changed},
            actor=actor,
        )
    return litter


@transaction.atomic
def delete_litter(*, litter: LitterRecord, actor: Any, reason: str = "") -> None:
    _require(actor, litter.scope)
    audit.record_delete(litter, actor=actor, reason=reason)
    litter.delete()


# -- summaries ------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearSummary:
    """Litters seen in one year: how many, cubs in all, mean and largest litter."""

    year: int
    litters: int
    cubs: int
    mean: float
    largest: int


@dataclass(frozen=True)
class MotherSummary:
    mother: Individual
    litters: list[LitterRecord]

    @property
    def cubs(self) -> int:
        return sum(litter.cubs_count for litter in self.litters)


def litters(*, scope: Scope | None = None, taxon: Taxon | None = None) -> list[LitterRecord]:
    """Litter records, oldest first, optionally of one park and taxon."""
    rows = LitterRecord.objects.select_related(
        "mother", "scope", "taxon", "evidence_event", "evidence_annotation", "evidence_occurrence"
    ).prefetch_related("cubs")
    if scope is not None:
        rows = rows.filter(scope=scope)
    if taxon is not None:
        rows = rows.filter(taxon=taxon)
    return list(rows.order_by("year", "mother__code", "id"))


def by_year(rows: list[LitterRecord]) -> list[YearSummary]:
    grouped: dict[int, list[int]] = defaultdict(list)
    for litter in rows:
        grouped[litter.year].append(litter.cubs_count)
    return [
        YearSummary(year, len(sizes), sum(sizes), round(sum(sizes) / len(sizes), 2), max(sizes))
        for year, sizes in sorted(grouped.items())
    ]


def mothers(rows: list[LitterRecord]) -> list[MotherSummary]:
    """Females seen with cubs, with their litters (identified mothers only)."""
    grouped: dict[int, list[LitterRecord]] = defaultdict(list)
    found: dict[int, Individual] = {}
    for litter in rows:
        if litter.mother is not None:
            grouped[litter.mother.pk].append(litter)
            found[litter.mother.pk] = litter.mother
    return [
        MotherSummary(found[pk], grouped[pk]) for pk in sorted(found, key=lambda k: found[k].code)
    ]


def litter_chart(rows: list[LitterRecord]) -> str:
    """Litter sizes per year as an SVG bar chart (one bar per litter, grouped by year; litters
    of three or more cubs stand out)."""
    if not rows:
        return ""
    import matplotlib.pyplot as plt

    grouped: dict[int, list[LitterRecord]] = defaultdict(list)
    for litter in rows:
        grouped[litter.year].append(litter)
    years = sorted(grouped)
    with plt.rc_context({"svg.fonttype": "none"}):
        return _draw_litters(plt, grouped, years, rows)


def _draw_litters(
    plt: Any, grouped: dict[int, list[LitterRecord]], years: list[int], rows: list[LitterRecord]
) -> str:
    figure, axes = plt.subplots(figsize=(6.8, 3.0))
    width = 0.8
    for year in years:
        items = grouped[year]
        step = width / len(items)
        for index, litter in enumerate(items):
            x = year - width / 2 + step * (index + 0.5)
            large = litter.cubs_count >= 3
            bars = axes.bar(
                x,
                litter.cubs_count,
                width=step * 0.9,
                color=charts.PALETTE[1] if large else charts.PALETTE[0],
            )
            bars[0].set_gid(f"litter-{year}-{index + 1}-cubs-{litter.cubs_count}")
            label = litter.mother.code if litter.mother is not None else "?"
            axes.text(
                x,
                litter.cubs_count + 0.08,
                f"{litter.cubs_count}",
                ha="center",
                va="bottom",
                fontsize=8,
            )
            axes.text(
                x, 0.08, label, ha="center", va="bottom", fontsize=6, rotation=90, color="white"
            )
    axes.set_xticks(years)
    axes.set_xticklabels([str(y) for y in years])
    axes.set_ylabel(_("cubs in the litter"))
    axes.set_ylim(0, max(litter.cubs_count for litter in rows) + 1)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    axes.bar([], [], color=charts.PALETTE[0], label=_("one or two cubs"))
    axes.bar([], [], color=charts.PALETTE[1], label=_("three or more cubs"))
    axes.legend(fontsize=8, frameon=False, loc="upper left")
    return charts.svg_of(figure)
