"""Assigning records to places (oblast, protected area) when they are written.

The places app registers a locator; without one records get no place. A locator takes a list
of (latitude, longitude) pairs (None for records without coordinates) and returns, per point,
a dict with ``oblast`` and ``protected_area`` codes (and optionally a regional sensitivity
``category``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from barys.taxa.models import Taxon

Point = tuple[float | None, float | None]
Locator = Callable[[list[Point]], list[dict]]
_LOCATORS: list[Locator] = []


def register_locator(locator: Locator) -> None:
    if locator not in _LOCATORS:
        _LOCATORS.append(locator)


def locate(points: list[Point]) -> list[dict]:
    result: list[dict] = [{} for _ in points]
    for locator in _LOCATORS:
        for place, found in zip(result, locator(points), strict=True):
            place.update({k: v for k, v in found.items() if v})
    return result


def taxon_categories(taxon_ids: Iterable[int | None]) -> dict[int | None, int | None]:
    ids = [t for t in taxon_ids if t is not None]
    return dict(Taxon.objects.filter(pk__in=ids).values_list("pk", "sensitivity_category"))


AfterImport = Callable[[list[int]], object]
_AFTER_IMPORT: list[AfterImport] = []


def register_after_import(callback: AfterImport) -> None:
    """``callback(taxon_ids)`` runs after an import wrote records of those taxa (e.g. the
    places module schedules the recompute of EOO and AOO)."""
    if callback not in _AFTER_IMPORT:
        _AFTER_IMPORT.append(callback)


def after_import(taxon_ids: list[int]) -> None:
    for callback in _AFTER_IMPORT:
        callback(taxon_ids)
