"""The species map page (public and expert views), its data endpoints, the PNG/SVG export, the
species-page panel, the admin, and Leaflet served from the xstatic package."""

from __future__ import annotations

import io
import json
import re

import pytest
from django.test import Client
from PIL import Image

from barys.core.models import AccessLogEntry, AuditEntry
from barys.places import areas, builtin, species_map
from barys.places.models import Place
from barys.records import cells
from tests.places.factories import add_records, latlon_of_xy, square, taxon

pytestmark = pytest.mark.django_db


@pytest.fixture
def uncia():
    builtin.load([*builtin.oblasts(), builtin.ile_alatau()])
    snow = taxon(
        "Panthera uncia",
        category=2,
        name_en="Snow leopard",
        name_ru="Снежный барс",
        name_kk="Барыс",
    )
    Place(
        kind="range",
        code="uncia-current",
        name_en="Tien Shan",
        taxon=snow,
        range_kind="current",
        geometry=json.dumps(square(76.0, 42.5, 80.0, 43.5)),
    ).save()
    add_records(
        snow, [43.1234, 43.2345, 42.9876], [77.1234, 77.4567, 78.9876], years=[2018, 2019, 2021]
    )
    cells.rebuild()
    areas.recompute_areas([snow.pk])
    return snow


def config_of(page: str) -> dict:
    match = re.search(
        r'<script id="species-map-config" type="application/json">(.*?)</script>', page, re.S
    )
    assert match
    return json.loads(match.group(1))


def test_public_map_page_hides_exact_layers_of_a_sensitive_species(uncia) -> None:
    response = Client().get("/ru/species/panthera-uncia/map/")
    assert response.status_code == 200
    page = response.content.decode()
    config = config_of(page)
    assert config["areaUrl"] is None  # no hull, no AOO grid for the public
    assert config["rangesUrl"] == "/api/v1/places/ranges?taxon=panthera-uncia"
    assert config["language"] == "ru"
    assert config["periods"] == ["all", "2010-2019", "2020-2029"]
    assert '<script src="/static-vendor/leaflet/leaflet.js" defer></script>' in page
    assert "places/species-map.js" in page
    assert "Снежный барс" in page
    # no exact coordinate of a record on the page
    for value in ("43.1234", "77.1234", "42.9876"):
        assert value not in page


def test_expert_view_for_a_national_researcher_only(uncia, login) -> None:
    national = login("nadia", "researcher")
    config = config_of(national.get("/en/species/panthera-uncia/map/").content.decode())
    assert config["areaUrl"] == "/api/v1/places/areas/geometry?taxon=panthera-uncia"
    scoped = login("ranger", "researcher", ["ile-alatau"])
    assert (
        config_of(scoped.get("/en/species/panthera-uncia/map/").content.decode())["areaUrl"] is None
    )
    denied = scoped.get("/api/v1/places/areas/geometry?taxon=panthera-uncia")
    assert denied.status_code == 403
    assert Client().get("/api/v1/places/areas/geometry?taxon=panthera-uncia").status_code == 403
    granted = national.get("/api/v1/places/areas/geometry?taxon=panthera-uncia&period=all")
    assert granted.status_code == 200 and granted["Content-Type"] == "application/geo+json"
    assert granted["Cache-Control"] == "private, no-store"
    layers = [f["properties"]["layer"] for f in granted.json()["features"]]
    assert layers == ["eoo", "aoo"]
    assert (
        AccessLogEntry.objects.filter(
            surface="api:places/areas/geometry", object_id=str(uncia.pk)
        ).count()
        == 1
    )
    assert (
        national.get(
            "/api/v1/places/areas/geometry?taxon=panthera-uncia&period=1900-1909"
        ).status_code
        == 404
    )


def test_non_sensitive_species_shows_its_hull_to_everyone() -> None:
    wolf = taxon("Canis lupus")
    add_records(wolf, *latlon_of_xy([1_000, 11_000, 6_000], [1_000, 1_000, 9_000]))
    areas.recompute_areas([wolf.pk])
    client = Client()
    assert config_of(client.get("/en/species/canis-lupus/map/").content.decode())["areaUrl"]
    body = client.get("/api/v1/places/areas/geometry?taxon=canis-lupus&layer=eoo").json()
    assert [f["properties"]["layer"] for f in body["features"]] == ["eoo"]
    assert body["features"][0]["properties"]["eoo_km2"] == pytest.approx(
        40.0, abs=1e-3
    )  # 10 km x 8 km / 2
    summary = client.get("/api/v1/places/areas?taxon=canis-lupus").json()
    assert summary["geometry_visible"] is True
    assert [(a["period"], a["aoo_km2"], a["n_records"]) for a in summary["areas"]] == [
        ("all", 12.0, 3),
        ("2020-2029", 12.0, 3),
    ]
    assert not AccessLogEntry.objects.exists()


