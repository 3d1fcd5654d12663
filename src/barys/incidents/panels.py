"""The incidents panel of an individual's passport page."""

from __future__ import annotations

from typing import Any

from barys.core.navigation import Panel
from barys.incidents import access
from barys.individuals.models import Individual


def individual_incidents_panel(
    *, individual: Individual, request: Any = None, **_: Any
) -> Panel | None:
    """Incidents of this individual that the visitor may open (dates as they may see them)."""
    user = getattr(request, "user", None)
    rows = list(
        access.visible(user)
        .filter(individual=individual)
        .select_related("type", "scope", "taxon")
        .order_by("-occurred_at")[:20]
    )
    if not rows:
        return None
    items = access.present(rows, user=user, surface="passport incidents panel")
    return Panel(
        template="incidents/individual_panel.html",
        order=60,
        context={"items": items, "individual": individual},
    )
