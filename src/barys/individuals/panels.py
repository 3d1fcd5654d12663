"""Sections this app adds to other apps' pages.

* ``species``: the identified individuals of a taxon (count, links, kinship).
* ``camera-event``: the "identify individuals" action of a camera event page (the camera-trap
  app renders ``navigation.panels("camera-event", event=..., request=...)``).
* ``home``: the latest monitoring highlights (cubs seen, new individuals, published
  incidents; see :mod:`barys.individuals.highlights`).
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from barys.core import roles
from barys.core.navigation import Panel
from barys.individuals import highlights
from barys.individuals.models import Annotation, Individual, LitterRecord
from barys.taxa.models import Taxon


def species_individuals_panel(*, taxon: Taxon, **_: Any) -> Panel | None:
    individuals = Individual.objects.filter(taxon=taxon, merged_into__isnull=True)
    total = individuals.count()
    if not total:
        return None
    by_park = list(
        individuals.values("scope__code", "scope__name_en").annotate(n=Count("id")).order_by("-n")
    )
    return Panel(
        template="individuals/species_panel.html",
        order=30,
        context={
            "taxon": taxon,
            "total": total,
            "by_park": by_park,
            "litters": LitterRecord.objects.filter(taxon=taxon).count(),
        },
    )


def event_identification_panel(*, event: Any, request: Any = None, **_: Any) -> Panel | None:
    """A link to the identification page of the event, for researchers of its area."""
    user = getattr(request, "user", None)
    scope = event.deployment.station.scope_code or None
    if not roles.has_role(user, "researcher", scope):
        return None
    annotations = Annotation.objects.filter(media__event=event)
    return Panel(
        template="individuals/event_panel.html",
        order=30,
        context={
            "event": event,
            "annotations": annotations.count(),
            "identified": annotations.filter(individual__isnull=False).count(),
        },
    )


def home_highlights_panel(request: Any = None, **_: Any) -> Panel | None:
    """The monitoring highlights of the home page; absent when there is nothing to show."""
    user = getattr(request, "user", None)
    found = highlights.latest_highlights(user=user)
    if found.empty:
        return None
    return Panel(template="individuals/home_highlights.html", order=30, context={"h": found})
