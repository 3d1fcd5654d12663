"""Values kept in three languages as ``<field>_kk``, ``<field>_ru`` and ``<field>_en``."""

from __future__ import annotations

from django.utils.translation import get_language

FALLBACK_ORDER = ("en", "ru", "kk")


def localized(obj: object, field: str, language: str | None = None) -> str:
    """``obj.<field>_<language>`` (the active language by default), falling back to English,
    then Russian, then Kazakh; "" when none is filled."""
    language = (language or get_language() or "en")[:2]
    for lang in (language, *FALLBACK_ORDER):
        value = getattr(obj, f"{field}_{lang}", "")
        if value:
            return str(value)
    return ""
