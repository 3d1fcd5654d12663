"""Record services the pages build on."""

from __future__ import annotations

from pathlib import Path

import pytest

from barys.records import importer, services, sources
from tests.places.factories import add_records, taxon
from tests.records.helpers import row, write_csv
from tests.taxa.factories import small_registry

pytestmark = pytest.mark.django_db


def test_taxa_with_records_are_listed_once_by_name() -> None:
    wolf = taxon("Canis lupus")
    uncia = taxon("Panthera uncia", category=2)
    taxon("Felis chaus")  # the jungle cat: no record here
    add_records(wolf, [45.5, 45.6, 45.7], [70.2, 70.3, 70.4])
    add_records(uncia, [43.1], [77.2])
    assert [t.scientific_name for t in services.taxa_with_records()] == [
        "Canis lupus",
        "Panthera uncia",
    ]


def test_source_quality_counts_each_flag_of_its_own_records(tmp_path: Path) -> None:
    small_registry()
    survey = sources.get_or_create_source(title="Park survey", code="park-survey")
    other = sources.get_or_create_source(title="Museum", code="museum")
    rows = [
        row(1),
        row(2, lat="0", lon="0"),  # ZERO_COORDINATE
        row(3, lat="0", lon="0", individualCount="-2"),  # and INDIVIDUAL_COUNT_INVALID
        row(4, individualCount="-1"),
        row(5, name="Panthera uncai"),  # TAXON_MATCH_FUZZY
        row(6, name="Nothing known"),  # kept: TAXON_MATCH_NONE
        row(8, name=""),  # rejected: no name at all
    ]
    importer.import_occurrences(write_csv(tmp_path / "a.csv", rows), source=survey)
    importer.import_occurrences(
        write_csv(tmp_path / "b.csv", [row(7, lat="0", lon="0")]), source=other
    )
    summary = services.source_quality(survey)
    assert summary["records"] == 6 and summary["rejected"] == 1
    assert summary["flags"] == [
        ("INDIVIDUAL_COUNT_INVALID", 2),
        ("ZERO_COORDINATE", 2),
        ("TAXON_MATCH_FUZZY", 1),
        ("TAXON_MATCH_NONE", 1),
    ]
