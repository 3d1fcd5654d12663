"""Occurrence API, pages and the Darwin Core Archive export (read back with
python-dwca-reader)."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.test import Client
from dwca.read import DwCAReader

from barys.core.models import AccessLogEntry
from barys.records import export, importer, sources
from barys.records.models import Occurrence
from tests.openapi import assert_matches_openapi
from tests.records.helpers import row, write_csv
from tests.taxa.factories import small_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def records(tmp_path: Path) -> dict:
    registry = small_registry()
    source = sources.get_or_create_source(title="Park survey", code="park-survey")
    path = write_csv(
        tmp_path / "r.csv",
        [
            row(1),
            row(2, lat="43.2222", lon="77.3333", date="2019-06-01"),
            row(3, name="Saiga tatarica", lat="48.5", lon="60.5"),
        ],
    )
    importer.import_occurrences(path, source=source)
    # file rows 3 and 4 (the second snow leopard and the saiga) lie in the park
    Occurrence.objects.filter(row_number__in=[3, 4]).update(protected_area="ile-alatau")
    return registry


def test_list_detail_geojson_match_openapi(records) -> None:
    client = Client()
    body = client.get("/api/v1/occurrences?taxon=panthera-uncia").json()
    assert len(body["results"]) == 2 and body["next_after"] is None
    assert_matches_openapi("/api/v1/occurrences", body)
    first = body["results"][0]
    assert first["decimalLatitude"] in {43.15, 43.25} and not first["exact"]
    assert first["eventDate"] in {"2021", "2019"} and first["locality"] == ""
    detail = client.get(f"/api/v1/occurrences/{first['occurrenceID']}").json()
    assert_matches_openapi(f"/api/v1/occurrences/{first['occurrenceID']}", detail)
    geo = client.get("/api/v1/occurrences?format=geojson&limit=1").json()
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 1
    assert geo["next_after"] is not None
    bad = client.get("/api/v1/occurrences?bbox=1,2,3")
    assert bad.status_code == 400 and "bbox" in bad.json()["detail"]


def test_scope_researcher_sees_exact_and_is_logged(records, token_client) -> None:
    inside, _ = token_client("inside", "researcher", ["ile-alatau"])
    rows = inside.get("/api/v1/occurrences?taxon=panthera-uncia").json()["results"]
    exact = {r["decimalLatitude"] for r in rows if r["exact"]}
    assert exact == {43.2222}  # the record in the park; the other stays generalised
    log = AccessLogEntry.objects.get(surface="api occurrences")
    assert log.count == 1 and log.actor.username == "inside"


def test_cells_endpoint_never_finer_than_the_policy(records) -> None:
    body = Client().get("/api/v1/occurrences/cells?zoom=12&taxon=panthera-uncia").json()
    assert body["features"] and {f["properties"]["resolution"] for f in body["features"]} == {5}
    assert sum(f["properties"]["count"] for f in body["features"]) == 2
    assert "exact" not in body
    national = Client().get("/api/v1/occurrences/cells?zoom=4").json()
    assert sum(f["properties"]["count"] for f in national["features"]) == 3


def test_species_panel_and_pages(records) -> None:
    html = Client().get("/en/species/panthera-uncia/").content.decode()
    assert '<div class="figure">2</div>' in html  # two records
    assert '<div class="figure">2019–2021</div>' in html
    assert Client().get("/en/records/?taxon=panthera-uncia").status_code == 200
    assert Client().get("/en/sources/park-survey/").status_code == 200


def test_public_dwca_export_reads_back(records, tmp_path: Path) -> None:
    out = tmp_path / "public.zip"
    assert export.export_dwca(out) == 3
    with DwCAReader(str(out)) as archive:
        rows = list(archive)
        assert archive.descriptor.core.type == "http://rs.tdwg.org/dwc/terms/Occurrence"
        eml = archive.metadata
    assert len(rows) == 3
    terms = {k.rsplit("/", 1)[-1] for k in rows[0].data}
    for term in (
        "occurrenceID",
        "basisOfRecord",
        "eventDate",
        "scientificName",
        "decimalLatitude",
        "decimalLongitude",
        "coordinateUncertaintyInMeters",
        "geodeticDatum",
        "countryCode",
        "dataGeneralizations",
        "informationWithheld",
        "license",
    ):
        assert term in terms
    by_id = {r.data["http://rs.tdwg.org/dwc/terms/occurrenceID"]: r.data for r in rows}
    lats = {float(d["http://rs.tdwg.org/dwc/terms/decimalLatitude"]) for d in by_id.values()}
    assert lats == {43.15, 43.25, 48.55}
    assert all(
        "grid cell" in d["http://rs.tdwg.org/dwc/terms/dataGeneralizations"] for d in by_id.values()
    )
    text = (eml.find(".//title").text, eml.find(".//abstract/para").text)
    assert "Barys" in text[0] and "generalised" in text[1]
    assert eml.find(".//geographicCoverage/boundingCoordinates/westBoundingCoordinate") is not None
    assert eml.find(".//temporalCoverage//calendarDate").text == "2019-01-01"
    assert eml.find(".//taxonomicClassification/taxonRankValue").text == "Mammalia"
    assert eml.find(".//intellectualRights//ulink").get("url").startswith("https://creative")


def test_full_export_needs_a_curator(records, make_user, tmp_path: Path) -> None:
    researcher = make_user("r", "researcher", ["ile-alatau"])
    with pytest.raises(export.ExportRefused):
        export.export_dwca(tmp_path / "x.zip", full=True, user=researcher)
    curator = make_user("c", "curator")
    export.export_dwca(tmp_path / "full.zip", full=True, user=curator)
    with DwCAReader(str(tmp_path / "full.zip")) as archive:
        lats = {float(r.data["http://rs.tdwg.org/dwc/terms/decimalLatitude"]) for r in archive}
    assert 43.2222 in lats
    assert AccessLogEntry.objects.filter(surface="dwca export", actor=curator).exists()
