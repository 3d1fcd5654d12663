"""Typed rows of the registry seed files, the error record and the loaded seed."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in a seed file: ``row`` counts the header as 1 (0 = the whole file)."""

    file: str
    row: int
    field: str
    reason: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.row}" + (f" [{self.field}]" if self.field else "")
        return f"{where}: {self.reason}"


@dataclass(frozen=True, slots=True)
class PartialDate:
    """An ISO date with optional month and day; ``str()`` gives ``YYYY[-MM[-DD]]``."""

    year: int
    month: int | None = None
    day: int | None = None

    def __str__(self) -> str:
        parts = [f"{self.year:04d}"] + [f"{v:02d}" for v in (self.month, self.day) if v is not None]
        return "-".join(parts)


@dataclass(frozen=True, slots=True)
class CategoryRow:
    """A row of ``categories.csv``: one category of the national or the IUCN scale."""

    row: int
    scheme: str
    code: str
    order: int
    label_kk: str
    label_ru: str
    label_en: str
    description_en: str


@dataclass(frozen=True, slots=True)
class EditionRow:
    """A row of ``editions.csv``: one Red Book edition (``year`` is a calendar year)."""

    row: int
    code: str
    year: int
    scope: str
    title_kk: str
    title_ru: str
    title_en: str
    is_current: bool
    notes: str
    uncertain: bool


@dataclass(frozen=True, slots=True)
class TaxonRow:
    """A row of ``taxa.csv``: one node of the tree; ``parent`` is a scientific name."""

    row: int
    scientific_name: str
    authorship: str
    rank: str
    parent: str
    name_kk: str
    name_ru: str
    name_en: str
    gbif_key: int | None
    iucn_sis_id: int | None
    cites_appendix: str
    sensitivity_category: int | None
    sensitivity_reason: str
    red_book_status: str
    uncertain: bool
    notes: str


@dataclass(frozen=True, slots=True)
class VernacularNameRow:
    """A row of ``vernacular_names.csv``: a further name in kk, ru or en."""

    row: int
    scientific_name: str
    language: str
    name: str
    preferred: bool


@dataclass(frozen=True, slots=True)
class SynonymRow:
    """A row of ``synonyms.csv``: a synonym of an accepted name."""

    row: int
    scientific_name: str
    synonym: str
    authorship: str
    notes: str


@dataclass(frozen=True, slots=True)
class AssessmentRow:
    """A row of ``assessments.csv``: an edition assessment, or a global IUCN one (empty edition)."""

    row: int
    scientific_name: str
    edition: str
    national_category: str
    iucn_category: str
    iucn_criteria: str
    year: int | None
    rationale_kk: str
    rationale_ru: str
    rationale_en: str
    threats: str
    measures: str
    sources: str
    uncertain: bool
    notes: str


@dataclass(frozen=True, slots=True)
class ListingChangeRow:
    """A row of ``listing_changes.csv``: a change between two editions."""

    row: int
    scientific_name: str
    from_edition: str
    to_edition: str
    change: str
    reason: str
    evidence: str
    uncertain: bool


@dataclass(frozen=True, slots=True)
class PopulationEstimateRow:
    """A row of ``population_estimates.csv``: ``value``, ``lower`` and ``upper`` are counts in ``unit``; years are calendar years."""

    row: int
    scientific_name: str
    area: str
    year_start: int
    year_end: int | None
    value: float | None
    lower: float | None
    upper: float | None
    unit: str
    method: str
    source: str
    notes: str
    uncertain: bool


@dataclass(frozen=True, slots=True)
class ProgrammeRow:
    """A row of ``programmes.csv``: a breeding centre, nursery or reintroduction project."""

    row: int
    code: str
    kind: str
    name_kk: str
    name_ru: str
    name_en: str
    scientific_name: str
    place: str
    started: int | None
    notes: str
    uncertain: bool


@dataclass(frozen=True, slots=True)
class MilestoneRow:
    """A row of ``milestones.csv``: a dated event of a programme."""

    row: int
    programme: str
    date: PartialDate
    description_en: str
    description_ru: str
    uncertain: bool


@dataclass(frozen=True, slots=True)
class ReleaseRow:
    """A row of ``releases.csv``: ``count`` animals released on a (partial) date."""

    row: int
    programme: str
    date: PartialDate
    place: str
    scientific_name: str
    count: int
    sex: str
    age: str
    marks: str
    notes: str
    uncertain: bool


SeedRow = (
    CategoryRow
    | EditionRow
    | TaxonRow
    | VernacularNameRow
    | SynonymRow
    | AssessmentRow
    | ListingChangeRow
    | PopulationEstimateRow
    | ProgrammeRow
    | MilestoneRow
    | ReleaseRow
)


@dataclass
class SeedData:
    """All rows of a seed directory that parsed, plus every error found while reading."""

    categories: list[CategoryRow] = field(default_factory=list)
    editions: list[EditionRow] = field(default_factory=list)
    taxa: list[TaxonRow] = field(default_factory=list)
    vernacular_names: list[VernacularNameRow] = field(default_factory=list)
    synonyms: list[SynonymRow] = field(default_factory=list)
    assessments: list[AssessmentRow] = field(default_factory=list)
    listing_changes: list[ListingChangeRow] = field(default_factory=list)
    population_estimates: list[PopulationEstimateRow] = field(default_factory=list)
    programmes: list[ProgrammeRow] = field(default_factory=list)
    milestones: list[MilestoneRow] = field(default_factory=list)
    releases: list[ReleaseRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
