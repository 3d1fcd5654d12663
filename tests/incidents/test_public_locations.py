"""The public never sees an exact incident location: not in pages, API, map data or photos."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from PIL import Image

from barys.core.models import AccessLogEntry
from barys.incidents import services
from barys.incidents.demo import _simulated_photo
from barys.incidents.images import GPS_IFD, has_gps
from tests.incidents import factories
from tests.openapi import assert_matches_openapi

pytestmark = pytest.mark.django_db

#: Pieces of the exact place that must never reach the public.
SECRETS = ("43.079", "76.758", "Workers", "dam site", "2023-12-04", "A weakened animal near")


def _assert_no_secret(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, f"{secret!r} leaked"


@pytest.fixture
def published(make_user):
    ranger = make_user("ranger", "observer", ["ile-alatau"])
    argali = factories.incident(taxon_obj=factories.argali(), published=True)
    uncia = factories.incident(
        taxon_obj=factories.snow_leopard(),
        published=True,
        type_code="mortality",
        attributes={"suspected_cause": "unknown", "carcass_state": "fresh"},
    )
    hidden = factories.incident(taxon_obj=factories.argali(), published=False)
    photo = services.add_attachment(
        incident=argali,
        actor=ranger,
        data=_simulated_photo("test", *factories.EXACT),
        filename="photo.jpg",
        content_type="image/jpeg",
    )
    document = services.add_attachment(
        incident=argali,
        actor=ranger,
        data=b"%PDF-1.4 report",
        filename="report.pdf",
        content_type="application/pdf",
    )
    return {
        "argali": argali,
        "uncia": uncia,
        "hidden": hidden,
        "photo": photo,
        "document": document,
        "ranger": ranger,
    }


@pytest.mark.parametrize("language", ["en", "ru", "kk"])
def test_pages_show_only_generalised_places(published, language: str) -> None:
    client = Client()
    listing = client.get(f"/{language}/incidents/").content.decode()
    _assert_no_secret(listing)
    assert published["argali"].code in listing and published["hidden"].code not in listing
    page = client.get(f"/{language}/incidents/{published['argali'].code}/")
    html = page.content.decode()
    _assert_no_secret(html)
    assert page.context["loc"].latitude == 43.05 and page.context["loc"].cell_deg == 0.1
    assert "report.pdf" not in html  # documents are staff-only
    uncia = client.get(f"/{language}/incidents/{published['uncia'].code}/")
    _assert_no_secret(uncia.content.decode())
    assert uncia.context["loc"].withheld and uncia.context["loc"].latitude is None
    assert client.get(f"/{language}/incidents/{published['hidden'].code}/").status_code == 404
    _assert_no_secret(client.get(f"/{language}/incidents/statistics/").content.decode())


def test_api_and_map_data_are_generalised(published) -> None:
    client = Client()
    listing = client.get("/api/v1/incidents")
    _assert_no_secret(listing.content.decode())
    codes = {r["code"] for r in listing.json()["results"]}
    assert codes == {published["argali"].code, published["uncia"].code}
    geojson = client.get("/api/v1/incidents?format=geojson").json()
    assert [f["properties"]["code"] for f in geojson["features"]] == [published["argali"].code]
    assert geojson["features"][0]["geometry"]["coordinates"] == [76.75, 43.05]
    detail = client.get(f"/api/v1/incidents/{published['argali'].code}").json()
    assert_matches_openapi(f"/api/v1/incidents/{published['argali'].code}", detail)
    assert detail["exact"] is False and detail["date"] == "2023"
    assert detail["locality"] == "" and "Coordinates generalised" in detail["data_generalizations"]
    assert client.get(f"/api/v1/incidents/{published['hidden'].code}").status_code == 404
    # a bad token is anonymous, not an error that leaks anything
    bad = Client(HTTP_AUTHORIZATION="Bearer barys_nope").get("/api/v1/incidents")
    _assert_no_secret(bad.content.decode())


def test_people_out_of_scope_see_the_public_view(published, login) -> None:
    client = login("elsewhere", "researcher", ["altyn-emel"])
    html = client.get(f"/en/incidents/{published['argali'].code}/").content.decode()
    _assert_no_secret(html)
    assert client.get(f"/en/incidents/{published['hidden'].code}/").status_code == 404
    _assert_no_secret(client.get("/api/v1/incidents").content.decode())


def test_staff_of_the_area_see_exact_places_and_it_is_logged(published) -> None:
    client = Client()
    client.force_login(published["ranger"])
    before = AccessLogEntry.objects.count()
    html = client.get(f"/en/incidents/{published['hidden'].code}/").content.decode()
    assert "43.079137" in html and "Workers" in html
    assert AccessLogEntry.objects.count() == before + 1
    entry = AccessLogEntry.objects.latest("at")
    assert entry.object_id == published["hidden"].code and entry.surface == "incident page"


def test_photos_lose_their_gps_for_the_public(published) -> None:
    code, photo = published["argali"].code, published["photo"]
    assert photo.has_gps
    url = f"/en/incidents/{code}/attachments/{photo.pk}/"
    public = b"".join(Client().get(url).streaming_content)
    assert not has_gps(public)
    with Image.open(io.BytesIO(public)) as image:
        exif = image.getexif()
        assert not exif.get_ifd(GPS_IFD) and exif.get(0x010F) == "Barys demo"
    staff = Client()
    staff.force_login(published["ranger"])
    original = b"".join(staff.get(url).streaming_content)
    assert has_gps(original)
    document = f"/en/incidents/{code}/attachments/{published['document'].pk}/"
    assert Client().get(document).status_code == 404
    assert staff.get(document).status_code == 200
