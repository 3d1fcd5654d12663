"""Darwin Core MaterialSample and GGBN-style exports."""

from __future__ import annotations

import csv
import io

import pytest

from barys.cryobank import exports, services
from barys.cryobank.models import Sample
from tests.cryobank import factories
from tests.incidents import factories as incident_factories

pytestmark = pytest.mark.django_db

DWC_REQUIRED = {
    "materialSampleID",
    "catalogNumber",
    "basisOfRecord",
    "scientificName",
    "eventDate",
    "decimalLatitude",
    "decimalLongitude",
    "coordinateUncertaintyInMeters",
    "preparations",
    "disposition",
    "dataGeneralizations",
    "informationWithheld",
    "organismID",
    "country",
}
GGBN_REQUIRED = {
    "materialSampleType",
    "preparationType",
    "preservationType",
    "preservationTemperature",
    "concentration",
    "concentrationUnit",
    "ratioOfAbsorbance260_280",
    "permitType",
    "loanIdentifier",
}


@pytest.fixture
def collection(keeper, store):
    argali = incident_factories.argali()
    blood = factories.sample(
        keeper,
        container=store["box"],
        position="A1",
        taxon=argali,
        scope=incident_factories.scope(),
        latitude=43.079137,
        longitude=76.758244,
        locality="Aksai gorge",
    )
    dna = services.register_sample(
        actor=keeper,
        taxon=argali,
        parent=blood,
        material="dna",
        preservation="minus80",
        quantity="50",
        unit="ul",
        concentration_ng_ul="42.5",
        ratio_260_280="1.85",
        container=store["box"],
        position="A2",
    )
    services.add_permit(actor=keeper, number="KZ-7", kind="cites_export", samples=[dna])
    return {"blood": blood, "dna": dna}


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_dwc_material_sample_terms(collection, keeper) -> None:
    text = exports.export_text(Sample.objects.all(), user=keeper, flavour="dwc")
    header = text.splitlines()[0].split(",")
    assert set(header) >= DWC_REQUIRED
    assert tuple(header) == exports.DWC_MATERIAL_SAMPLE_TERMS
    rows = {r["catalogNumber"]: r for r in _rows(text)}
    blood = rows[collection["blood"].code]
    assert blood["basisOfRecord"] == "MaterialSample"
    assert blood["materialSampleID"] == f"urn:uuid:{collection['blood'].uuid}"
    assert blood["scientificName"] == "Ovis ammon" and blood["countryCode"] == "KZ"
    assert blood["decimalLatitude"] == "43.079137"  # the keeper works in ile-alatau
    assert blood["disposition"] == "in collection"
    assert "derived from" in rows[collection["dna"].code]["materialEntityRemarks"]


def test_dwc_export_generalises_for_people_out_of_scope(collection, make_user) -> None:
    outsider = make_user("outsider", "researcher", ["altyn-emel"])
    text = exports.export_text(Sample.objects.all(), user=outsider, flavour="dwc")
    assert "43.079" not in text and "76.758" not in text and "Aksai" not in text
    row = _rows(text)[0]
    assert row["decimalLatitude"] == "43.05" and "generalised" in row["dataGeneralizations"]


def test_ggbn_columns(collection, keeper) -> None:
    text = exports.export_text(Sample.objects.all(), user=keeper, flavour="ggbn")
    assert set(text.splitlines()[0].split(",")) >= GGBN_REQUIRED
    dna = {r["catalogNumber"]: r for r in _rows(text)}[collection["dna"].code]
    assert dna["materialSampleType"] == "DNA" and dna["concentration"] == "42.5"
    assert dna["concentrationUnit"] == "ng/µl" and dna["ratioOfAbsorbance260_280"] == "1.85"
    assert dna["volume"] == "50" and dna["volumeUnit"] == "µl"
    assert dna["preservationTemperature"] == "-80"
    assert dna["permitType"] == "CITES export permit" and dna["permitText"] == "KZ-7"
    assert dna["relatedResourceID"] == f"urn:uuid:{collection['blood'].uuid}"
    assert "43.07" not in text


def test_download_view_is_for_researchers_and_curators(collection, login) -> None:
    researcher = login("res", "researcher", ["ile-alatau"])
    response = researcher.get("/en/cryobank/export/dwc.csv?material=dna")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = _rows(response.content.decode())
    assert [r["catalogNumber"] for r in rows] == [collection["dna"].code]
    assert researcher.get("/en/cryobank/export/ggbn.csv").status_code == 200
    assert researcher.get("/en/cryobank/export/other.csv").status_code == 404
    ranger = login("ranger", "observer", ["ile-alatau"])
    assert ranger.get("/en/cryobank/export/dwc.csv").status_code == 403
    from django.test import Client

    assert Client().get("/en/cryobank/export/dwc.csv").status_code == 302
