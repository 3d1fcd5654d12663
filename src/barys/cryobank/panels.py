"""Cryobank panels on other apps' pages: the individual's passport and the incident page."""

from __future__ import annotations

from typing import Any

from barys.core.navigation import Panel
from barys.cryobank import access
from barys.cryobank.models import Sample

PANEL_LIMIT = 25


def individual_samples_panel(*, individual: Any, request: Any = None, **_: Any) -> Panel | None:
    """The individual's samples, for people who may see the cryobank (nothing otherwise)."""
    user = getattr(request, "user", None)
    if not access.may_view(user):
        return None
    rows = list(Sample.objects.filter(individual=individual).order_by("code")[: PANEL_LIMIT + 1])
    if not rows:
        return None
    return Panel(
        template="cryobank/individual_panel.html",
        order=70,
        context={
            "samples": rows[:PANEL_LIMIT],
            "more": len(rows) > PANEL_LIMIT,
            "individual": individual,
        },
    )


def incident_samples_panel(*, incident: Any, request: Any = None, **_: Any) -> Panel | None:
    """Samples taken at an incident (links from the incident to the cryobank)."""
    user = getattr(request, "user", None)
    if not access.may_view(user):
        return None
    rows = list(
        Sample.objects.filter(source_incident=incident)
        .select_related("taxon")
        .order_by("code")[:100]
    )
    return Panel(
        template="cryobank/incident_panel.html",
        order=40,
        context={
            "samples": rows,
            "incident": incident,
            "can_register": access.may_register(
                user, incident.scope.code if incident.scope_id else None
            ),
        },
    )
