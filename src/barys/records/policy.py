"""How the sensitivity policy applies to occurrence records."""

from __future__ import annotations

from typing import Any

from barys.core import sensitivity
from barys.core.access_log import log_access
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


def unlogged_view(occurrence: Occurrence, *, user: Any) -> sensitivity.LocationView:
    """The record's location, date and locality as ``user`` may see them; the caller writes
    the access log (see :func:`view` for one record)."""
    return sensitivity.location_for_viewer(
        user=user,
        scope_codes=occurrence.scope_codes,
        latitude=occurrence.latitude,
        longitude=occurrence.longitude,
        uncertainty_m=occurrence.coordinate_uncertainty_m,
        locality=occurrence.locality,
        event_date=event_date_text(occurrence),
        category=category_of(occurrence),
        withhold_entirely=occurrence.withhold_location,
    )


def view(occurrence: Occurrence, *, user: Any, surface: str) -> sensitivity.LocationView:
    """The record's location, date and locality as ``user`` may see them (logged if exact)."""
    shown = unlogged_view(occurrence, user=user)
    if sensitivity.is_exact_sensitive(shown, withhold_entirely=occurrence.withhold_location):
        log_access(
            actor=user,
            surface=surface,
            object_type="records.occurrence",
            object_id=str(occurrence.occurrence_id),
        )
    return shown


def event_date_text(occurrence: Occurrence) -> str:
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
