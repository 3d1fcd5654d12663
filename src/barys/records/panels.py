"""The records panel of the species page: counts, years, last confirmed record."""

from __future__ import annotations

from typing import Any

from barys.core.navigation import Panel
from barys.records import services
from barys.taxa.models import Taxon


def species_records_panel(*, taxon: Taxon, **_: Any) -> Panel | None:
    summary = services.taxon_summary(taxon)
    return Panel(
        template="records/species_panel.html",
        order=20,
        context={"summary": summary, "taxon": taxon},
    )
