"""The public portal: home figures, the richness map, statistics."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client

from barys.records import importer, sources
from tests.records.helpers import row, write_csv
from tests.taxa.factories import small_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def data(tmp_path: Path) -> None:
    small_registry()
    source = sources.get_or_create_source(title="Survey", code="survey")
    importer.import_occurrences(
        write_csv(
            tmp_path / "r.csv",
            [
                row(1),
                row(2, name="Felis chaus", lat="43.3", lon="77.2"),
                row(3, name="Saiga tatarica", lat="48.5", lon="60.5", date="2019-04-02"),
            ],
        ),
        source=source,
    )


def test_home_shows_headline_numbers(data) -> None:
    html = Client().get("/en/").content.decode()
    assert '<div class="figure">4</div>taxa in the Red Book' in html.replace("\n", "")
    assert '<div class="figure">3</div>occurrence records' in html.replace("\n", "")
    assert 'id="richness-map"' in html and "/species/panthera-uncia/" in html


def test_richness_map_counts_species_per_cell(data) -> None:
    body = Client().get("/api/v1/maps/richness").json()
    species = sorted(f["properties"]["species"] for f in body["features"])
    # the snow leopard and the jungle cat share a cell near Almaty; the saiga is far away
    assert species == [1, 2]


def test_statistics_page(data) -> None:
    response = Client().get("/ru/statistics/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "<svg" in html and "Mammalia" in html
