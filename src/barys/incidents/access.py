"""Who may see and change incidents, and how their locations are shown.

- Observers record incidents in their protected areas (scopes) and edit them there;
  researchers and curators see them (in their scopes; national roles everywhere).
- Everyone else — anonymous visitors included — sees only incidents a curator published,
  and only generalised: incidents are at least sensitivity category 2 (a 0.1° cell, the date
  reduced to the year, the locality withheld); category-1 taxa (the snow leopard) are withheld.
- Exact views of an incident's location are written to the access log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from barys.core import roles, sensitivity
from barys.core.access_log import log_access
from barys.incidents.models import Incident

#: Every incident is at least this sensitive for the public (GBIF category 2: 0.1° cell).
MINIMUM_CATEGORY = 2


def category_of(incident: Incident) -> int:
    """The sensitivity category of an incident's location (1–4, never "not sensitive")."""
    if incident.sensitivity_override:
        return int(incident.sensitivity_override)
    taxon_category = incident.taxon.sensitivity_category if incident.taxon_id else None
    found = sensitivity.effective_category(taxon_category, regional=[MINIMUM_CATEGORY])
    return int(found or MINIMUM_CATEGORY)


def visible_q(user: Any) -> Q:
    """Incidents ``user`` may open: published ones, their scopes' and their own reports."""
    public = Q(published=True)
    if not getattr(user, "is_authenticated", False):
        return public
    scopes = roles.scopes_with_role(user, "observer")
    if scopes is None:
        return Q()
    return public | Q(scope__code__in=sorted(scopes)) | Q(reporter=user)


def visible(user: Any) -> QuerySet[Incident]:
    return Incident.objects.filter(visible_q(user))


def staff_view(user: Any, incident: Incident) -> bool:
    """Does ``user`` see the incident as staff (narrative, attachments, all attributes)?"""
    if not getattr(user, "is_authenticated", False):
        return False
    scopes = roles.scopes_with_role(user, "observer")
    if scopes is None:
        return True
    if incident.scope_id and incident.scope.code in scopes:
        return True
    return bool(incident.reporter_id and incident.reporter_id == user.pk)


def may_view(user: Any, incident: Incident) -> bool:
    return incident.published or staff_view(user, incident)


def may_record(user: Any, scope_code: str | None) -> bool:
    """Observers (or higher) record incidents in their scopes; national ones anywhere."""
    if scope_code:
        return roles.has_role(user, "observer", scope_code)
    return roles.has_role(user, "observer")


def may_edit(user: Any, incident: Incident) -> bool:
    return may_record(user, incident.scope.code if incident.scope_id else None)


def may_publish(user: Any) -> bool:
    return roles.has_role(user, "curator")


def recordable_scopes(user: Any) -> tuple[bool, set[str]]:
    """(anywhere, scope codes) where ``user`` may record incidents."""
    scopes = roles.scopes_with_role(user, "observer")
    if scopes is None:
        return True, set()
    return False, scopes


@dataclass(frozen=True)
class PresentedIncident:
    """An incident with its location as one person may see it."""

    incident: Incident
    location: sensitivity.LocationView
    staff: bool

    @property
    def exact(self) -> bool:
        return self.location.exact


def _local_date(incident: Incident) -> str:
    return timezone.localtime(incident.occurred_at).date().isoformat()


def _view(incident: Incident, *, exact: bool) -> sensitivity.LocationView:
    category = category_of(incident)
    if exact:
        return sensitivity.exact_view(
            latitude=incident.latitude,
            longitude=incident.longitude,
            uncertainty_m=incident.uncertainty_m,
            locality=incident.locality,
            event_date=incident.occurred_at,
            category=category,
        )
    return sensitivity.generalise(
        latitude=incident.latitude,
        longitude=incident.longitude,
        uncertainty_m=incident.uncertainty_m,
        locality=incident.locality,
        event_date=_local_date(incident),
        category=category,
    )


def present(incidents: Sequence[Incident], *, user: Any, surface: str) -> list[PresentedIncident]:
    """Incidents as ``user`` may see them; one access-log entry counts the exact ones."""
    items: list[PresentedIncident] = []
    exact_count = 0
    for incident in incidents:
        exact = sensitivity.may_see_exact(user, incident.scope_codes)
        exact_count += int(exact and incident.latitude is not None)
        items.append(
            PresentedIncident(incident, _view(incident, exact=exact), staff_view(user, incident))
        )
    if exact_count:
        log_access(
            actor=user,
            surface=surface,
            object_type="incidents.incident",
            object_id="*",
            count=exact_count,
        )
    return items


def present_one(incident: Incident, *, user: Any, surface: str) -> PresentedIncident:
    """One incident as ``user`` may see it (an exact view is logged)."""
    location = sensitivity.view_location(
        user=user,
        scope_codes=incident.scope_codes,
        surface=surface,
        object_type="incidents.incident",
        object_id=incident.code,
        latitude=incident.latitude,
        longitude=incident.longitude,
        uncertainty_m=incident.uncertainty_m,
        locality=incident.locality,
        event_date=incident.occurred_at
        if sensitivity.may_see_exact(user, incident.scope_codes)
        else _local_date(incident),
        category=category_of(incident),
    )
    return PresentedIncident(incident, location, staff_view(user, incident))
