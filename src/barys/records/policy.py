"""How the sensitivity policy applies to occurrence records."""

from __future__ import annotations

from typing import Any

from barys.core import sensitivity
from barys.records.models import Occurrence

#: Records whose name matched no taxon are generalised as category 2 until they are matched.
UNMATCHED_CATEGORY = 2


def record_category(
    *,
    taxon_category: int | None,
    taxon_known: bool,
    override: int | None,
    regional: int | None = None,
) -> int | None:
    base = taxon_category if taxon_known else UNMATCHED_CATEGORY
    return sensitivity.effective_category(
        base, regional=[regional] if regional else [], override=override
    )


def record_public_res(
    *,
    taxon_category: int | None,
    taxon_known: bool,
    override: int | None,
    withhold: bool,
    regional: Any = None,
) -> int:
    if withhold:
        return 0
    category = record_category(
        taxon_category=taxon_category,
        taxon_known=taxon_known,
        override=override,
        regional=regional if isinstance(regional, int) else None,
    )
    return sensitivity.public_h3_resolution(category)


def category_of(occurrence: Occurrence) -> int | None:
    taxon = occurrence.taxon
    return record_category(
        taxon_category=taxon.sensitivity_category if taxon else None,
        taxon_known=taxon is not None,
        override=occurrence.sensitivity_override,
    )


def view(occurrence: Occurrence, *, user: Any, surface: str) -> sensitivity.LocationView:
    """The record's location, date and locality as ``user`` may see them (logged if exact)."""
    return sensitivity.view_location(
        user=user,
        scope_codes=occurrence.scope_codes,
        surface=surface,
        object_type="records.occurrence",
        object_id=str(occurrence.occurrence_id),
        latitude=occurrence.latitude,
        longitude=occurrence.longitude,
        uncertainty_m=occurrence.coordinate_uncertainty_m,
        locality=occurrence.locality,
        event_date=_event_date(occurrence),
        category=category_of(occurrence),
        withhold_entirely=occurrence.withhold_location,
    )


def _event_date(occurrence: Occurrence) -> str:
    start = occurrence.event_date_start
    if start is None:
        return ""
    precision = occurrence.event_date_precision
    if precision == "year":
        return f"{start.year:04d}"
    if precision == "month":
        return f"{start:%Y-%m}"
    if precision == "day":
        return f"{start:%Y-%m-%d}"
    if precision == "interval" and occurrence.event_date_end:
        return f"{start:%Y-%m-%d}/{occurrence.event_date_end:%Y-%m-%d}"
    return start.isoformat().replace("+00:00", "Z")
