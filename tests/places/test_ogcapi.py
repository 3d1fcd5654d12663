"""OGC API Features at /ogcapi/: read back through GDAL's OGC API driver (a real client, over
HTTP from a live server), and the protocol details through the test client."""

from __future__ import annotations

import json

import numpy as np
import pytest
import shapely
from django.test import Client

from barys.core import sensitivity
from barys.places import builtin
from barys.places.models import Place
from tests.places.factories import add_records, square, taxon
from tests.places.gdal_client import gdal

UNCIA_POINTS = [(43.123456, 77.234567), (43.151111, 77.361111), (42.987654, 76.912345)]
GEOJSON = "application/geo+json"


def make_data() -> dict:
    builtin.load([builtin.ile_alatau()])
    Place(
        kind="protected_area",
        code="aksu-zhabagly",
        name_en="Aksu-Zhabagly",
        geometry=json.dumps(square(70.0, 42.0, 70.5, 42.5)),
        iucn_category="Ia",
        established_year=1926,
    ).save()
    uncia = taxon("Panthera uncia", category=2, name_en="Snow leopard")
    wolf = taxon("Canis lupus")
    Place(
        kind="range",
        code="uncia-current",
        name_en="Tien Shan",
        taxon=uncia,
        range_kind="current",
        geometry=json.dumps(square(76.0, 42.5, 80.0, 43.5)),
    ).save()
    lats, lons = zip(*UNCIA_POINTS, strict=True)
    exact = add_records(uncia, lats, lons, years=[2019, 2020, 2021])
    plain = add_records(wolf, [45.5], [70.25], years=[2015])
    return {"uncia": exact, "wolf": plain[0]}


@pytest.mark.django_db(transaction=True)
def test_gdal_reads_places_and_public_occurrences(live_server) -> None:
    data = make_data()
    url = f"OAPIF:{live_server.url}/ogcapi"
    layers, info, parks, near_almaty, occurrences, paged = gdal(
        [
            ("layers", url, {}),
            ("info", url, {"layer": "protected-areas", "force_feature_count": True}),
            ("read", url, {"layer": "protected-areas"}),
            ("read", url, {"layer": "protected-areas", "bbox": (76.5, 42.9, 78.0, 43.4)}),
            ("read", url, {"layer": "occurrences"}),
            ("read", url + "?limit=1", {"layer": "occurrences"}),
        ]
    )
    assert set(layers) == {
        "protected-areas",
        "oblasts",
        "monitoring-sites",
        "ranges",
        "occurrences",
    }
    assert info["features"] == 2
    codes = parks["fields"]["code"]
    assert sorted(codes) == ["aksu-zhabagly", "ile-alatau"]
    index = codes.index("aksu-zhabagly")
    assert shapely.from_wkb(parks["wkb"][index]).bounds == (70.0, 42.0, 70.5, 42.5)
    assert int(parks["fields"]["established_year"][index]) == 1926
    # bbox through GDAL's spatial filter: only the park near Almaty
    assert near_almaty["fields"]["code"] == ["ile-alatau"]

    # public occurrences: snow leopard points come back on the 0.1° grid, never exact
    points = {(round(p.y, 6), round(p.x, 6)) for p in shapely.from_wkb(occurrences["wkb"])}
    snapped = {
        (sensitivity.snap(lat, 0.1), sensitivity.snap(lon, 0.1)) for lat, lon in UNCIA_POINTS
    }
    assert points == snapped | {(45.5, 70.25)}
    assert not points & {(round(a, 6), round(b, 6)) for a, b in UNCIA_POINTS}
    props = occurrences["fields"]
    by_id = dict(zip(props["occurrenceID"], props["eventDate"], strict=True))
    assert by_id[str(data["uncia"][0].occurrence_id)] == "2019"  # reduced to the year
    assert by_id[str(data["wolf"].occurrence_id)] == "2015-06-15"
    # GDAL follows the "next" links page by page
    assert len(paged["wkb"]) == 4


@pytest.mark.django_db
def test_landing_conformance_and_collections() -> None:
    client = Client()
    landing = client.get("/ogcapi/")
    assert landing.status_code == 200 and landing["Content-Type"] == "application/json"
    rels = {link["rel"] for link in landing.json()["links"]}
    assert rels == {"self", "service-desc", "conformance", "data"}
    assert client.get("/ogcapi").status_code == 200  # without the slash too
    conformance = client.get("/ogcapi/conformance?f=json").json()["conformsTo"]
    assert "http://www.opengis.net/spec/ogcapi-features-1/1.0/conf/geojson" in conformance
    assert client.get("/ogcapi/conformance?f=html").status_code == 400
    ids = [c["id"] for c in client.get("/ogcapi/collections").json()["collections"]]
    assert ids == ["protected-areas", "oblasts", "monitoring-sites", "ranges", "occurrences"]
    assert client.get("/ogcapi/collections/nothing").status_code == 404
    openapi = client.get("/ogcapi/api")
    assert openapi["Content-Type"].startswith("application/vnd.oai.openapi+json")


