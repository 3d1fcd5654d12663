"""Demo step: the real Red Book registry seed."""

from __future__ import annotations

from barys.demo.scenario import DemoContext, step
from barys.taxa import registry_io, seed_format
from barys.taxa.models import Taxon


@step("Red Book registry (real facts)")
def load_registry(context: DemoContext) -> None:
    registry_io.import_registry(seed_format.SEED_DIR)
    context.summary["taxa"] = Taxon.objects.filter(rank__in=("species", "subspecies")).count()
