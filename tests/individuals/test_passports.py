"""Passport pages, PDF, exports and API: exact for the park's staff, generalised for others."""

from __future__ import annotations

import json
import re
from collections.abc import Callable

import pytest
from django.test import Client

from barys.core.models import AccessLogEntry
from barys.individuals import export, passports
from barys.individuals.errors import InvalidInput, RegistryConflict
from barys.individuals.models import Individual
from barys.records.models import Occurrence, Source
from tests.individuals.test_passports_world import (
    STATION_A,
    STATION_B,
    World,
    add_media,
    annotate,
    at,
    individual,
    make_world,
)

pytestmark = pytest.mark.django_db


def revealing(value: float, decimals: int = 3) -> set[str]:
    rounded = f"{value:.{decimals}f}"
    truncated = str(int(value * 10**decimals) / 10**decimals)
    return {rounded, truncated.ljust(len(rounded), "0")}


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def leopard(world: World) -> Individual:
    mother = individual(world, "SL-IA-001", sex="female", birth_year=2012, name="Aisulu")
    cub = individual(
        world, "SL-IA-010", sex="male", birth_year=2020, birth_year_exact=True, mother=mother
    )
    annotate(add_media(world.deployment_a, at(0)), mother, reference=True)
    annotate(add_media(world.deployment_b, at(30)), mother, viewpoint="right", reference=True)
    annotate(add_media(world.deployment_a, at(60)), cub)
    source = Source.objects.create(code="park-notes", title="Park notes")
    Occurrence.objects.create(
        source=source,
        taxon=world.taxon,
        latitude=43.11111,
        longitude=77.33333,
        locality="den under the red rock",
        event_date_start=at(90),
        event_date_precision="day",
        organism_id="SL-IA-001",
        protected_area="ile-alatau",
    )
    mother.refresh_from_db()
    return mother


def secrets() -> set[str]:
    found = {STATION_A[0], STATION_B[0], "secret gully", "den under the red rock"}
    for lat, lon in (
        (STATION_A[1], STATION_A[2]),
        (STATION_B[1], STATION_B[2]),
        (43.11111, 77.33333),
    ):
        found |= revealing(lat) | revealing(lon)
    return found


