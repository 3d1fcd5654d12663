"""Import and export of the whole registry as CSV files (one per entity).

The format is documented in ``docs/registry-csv.md`` and read by :mod:`barys.taxa.seed_format`.
An import validates every file first; with any error nothing is written and every problem is
reported with file, row and field. A valid import runs in one transaction, updates rows by
their natural keys (so importing the same files again changes nothing) and writes an audit
entry for every row it creates or changes.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction

from barys.core import audit
from barys.taxa import search, seed_format, services
from barys.taxa.models import (
    Assessment,
    Category,
    Edition,
    ListingChange,
    Milestone,
    PopulationEstimate,
    Programme,
    Release,
    Synonym,
    Taxon,
    VernacularName,
)
from barys.taxa.names import slugify_scientific

ACTOR = "registry import"


class RegistryImportError(Exception):
    """The files are not a valid registry; ``errors`` lists every problem."""

    def __init__(self, errors: list[seed_format.RowError]) -> None:
        self.errors = errors
        head = "; ".join(str(e) for e in errors[:5])
        more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
        super().__init__(f"{len(errors)} problems: {head}{more}")


@dataclass
class ImportSummary:
    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, what: str, outcome: str) -> None:
        bucket = getattr(self, outcome)
        bucket[what] = bucket.get(what, 0) + 1

    @property
    def total_changes(self) -> int:
        return sum(self.created.values()) + sum(self.updated.values())


def _upsert(
    model: type[models.Model],
    lookup: dict[str, Any],
    values: dict[str, Any],
    summary: ImportSummary,
    label: str,
) -> Any:
    values = {k: v for k, v in values.items() if k not in lookup}
    obj = model._default_manager.filter(**lookup).first()
    if obj is None:
        obj = model._default_manager.create(**lookup, **values)
        audit.record_create(obj, actor=ACTOR)
        summary.count(label, "created")
        return obj
    before = audit.snapshot(obj)
    for key, value in values.items():
        setattr(obj, key, value)
    if audit.snapshot(obj) != before:
        obj.save()
        audit.record_update(obj, before, actor=ACTOR)
        summary.count(label, "updated")
    else:
        summary.count(label, "unchanged")
    return obj


def _fields(row: Any, *names: str) -> dict[str, Any]:
    return {name: getattr(row, name) for name in names}


def import_registry(
    directory: Path | str, progress: Callable[[str], None] | None = None
) -> ImportSummary:
    """Validate and import a registry directory; raises :class:`RegistryImportError`."""
    data = seed_format.load(Path(directory))
    if data.errors:
        raise RegistryImportError(data.errors)
    summary = ImportSummary()
    with transaction.atomic(), search.deferred():  # one reindex at the end
        _import_rows(data, summary, progress or (lambda _what: None))
    return summary


def _import_rows(
    data: seed_format.SeedData, summary: ImportSummary, progress: Callable[[str], None]
) -> None:
    progress("categories and editions")
    for c in data.categories:
        _upsert(
            Category,
            {"scheme": c.scheme, "code": c.code},
            _fields(c, "order", "label_kk", "label_ru", "label_en", "description_en"),
            summary,
            "categories",
        )
    editions = {}
    for e in data.editions:
        editions[e.code] = _upsert(
            Edition,
            {"code": e.code},
            _fields(
                e,
                "year",
                "scope",
                "title_kk",
                "title_ru",
                "title_en",
                "is_current",
                "notes",
                "uncertain",
            ),
            summary,
            "editions",
        )
    progress("taxa")
    taxa: dict[str, Taxon] = {}
    # parents before children: the validator has already refused cycles and unknown parents
    pending = list(data.taxa)
    current = {e.code for e in data.editions if e.is_current}
    in_current = {a.scientific_name for a in data.assessments if a.edition in current}
    while pending:
        remaining = []
        for t in pending:
            if t.parent and t.parent not in taxa:
                remaining.append(t)
                continue
            values = _fields(
                t,
                "authorship",
                "rank",
                "name_kk",
                "name_ru",
                "name_en",
                "gbif_key",
                "iucn_sis_id",
                "cites_appendix",
                "sensitivity_category",
                "sensitivity_reason",
                "red_book_status",
                "uncertain",
                "notes",
            )
            values["parent"] = taxa[t.parent] if t.parent else None
            values["slug"] = slugify_scientific(t.scientific_name)
            listed = t.red_book_status == "listed" or (
                not t.red_book_status and t.scientific_name in in_current
            )
            if listed and t.sensitivity_category is None and not t.sensitivity_reason:
                values["sensitivity_category"] = services.DEFAULT_RED_BOOK_SENSITIVITY
                values["sensitivity_reason"] = services.DEFAULT_SENSITIVITY_REASON
            taxa[t.scientific_name] = _upsert(
                Taxon, {"scientific_name": t.scientific_name}, values, summary, "taxa"
            )
        if len(remaining) == len(pending):
            raise RegistryImportError(
                [
                    seed_format.RowError("taxa.csv", t.row, "parent", "parent cannot be resolved")
                    for t in remaining
                ]
            )
        pending = remaining
    progress("names")
    for v in data.vernacular_names:
        _upsert(
            VernacularName,
            {"taxon": taxa[v.scientific_name], "language": v.language, "name": v.name},
            {"preferred": v.preferred},
            summary,
            "vernacular_names",
        )
    for s in data.synonyms:
        _upsert(
            Synonym,
            {"taxon": taxa[s.scientific_name], "name": s.synonym},
            _fields(s, "authorship", "notes"),
            summary,
            "synonyms",
        )
    progress("assessments and listing changes")
    for a in data.assessments:
        lookup: dict[str, Any] = {
            "taxon": taxa[a.scientific_name],
            "edition": editions[a.edition] if a.edition else None,
        }
        if not a.edition:
            lookup["year"] = a.year
        _upsert(
            Assessment,
            lookup,
            _fields(
                a,
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
            ),
            summary,
            "assessments",
        )
    for lc in data.listing_changes:
        _upsert(
            ListingChange,
            {
                "taxon": taxa[lc.scientific_name],
                "to_edition": editions[lc.to_edition],
                "change": lc.change,
            },
            {
                "from_edition": editions.get(lc.from_edition),
                "reason": lc.reason,
                "evidence": lc.evidence,
                "uncertain": lc.uncertain,
            },
            summary,
            "listing_changes",
        )
    progress("population estimates")
    for p in data.population_estimates:
        _upsert(
            PopulationEstimate,
            {
                "taxon": taxa[p.scientific_name],
                "area": p.area,
                "year_start": p.year_start,
                "unit": p.unit,
            },
            _fields(
                p, "year_end", "value", "lower", "upper", "method", "source", "notes", "uncertain"
            ),
            summary,
            "population_estimates",
        )
    progress("programmes")
    programmes = {}
    for pr in data.programmes:
        programmes[pr.code] = _upsert(
            Programme,
            {"code": pr.code},
            {
                **_fields(
                    pr,
                    "kind",
                    "name_kk",
                    "name_ru",
                    "name_en",
                    "place",
                    "started",
                    "notes",
                    "uncertain",
                ),
                "taxon": taxa[pr.scientific_name],
            },
            summary,
            "programmes",
        )
    for m in data.milestones:
        _upsert(
            Milestone,
            {
                "programme": programmes[m.programme],
                "date": str(m.date),
                "description_en": m.description_en,
            },
            {"description_ru": m.description_ru, "uncertain": m.uncertain},
            summary,
            "milestones",
        )
    for r in data.releases:
        _upsert(
            Release,
            {
                "programme": programmes[r.programme],
                "date": str(r.date),
                "place": r.place,
                "taxon": taxa[r.scientific_name],
            },
            _fields(r, "count", "sex", "age", "marks", "notes", "uncertain"),
            summary,
            "releases",
        )
    progress("status and search index")
    services.refresh_status()
    search.reindex()


def _csv_value(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_for(name: str) -> Iterable[dict[str, Any]]:
    if name == "categories.csv":
        for c in Category.objects.order_by("scheme", "order"):
            yield asdict_model(c)
    elif name == "editions.csv":
        for e in Edition.objects.order_by("year", "code"):
            yield asdict_model(e)
    elif name == "taxa.csv":
        for t in _taxa_parents_first():
            yield {**asdict_model(t), "parent": t.parent.scientific_name if t.parent else ""}
    elif name == "vernacular_names.csv":
        for v in VernacularName.objects.select_related("taxon").order_by(
            "taxon__scientific_name", "language", "name"
        ):
            yield {**asdict_model(v), "scientific_name": v.taxon.scientific_name}
    elif name == "synonyms.csv":
        for s in Synonym.objects.select_related("taxon").order_by("taxon__scientific_name", "name"):
            yield {**asdict_model(s), "scientific_name": s.taxon.scientific_name, "synonym": s.name}
    elif name == "assessments.csv":
        for a in Assessment.objects.select_related("taxon", "edition").order_by(
            "taxon__scientific_name", "edition__year", "year"
        ):
            yield {
                **asdict_model(a),
                "scientific_name": a.taxon.scientific_name,
                "edition": a.edition.code if a.edition else "",
            }
    elif name == "listing_changes.csv":
        for lc in ListingChange.objects.select_related("taxon", "from_edition", "to_edition"):
            yield {
                **asdict_model(lc),
                "scientific_name": lc.taxon.scientific_name,
                "from_edition": lc.from_edition.code if lc.from_edition else "",
                "to_edition": lc.to_edition.code,
            }
    elif name == "population_estimates.csv":
        for p in PopulationEstimate.objects.select_related("taxon").order_by(
            "taxon__scientific_name", "area", "year_start"
        ):
            yield {**asdict_model(p), "scientific_name": p.taxon.scientific_name}
    elif name == "programmes.csv":
        for pr in Programme.objects.select_related("taxon"):
            yield {**asdict_model(pr), "scientific_name": pr.taxon.scientific_name}
    elif name == "milestones.csv":
        for m in Milestone.objects.select_related("programme"):
            yield {**asdict_model(m), "programme": m.programme.code}
    elif name == "releases.csv":
        for r in Release.objects.select_related("programme", "taxon"):
            yield {
                **asdict_model(r),
                "programme": r.programme.code,
                "scientific_name": r.taxon.scientific_name,
            }


def _taxa_parents_first() -> list[Taxon]:
    children: dict[int | None, list[Taxon]] = {}
    for taxon in Taxon.objects.select_related("parent").order_by("scientific_name"):
        children.setdefault(taxon.parent_id, []).append(taxon)
    ordered: list[Taxon] = []
    stack = list(reversed(children.get(None, [])))
    while stack:
        node = stack.pop()
        ordered.append(node)
        stack.extend(reversed(children.get(node.pk, [])))
    return ordered


def asdict_model(obj: models.Model) -> dict[str, Any]:
    return {f.name: getattr(obj, f.attname) for f in obj._meta.concrete_fields}


def export_registry(directory: Path | str) -> dict[str, int]:
    """Write every registry file into ``directory``; returns rows per file."""
    target = Path(directory)
    target.mkdir(parents=True, exist_ok=True)
    counts = {}
    for name, spec in seed_format.SPECS.items():
        columns = [c.name for c in spec.columns]
        path = target / name
        tmp = path.with_suffix(".csv.partial")
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            n = 0
            for row in _rows_for(name):
                writer.writerow([_csv_value(row.get(c)) for c in columns])
                n += 1
        tmp.replace(path)
        counts[name] = n
    return counts


__all__ = ["ImportSummary", "RegistryImportError", "export_registry", "import_registry"]
