"""Record services the pages build on."""

from __future__ import annotations

import pytest

from barys.records import services
from tests.places.factories import add_records, taxon

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
