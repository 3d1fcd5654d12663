"""The one policy for sensitive locations.

Every surface that shows a location to a person or writes it to a file — page, API, map layer,
export, image EXIF, error message — takes it from here.

Categories follow GBIF's "Current best practices for generalizing sensitive species occurrence
data" (Chapman 2020): 1 withheld (or a 1° grid when configured), 2 a 0.1° grid, 3 a 0.01° grid,
4 a 0.001° grid; ``None`` is not sensitive. Coordinates are snapped to the centre of their grid
cell (never jittered); ``coordinateUncertaintyInMeters`` grows by the cell's worst-case error;
for categories 1–2 the locality is withheld and the date reduced to the year (configurable).
What was done is written into ``dataGeneralizations`` and ``informationWithheld``.

Every Red Book taxon is category 2 unless a curator says otherwise; regional rules and
per-record overrides can only be applied as given (a record override may also lift the
sensitivity, with ``0`` meaning "not sensitive").
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from barys.core import roles
from barys.core.access_log import log_access
from barys.core.geo import METRES_PER_DEGREE

#: Grid cell size in degrees per category.
GRID_DEG: dict[int, float] = {1: 1.0, 2: 0.1, 3: 0.01, 4: 0.001}
#: The finest H3 resolution the public may see per category (None: not sensitive).
PUBLIC_H3_RES: dict[int | None, int] = {None: 9, 4: 9, 3: 7, 2: 5, 1: 3}
#: Decimal places that would reveal the exact position for each category (for leak tests).
REVEALING_DECIMALS: dict[int, int] = {1: 1, 2: 3, 3: 3, 4: 4}
#: Categories whose locality is withheld and date reduced.
REDUCED_CATEGORIES = frozenset({1, 2})


@dataclass(frozen=True)
class PolicyConfig:
    """Installation-wide choices (from settings)."""

    category1_grid: bool = False  # False: category 1 withheld; True: shown on a 1° grid
    reduced_date_precision: str = "year"  # "year" or "month" for categories 1–2


@dataclass(frozen=True)
class LocationView:
    """A location as one viewer may see it."""

    latitude: float | None
    longitude: float | None
    uncertainty_m: float | None
    locality: str
    event_date: str
    category: int | None
    exact: bool
    withheld: bool
    cell_deg: float | None
    data_generalizations: str
    information_withheld: str

    @property
    def generalised(self) -> bool:
        return not self.exact


def effective_category(
    taxon_category: int | None, *, regional: Iterable[int | None] = (), override: int | None = None
) -> int | None:
    """The category that applies to one record.

    ``override`` (0–4) set on the record wins; otherwise the most restrictive (lowest number)
    of the taxon's category and any regional rule's category.
    """
    if override is not None:
        return None if override == 0 else int(override)
    found = [c for c in (taxon_category, *regional) if c]
    return min(found) if found else None


def public_h3_resolution(category: int | None, config: PolicyConfig | None = None) -> int:
    """Finest H3 resolution for public maps; 0 when the location is withheld entirely."""
    config = config or current_config()
    if category == 1 and not config.category1_grid:
        return 0
    return PUBLIC_H3_RES[category]


def snap(value: float, cell_deg: float) -> float:
    """Centre of the grid cell (``cell_deg`` wide, anchored at 0°) containing ``value``."""
    index = math.floor(value / cell_deg + 1e-12)
    centre = (index + 0.5) * cell_deg
    decimals = max(0, -int(math.floor(math.log10(cell_deg)))) + 1
    return round(centre, decimals)


def cell_error_m(lat_centre: float, cell_deg: float) -> float:
    """Worst-case distance in metres from the cell centre to a corner of the cell."""
    half = cell_deg / 2
    lat_edge = min(abs(lat_centre) - half, 90.0) if abs(lat_centre) > half else 0.0
    dy = half * METRES_PER_DEGREE
    dx = half * METRES_PER_DEGREE * math.cos(math.radians(lat_edge))
    return math.hypot(dx, dy)


def reduce_date(value: dt.date | dt.datetime | str | None, precision: str) -> str:
    """The date as ``YYYY`` or ``YYYY-MM``."""
    if value is None or value == "":
        return ""
    text = value.isoformat() if isinstance(value, dt.date | dt.datetime) else str(value)
    return text[:4] if precision == "year" else text[:7]


def current_config() -> PolicyConfig:
    from django.conf import settings

    return PolicyConfig(
        category1_grid=getattr(settings, "BARYS_CATEGORY1_PUBLIC", "withhold") == "grid",
        reduced_date_precision=getattr(settings, "BARYS_SENSITIVE_DATE_PRECISION", "year"),
    )


def generalise(
    *,
    latitude: float | None,
    longitude: float | None,
    uncertainty_m: float | None,
    locality: str,
    event_date: Any,
    category: int | None,
    withhold_entirely: bool = False,
    config: PolicyConfig | None = None,
) -> LocationView:
    """The public view of a location of ``category``.

    ``withhold_entirely`` is for dens, live collar positions and cameras of category-1 taxa:
    no coordinates at all whatever the category.
    """
    config = config or current_config()
    date_text = (
        event_date.isoformat()
        if isinstance(event_date, dt.date | dt.datetime)
        else str(event_date or "")
    )
    if category is None and not withhold_entirely:
        return LocationView(
            latitude,
            longitude,
            uncertainty_m,
            locality,
            date_text,
            None,
            exact=True,
            withheld=False,
            cell_deg=None,
            data_generalizations="",
            information_withheld="",
        )
    withheld_parts: list[str] = []
    reduce = category in REDUCED_CATEGORIES or withhold_entirely
    public_locality = "" if reduce and locality else locality
    if reduce and locality:
        withheld_parts.append("locality")
    public_date = reduce_date(event_date, config.reduced_date_precision) if reduce else date_text
    if reduce and date_text and public_date != date_text:
        withheld_parts.append(f"exact date (given to the {config.reduced_date_precision})")
    no_coordinates = withhold_entirely or (category == 1 and not config.category1_grid)
    if no_coordinates or latitude is None or longitude is None:
        if latitude is not None:
            withheld_parts.insert(0, "coordinates")
        reason = (
            "sensitive location" if withhold_entirely else f"sensitive species, category {category}"
        )
        return LocationView(
            None,
            None,
            None,
            public_locality,
            public_date,
            category,
            exact=False,
            withheld=True,
            cell_deg=None,
            data_generalizations="",
            information_withheld=f"{', '.join(withheld_parts)} withheld ({reason})"
            if withheld_parts
            else "",
        )
    assert category is not None
    cell = GRID_DEG[category]
    lat_c, lon_c = snap(latitude, cell), snap(longitude, cell)
    error = cell_error_m(lat_c, cell)
    uncertainty = round((uncertainty_m or 0.0) + error)
    generalizations = (
        f"Coordinates generalised to the centre of a {cell:g}° grid cell "
        f"(sensitive species, category {category}); "
        f"coordinateUncertaintyInMeters increased by {round(error)} m."
    )
    return LocationView(
        lat_c,
        lon_c,
        uncertainty,
        public_locality,
        public_date,
        category,
        exact=False,
        withheld=False,
        cell_deg=cell,
        data_generalizations=generalizations,
        information_withheld=f"{', '.join(withheld_parts)} withheld "
        f"(sensitive species, category {category})"
        if withheld_parts
        else "",
    )


def exact_view(
    *,
    latitude: float | None,
    longitude: float | None,
    uncertainty_m: float | None,
    locality: str,
    event_date: Any,
    category: int | None,
) -> LocationView:
    date_text = (
        event_date.isoformat()
        if isinstance(event_date, dt.date | dt.datetime)
        else str(event_date or "")
    )
    return LocationView(
        latitude,
        longitude,
        uncertainty_m,
        locality,
        date_text,
        category,
        exact=True,
        withheld=False,
        cell_deg=None,
        data_generalizations="",
        information_withheld="",
    )


def may_see_exact(user: Any, scope_codes: Iterable[str]) -> bool:
    """Curators and admins everywhere; observers and researchers inside their own scopes."""
    if roles.has_role(user, "curator"):
        return True
    if roles.has_role(user, "observer"):  # a national observer role
        return True
    return any(roles.has_role(user, "observer", code) for code in scope_codes if code)


def location_for_viewer(
    *,
    user: Any,
    scope_codes: Iterable[str],
    latitude: float | None,
    longitude: float | None,
    uncertainty_m: float | None,
    locality: str,
    event_date: Any,
    category: int | None,
    withhold_entirely: bool = False,
) -> LocationView:
    """The location as ``user`` may see it, without writing the access log (callers that show
    many records log once for all of them; see :func:`view_location`)."""
    sensitive = category is not None or withhold_entirely
    if sensitive and may_see_exact(user, scope_codes):
        return exact_view(
            latitude=latitude,
            longitude=longitude,
            uncertainty_m=uncertainty_m,
            locality=locality,
            event_date=event_date,
            category=category,
        )
    return generalise(
        latitude=latitude,
        longitude=longitude,
        uncertainty_m=uncertainty_m,
        locality=locality,
        event_date=event_date,
        category=category,
        withhold_entirely=withhold_entirely,
    )


def is_exact_sensitive(view: LocationView, *, withhold_entirely: bool = False) -> bool:
    """Whether ``view`` shows a sensitive location exactly (a read for the access log)."""
    return view.exact and (view.category is not None or withhold_entirely)


def view_location(
    *,
    user: Any,
    scope_codes: Iterable[str],
    surface: str,
    object_type: str,
    object_id: str,
    latitude: float | None,
    longitude: float | None,
    uncertainty_m: float | None,
    locality: str,
    event_date: Any,
    category: int | None,
    withhold_entirely: bool = False,
) -> LocationView:
    """The location as ``user`` may see it; an exact view of sensitive data is logged."""
    view = location_for_viewer(
        user=user,
        scope_codes=scope_codes,
        latitude=latitude,
        longitude=longitude,
        uncertainty_m=uncertainty_m,
        locality=locality,
        event_date=event_date,
        category=category,
        withhold_entirely=withhold_entirely,
    )
    if is_exact_sensitive(view, withhold_entirely=withhold_entirely):
        log_access(actor=user, surface=surface, object_type=object_type, object_id=object_id)
    return view
