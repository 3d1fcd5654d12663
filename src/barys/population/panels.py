"""A home-page panel for researchers: links to the population pages of their surveys."""

from __future__ import annotations

from typing import Any

from barys.camtrap.models import Survey
from barys.core import roles
from barys.core.navigation import Panel


def home_panel(request: Any = None, **_context: Any) -> Panel | None:
    """Surveys whose population page the signed-in researcher may open (at most 20)."""
    user = getattr(request, "user", None)
    if user is None or not roles.has_role_anywhere(user, "researcher"):
        return None
    scopes = roles.scopes_with_role(user, "researcher")
    surveys = Survey.objects.order_by("-start_date", "code")
    if scopes is not None:
        surveys = surveys.filter(scope_code__in=scopes)
    chosen = list(surveys[:20])
    if not chosen:
        return None
    return Panel("population/panel_home.html", {"population_surveys": chosen}, order=60)
