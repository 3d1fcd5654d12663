"""Registry: tree integrity, status bookkeeping, edition diff, search, pages, API."""

from __future__ import annotations

import pytest
from django.test import Client

from barys.core.models import AuditEntry
from barys.taxa import editions, search, services
from barys.taxa.models import PopulationEstimate, Taxon
from barys.taxa.names import normalise
from tests.openapi import assert_matches_openapi
from tests.taxa.factories import small_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> dict:
    return small_registry()


def test_tree_refuses_cycles_and_rank_disorder(registry) -> None:
    panthera = registry["panthera"]
    uncia = registry["uncia"]
    with pytest.raises(services.RegistryError, match="cycle|not above"):
        services.check_parent(panthera, uncia)
    with pytest.raises(services.RegistryError, match="rank species .* is not above genus"):
        services.check_parent(panthera, registry["saiga"])
    services.check_parent(uncia, panthera)  # fine
    with pytest.raises(services.RegistryError, match="only a kingdom has no parent"):
        services.check_parent(uncia, None)


def test_tree_is_consistent(registry) -> None:
    from barys.taxa.models import RANK_ORDER, RANKS

    for taxon in Taxon.objects.select_related("parent"):
        if taxon.parent is None:
            assert taxon.rank == "kingdom"
        else:
            assert RANK_ORDER[taxon.parent.rank] < RANK_ORDER[taxon.rank]
        # every level is present in this registry, so the lineage has one taxon per rank above
        assert [t.rank for t in taxon.ancestors()] == list(RANKS[: RANK_ORDER[taxon.rank]])


def test_current_status_and_default_sensitivity(registry) -> None:
    uncia = Taxon.objects.get(pk=registry["uncia"].pk)
    assert (uncia.national_category, uncia.iucn_category, uncia.in_red_book) == ("I", "VU", True)
    assert uncia.class_name == "Mammalia"
    assert uncia.sensitivity_category == 2  # default for the current edition
    saiga = Taxon.objects.get(pk=registry["saiga"].pk)
    assert (saiga.national_category, saiga.iucn_category) == ("V", "NT")
    genus = Taxon.objects.get(scientific_name="Panthera")
    assert genus.sensitivity_category is None and not genus.in_red_book


def test_edition_diff(registry) -> None:
    result = editions.diff(registry["old"], registry["new"])
    kinds = {row.taxon.scientific_name: row.change for row in result.rows}
    assert kinds == {
        "Felis chaus": "added",
        "Aegypius monachus": "added",
        "Saiga tatarica": "category_changed",
        "Panthera uncia": "renamed",
    }
    saiga = next(r for r in result.rows if r.change == "category_changed")
    assert (saiga.before, saiga.after, saiga.reasons) == ("III", "V", ["Numbers recovered."])
    chaus = next(r for r in result.rows if r.taxon.scientific_name == "Felis chaus")
    assert chaus.reasons == ["Rare in the reed beds of the south."]
    reverse = editions.diff(registry["new"], registry["old"])
    assert {r.taxon.scientific_name for r in reverse.by_change("removed")} == {
        "Felis chaus",
        "Aegypius monachus",
    }
    page = Client().get("/en/editions/diff/?old=RB-2008-VERT&new=RB-5").content.decode()
    assert '<strong class="count-added">2</strong>' in page
    assert "Numbers recovered." in page


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("барыс", "Panthera uncia"),  # Kazakh
        ("ирбис", "Panthera uncia"),  # Russian, other name
        ("снежный барс", "Panthera uncia"),  # Russian, two words
        ("SNOW leo", "Panthera uncia"),  # English, case and prefix
        ("Panthera uncia", "Panthera uncia"),  # Latin
        ("uncia uncia", "Panthera uncia"),  # synonym
        ("ақбөкен", "Saiga tatarica"),  # Kazakh letters
        ("акбокен", "Saiga tatarica"),  # typed without Kazakh letters
        ("САЙГАК", "Saiga tatarica"),
        ("черный гриф", "Aegypius monachus"),  # ё/е folding
        ("тазқара", "Aegypius monachus"),
        ("қамыс", "Felis chaus"),
    ],
)
def test_search_in_four_name_systems(registry, query: str, expected: str) -> None:
    result = search.search(query)
    assert result.taxa and result.taxa[0].scientific_name == expected


def test_search_finds_nothing_for_nonsense(registry) -> None:
    assert search.search("zzqx").total == 0


def test_species_search_reads_species_and_subspecies_only(registry) -> None:
    """The species list and API search only species-level taxa, with or without filters."""
    from barys.taxa.queries import TaxonFilters, find_taxa

    assert sorted(t.rank for t in search.search("saiga").taxa) == ["genus", "species"]
    assert [t.scientific_name for t in find_taxa(TaxonFilters(q="saiga")).taxa] == [
        "Saiga tatarica"
    ]
    felis = find_taxa(TaxonFilters(q="felis", class_name="Mammalia"))
    assert [t.scientific_name for t in felis.taxa] == ["Felis chaus"] and felis.total == 1
    assert find_taxa(TaxonFilters(q="felis", class_name="Aves")).total == 0
    assert find_taxa(TaxonFilters()).total == Taxon.objects.filter(rank="species").count()


def test_names_edited_one_by_one_are_searchable_at_once(registry) -> None:
    """A curator's edit (admin or form) updates the taxon's search tokens."""
    from barys.taxa.models import Synonym, VernacularName

    saiga = registry["saiga"]
    assert search.search("киік").total == 0
    name = VernacularName.objects.create(taxon=saiga, language="kk", name="Киік")
    assert [t.pk for t in search.search("киік").taxa] == [saiga.pk]
    name.delete()
    assert search.search("киік").total == 0
    Synonym.objects.create(taxon=saiga, name="Antilope tatarica")
    assert [t.pk for t in search.search("antilope").taxa] == [saiga.pk]
    saiga.name_en = "Steppe antelope"
    saiga.save()
    assert [t.pk for t in search.search("steppe").taxa] == [saiga.pk]


