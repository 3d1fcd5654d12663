"""Column specifications of the registry seed files (names, types, allowed values)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Literal

from barys.taxa.seed_format.rows import (
    AssessmentRow,
    CategoryRow,
    EditionRow,
    ListingChangeRow,
    MilestoneRow,
    PopulationEstimateRow,
    ProgrammeRow,
    ReleaseRow,
    SynonymRow,
    TaxonRow,
    VernacularNameRow,
)

SEED_DIR: Final = Path(__file__).resolve().parent.parent / "seed"
RANKS: Final = ("kingdom", "phylum", "class", "order", "family", "genus", "species", "subspecies")
LANGUAGES: Final = ("kk", "ru", "en")
IUCN_CODES: Final = ("EX", "EW", "CR", "EN", "VU", "NT", "LC", "DD", "NE")
RED_BOOK_STATUSES: Final = ("listed", "delisted", "not_listed")
UNITS: Final = ("individuals", "mature_individuals", "pairs", "breeding_females")
CHANGES: Final = ("added", "removed", "category_changed", "renamed")
PROGRAMME_KINDS: Final = ("breeding_centre", "nursery", "reintroduction")
SEXES: Final = ("male", "female", "mixed", "unknown")
AGES: Final = ("adult", "subadult", "juvenile", "mixed", "unknown")
# IUCN criteria such as "A2abc+3d", "B1ab(iii)+2ab(iii)", "C2a(i)", "D" or "A2cd; B1ab(iii)".
_SUB = r"\d(?:[a-e](?:\([ivx]+(?:,[ivx]+)*\))?)*"
_CRIT = rf"[A-E](?:{_SUB}(?:\+{_SUB})*)?"
IUCN_CRITERIA_RE: Final = re.compile(rf"^{_CRIT}(?:; ?{_CRIT})*$")
UNINOMIAL_RE = re.compile(r"^[A-Z][a-z]+$")
NAME_BY_RANK = {
    "species": re.compile(r"^[A-Z][a-z]+ [a-z]+(?:-[a-z]+)?$"),
    "subspecies": re.compile(r"^[A-Z][a-z]+ [a-z]+(?:-[a-z]+)? [a-z]+(?:-[a-z]+)?$"),
}
DATE_RE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
INT_RE = re.compile(r"^[+-]?\d+$")
NUMBER_RE = re.compile(r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)$")
LATIN_RE = re.compile(r"[A-Za-z]")
Kind = Literal["text", "int", "year", "number", "bool", "choice", "date", "criteria"]


@dataclass(frozen=True, slots=True)
class Column:
    """One column: its type (``kind``), whether a value is required, allowed values, meaning."""

    name: str
    kind: Kind = "text"
    required: bool = False
    choices: tuple[str, ...] = ()
    doc: str = ""
    max_length: int | None = None
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True, slots=True)
class FileSpec:
    """A seed file: its name, columns in canonical order and the dataclass of its rows."""

    name: str
    columns: tuple[Column, ...]
    row_type: type[Any]

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns if c.required)


def _c(
    name: str,
    kind: Kind = "text",
    req: bool = False,
    choices: tuple[str, ...] = (),
    doc: str = "",
    n: int | None = None,
    lo: float | None = None,
    hi: float | None = None,
) -> Column:
    return Column(name, kind, req, choices, doc, n, lo, hi)


_UNC = _c(
    "uncertain", "bool", doc="true when any value in the row is not certain (say why in notes)"
)
_SCI = _c("scientific_name", req=True, doc="a scientific_name of taxa.csv", n=200)
SPECS: Final[dict[str, FileSpec]] = {
    s.name: s
    for s in (
        FileSpec(
            "categories.csv",
            (
                _c("scheme", "choice", True, ("national", "iucn")),
                _c("code", req=True, n=8),
                _c(
                    "order",
                    "int",
                    True,
                    doc="sort order within the scheme, 1 = most threatened",
                    lo=1,
                ),
                _c("label_kk", req=True, n=200),
                _c("label_ru", req=True, n=200),
                _c("label_en", req=True, n=200),
                _c("description_en"),
            ),
            CategoryRow,
        ),
        FileSpec(
            "editions.csv",
            (
                _c("code", req=True, n=32),
                _c("year", "year", True),
                _c("scope", "choice", True, ("animals", "vertebrates", "invertebrates")),
                _c("title_kk", req=True, n=300),
                _c("title_ru", req=True, n=300),
                _c("title_en", req=True, n=300),
                _c("is_current", "bool", True),
                _c("notes"),
                _UNC,
            ),
            EditionRow,
        ),
        FileSpec(
            "taxa.csv",
            (
                _c("scientific_name", req=True, doc="unique key, without authorship", n=200),
                _c(
                    "authorship",
                    doc="author(s) and year, parenthesised when the genus changed",
                    n=200,
                ),
                _c("rank", "choice", True, RANKS),
                _c("parent", doc="empty only for the kingdom", n=200),
                _c("name_kk", n=200),
                _c("name_ru", n=200),
                _c("name_en", n=200),
                _c("gbif_key", "int", doc="GBIF backbone taxon key", lo=1),
                _c("iucn_sis_id", "int", doc="IUCN Red List taxon id", lo=1),
                _c("cites_appendix", "choice", choices=("I", "II", "III")),
                _c(
                    "sensitivity_category",
                    "int",
                    doc="1-4 (GBIF generalisation categories); empty = not sensitive",
                    lo=1,
                    hi=4,
                ),
                _c("sensitivity_reason"),
                _c("red_book_status", "choice", choices=RED_BOOK_STATUSES),
                _UNC,
                _c("notes"),
            ),
            TaxonRow,
        ),
        FileSpec(
            "vernacular_names.csv",
            (
                _SCI,
                _c("language", "choice", True, LANGUAGES),
                _c("name", req=True, n=200),
                _c(
                    "preferred",
                    "bool",
                    doc="true only when it repeats the preferred name of taxa.csv",
                ),
            ),
            VernacularNameRow,
        ),
        FileSpec(
            "synonyms.csv",
            (_SCI, _c("synonym", req=True, n=200), _c("authorship", n=200), _c("notes")),
            SynonymRow,
        ),
        FileSpec(
            "assessments.csv",
            (
                _SCI,
                _c(
                    "edition", doc="edition code; empty for a global IUCN Red List assessment", n=32
                ),
                _c("national_category", n=8),
                _c("iucn_category", n=4),
                _c("iucn_criteria", "criteria", n=100),
                _c("year", "year", doc="year of the assessment"),
                _c("rationale_kk"),
                _c("rationale_ru"),
                _c("rationale_en"),
                _c("threats", doc="'; '-separated"),
                _c("measures", doc="'; '-separated"),
                _c("sources", doc="'; '-separated"),
                _UNC,
                _c("notes"),
            ),
            AssessmentRow,
        ),
        FileSpec(
            "listing_changes.csv",
            (
                _SCI,
                _c("from_edition", doc="empty only for 'added'", n=32),
                _c("to_edition", req=True, n=32),
                _c("change", "choice", True, CHANGES),
                _c("reason"),
                _c("evidence"),
                _UNC,
            ),
            ListingChangeRow,
        ),
        FileSpec(
            "population_estimates.csv",
            (
                _SCI,
                _c("area", req=True, n=200),
                _c("year_start", "year", True),
                _c("year_end", "year"),
                _c("value", "number", lo=0),
                _c("lower", "number", lo=0),
                _c("upper", "number", lo=0),
                _c("unit", "choice", True, UNITS),
                _c("method", n=200),
                _c("source"),
                _c("notes"),
                _UNC,
            ),
            PopulationEstimateRow,
        ),
        FileSpec(
            "programmes.csv",
            (
                _c("code", req=True, n=64),
                _c("kind", "choice", True, PROGRAMME_KINDS),
                _c("name_kk", n=300),
                _c("name_ru", n=300),
                _c("name_en", req=True, n=300),
                _SCI,
                _c("place", n=300),
                _c("started", "year"),
                _c("notes"),
                _UNC,
            ),
            ProgrammeRow,
        ),
        FileSpec(
            "milestones.csv",
            (
                _c("programme", req=True, n=64),
                _c("date", "date", True),
                _c("description_en", req=True),
                _c("description_ru"),
                _UNC,
            ),
            MilestoneRow,
        ),
        FileSpec(
            "releases.csv",
            (
                _c("programme", req=True, n=64),
                _c("date", "date", True),
                _c("place", n=300),
                _SCI,
                _c("count", "int", True, doc="number of animals released", lo=1),
                _c("sex", "choice", choices=SEXES),
                _c("age", "choice", choices=AGES),
                _c("marks", doc="rings, tags, transmitters", n=300),
                _c("notes"),
                _UNC,
            ),
            ReleaseRow,
        ),
    )
}
