"""Template context shared by every page."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest

from barys import __version__
from barys.core import navigation, roles


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "barys_version": __version__,
        "tile_url": getattr(settings, "BARYS_TILE_URL", ""),
        "is_curator": roles.has_role_anywhere(user, "curator"),
        "is_researcher": roles.has_role_anywhere(user, "researcher"),
        "is_observer": roles.has_role_anywhere(user, "observer"),
        "is_admin": roles.has_role(user, "admin"),
        "nav_items": navigation.nav_items(user),
    }
