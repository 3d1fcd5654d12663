"""Small fixtures for incident tests: real taxa names, a protected area, incidents."""

from __future__ import annotations

import datetime as dt
from typing import Any

from barys.core.models import Scope
from barys.incidents import services
from barys.incidents.models import Incident, IncidentType
from barys.taxa.models import Taxon

ALMATY = dt.timezone(dt.timedelta(hours=5))
#: An exact position in the Aksai gorge (six decimals, so a leak is easy to spot).
EXACT = (43.079137, 76.758244)


def taxon(name: str, category: int | None, **names: str) -> Taxon:
    slug = name.lower().replace(" ", "-")
    found, _created = Taxon.objects.get_or_create(
        scientific_name=name,
        defaults={
            "rank": "species",
            "slug": slug,
            "sensitivity_category": category,
            "in_red_book": category is not None,
            **names,
        },
    )
    return found


def snow_leopard() -> Taxon:
    return taxon(
        "Panthera uncia", 1, name_en="Snow leopard", name_ru="Снежный барс", name_kk="Барыс"
    )


def argali() -> Taxon:
    return taxon("Ovis ammon", 2, name_en="Argali", name_ru="Архар", name_kk="Арқар")


def scope(code: str = "ile-alatau") -> Scope:
    found, _created = Scope.objects.get_or_create(code=code, defaults={"name_en": code})
    return found


def incident(
    *,
    actor: Any = None,
    type_code: str = "sick-animal",
    taxon_obj: Taxon | None = None,
    scope_code: str = "ile-alatau",
    priority: str = "normal",
    attributes: dict[str, Any] | None = None,
    published: bool = False,
    when: dt.datetime | None = None,
    lat_lon: tuple[float, float] = EXACT,
    **extra: Any,
) -> Incident:
    kind = IncidentType.objects.get(code=type_code)
    made = services.record_incident(
        actor=actor,
        type=kind,
        occurred_at=when or dt.datetime(2023, 12, 4, 7, 40, tzinfo=ALMATY),
        scope=scope(scope_code) if scope_code else None,
        latitude=lat_lon[0],
        longitude=lat_lon[1],
        uncertainty_m=30,
        locality="Workers' quarters, Aksai dam site",
        taxon=taxon_obj,
        priority=priority,
        attributes=attributes if attributes is not None else {"condition": "weakened"},
        narrative="A weakened animal near the dam site.",
        check_permission=actor is not None,
        **extra,
    )
    if published:
        Incident.objects.filter(pk=made.pk).update(
            published=True, public_summary="A weakened animal."
        )
        made.refresh_from_db()
    return made