@pytest.mark.parametrize("language", ["kk", "ru", "en"])
def test_public_passport_shows_only_generalised_locations(
    client: Client, leopard: Individual, language: str
) -> None:
    response = client.get(f"/{language}/individuals/{leopard.code}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert response.headers["Content-Language"] == language
    assert f'<html lang="{language}">' in html
    assert "SL-IA-001" in html and "Aisulu" in html
    assert f'href="/{language}/individuals/SL-IA-010/"' in html  # offspring listed
    for secret in secrets():
        assert secret not in html, secret
    data = json.loads(
        re.search(r'id="passport-map-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert data["points"] == []
    assert {round(c["cell"], 3) for c in data["cells"]} == {0.1}
    assert sum(c["count"] for c in data["cells"]) == 3  # two camera events and one record
    assert "2021-03" not in html  # dates reduced to the year for the public
    assert "2021" in html
    assert not AccessLogEntry.objects.exists()


def test_researcher_of_the_park_sees_stations_and_dates(
    login: Callable[..., Client], leopard: Individual
) -> None:
    client = login("res", "researcher", ["ile-alatau"])
    html = client.get(f"/en/individuals/{leopard.code}/").content.decode()
    data = json.loads(
        re.search(r'id="passport-map-data" type="application/json">(.*?)</script>', html).group(1)
    )
    assert data["cells"] == []
    labels = {p["label"] for p in data["points"]}
    assert {STATION_A[0], STATION_B[0]} <= labels
    assert any(abs(p["lat"] - STATION_A[1]) < 1e-9 for p in data["points"])
    assert "2021-03-01" in html  # the first sighting, exact
    assert STATION_A[0] in html  # usual stations
    assert "Edit passport" in html
    entry = AccessLogEntry.objects.get()
    assert entry.object_id == leopard.code and entry.count == 3


def test_researcher_of_another_park_sees_generalised_only(
    login: Callable[..., Client], leopard: Individual
) -> None:
    client = login("other", "researcher", ["aksu-zhabagly"])
    html = client.get(f"/en/individuals/{leopard.code}/").content.decode()
    for secret in secrets():
        assert secret not in html, secret
    assert "Edit passport" not in html


def test_panels_of_other_apps_are_rendered(client: Client, leopard: Individual) -> None:
    from barys.core import navigation

    seen: list[str] = []

    def provider(
        *, individual: Individual, request: object = None, **_: object
    ) -> navigation.Panel:
        seen.append(individual.code)
        context = {"total": 7, "by_park": [], "litters": 0}
        return navigation.Panel(template="individuals/species_panel.html", context=context)

    navigation.register_panel("individual", provider)
    try:
        html = client.get(f"/en/individuals/{leopard.code}/").content.decode()
    finally:
        navigation._PANELS["individual"].remove(provider)
    assert seen == [leopard.code]
    assert "7 animals have passports." in html


def test_pdf_passport_is_a_valid_pdf(client: Client, leopard: Individual) -> None:
    response = client.get(f"/ru/individuals/{leopard.code}/passport.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    body = response.content
    assert body.startswith(b"%PDF")
    assert body.rstrip().endswith(b"%%EOF")
    assert len(re.findall(rb"/Type\s*/Page[^s]", body)) == 2
    for secret in secrets():
        assert secret.encode() not in body


def test_list_filters_and_shows_years_to_the_public(client: Client, leopard: Individual) -> None:
    def row(code: str) -> str:
        return f'<a href="/en/individuals/{code}/"><strong>{code}</strong>'

    html = client.get("/en/individuals/?sex=male").content.decode()
    assert row("SL-IA-010") in html and row("SL-IA-001") not in html
    html = client.get("/en/individuals/?q=aisulu").content.decode()
    assert row("SL-IA-001") in html and row("SL-IA-010") not in html
    assert "2021-" not in html


def test_camtrap_dp_rows_and_organism_id(world: World, leopard: Individual) -> None:
    rows = export.camtrap_dp_individuals(survey=world.station_a.survey)
    assert [r["individualID"] for r in rows] == ["SL-IA-001", "SL-IA-010"]
    cub = rows[1]
    assert cub["motherID"] == "SL-IA-001" and cub["birthYear"] == 2020 and cub["sex"] == "male"
    assert rows[0]["firstSeen"] == "2021"  # public rows reduce dates
    exact = export.camtrap_dp_individuals(individuals=[leopard], exact=True)
    assert exact[0]["firstSeen"] == "2021-03-01"
    names = [f["name"] for f in export.INDIVIDUALS_SCHEMA["fields"]]
    assert set(rows[0]) == set(names)
    merged = individual(world, "SL-IA-099")
    Individual.objects.filter(pk=merged.pk).update(merged_into=leopard)
    merged.refresh_from_db()
    assert export.organism_id(merged) == "SL-IA-001"
    assert export.darwin_core_organism(leopard)["organismID"] == "SL-IA-001"


def test_api_detail_follows_the_policy(
    client: Client, token_client: Callable[..., tuple[Client, str]], leopard: Individual
) -> None:
    public = client.get(f"/api/v1/individuals/{leopard.code}").json()
    assert public["exact"] is False and public["map"]["points"] == []
    assert public["firstSeen"] == "2021"
    text = json.dumps(public)
    for secret in secrets():
        assert secret not in text
    staff, _token = token_client("ranger", "observer", ["ile-alatau"])
    exact = staff.get(f"/api/v1/individuals/{leopard.code}").json()
    assert exact["exact"] is True and exact["firstSeen"] == "2021-03-01"
    assert {p["label"] for p in exact["map"]["points"]} >= {STATION_A[0]}
    listing = client.get("/api/v1/individuals").json()
    assert [r["individualID"] for r in listing] == ["SL-IA-001", "SL-IA-010"]
    assert client.get("/api/v1/individuals/SL-XX-404").status_code == 404


def test_codes_and_facts_are_checked(world: World) -> None:
    first = individual(world, "SL-IA-007", sex="male")
    assert passports.next_code(taxon=world.taxon, scope=world.park) == "SL-IA-008"
    with pytest.raises(InvalidInput):
        individual(world, "SL-IA-007")
    with pytest.raises(InvalidInput):
        individual(world, "bad code!")
    with pytest.raises(RegistryConflict):
        individual(world, "SL-IA-020", mother=first)  # a male cannot be a mother
    mother = individual(world, "SL-IA-021", sex="female", birth_year=2015)
    with pytest.raises(RegistryConflict):
        individual(world, "SL-IA-022", mother=mother, birth_year=2014)
    cub = individual(world, "SL-IA-023", mother=mother, birth_year=2019)
    with pytest.raises(RegistryConflict):
        passports.update_individual(individual=mother, actor="test", mother=cub)  # a cycle


def test_edit_form_saves_and_audits(login: Callable[..., Client], leopard: Individual) -> None:
    from barys.core.audit import history

    client = login("res", "researcher", ["ile-alatau"])
    response = client.post(
        f"/en/individuals/{leopard.code}/edit/",
        {
            "name": "Aisulu",
            "sex": "female",
            "birth_year": "2011",
            "status": "alive",
            "distinguishing_marks": "notch in the left ear",
            "notes": "",
        },
    )
    assert response.status_code == 302
    leopard.refresh_from_db()
    assert leopard.birth_year == 2011 and leopard.distinguishing_marks == "notch in the left ear"
    assert history(leopard).filter(action="update").exists()
    outsider = login("out", "researcher", ["aksu-zhabagly"])
    assert outsider.get(f"/en/individuals/{leopard.code}/edit/").status_code == 403