def test_map_data_endpoints(uncia) -> None:
    client = Client()
    basemap = client.get("/api/v1/places/basemap?lang=kk")
    assert basemap["Content-Type"] == "application/geo+json"
    features = basemap.json()["features"]
    assert [f["properties"]["layer"] for f in features].count("oblast") == 16
    assert {f["properties"]["name"] for f in features} >= {"Алматы облысы", "Kazakhstan"}
    parks = client.get("/api/v1/places/features?kind=protected_area").json()
    assert [f["id"] for f in parks["features"]] == ["ile-alatau"]
    assert parks["features"][0]["properties"]["iucn_category"] == "II"
    none_here = client.get("/api/v1/places/features?kind=protected_area&bbox=50,40,51,41")
    assert none_here.json()["features"] == []
    assert client.get("/api/v1/places/features?kind=volcano").status_code == 400
    assert client.get("/api/v1/places/features?bbox=1,2,3").status_code == 400
    ranges = client.get("/api/v1/places/ranges?taxon=panthera-uncia").json()
    assert [f["properties"]["range_kind"] for f in ranges["features"]] == ["current"]
    assert client.get("/api/v1/places/ranges?taxon=nobody").status_code == 404
    areas_out = client.get("/api/v1/places/areas?taxon=panthera-uncia").json()
    assert areas_out["geometry_visible"] is False
    assert areas_out["areas"][0]["n_records"] == 3


def test_basemap_falls_back_to_the_shipped_oblasts() -> None:
    features = Client().get("/api/v1/places/basemap").json()["features"]
    assert len(features) == 17 and features[0]["properties"]["layer"] == "country"


def test_svg_and_png_export(uncia) -> None:
    client = Client()
    svg = client.get("/en/species/panthera-uncia/map.svg")
    assert svg.status_code == 200 and svg["Content-Type"] == "image/svg+xml"
    text = svg.content.decode()
    assert "<svg" in text and "Snow leopard" in text and "current range" in text
    assert "occurrence records (generalised)" in text and "protected areas" in text
    png = client.get("/en/species/panthera-uncia/map.png?download=1")
    assert png["Content-Type"] == "image/png"
    assert png["Content-Disposition"] == 'attachment; filename="panthera-uncia-map.png"'
    image = Image.open(io.BytesIO(png.content))
    assert image.format == "PNG" and image.width > 1500  # 10 in at 200 dpi, trimmed
    small = client.get("/en/species/panthera-uncia/map.svg?size=small").content
    assert len(small) < len(svg.content)
    # the public cells drawn are the aggregate's resolution-5 cells (category 2)
    from barys.core.geo import h3_cell

    assert species_map.public_cells(uncia) == sorted(
        h3_cell(lat, lon, 5)
        for lat, lon in ((43.1234, 77.1234), (43.2345, 77.4567), (42.9876, 78.9876))
    )


def test_printed_map_follows_the_cells_of_the_species_and_its_subspecies(uncia) -> None:
    client = Client()
    before = client.get("/en/species/panthera-uncia/map.svg").content
    assert client.get("/en/species/panthera-uncia/map.svg").content == before  # cached
    subspecies = taxon("Panthera uncia uncioides", rank="subspecies", parent=uncia, category=2)
    add_records(subspecies, [47.5], [83.5])  # far from the species' own records
    cells.rebuild()
    after = client.get("/en/species/panthera-uncia/map.svg").content
    assert after != before  # drawn again, with the subspecies' cell
    from barys.core.geo import h3_cell

    assert h3_cell(47.5, 83.5, 5) in species_map.public_cells(uncia)


def test_species_page_has_the_map_panel(uncia) -> None:
    page = Client().get("/en/species/panthera-uncia/").content.decode()
    assert 'href="/en/species/panthera-uncia/map/"' in page
    assert 'src="/en/species/panthera-uncia/map.svg?size=small"' in page
    assert "EOO" in page and "3 records" in page


def test_curator_can_queue_a_recompute(uncia, login) -> None:
    curator = login("cora", "curator")
    response = curator.post("/en/species/panthera-uncia/map/recompute/")
    assert response.status_code == 302 and response["Location"].startswith("/en/jobs/")
    assert (
        login("res", "researcher").post("/en/species/panthera-uncia/map/recompute/").status_code
        == 403
    )


def test_admin_edits_are_validated_and_audited(uncia, login) -> None:
    client = login("cora", "curator")
    assert client.get("/en/admin/places/protectedarea/").status_code == 200
    bowtie = '{"type":"Polygon","coordinates":[[[70,45],[71,46],[71,45],[70,46],[70,45]]]}'
    response = client.post(
        "/en/admin/places/protectedarea/add/",
        {
            "code": "bowtie",
            "name_en": "Bowtie",
            "geometry": bowtie,
            "designation": "",
            "iucn_category": "",
            "source": "",
            "notes": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    saved = Place.objects.get(code="bowtie")
    assert saved.kind == "protected_area" and "MultiPolygon" in saved.geometry
    assert AuditEntry.objects.filter(object_type="places.protectedarea", action="create").exists()
    bad = client.post(
        "/en/admin/places/oblast/add/",
        {
            "code": "dot",
            "name_en": "Dot",
            "geometry": '{"type":"Point","coordinates":[70,45]}',
            "source": "",
            "notes": "",
        },
    )
    assert bad.status_code == 200 and "a Point is not a polygon" in bad.content.decode()


def test_leaflet_is_served_from_the_package() -> None:
    client = Client()
    script = client.get("/static-vendor/leaflet/leaflet.js")
    assert script.status_code == 200
    assert script["Content-Type"] in {"text/javascript", "application/javascript"}
    assert script["Cache-Control"] == "public, max-age=604800"
    assert b"Leaflet" in b"".join(script.streaming_content)[:2000]
    assert client.get("/static-vendor/leaflet/images/layers.png")["Content-Type"] == "image/png"
    assert client.get("/static-vendor/leaflet/../__init__.py").status_code == 404
    assert client.get("/static-vendor/leaflet/nothing.js").status_code == 404
