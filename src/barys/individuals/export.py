"""Passports in the exchange formats: the Camtrap DP ``individuals`` resource and Darwin Core
``organismID``.

Camtrap DP 1.0 links observations to animals by ``individualID``; Barys writes the passport
code there and adds an ``individuals`` resource (described by :data:`INDIVIDUALS_SCHEMA`,
a Frictionless Table Schema) with one row per passport. The camera-trap export calls
:func:`camtrap_dp_individuals`; Darwin Core writers call :func:`organism_id`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Q

from barys.core import sensitivity
from barys.individuals.models import Individual
from barys.individuals.passports import surviving

RESOURCE_NAME = "individuals"

INDIVIDUALS_SCHEMA: dict[str, Any] = {
    "fields": [
        {
            "name": "individualID",
            "type": "string",
            "constraints": {"required": True, "unique": True},
            "description": "Passport code, as used in observations.individualID.",
        },
        {"name": "scientificName", "type": "string", "constraints": {"required": True}},
        {"name": "individualName", "type": "string"},
        {"name": "sex", "type": "string", "constraints": {"enum": ["female", "male", "unknown"]}},
        {"name": "birthYear", "type": "integer", "description": "Estimated year of birth."},
        {"name": "birthYearExact", "type": "boolean"},
        {
            "name": "status",
            "type": "string",
            "constraints": {"enum": ["alive", "dead", "unknown", "captive"]},
        },
        {"name": "motherID", "type": "string", "description": "individualID of the mother."},
        {
            "name": "firstSeen",
            "type": "string",
            "description": "ISO 8601 date, or year only where the sensitivity policy requires.",
        },
        {"name": "lastSeen", "type": "string"},
        {
            "name": "mergedInto",
            "type": "string",
            "description": "individualID of the passport this one was merged into.",
        },
        {"name": "distinguishingMarks", "type": "string"},
        {"name": "protectedArea", "type": "string", "description": "Scope code of the area."},
    ],
    "primaryKey": ["individualID"],
}


def organism_id(individual: Individual | None) -> str:
    """Darwin Core ``organismID`` for an individual: the code of the surviving passport
    (merged passports resolve to the one they were merged into); empty for ``None``."""
    if individual is None:
        return ""
    return surviving(individual).code


def darwin_core_organism(individual: Individual | None) -> dict[str, str]:
    """Darwin Core organism terms of an occurrence of this individual."""
    if individual is None:
        return {"organismID": "", "organismName": "", "organismScope": ""}
    alive = surviving(individual)
    return {
        "organismID": alive.code,
        "organismName": alive.name,
        "organismScope": "multicellular organism",
    }


def _date(value: Any, category: int | None, exact: bool) -> str:
    if value is None:
        return ""
    text = value.isoformat()
    if exact or category not in sensitivity.REDUCED_CATEGORIES:
        return text
    return sensitivity.reduce_date(text, sensitivity.current_config().reduced_date_precision)


def camtrap_dp_individuals(
    *,
    individuals: Iterable[Individual] | None = None,
    survey: Any = None,
    exact: bool = False,
) -> list[dict[str, Any]]:
    """Rows of the Camtrap DP ``individuals`` resource, ordered by code.

    ``individuals``: the passports to write; by default those seen in ``survey`` (through
    annotations or camera observations), or all when no survey is given. ``exact=False``
    reduces first/last seen dates of sensitive taxa as for the public (use ``True`` only
    for a viewer :func:`barys.core.sensitivity.may_see_exact` allows).
    """
    if individuals is not None:
        queryset = Individual.objects.filter(pk__in=[i.pk for i in individuals])
    elif survey is not None:
        queryset = Individual.objects.filter(
            Q(annotations__media__deployment__station__survey=survey)
            | Q(camera_observations__deployment__station__survey=survey)
        ).distinct()
    else:
        queryset = Individual.objects.all()
    rows = []
    for individual in queryset.select_related("taxon", "mother", "merged_into", "scope").order_by(
        "code"
    ):
        category = sensitivity.effective_category(individual.taxon.sensitivity_category)
        rows.append(
            {
                "individualID": individual.code,
                "scientificName": individual.taxon.scientific_name,
                "individualName": individual.name,
                "sex": individual.sex,
                "birthYear": individual.birth_year,
                "birthYearExact": individual.birth_year_exact,
                "status": individual.status,
                "motherID": individual.mother.code if individual.mother else "",
                "firstSeen": _date(individual.first_seen, category, exact),
                "lastSeen": _date(individual.last_seen, category, exact),
                "mergedInto": individual.merged_into.code if individual.merged_into else "",
                "distinguishingMarks": individual.distinguishing_marks,
                "protectedArea": individual.scope.code if individual.scope else "",
            }
        )
    return rows
