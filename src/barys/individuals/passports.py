"""Passport services: create and edit individuals, their codes, seen dates and permissions.

Every change writes an audit entry. Codes are readable (``SL-IA-017``): a prefix for the taxon
and the protected area, and a three-digit running number.
"""

from __future__ import annotations

import datetime as dt
import re
from collections import Counter
from typing import Any

from django.db import transaction
from django.db.models import Max, Min, Q
from django.utils import timezone

from barys.core import audit, roles
from barys.core.models import Scope
from barys.individuals.errors import InvalidInput, NotFound, RegistryConflict
from barys.individuals.models import Individual
from barys.taxa.models import Taxon

_CODE = re.compile(r"^(?P<prefix>.*?)(?P<number>\d+)$")
_CODE_CHARS = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,31}$")
#: Fields a person may edit on a passport form.
EDITABLE_FIELDS = (
    "name",
    "sex",
    "birth_year",
    "birth_year_exact",
    "status",
    "mother",
    "distinguishing_marks",
    "notes",
    "first_seen",
    "last_seen",
)
EARLIEST_BIRTH_YEAR = 1950


def get_individual(code: str) -> Individual:
    """The passport with this code (raises :class:`NotFound`)."""
    found = (
        Individual.objects.select_related("taxon", "scope", "mother", "merged_into")
        .filter(code=code)
        .first()
    )
    if found is None:
        raise NotFound(f"no individual with code {code!r}")
    return found


def surviving(individual: Individual) -> Individual:
    """The passport an individual was merged into (following the chain), or itself."""
    seen = {individual.pk}
    current = individual
    while current.merged_into_id is not None:
        nxt = current.merged_into
        if nxt is None or nxt.pk in seen:
            break
        seen.add(nxt.pk)
        current = nxt
    return current


def merged_codes(individual: Individual) -> list[str]:
    """The individual's code and the codes of every passport merged into it (recursively)."""
    codes = [individual.code]
    frontier = [individual.pk]
    seen = set(frontier)
    while frontier:
        rows = list(Individual.objects.filter(merged_into__in=frontier).values_list("pk", "code"))
        frontier = [pk for pk, _code in rows if pk not in seen]
        seen.update(frontier)
        codes.extend(code for pk, code in rows if pk in frontier)
    return codes


def _initials(text: str) -> str:
    return "".join(word[0] for word in re.split(r"[\s-]+", text) if word).upper()


def code_prefix(*, taxon: Taxon, scope: Scope | None) -> str:
    """The prefix new passports of ``taxon`` in ``scope`` get, e.g. ``SL-IA-``.

    The most common prefix among the existing codes of that taxon and area wins; otherwise
    the initials of the English name (or of the scientific name) and of the area's code.
    """
    existing = Individual.objects.filter(taxon=taxon, scope=scope).values_list("code", flat=True)
    prefixes = Counter(m["prefix"] for code in existing if (m := _CODE.match(code)))
    if prefixes:
        return prefixes.most_common(1)[0][0]
    species = _initials(taxon.name_en or taxon.scientific_name)[:3] or "IND"
    area = _initials(scope.code)[:3] if scope else ""
    return f"{species}-{area}-" if area else f"{species}-"


def next_code(*, taxon: Taxon, scope: Scope | None) -> str:
    """The next free code with the area's prefix: the highest number in use plus one."""
    prefix = code_prefix(taxon=taxon, scope=scope)
    numbers = [
        int(m["number"])
        for code in Individual.objects.filter(code__startswith=prefix).values_list(
            "code", flat=True
        )
        if (m := _CODE.match(code)) and m["prefix"] == prefix
    ]
    return f"{prefix}{(max(numbers) + 1) if numbers else 1:03d}"


def check_code(code: str) -> str:
    """A valid, unused code (raises :class:`InvalidInput`)."""
    code = (code or "").strip()
    if not _CODE_CHARS.match(code):
        raise InvalidInput(f"code {code!r}: use 1–32 letters, digits, dots, hyphens or underscores")
    if Individual.objects.filter(code=code).exists():
        raise InvalidInput(f"code {code!r} is already in use")
    return code


