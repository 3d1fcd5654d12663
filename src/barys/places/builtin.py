"""Places shipped with Barys: Kazakhstan's oblasts (Natural Earth, public domain) and the
approximate outline of Ile-Alatau National Park used by the demonstration.

The oblast boundaries are Natural Earth's 1:10m first-level units as published before 2018:
South Kazakhstan has since become Turkistan Region (Shymkent a city of republican status),
and Abai, Jetisu and Ulytau regions were formed in 2022 from parts of East Kazakhstan,
Almaty and Karaganda regions. Codes are readable slugs of the English names.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db import transaction

from barys.core import audit
from barys.core.models import Scope, User
from barys.places import geometry as geo
from barys.places.models import Designation, IucnManagementCategory, Place, PlaceKind

log = logging.getLogger(__name__)

GEODATA = Path(__file__).resolve().parent / "geodata"
OBLASTS_FILE = GEODATA / "kazakhstan_ne_10m_admin_1.geojson"
OBLASTS_SOURCE = "Natural Earth 1:10m admin-1 (public domain), boundaries before 2018"

#: Natural Earth ``adm1_code`` -> (code, English, Russian, Kazakh name).
OBLAST_NAMES: dict[str, tuple[str, str, str, str]] = {
    "KAZ-3202": ("akmola", "Akmola Region", "Акмолинская область", "Ақмола облысы"),
    "KAZ-3195": ("aktobe", "Aktobe Region", "Актюбинская область", "Ақтөбе облысы"),
    "KAZ-3207": ("almaty-region", "Almaty Region", "Алматинская область", "Алматы облысы"),
    "KAZ-3198": ("atyrau", "Atyrau Region", "Атырауская область", "Атырау облысы"),
    "KAZ-3206": (
        "east-kazakhstan",
        "East Kazakhstan Region",
        "Восточно-Казахстанская область",
        "Шығыс Қазақстан облысы",
    ),
    "KAZ-3252": ("zhambyl", "Jambyl Region", "Жамбылская область", "Жамбыл облысы"),
    "KAZ-3203": ("karaganda", "Karaganda Region", "Карагандинская область", "Қарағанды облысы"),
    "KAZ-3196": ("kostanay", "Kostanay Region", "Костанайская область", "Қостанай облысы"),
    "KAZ-3197": ("kyzylorda", "Kyzylorda Region", "Кызылординская область", "Қызылорда облысы"),
    "KAZ-3236": ("mangystau", "Mangystau Region", "Мангистауская область", "Маңғыстау облысы"),
    "KAZ-3204": (
        "north-kazakhstan",
        "North Kazakhstan Region",
        "Северо-Казахстанская область",
        "Солтүстік Қазақстан облысы",
    ),
    "KAZ-3205": ("pavlodar", "Pavlodar Region", "Павлодарская область", "Павлодар облысы"),
    "KAZ-3251": (
        "south-kazakhstan",
        "South Kazakhstan Region (now Turkistan Region)",
        "Южно-Казахстанская область (ныне Туркестанская)",
        "Оңтүстік Қазақстан облысы (қазір Түркістан облысы)",
    ),
    "KAZ-3201": (
        "west-kazakhstan",
        "West Kazakhstan Region",
        "Западно-Казахстанская область",
        "Батыс Қазақстан облысы",
    ),
    "KAZ-4829": ("almaty-city", "Almaty (city)", "город Алматы", "Алматы қаласы"),
    "KAZ-4830": ("astana", "Astana (city)", "город Астана", "Астана қаласы"),
}

#: A schematic outline of Ile-Alatau National Park on the northern slopes of the Trans-Ili
#: Alatau south of Almaty, drawn by hand for the demonstration (longitude, latitude degrees).
#: It is not the legal boundary.
ILE_ALATAU_OUTLINE: tuple[tuple[float, float], ...] = (
    (76.60, 43.05),
    (76.75, 43.10),
    (76.90, 43.13),
    (77.05, 43.15),
    (77.25, 43.19),
    (77.45, 43.24),
    (77.65, 43.29),
    (77.90, 43.33),
    (77.90, 43.17),
    (77.70, 43.08),
    (77.45, 43.03),
    (77.15, 43.00),
    (76.85, 43.00),
    (76.60, 42.98),
    (76.60, 43.05),
)
ILE_ALATAU_CODE = "ile-alatau"


@dataclass(frozen=True)
class BuiltinPlace:
    kind: str
    code: str
    name_en: str
    name_ru: str
    name_kk: str
    geometry: str
    source: str
    notes: str = ""
    extra: tuple[tuple[str, Any], ...] = ()


@cache
def oblasts() -> tuple[BuiltinPlace, ...]:
    """The 16 first-level units of the shipped file (the unnamed minor island is left out)."""
    data = json.loads(OBLASTS_FILE.read_text(encoding="utf-8"))
    found = []
    for feature in data["features"]:
        names = OBLAST_NAMES.get(feature["properties"].get("adm1_code", ""))
        if names is None:
            continue
        code, en, ru, kk = names
        checked = geo.check(geo.parse(feature["geometry"]), polygons_only=True)
        found.append(
            BuiltinPlace(
                PlaceKind.OBLAST, code, en, ru, kk, geo.to_text(checked.geometry), OBLASTS_SOURCE
            )
        )
    return tuple(sorted(found, key=lambda p: p.code))


def ile_alatau() -> BuiltinPlace:
    """The approximate outline of Ile-Alatau National Park (demonstration data)."""
    polygon = {"type": "Polygon", "coordinates": [[list(p) for p in ILE_ALATAU_OUTLINE]]}
    return BuiltinPlace(
        PlaceKind.PROTECTED_AREA,
        ILE_ALATAU_CODE,
        "Ile-Alatau National Park (approximate outline)",
        "Иле-Алатауский национальный парк (приблизительный контур)",
        "Іле-Алатау ұлттық паркі (шамамен алынған шекара)",
        geo.to_text(geo.parse(polygon)),
        "drawn by hand for the demonstration",
        notes="Approximate outline for demonstration; not the legal boundary. Established 1996.",
        extra=(
            ("designation", Designation.NATIONAL_PARK),
            ("iucn_category", IucnManagementCategory.II),
            ("established_year", 1996),
        ),
    )


@transaction.atomic
def load(
    places: tuple[BuiltinPlace, ...] | list[BuiltinPlace], *, actor: User | str | None = "builtin"
) -> dict[str, int]:
    """Create or update built-in places (audited); unchanged ones are left alone."""
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    for item in places:
        values: dict[str, Any] = {
            "name_en": item.name_en,
            "name_ru": item.name_ru,
            "name_kk": item.name_kk,
            "geometry": item.geometry,
            "source": item.source,
            "notes": item.notes,
            **dict(item.extra),
        }
        if item.kind == PlaceKind.PROTECTED_AREA:
            scope = Scope.objects.filter(code=item.code).first()
            if scope is not None:
                values["scope_id"] = scope.pk
        place = Place.objects.filter(kind=item.kind, code=item.code).first()
        if place is None:
            place = Place(kind=item.kind, code=item.code, **values)
            place.save()
            audit.record_create(place, actor=actor)
            counts["created"] += 1
            continue
        if all(getattr(place, key) == value for key, value in values.items()):
            counts["unchanged"] += 1
            continue
        before = audit.snapshot(place)
        for key, value in values.items():
            setattr(place, key, value)
        place.save()
        audit.record_update(place, before, actor=actor)
        counts["updated"] += 1
    return counts


def load_oblasts(*, actor: User | str | None = "builtin") -> dict[str, int]:
    """Load (or refresh) the shipped oblasts."""
    return load(oblasts(), actor=actor)
