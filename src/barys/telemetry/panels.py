"""The collar panel on an individual's passport page (``register_panel("individual", …)``)."""

from __future__ import annotations

from typing import Any

from barys.core.navigation import Panel
from barys.individuals.models import Individual
from barys.telemetry import presentation


def individual_collar_panel(
    *, individual: Individual, request: Any = None, **_: Any
) -> Panel | None:
    """The collar, a map of its track (through the policy) and the home-range areas."""
    context = presentation.individual_panel(individual=individual, request=request)
    if context is None:
        return None
    return Panel(template="telemetry/individual_panel.html", context=context, order=40)