def check_facts(
    individual: Individual, *, mother: Individual | None, birth_year: int | None
) -> None:
    """Kinship and birth-year checks (raise :class:`InvalidInput`/:class:`RegistryConflict`)."""
    this_year = timezone.now().year
    if birth_year is not None and not EARLIEST_BIRTH_YEAR <= birth_year <= this_year:
        raise InvalidInput(f"birth year {birth_year}: expected {EARLIEST_BIRTH_YEAR}–{this_year}")
    if mother is None:
        return
    if individual.pk is not None and mother.pk == individual.pk:
        raise RegistryConflict("an individual cannot be its own mother")
    if mother.sex == Individual.Sex.MALE:
        raise RegistryConflict(f"{mother.code} is recorded as a male and cannot be a mother")
    if mother.taxon_id != individual.taxon_id:
        raise RegistryConflict(f"{mother.code} is of another taxon")
    if birth_year is not None and mother.birth_year is not None and mother.birth_year >= birth_year:
        raise RegistryConflict(
            f"{mother.code} (born {mother.birth_year}) cannot be the mother of an animal "
            f"born in {birth_year}"
        )
    ancestor: Individual | None = mother
    steps = 0
    while ancestor is not None and steps < 100:
        if individual.pk is not None and ancestor.pk == individual.pk:
            raise RegistryConflict("the mother would be a descendant of this individual")
        ancestor = ancestor.mother
        steps += 1


@transaction.atomic
def create_individual(
    *,
    taxon: Taxon,
    actor: Any,
    scope: Scope | None = None,
    code: str | None = None,
    reason: str = "",
    **fields: Any,
) -> Individual:
    """Create a passport (audited). ``code`` defaults to :func:`next_code`; ``fields``: any
    of :data:`EDITABLE_FIELDS`."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown passport fields: {', '.join(sorted(unknown))}")
    individual = Individual(
        taxon=taxon,
        scope=scope,
        code=check_code(code) if code else next_code(taxon=taxon, scope=scope),
        **fields,
    )
    check_facts(individual, mother=fields.get("mother"), birth_year=fields.get("birth_year"))
    individual.save()
    audit.record_create(individual, actor=actor, reason=reason)
    return individual


@transaction.atomic
def update_individual(
    *, individual: Individual, actor: Any, reason: str = "", **fields: Any
) -> Individual:
    """Change passport facts (audited); see :data:`EDITABLE_FIELDS`."""
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise InvalidInput(f"unknown passport fields: {', '.join(sorted(unknown))}")
    before = audit.snapshot(individual)
    for name, value in fields.items():
        setattr(individual, name, value)
    check_facts(individual, mother=individual.mother, birth_year=individual.birth_year)
    if (
        individual.first_seen
        and individual.last_seen
        and individual.first_seen > individual.last_seen
    ):
        raise InvalidInput("first seen is after last seen")
    individual.save()
    audit.record_update(individual, before, actor=actor, reason=reason)
    return individual


def local_date(moment: dt.datetime | None) -> dt.date | None:
    """The calendar date of a UTC time in the installation's time zone."""
    if moment is None:
        return None
    return timezone.localtime(moment).date() if timezone.is_aware(moment) else moment.date()


def evidence_range(individual: Individual) -> tuple[dt.date | None, dt.date | None]:
    """First and last date the individual is evidenced: its annotations' media, camera
    observations and occurrence records whose organismID is its code."""
    from barys.camtrap.models import Observation
    from barys.records.models import Occurrence

    dates: list[dt.date] = []
    media = individual.annotations.filter(media__timestamp__isnull=False).aggregate(
        first=Min("media__timestamp"), last=Max("media__timestamp")
    )
    observed = Observation.objects.filter(individual=individual).aggregate(
        first=Min("event_start"), last=Max("event_start")
    )
    recorded = Occurrence.objects.filter(
        organism_id__in=merged_codes(individual),
        occurrence_status="present",
        event_date_start__isnull=False,
    ).aggregate(first=Min("event_date_start"), last=Max("event_date_start"))
    for found in (media, observed, recorded):
        for key in ("first", "last"):
            day = local_date(found[key])
            if day is not None:
                dates.append(day)
    if not dates:
        return None, None
    return min(dates), max(dates)


def seen_fields(individual: Individual) -> dict[str, Any]:
    """``first_seen``/``last_seen`` from the evidence; the stored values stay where there is
    no evidence at all (a passport may predate the camera records)."""
    first, last = evidence_range(individual)
    if first is None:
        return {"first_seen": individual.first_seen, "last_seen": individual.last_seen}
    return {"first_seen": first, "last_seen": last}


# -- permissions ------------------------------------------------------------------------


def scope_code_of(individual: Individual) -> str | None:
    return individual.scope.code if individual.scope_id and individual.scope else None


def can_edit(user: Any, individual: Individual) -> bool:
    """Researchers of the passport's area (or nationally) edit passports."""
    return roles.has_role(user, "researcher", scope_code_of(individual))


def require_edit(user: Any, individual: Individual) -> None:
    roles.require_role(user, "researcher", scope_code_of(individual))


def editable_scopes(user: Any) -> Q:
    """A filter of the passports ``user`` may edit."""
    scopes = roles.scopes_with_role(user, "researcher")
    if scopes is None:
        return Q()
    return Q(scope__code__in=sorted(scopes))
