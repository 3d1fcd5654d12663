"""Who may see what: camera-trap media, people in pictures, and station locations.

* Deployment pages, events and media need a role (observer or higher) covering the station's
  protected area; national roles cover every area. Media marked public (``file_public``) can
  be seen by anyone, with EXIF GPS removed from originals of sensitive stations.
* Media with a person are hidden from everyone but administrators and the station's own
  staff (people holding a role *in the station's scope*); their previews are blurred anyway.
* Station coordinates go through :mod:`barys.core.sensitivity`: a station's category is the
  most restrictive sensitivity category of the taxa recorded at it and of the survey's target
  taxa; category 1 stations (cameras of category-1 taxa) are withheld entirely.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Min, Q

from barys.camtrap.models import Deployment, Media, Observation, Station, Survey
from barys.core import roles, sensitivity
from barys.core.access_log import log_access


def can_view_area(user: Any, scope_code: str) -> bool:
    """Observer or higher in this protected area, or nationally."""
    return roles.has_role(user, "observer", scope_code or None)


def is_station_staff(user: Any, scope_code: str) -> bool:
    """Holds a role in the station's own scope (national roles do not count)."""
    if not scope_code:
        return False
    return any(scope == scope_code for _role, scope in roles.roles_of(user))


def may_see_people(user: Any, scope_code: str) -> bool:
    """May see media with a person: administrators and the station's own staff."""
    return roles.has_role(user, "admin") or is_station_staff(user, scope_code)


def can_view_deployment(user: Any, deployment: Deployment) -> bool:
    return can_view_area(user, deployment.station.scope_code)


def can_view_media(user: Any, media: Media, scope_code: str) -> bool:
    """May ``user`` see this medium of a station in ``scope_code``?

    Media marked public (``file_public``, e.g. chosen for the portal) are visible to everyone
    unless they show a person.
    """
    if media.person_present:
        return may_see_people(user, scope_code)
    return media.file_public or can_view_area(user, scope_code)


def visible_media_q(user: Any, scope_code: str) -> Q:
    """A filter on media of one scope that leaves out what ``user`` may not see."""
    if may_see_people(user, scope_code):
        return Q()
    return Q(person_present=False)


def can_ingest(user: Any, scope_code: str) -> bool:
    """Field staff (observer or higher) of the area may ingest cards and start detection."""
    return can_view_area(user, scope_code)


def station_categories(stations: Iterable[Station]) -> dict[int, int | None]:
    """Sensitivity category per station id (``None``: not sensitive).

    The most restrictive (lowest) category among taxa observed at the station's deployments
    and the survey's target taxa.
    """
    stations = list(stations)
    result: dict[int, int | None] = {s.pk: None for s in stations}
    if not stations:
        return result
    observed = (
        Observation.objects.filter(
            deployment__station__in=stations, taxon__sensitivity_category__isnull=False
        )
        .values("deployment__station")
        .annotate(category=Min("taxon__sensitivity_category"))
    )
    for row in observed:
        result[row["deployment__station"]] = row["category"]
    survey_ids = {s.survey_id for s in stations}
    targets = dict(
        Survey.objects.filter(pk__in=survey_ids)
        .annotate(category=Min("target_taxa__sensitivity_category"))
        .values_list("pk", "category")
    )
    for station in stations:
        found = [c for c in (result[station.pk], targets.get(station.survey_id)) if c]
        result[station.pk] = min(found) if found else None
    return result


def station_positions(
    *,
    user: Any,
    stations: Iterable[Station],
    categories: dict[int, int | None],
    surface: str,
    object_id: str,
) -> dict[int, sensitivity.LocationView]:
    """Each station's position (by station id) as ``user`` may see it; ``user=None`` gives
    the public view. The exact views of sensitive stations are written to the access log as
    one entry for the page (``object_id`` names what was shown, e.g. the survey)."""
    views: dict[int, sensitivity.LocationView] = {}
    exact = 0
    for station in stations:
        category = categories.get(station.pk)
        if user is None:
            views[station.pk] = public_station_location(station, category)
            continue
        view = sensitivity.location_for_viewer(
            user=user, scope_codes=station.scope_codes, **_position(station, category)
        )
        if sensitivity.is_exact_sensitive(view, withhold_entirely=category == 1):
            exact += 1
        views[station.pk] = view
    if exact:
        log_access(
            actor=user,
            surface=surface,
            object_type="camtrap.station",
            object_id=object_id,
            count=exact,
        )
    return views


def _position(station: Station, category: int | None) -> dict[str, Any]:
    """What the sensitivity policy needs of a station (category-1 stations are withheld)."""
    return {
        "latitude": station.latitude,
        "longitude": station.longitude,
        "uncertainty_m": station.coordinate_uncertainty_m,
        "locality": station.name,
        "event_date": "",
        "category": category,
        "withhold_entirely": category == 1,
    }


def public_station_location(station: Station, category: int | None) -> sensitivity.LocationView:
    """The station's position for the public (exports, anonymous pages)."""
    return sensitivity.generalise(**_position(station, category))
