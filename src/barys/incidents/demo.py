"""Demo step: incidents, among them the December 2023 Aksai gorge snow leopard.

The Aksai story follows public reports (a weakened snow leopard came to the workers' quarters
of a dam construction site on the Aksai river, was taken to the Almaty Zoo and soon died);
its exact day, time, place and the other incidents are simulated demonstration data.
"""

from __future__ import annotations

import datetime as dt
import io
import uuid
from typing import Any
from zoneinfo import ZoneInfo

from barys.demo.scenario import SIMULATED, DemoContext, step

ALMATY = ZoneInfo("Asia/Almaty")
NAMESPACE = uuid.UUID("5d0c5a53-0c8f-4c55-9b53-6a0f1c1f2b11")
AKSAI_KEY = "aksai-2023-12-snow-leopard"

SCOPES = {
    "ile-alatau": (
        "Ile-Alatau National Park",
        "Иле-Алатауский национальный парк",
        "Іле-Алатау ұлттық паркі",
    ),
    "altyn-emel": (
        "Altyn-Emel National Park",
        "Национальный парк Алтын-Эмель",
        "Алтынемел ұлттық паркі",
    ),
    "aksu-zhabagly": (
        "Aksu-Zhabagly Nature Reserve",
        "Аксу-Джабаглинский заповедник",
        "Ақсу-Жабағылы қорығы",
    ),
}


def demo_uuid(key: str) -> uuid.UUID:
    """The fixed id of a demonstration incident (so the step can run again)."""
    return uuid.uuid5(NAMESPACE, key)


def _when(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=ALMATY)


