"""The demonstration steps: the Aksai snow leopard incident and a cryobank of 19 rare
vertebrates in dewars, freezers, racks and boxes; running them again adds nothing."""

from __future__ import annotations

import pytest

from barys.core.models import AuditEntry
from barys.cryobank.models import Container, CustodyEvent, Sample
from barys.demo.scenario import DemoContext, make_accounts
from barys.incidents.models import Incident

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

REQUIRED = {
    "Panthera uncia",
    "Cervus elaphus bactrianus",
    "Hystrix indica",
    "Aquila nipalensis",
    "Haliaeetus albicilla",
}


def _audit_entries() -> int:
    """Audit entries of the incidents and cryobank apps (other steps are tested elsewhere)."""
    return AuditEntry.objects.filter(object_type__regex=r"^(incidents|cryobank)\.").count()


def _run() -> DemoContext:
    from barys.cryobank.demo import make_cryobank
    from barys.incidents.demo import make_incidents
    from barys.taxa.demo import load_registry

    context = DemoContext()
    for step in (make_accounts, load_registry, make_incidents, make_cryobank):
        step(context)
    return context


def test_demo_steps_build_the_story_once() -> None:
    _run()
    counts = (
        Incident.objects.count(),
        Sample.objects.count(),
        CustodyEvent.objects.count(),
        _audit_entries(),
    )
    aksai = Incident.objects.get(code="INC-2023-0001")
    assert aksai.taxon.scientific_name == "Panthera uncia" and aksai.published
    assert aksai.outcome == "necropsy" and aksai.state == "resolved"
    assert "Aksai" in aksai.locality and aksai.scope.code == "ile-alatau"
    assert {a.kind for a in aksai.actions.all()} >= {"transfer", "death", "necropsy", "sampling"}
    assert aksai.samples.count() >= 6 and aksai.related.exists()
    taxa = set(Sample.objects.values_list("taxon__scientific_name", flat=True))
    assert len(taxa) == 19 and taxa >= REQUIRED
    kinds = set(Container.objects.values_list("kind", flat=True))
    assert kinds == {"facility", "dewar", "freezer", "rack", "box"}
    assert CustodyEvent.objects.filter(kind="container_moved").exists()
    assert Sample.objects.filter(status="used_up").exists()  # the loaned aliquot
    _run()
    assert counts == (
        Incident.objects.count(),
        Sample.objects.count(),
        CustodyEvent.objects.count(),
        _audit_entries(),
    )
