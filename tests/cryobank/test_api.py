"""The cryobank API (staff only), the CLI export and the search parameters."""

from __future__ import annotations

import csv

import pytest
from django.test import Client
from hypothesis import given, settings
from hypothesis import strategies as st

from barys.cryobank import services
from barys.cryobank.cli import export_material_samples
from barys.cryobank.models import Sample
from barys.cryobank.queries import SampleFilters
from tests.cryobank import factories
from tests.incidents import factories as incident_factories
from tests.openapi import assert_matches_openapi

pytestmark = pytest.mark.django_db


@pytest.fixture
def sample(keeper, store):
    made = factories.sample(
        keeper,
        container=store["box"],
        position="A1",
        scope=incident_factories.scope(),
        latitude=43.079137,
        longitude=76.758244,
        taxon=incident_factories.argali(),
    )
    services.record_thaw(sample=made, actor=keeper, reason="check")
    return made


def test_api_lists_samples_for_staff_only(sample, token_client) -> None:
    assert Client().get("/api/v1/cryobank/samples").status_code == 401
    client, _ = token_client("res", "researcher", ["ile-alatau"])
    rows = client.get("/api/v1/cryobank/samples?material=blood").json()
    assert [r["code"] for r in rows] == [sample.code] and rows[0]["exact"] is True
    assert_matches_openapi("/api/v1/cryobank/samples", rows)
    detail = client.get(f"/api/v1/cryobank/samples/{sample.code}").json()
    assert_matches_openapi(f"/api/v1/cryobank/samples/{sample.code}", detail)
    assert [e["kind"] for e in detail["custody"]] == ["registered", "thawed"]
    outsider, _ = token_client("out", "researcher", ["altyn-emel"])
    text = outsider.get("/api/v1/cryobank/samples").content.decode()
    assert "43.079" not in text and "76.758" not in text
    assert client.get("/api/v1/cryobank/samples?material=gold").status_code == 400


def test_cli_export_generalises_without_a_user(sample, keeper, tmp_path, capsys) -> None:
    target = tmp_path / "samples.csv"
    assert export_material_samples([str(target)]) == 0
    rows = list(csv.DictReader(target.open(encoding="utf-8")))
    assert rows[0]["catalogNumber"] == sample.code and rows[0]["decimalLatitude"] == "43.05"
    assert export_material_samples([str(target), "--format", "ggbn", "--user", "keeper"]) == 0
    assert "materialSampleType" in target.read_text(encoding="utf-8").splitlines()[0]
    assert export_material_samples([str(target), "--user", "nobody"]) == 2
    assert "1 samples written" in capsys.readouterr().out


@settings(max_examples=100, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            ["q", "taxon", "individual", "material", "place", "status", "incident", "x"]
        ),
        st.text(max_size=30),
        max_size=6,
    )
)
def test_any_search_parameters_give_results_or_clear_errors(params) -> None:
    filters = SampleFilters.from_params(params)
    assert all(isinstance(e, str) and e for e in filters.errors)
    list(filters.apply(Sample.objects.all())[:1])