def _simulated_photo(caption: str, lat: float, lon: float) -> bytes:
    """A plain generated picture with a GPS position in its EXIF (to show the stripping)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (640, 420), (196, 186, 160))
    draw = ImageDraw.Draw(image)
    for y in range(0, 420, 6):
        shade = 150 + (y * 60) // 420
        draw.line([(0, y), (640, y)], fill=(shade, shade - 12, shade - 40), width=6)
    draw.rectangle([20, 360, 620, 400], fill=(255, 255, 255))
    draw.text((30, 372), f"{caption} ({SIMULATED})", fill=(0, 0, 0))

    def rational(value: float) -> tuple[float, float, float]:
        degrees = int(value)
        minutes = int((value - degrees) * 60)
        seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
        return (float(degrees), float(minutes), seconds)

    exif = Image.Exif()
    exif[0x010F] = "Barys demo"
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = "N", rational(lat)
    gps[3], gps[4] = "E", rational(lon)
    out = io.BytesIO()
    image.save(out, format="JPEG", quality=85, exif=exif.tobytes())
    return out.getvalue()


def _scopes() -> dict[str, Any]:
    from barys.core import audit
    from barys.core.models import Scope

    found = {}
    for code, (en, ru, kk) in SCOPES.items():
        scope, created = Scope.objects.get_or_create(
            code=code, defaults={"name_en": en, "name_ru": ru, "name_kk": kk}
        )
        if created:
            audit.record_create(scope, actor="demo")
        found[code] = scope
    return found


DEMO_INCIDENTS: list[dict[str, Any]] = [
    {
        "key": AKSAI_KEY,
        "type": "sick-animal",
        "when": "2023-12-04T07:40",
        "scope": "ile-alatau",
        "lat": 43.0791,
        "lon": 76.7582,
        "unc": 300,
        "locality": "Aksai gorge, workers' quarters of the dam construction site on the "
        "Aksai river",
        "taxon": "Panthera uncia",
        "priority": "urgent",
        "count": 1,
        "attributes": {
            "condition": "weakened",
            "body_condition": "emaciated",
            "symptoms": ["lethargy"],
            "age_class": "adult",
            "near_people": True,
            "veterinarian_called": True,
        },
        "narrative": "A weakened snow leopard came to the workers' quarters of the dam "
        "construction site on the Aksai river in the Aksai gorge. Park rangers "
        "and veterinarians were called; the animal offered no resistance. It was "
        "taken to the Almaty Zoo for treatment, where it soon died. A necropsy "
        "was done and tissue samples were deposited in the cryobank. "
        f"(Day, time and coordinates: {SIMULATED}.)",
        "actions": [
            (
                "2023-12-04T08:30",
                "inspection",
                "Rangers secured the area and kept workers away from the animal.",
            ),
            ("2023-12-04T11:15", "capture", "Immobilised by the zoo's veterinarians."),
            ("2023-12-04T14:00", "transfer", "Transported to the Almaty Zoo."),
            ("2023-12-09T06:00", "death", "Died at the zoo despite treatment."),
            ("2023-12-09T13:00", "necropsy", "Necropsy at the zoo's veterinary unit."),
            (
                "2023-12-09T15:00",
                "sampling",
                "Blood, muscle, skin and hair samples taken for the cryobank.",
            ),
        ],
        "outcome": "necropsy",
        "state": "resolved",
        "published": True,
        "public_summary": "In December 2023 a weakened snow leopard came to the workers' "
        "quarters of a dam construction site on the Aksai river. It was "
        "taken to the Almaty Zoo and soon died; a necropsy was done and "
        "samples were kept in the cryobank.",
    },
    {
        "key": "aksai-2023-11-sighting",
        "type": "human-wildlife-conflict",
        "when": "2023-11-27T18:05",
        "scope": "ile-alatau",
        "lat": 43.0822,
        "lon": 76.7610,
        "unc": 500,
        "locality": "Aksai gorge, road to the dam construction site",
        "taxon": "Panthera uncia",
        "priority": "normal",
        "count": 1,
        "attributes": {"conflict_kind": "in_settlement", "livestock_guarded": True},
        "narrative": "Workers saw a thin snow leopard near the road to the construction site "
        f"at dusk; it left towards the river. ({SIMULATED}.)",
        "actions": [("2023-11-28T10:00", "inspection", "Tracks checked; workers instructed.")],
        "outcome": "",
        "state": "resolved",
        "published": False,
    },
    {
        "key": "ile-alatau-2024-bear-apiary",
        "type": "human-wildlife-conflict",
        "when": "2024-06-18T05:10",
        "scope": "ile-alatau",
        "lat": 43.0312,
        "lon": 77.2634,
        "unc": 100,
        "locality": "Apiary above the Turgen valley",
        "taxon": "Ursus arctos isabellinus",
        "priority": "normal",
        "count": 1,
        "attributes": {"conflict_kind": "property", "compensation_requested": True},
        "narrative": f"A bear broke hives at an apiary at night. ({SIMULATED}.)",
        "actions": [("2024-06-18T10:00", "inspection", "Damage recorded with the owner.")],
        "outcome": "",
        "state": "active",
        "published": False,
    },
    {
        "key": "aksu-zhabagly-2024-snares",
        "type": "poaching",
        "when": "2024-02-11T12:20",
        "scope": "aksu-zhabagly",
        "lat": 42.4102,
        "lon": 70.6221,
        "unc": 50,
        "locality": "Upper Zhabagly valley",
        "taxon": "Ovis ammon karelini",
        "priority": "high",
        "count": 0,
        "attributes": {
            "poaching_kind": "snare",
            "evidence": ["snares", "tracks"],
            "evidence_items_seized": 7,
            "case_reference": "DEMO-2024-017",
            "reported_to_police": True,
            "suspects_detained": 0,
        },
        "narrative": f"Seven wire snares on an argali trail were removed. ({SIMULATED}.)",
        "actions": [
            ("2024-02-11T14:00", "evidence", "Snares photographed and seized."),
            ("2024-02-12T09:00", "report", "Reported to the district police."),
        ],
        "outcome": "",
        "state": "resolved",
        "published": True,
        "public_summary": "Rangers removed seven snares set on an argali trail; the case was "
        "passed to the police.",
    },
    {
        "key": "altyn-emel-2024-gazelle-road",
        "type": "road-kill",
        "when": "2024-05-03T21:45",
        "scope": "altyn-emel",
        "lat": 44.0151,
        "lon": 78.4412,
        "unc": 30,
        "locality": "Highway at the park's western boundary",
        "taxon": "Gazella subgutturosa",
        "priority": "low",
        "count": 1,
        "attributes": {
            "road": "A-351",
            "road_km": 142.5,
            "vehicle_kind": "truck",
            "carcass_removed": True,
            "sex": "female",
            "age_class": "adult",
        },
        "narrative": f"A goitered gazelle was hit by a truck at dusk. ({SIMULATED}.)",
        "actions": [("2024-05-04T08:00", "inspection", "Carcass measured and removed.")],
        "outcome": "died",
        "state": "resolved",
        "published": True,
        "public_summary": "A goitered gazelle was killed by a vehicle on the highway by the park.",
        "photo": "Road kill, goitered gazelle",
    },
    {
        "key": "altyn-emel-2024-saker-powerline",
        "type": "mortality",
        "when": "2024-04-22T10:00",
        "scope": "altyn-emel",
        "lat": 43.9003,
        "lon": 78.7207,
        "unc": 20,
        "locality": "10 kV line near the Konyrolen cordon",
        "taxon": "Falco cherrug",
        "priority": "normal",
        "count": 1,
        "attributes": {
            "suspected_cause": "power_line",
            "carcass_state": "fresh",
            "estimated_days_dead": 1,
            "necropsy_planned": True,
        },
        "narrative": f"A saker falcon was found under a pole of a 10 kV line. ({SIMULATED}.)",
        "actions": [("2024-04-22T12:00", "sampling", "Muscle and feather samples taken.")],
        "outcome": "necropsy",
        "state": "resolved",
        "published": False,
    },
    {
        "key": "altyn-emel-2024-steppe-eagle-rescue",
        "type": "rescue-transfer",
        "when": "2024-08-14T16:30",
        "scope": "altyn-emel",
        "lat": 44.1408,
        "lon": 78.9050,
        "unc": 100,
        "locality": "Aktau hills",
        "taxon": "Aquila nipalensis",
        "priority": "high",
        "count": 1,
        "attributes": {
            "reason": "injured",
            "destination_kind": "rehabilitation_centre",
            "destination_name": "Raptor rehabilitation centre (demo)",
            "transport_hours": 5.5,
            "sedation_used": False,
        },
        "narrative": f"A young steppe eagle with a wing injury was caught by rangers and "
        f"taken to a rehabilitation centre; released in October. ({SIMULATED}.)",
        "actions": [
            ("2024-08-14T18:00", "transfer", "Taken to the rehabilitation centre."),
            ("2024-08-15T10:00", "sampling", "Blood sample taken during treatment."),
            ("2024-10-02T09:00", "release", "Released at the place it was found."),
        ],
        "outcome": "released",
        "state": "resolved",
        "published": True,
        "public_summary": "An injured steppe eagle was treated at a rehabilitation centre "
        "and released.",
    },
]


@step("Incidents (the Aksai snow leopard and others)")
def make_incidents(context: DemoContext) -> None:
    from barys.core.models import User
    from barys.incidents import services
    from barys.incidents.builtin_types import seed_builtin_types
    from barys.incidents.models import Incident, IncidentType
    from barys.taxa.models import Taxon

    seed_builtin_types(IncidentType)
    scopes = _scopes()
    ranger = User.objects.filter(username="ranger").first()
    curator = User.objects.filter(username="curator").first()
    made = 0
    by_key: dict[str, Incident] = {}
    for spec in DEMO_INCIDENTS:
        fixed = demo_uuid(spec["key"])
        existing = Incident.objects.filter(uuid=fixed).first()
        if existing is not None:
            by_key[spec["key"]] = existing
            continue
        taxon = Taxon.objects.filter(scientific_name=spec["taxon"]).first()
        actor = ranger if spec["scope"] == "ile-alatau" and ranger else curator
        incident = services.record_incident(
            actor=actor,
            type=IncidentType.objects.get(code=spec["type"]),
            occurred_at=_when(spec["when"]),
            scope=scopes[spec["scope"]],
            latitude=spec["lat"],
            longitude=spec["lon"],
            uncertainty_m=spec["unc"],
            locality=spec["locality"],
            taxon=taxon,
            count=spec["count"],
            priority=spec["priority"],
            narrative=spec["narrative"],
            attributes=spec["attributes"],
            check_permission=False,
            reporter_name=str(actor) if actor else "demo",
        )
        Incident.objects.filter(pk=incident.pk).update(uuid=fixed)
        incident.uuid = fixed
        for when, kind, description in spec["actions"]:
            services.add_action(
                incident=incident, actor=curator, kind=kind, at=_when(when), description=description
            )
        incident.refresh_from_db()
        changes = {"state": spec["state"]}
        if spec["outcome"]:
            changes["outcome"] = spec["outcome"]
        services.update_incident(incident=incident, actor=curator, **changes)
        if spec.get("published"):
            services.set_published(
                incident=incident,
                actor=curator,
                published=True,
                public_summary=spec.get("public_summary", ""),
            )
        if spec.get("photo"):
            services.add_attachment(
                incident=incident,
                actor=curator,
                data=_simulated_photo(spec["photo"], spec["lat"], spec["lon"]),
                filename="roadkill-demo.jpg",
                content_type="image/jpeg",
                caption=f"{spec['photo']} ({SIMULATED})",
            )
        by_key[spec["key"]] = incident
        made += 1
    aksai = by_key.get(AKSAI_KEY)
    sighting = by_key.get("aksai-2023-11-sighting")
    if (
        aksai
        and sighting
        and curator is not None
        and not aksai.related.filter(pk=sighting.pk).exists()
    ):
        services.link_incidents(incident=aksai, other=sighting, actor=curator)
    context.summary["incidents"] = Incident.objects.count()
