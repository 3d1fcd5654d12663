"""Badges for national and IUCN categories."""

from __future__ import annotations

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

IUCN_COLOURS = {
    "EX": ("#000", "#fff"),
    "EW": ("#3d1944", "#fff"),
    "CR": ("#d81e05", "#fff"),
    "EN": ("#fc7f3f", "#000"),
    "VU": ("#f9e814", "#000"),
    "NT": ("#cce226", "#000"),
    "LC": ("#60c659", "#000"),
    "DD": ("#d1d1c6", "#000"),
    "NE": ("#fff", "#000"),
}
NATIONAL_COLOURS = {
    "0": ("#000", "#fff"),
    "I": ("#a1261d", "#fff"),
    "II": ("#c65f00", "#fff"),
    "III": ("#8a6d00", "#fff"),
    "IV": ("#55615b", "#fff"),
    "V": ("#2d6b2f", "#fff"),
}


@register.simple_tag
def category_badge(scheme: str, code: str, labels: dict | None = None) -> SafeString:
    if not code:
        return mark_safe("")  # noqa: S308 (empty string)
    colours = (IUCN_COLOURS if scheme == "iucn" else NATIONAL_COLOURS).get(code, ("#eee", "#000"))
    label = (labels or {}).get((scheme, code), code)
    prefix = "IUCN " if scheme == "iucn" else ""
    return format_html(
        '<span class="badge" style="background:{};color:{};border-color:{}" title="{}">{}{}</span>',
        colours[0],
        colours[1],
        colours[0],
        label,
        prefix,
        code,
    )
