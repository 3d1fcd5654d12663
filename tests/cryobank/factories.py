"""Small cryobank fixtures: a storage tree and samples of real taxa."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from barys.cryobank import services
from barys.cryobank.models import Container, Sample
from tests.incidents import factories as incident_factories


def storage(actor: Any) -> dict[str, Container]:
    """facility › dewar › rack › two 3×3 boxes, and a second rack."""
    make = services.create_container
    facility = make(actor=actor, code="T", kind="facility", name="Test cryobank")
    dewar = make(
        actor=actor,
        code="T-D1",
        kind="dewar",
        name="Dewar 1",
        parent=facility,
        preservation="ln2_vapour",
    )
    rack = make(actor=actor, code="T-D1-R1", kind="rack", name="Rack 1", parent=dewar)
    rack2 = make(actor=actor, code="T-D1-R2", kind="rack", name="Rack 2", parent=dewar)
    box = make(actor=actor, code="T-B1", kind="box", name="Box 1", parent=rack, rows=3, columns=3)
    box2 = make(actor=actor, code="T-B2", kind="box", name="Box 2", parent=rack, rows=3, columns=3)
    return {
        "facility": facility,
        "dewar": dewar,
        "rack": rack,
        "rack2": rack2,
        "box": box,
        "box2": box2,
    }


def sample(
    actor: Any,
    *,
    container: Container | None = None,
    position: str = "",
    material: str = "blood",
    quantity: str = "2",
    unit: str = "ml",
    **extra: Any,
) -> Sample:
    extra.setdefault("taxon", incident_factories.snow_leopard())
    return services.register_sample(
        actor=actor,
        material=material,
        preservation="minus80",
        quantity=Decimal(quantity),
        unit=unit,
        container=container,
        position=position,
        **extra,
    )
