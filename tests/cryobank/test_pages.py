"""Cryobank pages: search, sample page, registering samples, box grid, labels, panels."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory

from barys.core import navigation
from barys.cryobank import labels
from barys.cryobank.models import CustodyEvent, Sample
from tests.cryobank import factories
from tests.incidents import factories as incident_factories

pytestmark = pytest.mark.django_db


def test_the_public_sees_nothing(keeper, store) -> None:
    sample = factories.sample(keeper, container=store["box"], position="A1")
    for url in (
        "/en/cryobank/",
        "/en/cryobank/samples/",
        f"/en/cryobank/samples/{sample.code}/",
        "/en/cryobank/storage/T-B1/",
        "/en/cryobank/labels/?samples=" + sample.code,
    ):
        assert Client().get(url).status_code == 302


def test_search_by_taxon_individual_material_and_place(keeper, store, login) -> None:
    from barys.individuals.models import Individual

    uncia = incident_factories.snow_leopard()
    cat = Individual.objects.create(code="SL-IA-017", taxon=uncia)
    blood = factories.sample(
        keeper,
        container=store["box"],
        position="A1",
        individual=cat,
        scope=incident_factories.scope(),
    )
    hair = factories.sample(
        keeper, material="hair", quantity="10", unit="pieces", taxon=incident_factories.argali()
    )
    client = login("res", "researcher", ["ile-alatau"])

    def codes(query: str) -> set[str]:
        page = client.get("/en/cryobank/samples/?" + query)
        assert page.status_code == 200
        return {item.sample.code for item in page.context["items"]}

    assert codes("taxon=panthera-uncia") == {blood.code}
    assert codes("individual=sl-ia-017") == {blood.code}
    assert codes("material=hair") == {hair.code}
    assert codes("place=ile-alatau") == {blood.code}
    assert codes("") == {blood.code, hair.code}
    assert client.get("/en/cryobank/samples/?material=plutonium").context["filters"].errors


def test_sample_page_shows_the_custody_log_and_label(keeper, store, login) -> None:
    sample = factories.sample(keeper, container=store["box"], position="B2")
    client = login("res", "researcher", ["ile-alatau"])
    html = client.get(f"/ru/cryobank/samples/{sample.code}/").content.decode()
    assert "Box 1 › B2" in html and "<svg" in html and "custody" in html


def test_operations_from_the_sample_page(keeper, store) -> None:
    client = Client()
    client.force_login(keeper)
    sample = factories.sample(keeper, container=store["box"], position="A1", quantity="4")
    base = f"/en/cryobank/samples/{sample.code}/"
    assert (
        client.post(
            base + "move/", {"container": "t-b2", "position": "c3", "reason": "reorganised"}
        ).status_code
        == 302
    )
    assert client.post(base + "thaw/", {"reason": "check"}).status_code == 302
    assert client.post(base + "withdraw/", {"quantity": "1", "reason": "PCR"}).status_code == 302
    assert (
        client.post(
            base + "aliquots/", {"count": "2", "quantity_each": "1", "box": "T-B1"}
        ).status_code
        == 302
    )
    sample.refresh_from_db()
    assert (sample.container.code, sample.position, sample.quantity) == ("T-B2", "C3", 1)
    assert sorted(Sample.objects.filter(parent=sample).values_list("position", flat=True)) == [
        "A1",
        "A2",
    ]
    kinds = list(sample.custody.order_by("id").values_list("kind", flat=True))
    assert kinds == ["registered", "moved", "thawed", "withdrawn", "aliquoted"]
    # a refused operation shows a message and logs nothing
    before = CustodyEvent.objects.count()
    response = client.post(base + "move/", {"container": "T-B1", "position": "A1"}, follow=True)
    assert "holds sample" in response.content.decode()
    assert CustodyEvent.objects.count() == before
    observer = Client()
    from barys.core.people import add_user

    observer.force_login(add_user(username="obs", role="observer", scopes=["x"]).user)
    assert observer.post(base + "thaw/", {"reason": "x"}).status_code == 403


def test_register_one_and_several_samples(keeper, store) -> None:
    client = Client()
    client.force_login(keeper)
    uncia = incident_factories.snow_leopard()
    response = client.post(
        "/en/cryobank/samples/new/",
        {
            "taxon": uncia.pk,
            "source_kind": "zoo",
            "source_detail": "Almaty Zoo",
            "material": "semen",
            "quantity": "6",
            "unit": "straws",
            "preservation": "ln2_liquid",
            "container": "T-B1",
            "position": "A1",
        },
    )
    assert response.status_code == 302
    incident = incident_factories.incident(taxon_obj=uncia)
    data = {
        "event-source_kind": "necropsy",
        "event-source_incident": incident.code,
        "item-TOTAL_FORMS": "3",
        "item-INITIAL_FORMS": "0",
        "item-0-material": "blood",
        "item-0-quantity": "2",
        "item-0-unit": "ml",
        "item-0-preservation": "minus80",
        "item-0-container": "T-B2",
        "item-0-position": "A1",
        "item-1-material": "muscle",
        "item-1-quantity": "1",
        "item-1-unit": "g",
        "item-1-preservation": "ln2_vapour",
        "item-1-container": "T-B2",
        "item-1-position": "A2",
    }
    response = client.post("/en/cryobank/samples/batch/", data)
    assert response.status_code == 302, response.content.decode()[:2000]
    assert response["Location"].endswith(f"?incident={incident.code}")
    made = Sample.objects.filter(source_incident=incident)
    assert made.count() == 2 and {s.taxon_id for s in made} == {uncia.pk}
    listing = client.get(response["Location"])
    assert {i.sample.code for i in listing.context["items"]} == set(
        made.values_list("code", flat=True)
    )
    page = client.get(f"/en/incidents/{incident.code}/").content.decode()
    assert all(code in page for code in made.values_list("code", flat=True))


def test_box_grid_and_storage_tree(keeper, store, login) -> None:
    sample = factories.sample(keeper, container=store["box"], position="B2")
    client = login("res", "researcher", ["ile-alatau"])
    page = client.get("/en/cryobank/storage/T-B1/")
    grid = page.context["grid"]
    assert (grid.occupied, grid.capacity) == (1, 9)
    assert [c.position for c in grid.rows[1][1]] == ["B1", "B2", "B3"]
    assert grid.rows[1][1][1].sample == sample
    assert f"/en/cryobank/samples/{sample.code}/" in page.content.decode()
    tree = client.get("/en/cryobank/storage/").context["tree"]
    assert tree[0].container.code == "T" and tree[0].total == 1
    moved = client.post("/en/cryobank/storage/T-B1/", {"parent": "T-D1-R2", "reason": "x"})
    assert moved.status_code == 302
    assert sample.custody.latest("id").kind == "container_moved"
    observer = login("obs", "observer", ["ile-alatau"])
    refused = observer.post("/en/cryobank/storage/T-B1/", {"parent": "T-D1-R1"})
    assert refused.status_code == 403


def test_labels_have_qr_codes(keeper, store, login) -> None:
    sample = factories.sample(keeper, container=store["box"], position="A1")
    matrix = labels.qr_matrix("barys:sample:" + sample.code)
    assert len(matrix) >= 21 and all(len(row) == len(matrix) for row in matrix)
    svg = labels.sample_label(sample, url="https://example.org/x")
    assert svg.startswith("<svg") and sample.code in svg and "Panthera uncia" in svg
    client = login("res", "researcher", ["ile-alatau"])
    sheet = client.get("/en/cryobank/labels/?container=T-B1").content.decode()
    assert sheet.count("<svg") == 1 and "<path d=" in sheet
    single = client.get(f"/en/cryobank/samples/{sample.code}/label.svg")
    assert single["Content-Type"] == "image/svg+xml"
    odd = labels.label_svg(labels.LabelText('B"1<x>', ("a & b",), "q"))
    assert 'aria-label="B&quot;1&lt;x&gt;"' in odd and "a &amp; b" in odd


def test_passport_panel_lists_the_individuals_samples(keeper, store) -> None:
    from barys.individuals.models import Individual

    cat = Individual.objects.create(code="SL-IA-017", taxon=incident_factories.snow_leopard())
    sample = factories.sample(keeper, container=store["box"], position="A1", individual=cat)
    request = RequestFactory().get("/")
    request.user = keeper
    found = navigation.panels("individual", individual=cat, request=request)
    cryobank = [p for p in found if p.template == "cryobank/individual_panel.html"]
    assert cryobank and cryobank[0].context["samples"] == [sample]
    from django.contrib.auth.models import AnonymousUser

    request.user = AnonymousUser()
    assert not [
        p
        for p in navigation.panels("individual", individual=cat, request=request)
        if p.template.startswith("cryobank/")
    ]
