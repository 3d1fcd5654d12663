"""What changed between two Red Book editions, and why."""

from __future__ import annotations

from dataclasses import dataclass, field

from barys.taxa.models import Assessment, Edition, ListingChange, Taxon


@dataclass
class DiffRow:
    taxon: Taxon
    change: str  # added, removed, category_changed, renamed, unchanged
    before: str = ""
    after: str = ""
    reasons: list[str] = field(default_factory=list)
    evidence: list[str] = field(default_factory=list)


@dataclass
class EditionDiff:
    old: Edition
    new: Edition
    rows: list[DiffRow]

    def by_change(self, change: str) -> list[DiffRow]:
        return [r for r in self.rows if r.change == change]

    @property
    def counts(self) -> dict[str, int]:
        result: dict[str, int] = {}
        for row in self.rows:
            result[row.change] = result.get(row.change, 0) + 1
        return result


def diff(old: Edition, new: Edition, *, include_unchanged: bool = False) -> EditionDiff:
    """Compare the assessments of two editions, with the recorded listing changes' reasons.

    A taxon assessed in ``new`` but not in ``old`` is *added*; the reverse is *removed*; a
    different national category is *category_changed*; a recorded rename is *renamed*.
    """

    def assessed(edition: Edition) -> dict[int, Assessment]:
        return {a.taxon_id: a for a in Assessment.objects.filter(edition=edition)}

    before, after = assessed(old), assessed(new)
    recorded: dict[tuple[int, str], list[ListingChange]] = {}
    for change in ListingChange.objects.filter(to_edition=new):
        recorded.setdefault((change.taxon_id, change.change), []).append(change)
    taxa = Taxon.objects.in_bulk(set(before) | set(after) | {k[0] for k in recorded})
    rows: list[DiffRow] = []
    for taxon_id, taxon in taxa.items():
        a, b = before.get(taxon_id), after.get(taxon_id)
        if a is None and b is not None:
            kind = "added"
        elif a is not None and b is None:
            kind = "removed"
        elif (
            a is not None
            and b is not None
            and a.national_category
            and b.national_category
            and a.national_category != b.national_category
        ):
            kind = "category_changed"
        elif (taxon_id, "renamed") in recorded:
            kind = "renamed"
        else:
            kind = "unchanged"
        if kind == "unchanged" and not include_unchanged:
            continue
        notes = recorded.get((taxon_id, kind), [])
        rows.append(
            DiffRow(
                taxon=taxon,
                change=kind,
                before=a.national_category if a else "",
                after=b.national_category if b else "",
                reasons=[n.reason for n in notes if n.reason],
                evidence=[n.evidence for n in notes if n.evidence],
            )
        )
    order = {"added": 0, "removed": 1, "category_changed": 2, "renamed": 3, "unchanged": 4}
    rows.sort(key=lambda r: (order[r.change], r.taxon.scientific_name))
    return EditionDiff(old=old, new=new, rows=rows)