def test_normalise_folds_kazakh_letters() -> None:
    assert normalise("Әғқңөұүһі Ёж") == "агкноуухи еж"


@pytest.mark.parametrize(
    ("language", "text"), [("kk", "Барыс"), ("ru", "Снежный барс"), ("en", "Snow leopard")]
)
def test_species_page_in_three_languages(registry, language: str, text: str) -> None:
    response = Client().get(f"/{language}/species/panthera-uncia/")
    assert response.status_code == 200
    html = response.content.decode()
    assert f"<h1>{text}</h1>" in html
    assert "<i>Panthera uncia</i> (Schreber, 1775)" in html
    assert "Rare mountain predator." in html  # the rationale falls back to English


def test_species_list_filters(registry) -> None:
    html = Client().get("/en/species/?national_category=V").content.decode()
    assert "Saiga antelope" in html and "Snow leopard" not in html
    html = Client().get("/en/species/?class=Aves").content.decode()
    assert "Cinereous vulture" in html and "Saiga antelope" not in html
    html = Client().get("/ru/species/?q=ирбис").content.decode()
    assert "Снежный барс" in html


def test_population_chart_uses_log_scale_for_wide_spans(registry) -> None:
    saiga = registry["saiga"]
    for year, value in ((2003, 21000), (2015, 108000), (2024, 2_800_000)):
        services.save_population_estimate(
            taxon=saiga, actor="test", area="Kazakhstan", year_start=year, value=value
        )
    html = Client().get("/en/species/saiga-tatarica/").content.decode()
    assert html.count("<svg") == 1
    from barys.core.charts import needs_log_scale

    assert needs_log_scale([21000, 108000, 2_800_000])
    assert not needs_log_scale([80, 100, 160, 180])
    uncia = registry["uncia"]
    assert "<svg" not in Client().get("/en/species/panthera-uncia/").content.decode()
    services.save_population_estimate(taxon=uncia, actor="t", year_start=1995, lower=80, upper=100)
    services.save_population_estimate(taxon=uncia, actor="t", year_start=2024, lower=160, upper=180)
    assert "<svg" in Client().get("/en/species/panthera-uncia/").content.decode()


def test_population_estimate_validation_and_audit(registry) -> None:
    saiga = registry["saiga"]
    with pytest.raises(services.RegistryError, match="^lower:"):
        services.save_population_estimate(
            taxon=saiga, actor="test", year_start=2020, lower=10, upper=5
        )
    with pytest.raises(services.RegistryError, match="^value:"):
        services.save_population_estimate(taxon=saiga, actor="test", year_start=2020)
    assert PopulationEstimate.objects.count() == 0
    estimate = services.save_population_estimate(
        taxon=saiga, actor="test", year_start=2023, value=1_900_000
    )
    services.save_population_estimate(taxon=saiga, actor="test", estimate=estimate, value=1_910_000)
    entry = AuditEntry.objects.get(object_type="taxa.populationestimate", action="update")
    assert entry.before == {"value": 1900000.0} and entry.after == {"value": 1910000.0}


def test_curator_forms(registry, login) -> None:
    curator = login("curator", "curator")
    response = curator.post(
        "/en/species/saiga-tatarica/population/new/",
        {"area": "Kazakhstan", "year_start": 2024, "value": 2800000, "unit": "individuals"},
    )
    assert response.status_code == 302
    response = curator.post(
        "/en/species/felis-chaus/assessment/",
        {"edition": registry["new"].pk, "national_category": "II", "iucn_category": "LC"},
    )
    assert response.status_code == 302
    assert Taxon.objects.get(scientific_name="Felis chaus").national_category == "II"
    observer = login("ranger", "observer", ["ile-alatau"])
    assert observer.get("/en/species/felis-chaus/assessment/").status_code == 403
    bad = curator.post(
        "/en/species/saiga-tatarica/population/new/",
        {"year_start": 2024, "lower": 10, "upper": 1, "unit": "individuals"},
    )
    assert bad.status_code == 200 and "lower bound is above" in bad.content.decode()


def test_api_matches_openapi(registry) -> None:
    client = Client()
    body = client.get("/api/v1/taxa?q=барыс&lang=kk").json()
    assert body["count"] == 1 and body["results"][0]["name"] == "Барыс"
    assert_matches_openapi("/api/v1/taxa", body)
    detail = client.get("/api/v1/taxa/panthera-uncia?lang=ru").json()
    assert detail["name"] == "Снежный барс" and "Uncia uncia" in detail["synonyms"]
    assert detail["lineage"][:3] == ["Animalia", "Chordata", "Mammalia"]
    assert_matches_openapi("/api/v1/taxa/panthera-uncia", detail)
    history = client.get("/api/v1/taxa/panthera-uncia/assessments?lang=en").json()
    assert [h["edition"] for h in history] == ["RB-2008-VERT", "RB-5"]
    assert_matches_openapi("/api/v1/taxa/panthera-uncia/assessments", history)
    services.save_population_estimate(
        taxon=registry["uncia"], actor="t", year_start=1995, lower=80, upper=100
    )
    series = client.get("/api/v1/taxa/panthera-uncia/population").json()
    assert series[0]["lower"] == 80
    assert_matches_openapi("/api/v1/taxa/panthera-uncia/population", series)
    filtered = client.get("/api/v1/taxa?class_name=Aves").json()
    assert [t["scientific_name"] for t in filtered["results"]] == ["Aegypius monachus"]
