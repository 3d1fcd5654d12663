"""The latest monitoring highlights, as one viewer may see them (the home page panel).

Three kinds of highlight, newest first:

* **litters**: a female seen with cubs — species, year, number of cubs and the mother's
  passport when she is identified (litter records carry no location; years and sizes are
  public, see :mod:`barys.individuals.kinship`);
* **new individuals**: passports by their first sighting date, latest first;
* **incidents**: incidents a curator published (see :mod:`barys.incidents.access`), when the
  incidents app is installed.

Nothing here carries a location: no coordinates, stations, protected areas or localities.
Dates follow :mod:`barys.core.sensitivity`: litters give the year only; first sightings and
incident dates of category 1–2 taxa are reduced to ``BARYS_SENSITIVE_DATE_PRECISION`` (year
or month) unless the viewer may see exact data of the area (``may_see_exact``); incidents
are always at least category 2.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.apps import apps
from django.db.models import F
from django.utils import timezone

from barys.core import sensitivity
from barys.individuals import passports, sightings
from barys.individuals.models import Individual, LitterRecord
from barys.taxa.models import Taxon

#: How many highlights of each kind the home page shows.
DEFAULT_LIMIT = 5
#: Incidents are fewer and less cheerful: at most this many.
INCIDENT_LIMIT = 3


@dataclass(frozen=True)
class Species:
    """The taxon of a highlight, for a link to its species page (``species-detail``)."""

    slug: str
    name: str  # vernacular name in the active language (Latin name when there is none)
    scientific_name: str


@dataclass(frozen=True)
class PassportLink:
    """A passport the public may open (``individual-detail``)."""

    code: str
    name: str


@dataclass(frozen=True)
class LitterHighlight:
    species: Species
    year: int
    cubs: int
    mother: PassportLink | None  # None: the female is not identified


@dataclass(frozen=True)
class NewIndividualHighlight:
    species: Species
    passport: PassportLink
    first_seen: str  # YYYY, YYYY-MM or YYYY-MM-DD, as the viewer may see it


@dataclass(frozen=True)
class IncidentHighlight:
    species: Species | None
    code: str  # readable number, e.g. INC-2023-0007 (no place in it)
    kind: str  # the incident type in the active language
    date: str  # as the viewer may see it
    animals: int | None


@dataclass(frozen=True)
class Highlights:
    litters: list[LitterHighlight] = field(default_factory=list)
    new_individuals: list[NewIndividualHighlight] = field(default_factory=list)
    incidents: list[IncidentHighlight] = field(default_factory=list)

    @property
    def empty(self) -> bool:
        return not (self.litters or self.new_individuals or self.incidents)


def _species(taxon: Taxon) -> Species:
    return Species(slug=taxon.slug, name=taxon.name(), scientific_name=taxon.scientific_name)


def public_passport(individual: Individual | None) -> PassportLink | None:
    """The passport to link for ``individual``: the surviving one of a merged passport.

    Every passport page is public (it shows the generalised version to visitors), so any
    passport in the registry may be linked; a merged one resolves to the passport it was
    merged into, never to the retired code.
    """
    if individual is None:
        return None
    shown = passports.surviving(individual)
    if shown.merged_into_id is not None:
        return None  # a broken merge chain: link nothing rather than a retired code
    return PassportLink(code=shown.code, name=shown.name)


class _Exactness:
    """Whether the viewer may see exact dates in an area (asked once per area)."""

    def __init__(self, user: Any) -> None:
        self.user = user
        self.known: dict[tuple[str, ...], bool] = {}

    def __call__(self, scope_codes: tuple[str, ...]) -> bool:
        if self.user is None:
            return False
        if scope_codes not in self.known:
            self.known[scope_codes] = sensitivity.may_see_exact(self.user, scope_codes)
        return self.known[scope_codes]


def latest_litters(*, limit: int = DEFAULT_LIMIT) -> list[LitterHighlight]:
    """Females seen with cubs, latest year first (years only: never a date or a place)."""
    rows = LitterRecord.objects.select_related("taxon", "mother__merged_into").order_by(
        "-year", F("seen_on").desc(nulls_last=True), "-id"
    )[:limit]
    return [
        LitterHighlight(
            species=_species(litter.taxon),
            year=litter.year,
            cubs=litter.cubs_count,
            mother=public_passport(litter.mother),
        )
        for litter in rows
    ]


def new_individuals(
    *, user: Any = None, limit: int = DEFAULT_LIMIT
) -> list[NewIndividualHighlight]:
    """Passports by first sighting, latest first; dates reduced as the policy says."""
    exact_in = _Exactness(user)
    rows = (
        Individual.objects.filter(merged_into__isnull=True, first_seen__isnull=False)
        .select_related("taxon", "scope")
        .order_by("-first_seen", "-id")[:limit]
    )
    found = []
    for individual in rows:
        first, _last = sightings.seen_text(individual, exact=exact_in(individual.scope_codes))
        found.append(
            NewIndividualHighlight(
                species=_species(individual.taxon),
                passport=PassportLink(code=individual.code, name=individual.name),
                first_seen=first,
            )
        )
    return found


def published_incidents(
    *, user: Any = None, limit: int = INCIDENT_LIMIT
) -> list[IncidentHighlight]:
    """Incidents a curator published, latest first, without any place; an empty list when
    the incidents app is not installed."""
    if not apps.is_installed("barys.incidents"):
        return []
    from barys.incidents.models import Incident

    exact_in = _Exactness(user)
    precision = sensitivity.current_config().reduced_date_precision
    rows = (
        Incident.objects.filter(published=True)
        .select_related("type", "taxon", "scope")
        .order_by("-occurred_at", "-id")[:limit]
    )
    found = []
    for incident in rows:
        day = timezone.localtime(incident.occurred_at).date()
        exact = exact_in(incident.scope_codes)
        found.append(
            IncidentHighlight(
                species=_species(incident.taxon) if incident.taxon else None,
                code=incident.code,
                kind=incident.type.name(),
                # every incident is at least category 2 for the public: always reduced
                date=day.isoformat() if exact else sensitivity.reduce_date(day, precision),
                animals=incident.count,
            )
        )
    return found


def latest_highlights(*, user: Any = None, limit: int = DEFAULT_LIMIT) -> Highlights:
    """Everything the home page's "Monitoring highlights" shows to ``user`` (None: the
    public)."""
    return Highlights(
        litters=latest_litters(limit=limit),
        new_individuals=new_individuals(user=user, limit=limit),
        incidents=published_incidents(user=user, limit=min(limit, INCIDENT_LIMIT)),
    )
