"""Template context shared by every page."""

from __future__ import annotations

from functools import cache
from importlib.util import find_spec
from pathlib import Path
from typing import Any

from django.conf import settings
from django.http import HttpRequest

from barys import __version__
from barys.core import navigation, roles


def demo_installed() -> bool:
    """True once ``barys demo`` ran here (it keeps the demo accounts in the data directory)."""
    return (Path(settings.DATA_DIR) / "demo-accounts.json").exists()


@cache
def basemap_url() -> str:
    """The offline basemap (Kazakhstan and its oblasts) when the places module serves it."""
    return "/api/v1/places/basemap" if find_spec("barys.places.api") else ""


def site(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {
        "demo_installed": demo_installed(),
        "basemap_url": basemap_url(),
        "barys_version": __version__,
        "tile_url": getattr(settings, "BARYS_TILE_URL", ""),
        "is_curator": roles.has_role_anywhere(user, "curator"),
        "is_researcher": roles.has_role_anywhere(user, "researcher"),
        "is_observer": roles.has_role_anywhere(user, "observer"),
        "is_admin": roles.has_role(user, "admin"),
        "nav_items": navigation.nav_items(user),
    }
