"""Cross-file checks of a loaded seed: references, uniqueness, ranks, cycles, consistency."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Container, Iterator

from barys.taxa.seed_format.rows import AssessmentRow, EditionRow, RowError, SeedData, TaxonRow
from barys.taxa.seed_format.specs import (
    IUCN_CODES,
    LANGUAGES,
    LATIN_RE,
    NAME_BY_RANK,
    RANKS,
    UNINOMIAL_RE,
)


def cross_check(d: SeedData) -> Iterator[RowError]:
    """References, uniqueness, ranks, cycles and consistency between the files."""
    yield from _check_categories_and_editions(d)
    yield from _check_taxa(d)
    taxa = {t.scientific_name for t in d.taxa}
    editions = {e.code: e for e in d.editions}
    programmes = {p.code: p for p in d.programmes}

    def ref(
        file: str, row: int, col: str, value: str, known: Container[str], what: str
    ) -> Iterator[RowError]:
        if value and value not in known:
            yield RowError(file, row, col, f"unknown {what} {value!r}")

    preferred = {
        (t.scientific_name, lang): getattr(t, f"name_{lang}") for t in d.taxa for lang in LANGUAGES
    }
    seen: set[tuple[str, str, str]] = set()
    for v in d.vernacular_names:
        f = "vernacular_names.csv"
        yield from ref(f, v.row, "scientific_name", v.scientific_name, taxa, "taxon")
        yield from _check_script(f, v.row, "name", v.name, v.language)
        key = (v.scientific_name, v.language, v.name.casefold())
        if key in seen:
            yield RowError(f, v.row, "name", "duplicate name for this taxon and language")
        seen.add(key)
        main = preferred.get((v.scientific_name, v.language), "")
        if v.preferred and main and v.name != main:
            yield RowError(
                f, v.row, "preferred", f"taxa.csv already has the preferred name {main!r}"
            )
        if not v.preferred and main.casefold() == v.name.casefold():
            yield RowError(
                f,
                v.row,
                "name",
                "repeats the preferred name of taxa.csv; set preferred=true or remove",
            )

    synonyms: dict[str, int] = {}
    for s in d.synonyms:
        f = "synonyms.csv"
        yield from ref(f, s.row, "scientific_name", s.scientific_name, taxa, "taxon")
        if s.synonym in taxa:
            yield RowError(f, s.row, "synonym", "is an accepted name in taxa.csv")
        if s.synonym in synonyms:
            yield RowError(
                f, s.row, "synonym", f"duplicate synonym (also row {synonyms[s.synonym]})"
            )
        synonyms.setdefault(s.synonym, s.row)

    yield from _check_assessments(d, taxa, editions)
    changes: dict[tuple[str, str, str], int] = {}
    for c in d.listing_changes:
        f = "listing_changes.csv"
        yield from ref(f, c.row, "scientific_name", c.scientific_name, taxa, "taxon")
        yield from ref(f, c.row, "from_edition", c.from_edition, editions, "edition")
        yield from ref(f, c.row, "to_edition", c.to_edition, editions, "edition")
        if not c.from_edition and c.change != "added":
            yield RowError(f, c.row, "from_edition", f"required for change {c.change!r}")
        if c.from_edition == c.to_edition:
            yield RowError(f, c.row, "to_edition", "equals from_edition")
        key = (c.scientific_name, c.to_edition, c.change)
        if key in changes:
            yield RowError(f, c.row, "change", f"duplicate change (also row {changes[key]})")
        changes.setdefault(key, c.row)
        old, new = editions.get(c.from_edition), editions.get(c.to_edition)
        if old and new and old.year > new.year:
            yield RowError(
                f, c.row, "to_edition", f"edition of {new.year} precedes from_edition of {old.year}"
            )

    for p in d.population_estimates:
        f = "population_estimates.csv"
        yield from ref(f, p.row, "scientific_name", p.scientific_name, taxa, "taxon")
        if p.year_end is not None and p.year_end < p.year_start:
            yield RowError(f, p.row, "year_end", "is before year_start")
        if p.value is None and (p.lower is None or p.upper is None):
            yield RowError(f, p.row, "value", "give a value, or both lower and upper")
        if p.lower is not None and p.upper is not None and p.lower > p.upper:
            yield RowError(f, p.row, "upper", "is below lower")
        if p.value is not None and p.lower is not None and p.value < p.lower:
            yield RowError(f, p.row, "value", "is below lower")
        if p.value is not None and p.upper is not None and p.value > p.upper:
            yield RowError(f, p.row, "value", "is above upper")

    codes: dict[str, int] = {}
    for g in d.programmes:
        f = "programmes.csv"
        if g.code in codes:
            yield RowError(f, g.row, "code", f"duplicate programme code (also row {codes[g.code]})")
        codes.setdefault(g.code, g.row)
        yield from ref(f, g.row, "scientific_name", g.scientific_name, taxa, "taxon")
        for lang in ("kk", "ru"):
            yield from _check_script(f, g.row, f"name_{lang}", getattr(g, f"name_{lang}"), lang)
    for m in d.milestones:
        yield from ref("milestones.csv", m.row, "programme", m.programme, programmes, "programme")
    for r in d.releases:
        f = "releases.csv"
        yield from ref(f, r.row, "programme", r.programme, programmes, "programme")
        yield from ref(f, r.row, "scientific_name", r.scientific_name, taxa, "taxon")


def _check_categories_and_editions(d: SeedData) -> Iterator[RowError]:
    f = "categories.csv"
    keys: dict[tuple[str, str], int] = {}
    orders: dict[tuple[str, int], int] = {}
    for c in d.categories:
        if (c.scheme, c.code) in keys:
            yield RowError(
                f,
                c.row,
                "code",
                f"duplicate code in scheme {c.scheme!r} (also row {keys[c.scheme, c.code]})",
            )
        keys.setdefault((c.scheme, c.code), c.row)
        if (c.scheme, c.order) in orders:
            yield RowError(f, c.row, "order", f"duplicate order in scheme {c.scheme!r}")
        orders.setdefault((c.scheme, c.order), c.row)
        if c.scheme == "iucn" and c.code not in IUCN_CODES:
            yield RowError(
                f, c.row, "code", f"unknown IUCN category; allowed: {', '.join(IUCN_CODES)}"
            )
        yield from _check_script(f, c.row, "label_kk", c.label_kk, "kk")
        yield from _check_script(f, c.row, "label_ru", c.label_ru, "ru")
    f = "editions.csv"
    codes: dict[str, int] = {}
    for e in d.editions:
        if e.code in codes:
            yield RowError(f, e.row, "code", f"duplicate edition code (also row {codes[e.code]})")
        codes.setdefault(e.code, e.row)
        yield from _check_script(f, e.row, "title_kk", e.title_kk, "kk")
    currents = [e for e in d.editions if e.is_current]
    if d.editions and not currents:
        yield RowError(f, 0, "is_current", "no edition is marked current")
    for e in currents[1:]:
        yield RowError(
            f, e.row, "is_current", f"more than one current edition (first: row {currents[0].row})"
        )


def _check_script(file: str, row: int, column: str, text: str, language: str) -> Iterator[RowError]:
    """Kazakh and Russian text must not contain Latin letters (e.g. Latin 'i' for Kazakh 'і')."""
    if language in ("kk", "ru") and LATIN_RE.search(text):
        yield RowError(
            file,
            row,
            column,
            f"Latin letter(s) in {language} text; use Cyrillic (Kazakh: і, ә, ғ, қ, ң, ө, ұ, ү, һ)",
        )


def _check_taxa(d: SeedData) -> Iterator[RowError]:
    f = "taxa.csv"
    by_name: dict[str, TaxonRow] = {}
    for t in d.taxa:
        if t.scientific_name in by_name:
            yield RowError(
                f,
                t.row,
                "scientific_name",
                f"duplicate name (also row {by_name[t.scientific_name].row})",
            )
            continue
        by_name[t.scientific_name] = t
    level = {rank: i for i, rank in enumerate(RANKS)}
    for t in by_name.values():
        pattern = NAME_BY_RANK.get(t.rank, UNINOMIAL_RE)
        if not pattern.match(t.scientific_name):
            yield RowError(f, t.row, "scientific_name", f"not a well-formed {t.rank} name")
        for lang in ("kk", "ru"):
            yield from _check_script(f, t.row, f"name_{lang}", getattr(t, f"name_{lang}"), lang)
        if t.sensitivity_category is not None and not t.sensitivity_reason:
            yield RowError(
                f, t.row, "sensitivity_reason", "required when sensitivity_category is set"
            )
        if t.red_book_status and t.rank not in ("species", "subspecies"):
            yield RowError(
                f, t.row, "red_book_status", "only species and subspecies carry a Red Book status"
            )
        if t.rank == "kingdom":
            if t.parent:
                yield RowError(f, t.row, "parent", "a kingdom has no parent")
            continue
        if not t.parent:
            yield RowError(f, t.row, "parent", "required for every rank below kingdom")
            continue
        parent = by_name.get(t.parent)
        if parent is None:
            yield RowError(f, t.row, "parent", f"unknown parent {t.parent!r}")
            continue
        if level[parent.rank] >= level[t.rank]:
            yield RowError(
                f,
                t.row,
                "rank",
                f"{t.rank} cannot sit under the {parent.rank} {parent.scientific_name!r}",
            )
        elif (
            t.rank in NAME_BY_RANK
            and parent.rank in ("genus", "species")
            and not t.scientific_name.startswith(parent.scientific_name + " ")
        ):
            yield RowError(
                f,
                t.row,
                "scientific_name",
                f"does not begin with its parent's name {parent.scientific_name!r}",
            )
    yield from _find_cycles(by_name)


def _find_cycles(by_name: dict[str, TaxonRow]) -> Iterator[RowError]:
    """Every taxon whose parent chain loops back on itself (reported once per cycle member)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = finished
    for start in by_name:
        path: list[str] = []
        node: str | None = start
        while node is not None and node in by_name and state.get(node) is None:
            state[node] = 1
            path.append(node)
            node = by_name[node].parent or None
        if node is not None and state.get(node) == 1:
            loop = path[path.index(node) :]
            for member in loop:
                t = by_name[member]
                yield RowError(
                    "taxa.csv",
                    t.row,
                    "parent",
                    f"parent chain forms a cycle: {' -> '.join(loop + [node])}",
                )
        for member in path:
            state[member] = 2


