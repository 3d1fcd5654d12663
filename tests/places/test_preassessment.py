"""The IUCN criteria pre-assessment page: inputs from stored EOO/AOO, the population series and
the curator's subconditions; each criterion just below and at its threshold."""

from __future__ import annotations

import html
import re

import pytest

from barys.core.models import AuditEntry
from barys.places.models import AreaEstimate, PreAssessmentInputs
from barys.taxa.models import PopulationEstimate
from tests.places.factories import taxon

pytestmark = pytest.mark.django_db


def store_area(of, eoo: float, aoo: float) -> None:
    AreaEstimate.objects.create(
        taxon=of,
        period="all",
        eoo_km2=eoo,
        eoo_raw_km2=eoo,
        aoo_km2=aoo,
        n_records=10,
        n_unique_points=10,
        n_cells=int(aoo / 4),
    )


def suggestion(page: str) -> str:
    match = re.search(r'id="suggested-category">(.*?)</p>', page, re.S)
    assert match, "no suggestion on the page"
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


def post_inputs(client, slug: str, **values: object) -> str:
    data = {
        "period": "all",
        "population_series": "",
        "severely_fragmented": "unknown",
        **{k: ("true" if v is True else "false" if v is False else v) for k, v in values.items()},
    }
    response = client.post(f"/en/species/{slug}/pre-assessment/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    page = client.get(f"/en/species/{slug}/pre-assessment/")
    assert page.status_code == 200
    return page.content.decode()


@pytest.mark.parametrize(
    ("eoo", "expected"), [(99.9, "CR B1ab(iii)"), (100.0, "EN B1ab(iii)+2ab(iii)")]
)
def test_criterion_b_at_the_eoo_threshold(login, eoo: float, expected: str) -> None:
    lynx = taxon("Lynx lynx isabellinus")
    store_area(lynx, eoo=eoo, aoo=12.0)
    client = login("curator", "curator")
    page = post_inputs(client, lynx.slug, number_of_locations=1, decline_habitat=True)
    assert suggestion(page) == expected
    assert (
        "EOO 99.9 km2 &lt; 100 km2 with ab(iii)" in page
        if eoo < 100
        else "&lt; 100 km2" not in page
    )
    assert "AOO 12 km2 &lt; 500 km2 with ab(iii)" in page
    assert "population_series" in page  # listed as a missing input
    assert "Draft for the curator, not an official status." in page
    saved = PreAssessmentInputs.objects.get(taxon=lynx)
    assert (saved.number_of_locations, saved.decline_habitat, saved.decline_eoo) == (1, True, None)
    assert AuditEntry.objects.filter(object_type="places.preassessmentinputs").count() == 1


@pytest.mark.parametrize(
    ("mature", "expected"),
    [
        (49, "CR D"),
        (50, "EN D"),
        (999, "VU D1"),
        (1000, "No threatened category met on these inputs"),
    ],
)
def test_criterion_d_at_each_threshold(login, mature: int, expected: str) -> None:
    cheetah = taxon("Acinonyx jubatus")
    page = post_inputs(login("curator", "curator"), cheetah.slug, mature_individuals=mature)
    assert suggestion(page) == expected


@pytest.mark.parametrize(
    ("last", "expected"),
    [(20_000, "CR A2a"), (20_100, "EN A2a"), (50_000, "EN A2a"), (50_100, "VU A2a")],
)
def test_criterion_a_from_the_population_series(login, last: int, expected: str) -> None:
    saiga = taxon("Saiga tatarica")
    for year, value in ((2010, 100_000), (2020, last)):
        PopulationEstimate.objects.create(
            taxon=saiga, area="Kazakhstan", year_start=year, value=value, unit="mature_individuals"
        )
    PopulationEstimate.objects.create(
        taxon=saiga, area="Ural population", year_start=2015, value=10, unit="individuals"
    )
    page = post_inputs(login("curator", "curator"), saiga.slug, generation_length_years=3)
    assert suggestion(page) == expected
    # 100,000 -> last over the 10-year window (longer than 3 generations of 3 years)
    assert f"{100 * (1 - last / 100_000):.1f}% over 10 years" in page
    assert f"Kazakhstan, mature_individuals: 2010: 100,000; 2020: {last:,}" in page
    # the latest count of mature individuals stands in for the number not recorded (C, D)
    assert f"{last:,} (latest value of the series)" in page


def test_only_curators_see_the_page(login, client) -> None:
    wolf = taxon("Canis lupus")
    assert client.get(f"/en/species/{wolf.slug}/pre-assessment/").status_code in {302, 403}
    researcher = login("res", "researcher")
    assert researcher.get(f"/en/species/{wolf.slug}/pre-assessment/").status_code == 403


def test_bad_inputs_are_shown_with_the_form(login) -> None:
    wolf = taxon("Canis lupus")
    client = login("curator", "curator")
    response = client.post(
        f"/en/species/{wolf.slug}/pre-assessment/",
        {
            "period": "all",
            "subpopulation_sizes": "12, many",
            "reduction_bases": "az",
            "generation_length_years": "-1",
        },
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Give numbers separated by commas." in page
    assert "Use the letters a to e." in page
    assert "The generation length must be positive." in page
    assert not PreAssessmentInputs.objects.exists()
