"""The site navigation and page panels, contributed by the domain apps.

``register_nav`` adds a main-menu entry; ``register_panel`` adds a section to a page (e.g. the
species page gains a map panel when the places app is installed).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.urls import NoReverseMatch, reverse
from django.utils.functional import Promise

from barys.core import roles


@dataclass(frozen=True)
class NavEntry:
    label: str | Promise
    url_name: str
    order: int
    role: str | None = None  # minimum role anywhere; None: everyone


@dataclass(frozen=True)
class Panel:
    template: str
    context: dict[str, Any]
    order: int = 50


_NAV: list[NavEntry] = []
_PANELS: dict[str, list[Callable[..., Panel | None]]] = {}


def register_nav(
    label: str | Promise, url_name: str, order: int = 50, role: str | None = None
) -> None:
    if all(entry.url_name != url_name for entry in _NAV):
        _NAV.append(NavEntry(label, url_name, order, role))


def nav_items(user: Any) -> list[dict[str, str]]:
    items = []
    for entry in sorted(_NAV, key=lambda e: e.order):
        if entry.role and not roles.has_role_anywhere(user, entry.role):
            continue
        try:
            items.append({"label": str(entry.label), "url": reverse(entry.url_name)})
        except NoReverseMatch:
            continue
    return items


def register_panel(page: str, provider: Callable[..., Panel | None]) -> None:
    """``provider(**page_context)`` returns a :class:`Panel` or None for ``page``."""
    providers = _PANELS.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def panels(page: str, **page_context: Any) -> list[Panel]:
    found = [p for provider in _PANELS.get(page, []) if (p := provider(**page_context))]
    return sorted(found, key=lambda p: p.order)
