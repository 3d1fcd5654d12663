"""Kinship and reproduction: the litter table and chart match Ile-Alatau's record."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from barys.core.models import Scope
from barys.individuals import demo, kinship
from barys.individuals.errors import InvalidInput, RegistryConflict
from barys.individuals.models import Individual, LitterRecord
from tests.individuals.test_passports_world import World, individual, make_world

pytestmark = pytest.mark.django_db

#: Ile-Alatau National Park's record: a mother seen with cubs, year → number of cubs.
PARK_RECORD = {2018: 2, 2019: 2, 2020: 3, 2021: 3, 2022: 3, 2023: 3}


@pytest.fixture
def park_litters() -> list[LitterRecord]:
    world = make_world()
    individuals = demo.ensure_passports(world.taxon, world.park)
    return demo.ensure_litters(world.taxon, world.park, individuals)


def test_demo_litters_are_the_park_record(park_litters: list[LitterRecord]) -> None:
    assert demo.RECORD == PARK_RECORD
    assert {litter.year: litter.cubs_count for litter in park_litters} == PARK_RECORD
    years = kinship.by_year(kinship.litters(scope=Scope.objects.get(code="ile-alatau")))
    assert [(y.year, y.litters, y.cubs, y.largest) for y in years] == [
        (year, 1, cubs, cubs) for year, cubs in PARK_RECORD.items()
    ]
    assert sum(y.cubs for y in years) == 16
    assert Individual.objects.filter(code__startswith="SL-IA-").count() == 22
    assert (
        demo.ensure_litters(
            park_litters[0].taxon,
            park_litters[0].scope,
            {n: Individual.objects.get(code=demo.CODE.format(n)) for n in range(1, 23)},
        )
        == park_litters
    )  # idempotent


def test_kinship_page_table_and_chart_match_the_record(
    client: Client, park_litters: list[LitterRecord]
) -> None:
    for language in ("kk", "ru", "en"):
        response = client.get(f"/{language}/individuals/kinship/?park=ile-alatau")
        assert response.status_code == 200
    html = response.content.decode()
    table = re.search(r'<table id="litter-years">.*?</table>', html, re.S).group(0)
    rows = re.findall(r'<tr data-year="(\d+)" data-cubs="(\d+)">', table)
    assert {int(y): int(c) for y, c in rows} == PARK_RECORD
    litters = re.search(r'<table id="litters">.*?</table>', html, re.S).group(0)
    assert len(re.findall(r"<tr data-year", litters)) == 6
    chart = re.search(r'<figure class="chart" id="litter-chart">.*?</figure>', html, re.S).group(0)
    assert "<svg" in chart
    bars = re.findall(r'id="litter-(\d{4})-\d+-cubs-(\d)"', chart)
    assert {int(y): int(c) for y, c in bars} == PARK_RECORD
    assert "three or more cubs" in chart
    for code in ("SL-IA-001", "SL-IA-002", "SL-IA-003"):
        assert f'href="/en/individuals/{code}/"' in html  # females seen with cubs
    assert client.get("/en/individuals/kinship/?park=aksu-zhabagly").status_code == 200


def test_passport_lists_litters_and_offspring(
    client: Client, park_litters: list[LitterRecord]
) -> None:
    html = client.get("/en/individuals/SL-IA-003/").content.decode()
    assert "2020: seen with 3 cub(s)" in html and "2023: seen with 3 cub(s)" in html
    for cub in ("SL-IA-013", "SL-IA-014", "SL-IA-015", "SL-IA-019", "SL-IA-020"):
        assert f'href="/en/individuals/{cub}/"' in html
    assert "simulated demonstration data" in html
    cub_page = client.get("/en/individuals/SL-IA-013/").content.decode()
    assert "one of 3 cub(s)" in cub_page and 'href="/en/individuals/SL-IA-003/"' in cub_page


def test_api_lists_litters(client: Client, park_litters: list[LitterRecord]) -> None:
    rows = client.get("/api/v1/litters?park=ile-alatau").json()
    assert {r["year"]: r["cubs"] for r in rows} == PARK_RECORD
    assert rows[0]["cubIDs"] == ["SL-IA-010", "SL-IA-011"]


def test_litters_are_checked() -> None:
    world: World = make_world()
    male = individual(world, "SL-IA-005", sex="male")
    female = individual(world, "SL-IA-004", sex="female", birth_year=2015)
    cub = individual(world, "SL-IA-030")
    with pytest.raises(RegistryConflict):
        kinship.create_litter(taxon=world.taxon, year=2020, cubs_count=2, mother=male, actor="t")
    with pytest.raises(InvalidInput):
        kinship.create_litter(taxon=world.taxon, year=2020, cubs_count=0, mother=female, actor="t")
    with pytest.raises(InvalidInput):
        kinship.create_litter(
            taxon=world.taxon, year=2020, cubs_count=1, mother=female, cubs=[cub, male], actor="t"
        )
    with pytest.raises(RegistryConflict):
        kinship.create_litter(taxon=world.taxon, year=2014, cubs_count=1, mother=female, actor="t")
    litter = kinship.create_litter(
        taxon=world.taxon, year=2020, cubs_count=2, mother=female, cubs=[cub], actor="t"
    )
    with pytest.raises(RegistryConflict):
        kinship.create_litter(taxon=world.taxon, year=2020, cubs_count=3, mother=female, actor="t")
    kinship.update_litter(litter=litter, actor="t", cubs_count=3)
    assert LitterRecord.objects.get().cubs_count == 3


def test_researchers_record_litters_through_the_form(login: Callable[..., Client]) -> None:
    world = make_world()
    female = individual(world, "SL-IA-004", sex="female", birth_year=2015)
    client = login("res", "researcher", ["ile-alatau"])
    assert client.get("/en/individuals/kinship/add/").status_code == 200
    response = client.post(
        "/en/individuals/kinship/add/",
        {
            "taxon": world.taxon.pk,
            "mother": female.pk,
            "year": 2021,
            "cubs_count": 3,
            "scope": world.park.pk,
            "evidence_note": "seen by a ranger",
            "source": "",
            "notes": "",
        },
    )
    assert response.status_code == 302
    litter = LitterRecord.objects.get()
    assert (litter.mother, litter.cubs_count, litter.year) == (female, 3, 2021)
