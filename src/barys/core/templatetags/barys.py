"""Template helpers: language switch links and localized names."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import translate_url
from django.utils.translation import get_language

from barys.core import localize

register = template.Library()


@register.simple_tag(takes_context=True)
def language_url(context: dict[str, Any], language: str) -> str:
    """The current page in another language (the prefix swapped)."""
    request = context.get("request")
    if request is None:
        return f"/{language}/"
    url = translate_url(request.get_full_path(), language)
    current = get_language() or ""
    if url == request.get_full_path() and url.startswith(f"/{current}/"):
        url = f"/{language}/" + url[len(current) + 2 :]
    return url


@register.filter
def localized(obj: Any, field: str) -> str:
    """``obj.<field>_<language>`` with English, then Russian, then Kazakh as fallbacks."""
    return localize.localized(obj, field)