@pytest.mark.django_db
def test_items_paging_bbox_and_datetime() -> None:
    data = make_data()
    client = Client()
    page = client.get("/ogcapi/collections/occurrences/items?limit=2")
    assert page["Content-Type"] == GEOJSON
    body = page.json()
    assert (body["numberMatched"], body["numberReturned"]) == (4, 2)
    links = {link["rel"]: link["href"] for link in body["links"]}
    assert "offset=2" in links["next"] and "limit=2" in links["next"]
    last = client.get(links["next"].replace("http://testserver", "")).json()
    assert last["numberReturned"] == 2 and "next" not in {k["rel"] for k in last["links"]}

    # bbox applies to the public (snapped) position: the exact point 42.987654, 76.912345 is
    # published as 42.95, 76.95, so a box around the exact point alone finds nothing
    exact_box = client.get(
        "/ogcapi/collections/occurrences/items?bbox=76.91,42.98,76.92,42.99"
    ).json()
    assert exact_box["numberReturned"] == 0
    public_box = client.get(
        "/ogcapi/collections/occurrences/items?bbox=76.94,42.94,76.96,42.96"
    ).json()
    assert [f["id"] for f in public_box["features"]] == [str(data["uncia"][2].occurrence_id)]
    assert public_box["features"][0]["geometry"]["coordinates"] == [76.95, 42.95]

    # datetime applies to the public date (the year for the snow leopard)
    june = client.get(
        "/ogcapi/collections/occurrences/items?datetime=2019-01-01T00:00:00Z/2019-03-01T00:00:00Z"
    ).json()
    assert [f["id"] for f in june["features"]] == [str(data["uncia"][0].occurrence_id)]
    open_end = client.get("/ogcapi/collections/occurrences/items?datetime=2020-01-01/..").json()
    assert open_end["numberReturned"] == 2
    for bad in ("bbox=1,2,3", "bbox=10,5,0,6", "limit=0", "offset=-1", "datetime=yesterday"):
        response = client.get(f"/ogcapi/collections/occurrences/items?{bad}")
        assert response.status_code == 400, bad
        assert response.json()["code"] == "InvalidParameterValue"


@pytest.mark.django_db
def test_single_items() -> None:
    data = make_data()
    client = Client()
    park = client.get("/ogcapi/collections/protected-areas/items/ile-alatau")
    assert park["Content-Type"] == GEOJSON
    feature = park.json()
    assert feature["properties"]["scope"] is None and feature["properties"]["iucn_category"] == "II"
    assert {link["rel"] for link in feature["links"]} == {"self", "collection"}
    snow = client.get(f"/ogcapi/collections/occurrences/items/{data['uncia'][1].occurrence_id}")
    point = snow.json()
    assert point["geometry"]["coordinates"] == [77.35, 43.15]
    assert point["properties"]["coordinateUncertaintyInMeters"] == round(
        sensitivity.cell_error_m(43.15, 0.1)
    )  # 6,884 m: centre to corner of the 0.1° cell
    assert "category 2" in point["properties"]["dataGeneralizations"]
    assert point["properties"]["oblast"] is None
    ranges = client.get("/ogcapi/collections/ranges/items").json()
    assert ranges["features"][0]["properties"]["scientificName"] == "Panthera uncia"
    assert client.get("/ogcapi/collections/occurrences/items/not-a-uuid").status_code == 404
    assert client.get("/ogcapi/collections/oblasts/items/none").status_code == 404
    body = json.dumps(client.get("/ogcapi/collections/occurrences/items").json())
    for lat, lon in UNCIA_POINTS:  # no exact coordinate anywhere in the public collection
        assert f"{lat}" not in body and f"{lon}" not in body
    assert np.isclose(
        client.get("/ogcapi/collections/protected-areas").json()["extent"]["spatial"]["bbox"][0][0],
        70.0,
    )


@pytest.mark.django_db
def test_bbox_pages_read_every_chunk_in_key_order(monkeypatch) -> None:
    """A box is answered chunk by chunk (keys first, then the records): every record inside
    is found once, in key order, whatever the chunk size, and records outside never."""
    from barys.places import ogcapi_data

    wolf = taxon("Canis lupus")
    inside = add_records(wolf, [45.1 + i * 0.01 for i in range(7)], [70.1] * 7, years=[2015] * 7)
    add_records(wolf, [48.0, 45.2], [70.1, 74.0], years=[2015, 2015])
    original = ogcapi_data._iterate
    monkeypatch.setattr(ogcapi_data, "_iterate", lambda qs: original(qs, chunk=2))
    body = Client().get("/ogcapi/collections/occurrences/items?bbox=70,45,71,46&limit=5").json()
    rest = (
        Client()
        .get("/ogcapi/collections/occurrences/items?bbox=70,45,71,46&limit=5&offset=5")
        .json()
    )
    ids = [f["id"] for f in body["features"] + rest["features"]]
    assert ids == [str(o.occurrence_id) for o in sorted(inside, key=lambda o: o.pk)]
