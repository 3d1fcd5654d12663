"""Reader and validator of the Red Book registry CSV files (the seed under ``taxa/seed/``).

Pure Python, no Django. The registry import/export uses the column specs (:data:`SPECS`), the
streaming reader :func:`read_file` (typed dataclasses or :class:`RowError` records), :func:`load`
and :func:`validate`. The format is documented in ``docs/registry-csv.md``.

Conventions: UTF-8 (a byte-order mark is accepted), comma separated, one header row, RFC 4180
quoting. Row numbers count the header as row 1, so they match what a spreadsheet shows; row 0
means the file as a whole. Booleans are ``true``/``false``; years are calendar years (CE); dates
are ISO 8601 with optional month and day (``2014``, ``2014-04``, ``2014-04-14``). Population
values are counts in the row's ``unit`` (individuals, mature individuals, pairs, breeding females).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from barys.taxa.seed_format.checks import cross_check
from barys.taxa.seed_format.reader import parse_value, read_file
from barys.taxa.seed_format.rows import (
    AssessmentRow,
    CategoryRow,
    EditionRow,
    ListingChangeRow,
    MilestoneRow,
    PartialDate,
    PopulationEstimateRow,
    ProgrammeRow,
    ReleaseRow,
    RowError,
    SeedData,
    SeedRow,
    SynonymRow,
    TaxonRow,
    VernacularNameRow,
)
from barys.taxa.seed_format.specs import (
    AGES,
    CHANGES,
    IUCN_CODES,
    IUCN_CRITERIA_RE,
    LANGUAGES,
    PROGRAMME_KINDS,
    RANKS,
    RED_BOOK_STATUSES,
    SEED_DIR,
    SEXES,
    SPECS,
    UNITS,
    Column,
    FileSpec,
)

__all__ = [
    "AGES",
    "CHANGES",
    "IUCN_CODES",
    "IUCN_CRITERIA_RE",
    "LANGUAGES",
    "PROGRAMME_KINDS",
    "RANKS",
    "RED_BOOK_STATUSES",
    "SEED_DIR",
    "SEXES",
    "SPECS",
    "UNITS",
    "AssessmentRow",
    "CategoryRow",
    "Column",
    "EditionRow",
    "FileSpec",
    "ListingChangeRow",
    "MilestoneRow",
    "PartialDate",
    "PopulationEstimateRow",
    "ProgrammeRow",
    "ReleaseRow",
    "RowError",
    "SeedData",
    "SeedRow",
    "SynonymRow",
    "TaxonRow",
    "VernacularNameRow",
    "cross_check",
    "load",
    "parse_value",
    "read_file",
    "validate",
]


def load(directory: Path = SEED_DIR) -> SeedData:
    """Read every file of ``directory`` (all must exist) and run the cross-file checks.

    Rows that parsed are kept in the typed lists of :class:`SeedData`; every problem, from the
    reader and from the cross-file checks, is in ``errors``, sorted by file and row.
    """
    data = SeedData()
    for spec in SPECS.values():
        rows: list[Any] = getattr(data, spec.name.removesuffix(".csv"))
        for item in read_file(Path(directory) / spec.name, spec):
            if isinstance(item, RowError):
                data.errors.append(item)
            else:
                rows.append(item)
    data.errors.extend(cross_check(data))
    order = {name: i for i, name in enumerate(SPECS)}
    data.errors.sort(key=lambda e: (order.get(e.file, len(order)), e.row, e.field, e.reason))
    return data


def validate(directory: Path = SEED_DIR) -> list[RowError]:
    """All problems of a seed directory, sorted by file and row; empty when it is valid."""
    return load(directory).errors
