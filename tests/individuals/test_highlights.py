"""Monitoring highlights on the public home page: cubs seen, new individuals, published
incidents — with links to the species pages and passports, and never a place or a fine date."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
from django.test import Client

from barys.core.models import AccessLogEntry
from barys.individuals import decisions, demo, highlights, kinship
from barys.individuals.models import Individual, LitterRecord
from barys.taxa.models import Taxon
from tests.incidents import factories as incident_factories
from tests.individuals.test_passports_world import (
    ACTOR,
    World,
    add_media,
    annotate,
    individual,
    make_world,
)

pytestmark = pytest.mark.django_db

#: Station codes and names, exact station coordinates and the park's name: none may show.
SECRETS = ("IA-T01", "IA-T02", "secret gully", "43.187", "77.234", "43.061", "76.918")
FIRST_SEEN = dt.date(2024, 5, 17)


@dataclass
class Monitored:
    world: World
    mother: Individual
    newcomer: Individual
    litter: LitterRecord


@pytest.fixture
def monitored() -> Monitored:
    world = make_world()
    mother = individual(world, "SL-IA-001", name="Ayla", sex="female", birth_year=2015)
    litter = kinship.create_litter(
        taxon=world.taxon,
        year=2023,
        cubs_count=3,
        mother=mother,
        scope=world.park,
        actor=ACTOR,
        seen_on=dt.date(2023, 6, 14),
    )
    newcomer = individual(
        world, "SL-IA-002", name="Tau", sex="male", first_seen=FIRST_SEEN, last_seen=FIRST_SEEN
    )
    # camera evidence at a station whose code and position must stay off the home page
    annotate(add_media(world.deployment_a, dt.datetime(2024, 5, 17, 3, tzinfo=dt.UTC)), newcomer)
    return Monitored(world, mother, newcomer, litter)


def _section(html: str) -> str:
    found = re.search(r'<section[^>]*id="monitoring-highlights".*?</section>', html, re.S)
    assert found, "no highlights panel"
    return found.group(0)


def _items(section: str, kind: str) -> list[str]:
    return re.findall(rf'<li data-kind="{kind}"[^>]*>(.*?)</li>', section, re.S)


def _no_secret(html: str) -> None:
    for secret in SECRETS:
        assert secret not in html, f"{secret!r} leaked"


def test_anonymous_home_shows_cubs_and_new_individuals(monitored: Monitored) -> None:
    response = Client().get("/en/")
    assert response.status_code == 200
    html = response.content.decode()
    section = _section(html)
    assert "Monitoring highlights" in section
    assert '<li data-kind="litter" data-year="2023" data-cubs="3">' in section
    (litter,) = _items(section, "litter")
    assert "a female seen with 3 cubs in 2023" in litter
    assert 'href="/en/species/panthera-uncia/">Snow leopard</a>' in litter
    assert 'href="/en/individuals/SL-IA-001/">SL-IA-001 Ayla</a>' in litter
    (newcomer,) = _items(section, "new-individual")
    assert 'href="/en/species/panthera-uncia/"' in newcomer
    assert 'href="/en/individuals/SL-IA-002/">SL-IA-002 Tau</a>' in newcomer
    # category 2 for the public: the year only (the default policy)
    assert newcomer.endswith("first seen: 2024")
    for fine in ("2024-05", "2023-06"):
        assert fine not in section
    assert "Ile-Alatau" not in section  # no protected-area names either
    _no_secret(html)
    assert not AccessLogEntry.objects.exists()


def test_month_precision_follows_the_setting(monitored: Monitored, settings) -> None:
    settings.BARYS_SENSITIVE_DATE_PRECISION = "month"
    section = _section(Client().get("/en/").content.decode())
    (newcomer,) = _items(section, "new-individual")
    assert newcomer.endswith("first seen: 2024-05")
    assert "2024-05-17" not in section
    (litter,) = _items(section, "litter")
    assert "in 2023" in litter and "2023-06" not in litter  # litters: the year only


def test_staff_of_the_park_see_the_exact_first_sighting(monitored: Monitored, login) -> None:
    ranger = login("ranger", "observer", ["ile-alatau"])
    (mine,) = _items(_section(ranger.get("/en/").content.decode()), "new-individual")
    assert mine.endswith("first seen: 2024-05-17")
    stranger = login("stranger", "observer", ["aksu-zhabagly"])
    (theirs,) = _items(_section(stranger.get("/en/").content.decode()), "new-individual")
    assert theirs.endswith("first seen: 2024")
    found = highlights.latest_highlights(user=None)
    assert [h.first_seen for h in found.new_individuals] == ["2024"]


def test_dates_of_taxa_that_are_not_sensitive_are_shown_whole(monitored: Monitored) -> None:
    corsac = Taxon.objects.create(
        scientific_name="Vulpes corsac", rank="species", slug="vulpes-corsac", name_en="Corsac"
    )
    Individual.objects.create(
        code="VC-001", taxon=corsac, first_seen=dt.date(2024, 9, 2), scope=monitored.world.park
    )
    section = _section(Client().get("/en/").content.decode())
    first, second = _items(section, "new-individual")
    assert 'href="/en/species/vulpes-corsac/">Corsac</a>' in first
    assert first.endswith("first seen: 2024-09-02")
    assert "SL-IA-002" in second and second.endswith("first seen: 2024")


def test_single_cub_unidentified_female_and_merged_mother(monitored: Monitored) -> None:
    world = monitored.world
    kinship.create_litter(taxon=world.taxon, year=2022, cubs_count=1, actor=ACTOR, scope=world.park)
    retired = individual(world, "SL-IA-009", sex="female", birth_year=2012)
    kinship.create_litter(
        taxon=world.taxon, year=2021, cubs_count=2, mother=retired, scope=world.park, actor=ACTOR
    )
    decisions.merge(source=retired, target=monitored.mother, actor=ACTOR)
    section = _section(Client().get("/en/").content.decode())
    latest, single, older = _items(section, "litter")
    assert "3 cubs in 2023" in latest
    assert "a female seen with 1 cub in 2022" in single
    assert "/individuals/" not in single  # an unidentified female: no passport to link
    assert "2 cubs in 2021" in older
    assert "SL-IA-009" not in section  # the retired code is never linked nor listed
    assert 'href="/en/individuals/SL-IA-001/"' in older


def test_published_incidents_without_places(monitored: Monitored) -> None:
    argali = incident_factories.argali()
    shown = incident_factories.incident(taxon_obj=argali, published=True, count=2)
    hidden = incident_factories.incident(taxon_obj=argali, published=False)
    html = Client().get("/en/").content.decode()
    section = _section(html)
    (item,) = _items(section, "incident")
    assert f'href="/en/incidents/{shown.code}/"' in item
    assert hidden.code not in html
    assert 'href="/en/species/ovis-ammon/">Argali</a>' in item
    assert shown.type.name() in item
    assert ", 2023 · 2 animals" in item
    for secret in ("43.079", "76.758", "Workers", "dam site", "2023-12", "near the dam"):
        assert secret not in html, f"{secret!r} leaked"
    _no_secret(html)


def test_other_languages_link_their_species_pages(monitored: Monitored) -> None:
    for language in ("ru", "kk"):
        response = Client().get(f"/{language}/")
        assert response.status_code == 200
        section = _section(response.content.decode())
        assert f'href="/{language}/species/panthera-uncia/"' in section
        assert f'href="/{language}/individuals/SL-IA-001/"' in section
        assert 'data-cubs="3"' in section
    ru = _section(Client().get("/ru/").content.decode())
    assert "Снежный барс" in ru


def test_no_highlights_no_panel() -> None:
    make_world()  # a taxon, parks and stations, but nothing to tell yet
    assert highlights.latest_highlights().empty
    html = Client().get("/en/").content.decode()
    assert 'id="monitoring-highlights"' not in html
    assert "Monitoring highlights" not in html
    merged_only = Individual.objects.create(
        code="SL-X-001",
        taxon=Taxon.objects.get(slug="panthera-uncia"),
        first_seen=dt.date(2024, 1, 1),
    )
    Individual.objects.create(
        code="SL-X-002",
        taxon=merged_only.taxon,
        first_seen=dt.date(2024, 2, 1),
        merged_into=merged_only,
    )
    (only,) = highlights.new_individuals()
    assert only.passport.code == "SL-X-001"


def test_demo_litters_reach_the_home_page(django_assert_max_num_queries) -> None:
    world = make_world()
    individuals = demo.ensure_passports(world.taxon, world.park)
    demo.ensure_litters(world.taxon, world.park, individuals)
    with django_assert_max_num_queries(3):  # litters, passports, incidents: no N+1
        found = highlights.latest_highlights()
    assert [(h.year, h.cubs) for h in found.litters][:2] == [(2023, 3), (2022, 3)]
    section = _section(Client().get("/en/").content.decode())
    years = [int(y) for y in re.findall(r'data-kind="litter" data-year="(\d+)"', section)]
    assert years == [2023, 2022, 2021, 2020, 2019]  # the latest five of the park's record
    first = _items(section, "litter")[0]
    assert "a female seen with 3 cubs in 2023" in first
    assert 'href="/en/individuals/SL-IA-003/"' in first