def _check_assessments(
    d: SeedData, taxa: set[str], editions: dict[str, EditionRow]
) -> Iterator[RowError]:
    f = "assessments.csv"
    national = {c.code for c in d.categories if c.scheme == "national"}
    iucn = {c.code for c in d.categories if c.scheme == "iucn"}
    current = {code for code, e in editions.items() if e.is_current}
    by_taxon: dict[str, list[AssessmentRow]] = defaultdict(list)
    keys: dict[tuple[str, str, str], int] = {}
    for a in d.assessments:
        if a.scientific_name not in taxa:
            yield RowError(f, a.row, "scientific_name", f"unknown taxon {a.scientific_name!r}")
        if a.edition and a.edition not in editions:
            yield RowError(f, a.row, "edition", f"unknown edition {a.edition!r}")
        if a.national_category and a.national_category not in national:
            yield RowError(
                f, a.row, "national_category", f"unknown national category {a.national_category!r}"
            )
        if a.iucn_category and a.iucn_category not in iucn:
            yield RowError(f, a.row, "iucn_category", f"unknown IUCN category {a.iucn_category!r}")
        if a.iucn_criteria and a.iucn_category in ("EX", "EW", "LC", "DD", "NE", ""):
            yield RowError(
                f, a.row, "iucn_criteria", "criteria apply only to CR, EN, VU (or NT, nearly met)"
            )
        if a.edition and not a.national_category and not a.uncertain:
            yield RowError(
                f,
                a.row,
                "national_category",
                "required for an edition assessment unless uncertain=true",
            )
        if not a.edition and not a.iucn_category:
            yield RowError(
                f,
                a.row,
                "iucn_category",
                "required when edition is empty (a global IUCN assessment)",
            )
        if not a.edition and a.national_category:
            yield RowError(f, a.row, "edition", "a national category needs an edition")
        for lang in ("kk", "ru"):
            yield from _check_script(
                f, a.row, f"rationale_{lang}", getattr(a, f"rationale_{lang}"), lang
            )
        key = (a.scientific_name, a.edition, "" if a.edition else f"{a.year}/{a.iucn_category}")
        if key in keys:
            yield RowError(
                f, a.row, "edition", f"duplicate assessment of this taxon (also row {keys[key]})"
            )
        keys.setdefault(key, a.row)
        by_taxon[a.scientific_name].append(a)
    for t in d.taxa:
        rows = by_taxon.get(t.scientific_name, [])
        in_current = any(a.edition in current for a in rows)
        problem = {
            "listed": None
            if in_current
            else "is 'listed' but has no assessment in the current edition",
            "delisted": "is 'delisted' but has an assessment in the current edition"
            if in_current
            else None,
            "not_listed": "is 'not_listed' but has edition assessments"
            if any(a.edition for a in rows)
            else None,
        }.get(t.red_book_status)
        if problem:
            yield RowError("taxa.csv", t.row, "red_book_status", problem)
