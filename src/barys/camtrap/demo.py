"""Demo step: camera-trap monitoring in Ile-Alatau National Park (simulated demonstration data).

A survey 2018–2024 with 35 stations in two sets (winter sites around 2,000 m, summer sites
higher up), 35 cameras (20 donated under a UNDP programme, one with memory cards and
batteries by a wildlife fund, the rest the park's own), seasonal deployments with a few
outages, and a few hundred generated images (:data:`DEMO_IMAGES`) on the cards of the last
winter's first stations, ingested through the real card ingest, with the weights-free motion
detector run on them, one card's MegaDetector output (a ranger) imported, and previews made.

The step is idempotent: the registry is created once, generated cards are identical on every
run and a deployment that already holds its card is not ingested again.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np
from django.conf import settings
from django.db import transaction

from barys.camtrap import clock, services
from barys.camtrap.derivatives import build_derivatives
from barys.camtrap.detect import import_megadetector_batch, run_detection
from barys.camtrap.ingest import ingest_card
from barys.camtrap.models import (
    Camera,
    Deployment,
    DetectionRun,
    Media,
    Observation,
    Outage,
    Station,
    Survey,
)
from barys.demo.scenario import SIMULATED, DemoContext, step
from barys.taxa.models import Taxon

log = logging.getLogger(__name__)

SURVEY_CODE = "ile-alatau-camera-traps"
SCOPE = "ile-alatau"
ZONE = "Asia/Almaty"
#: Generated images per demo run (a few thousand is the full scenario; keep the step short).
DEMO_IMAGES = 240
#: Deployments of the last winter that receive a generated card.
CARD_DEPLOYMENTS = 4
#: Generated frame size, pixels.
FRAME_SIZE = (800, 600)
#: The motion detector's settings for the demo: small frames, few background frames (fast).
MOTION_SETTINGS = {"motion": {"working_width": 320, "max_background": 6}}
WINTER_SITES = 18
SUMMER_SITES = 17
ACTOR = "demo"
UNDP_DONOR = "UNDP (snow leopard conservation programme)"
FUND_DONOR = "a wildlife fund (with memory cards and batteries)"
PARK = "Ile-Alatau National Park"


@dataclass(frozen=True)
class _Site:
    code: str
    latitude: float
    longitude: float
    elevation_m: float
    habitat: str
    feature: str


def _sites() -> list[_Site]:
    rng = np.random.default_rng(20180101)
    sites: list[_Site] = []
    for index in range(WINTER_SITES):
        sites.append(
            _Site(
                code=f"IA-W{index + 1:02d}",
                latitude=round(float(rng.uniform(43.04, 43.22)), 5),
                longitude=round(float(rng.uniform(76.75, 77.55)), 5),
                elevation_m=round(float(rng.normal(2000, 120))),
                habitat="spruce forest edge and rocky slope (winter range)",
                feature=["trailGame", "trailHiking"][index % 2],
            )
        )
    for index in range(SUMMER_SITES):
        sites.append(
            _Site(
                code=f"IA-S{index + 1:02d}",
                latitude=round(float(rng.uniform(43.02, 43.12)), 5),
                longitude=round(float(rng.uniform(76.8, 77.5)), 5),
                elevation_m=round(float(rng.uniform(2700, 3400))),
                habitat="alpine meadow, scree and rock outcrops (summer range)",
                feature="trailGame",
            )
        )
    return sites


def _cameras() -> list[Camera]:
    cameras: list[Camera] = []
    for index in range(35):
        serial = f"IA-CAM-{index + 1:03d}"
        existing = Camera.objects.filter(serial=serial).first()
        if existing is not None:
            cameras.append(existing)
            continue
        if index < 20:
            fields = {"make": "RECONYX", "model": "HF2X", "owner": PARK, "donor": UNDP_DONOR}
        elif index == 20:
            fields = {"make": "Browning", "model": "BTC-8E", "owner": PARK, "donor": FUND_DONOR}
        else:
            fields = {"make": "Bushnell", "model": "Core DS-4K", "owner": PARK, "donor": ""}
        status = Camera.Status.IN_USE
        if index == 27:
            status = Camera.Status.LOST
        elif index == 31:
            status = Camera.Status.IN_REPAIR
        cameras.append(
            services.create_camera(
                serial=serial,
                actor=ACTOR,
                status=status,
                scope_code=SCOPE,
                notes=SIMULATED,
                **fields,
            )
        )
    return cameras


def _local(year: int, month: int, day: int, hour: int) -> datetime:
    return clock.to_utc(datetime(year, month, day, hour), ZONE)


def _seasons() -> list[tuple[str, datetime, datetime, bool]]:
    """(label, start, end, winter) of every season of the survey."""
    seasons: list[tuple[str, datetime, datetime, bool]] = []
    for year in range(2018, 2025):
        seasons.append((f"{year}S", _local(year, 5, 20, 11), _local(year, 10, 10, 15), False))
        if year < 2024:
            seasons.append((f"{year}W", _local(year, 11, 5, 11), _local(year + 1, 4, 25, 14), True))
    return seasons


#: (deployment code, outage start, outage end (None: to the end), reason, comment)
_OUTAGES = (
    ("IA-W03-2019W", (2020, 1, 10), (2020, 2, 5), Outage.Reason.SNOW, "lens under snow"),
    ("IA-S05-2021S", (2021, 8, 20), (2021, 9, 2), Outage.Reason.BATTERY, ""),
    ("IA-S10-2022S", (2022, 7, 14), None, Outage.Reason.THEFT, "camera stolen; found missing"),
    ("IA-W07-2022W", (2023, 2, 1), (2023, 2, 12), Outage.Reason.MALFUNCTION, "PIR sensor fault"),
    ("IA-W02-2023W", (2024, 1, 15), (2024, 1, 30), Outage.Reason.SNOW, "lens under snow"),
)


@transaction.atomic
def build_registry() -> Survey:
    """Survey, stations, cameras, deployments and outages (created once)."""
    survey = Survey.objects.filter(code=SURVEY_CODE).first()
    if survey is not None:
        return survey
    leopard = Taxon.objects.filter(scientific_name="Panthera uncia").first()
    survey = services.create_survey(
        code=SURVEY_CODE,
        title="Snow leopard camera-trap monitoring, Ile-Alatau National Park",
        description=f"Seasonal camera trapping of snow leopards and their prey ({SIMULATED}).",
        sampling_design=Survey.SamplingDesign.TARGETED,
        capture_methods=["activityDetection"],
        start_date=date(2018, 5, 20),
        end_date=date(2024, 10, 10),
        scope_code=SCOPE,
        target_taxa=[leopard] if leopard else [],
        actor=ACTOR,
    )
    stations: dict[str, Station] = {}
    for site in _sites():
        stations[site.code] = services.create_station(
            survey=survey,
            code=site.code,
            latitude=site.latitude,
            longitude=site.longitude,
            elevation_m=site.elevation_m,
            habitat=site.habitat,
            feature_type=site.feature,
            name=f"{site.code} ({SIMULATED})",
            actor=ACTOR,
        )
    cameras = _cameras()
    winter = [s for s in stations.values() if s.code.startswith("IA-W")]
    summer = [s for s in stations.values() if s.code.startswith("IA-S")]
    for label, start, end, is_winter in _seasons():
        sites = winter if is_winter else summer
        for index, station in enumerate(sites):
            camera = cameras[index if is_winter else WINTER_SITES + index]
            services.create_deployment(
                code=f"{station.code}-{label}",
                station=station,
                camera=camera,
                start=start,
                end=end,
                time_zone=ZONE,
                camera_height_m=0.6 if is_winter else 0.5,
                camera_tilt_deg=-5,
                camera_heading_deg=int((index * 47) % 360),
                bait_use=False,
                setup_by="park rangers",
                retrieved_by="park rangers",
                comments=SIMULATED,
                actor=ACTOR,
            )
    for code, first, last, reason, comment in _OUTAGES:
        deployment = Deployment.objects.get(code=code)
        stop = _local(*last, 12) if last else deployment.end
        assert stop is not None
        services.add_outage(
            deployment=deployment,
            start=_local(*first, 12),
            end=stop,
            reason=reason,
            comment=comment,
            actor=ACTOR,
        )
    return survey


def _card_folder() -> Path:
    return Path(settings.DATA_DIR) / "demo" / "camtrap-cards"


def load_cards(images: int = DEMO_IMAGES) -> dict[str, int]:
    """Generate, ingest and process the demo cards; returns counts."""
    from barys.demo.camtrap_images import CameraIdentity, generate_card, megadetector_batch

    deployments = list(
        Deployment.objects.filter(station__survey__code=SURVEY_CODE, code__endswith="-2023W")
        .select_related("camera", "station")
        .order_by("station__code")[:CARD_DEPLOYMENTS]
    )
    per_card = max(3, images // max(1, len(deployments)))
    counts = {"media": 0, "events": 0, "people": 0}
    for index, deployment in enumerate(deployments):
        assert deployment.camera is not None and deployment.end is not None
        existing = Media.objects.filter(deployment=deployment).count()
        folder = _card_folder() / deployment.code
        start = clock.in_zone(deployment.start, ZONE).replace(tzinfo=None)
        end = clock.in_zone(deployment.end, ZONE).replace(tzinfo=None)
        outage = deployment.outages.order_by("start").first()
        if outage is not None:
            end = clock.in_zone(outage.start, ZONE).replace(tzinfo=None)
        slow_clock = index == 2
        if slow_clock and not deployment.clock_offset_s:
            services.set_clock_correction(
                deployment=deployment,
                offset_s=420.0,
                note=f"camera 7 minutes slow: reference photo of a GPS clock ({SIMULATED})",
                actor=ACTOR,
            )
        shots = []
        if existing == 0:
            shots = generate_card(
                folder,
                n_images=per_card,
                start=start - (timedelta(seconds=420) if slow_clock else timedelta(0)),
                end=end,
                camera=CameraIdentity(
                    make="RECONYX", model="HF2X", serial=deployment.camera.serial
                ),
                station_seed=1000 + deployment.station.pk % 1000 + index,
                seed=index,
                size=FRAME_SIZE,
                person_events=1 if index == 0 else 0,
                clock_reset=index == 1,
            )
            ingest_card(
                deployment=deployment, root=folder, actor=ACTOR, workers=2, derivatives=False
            )
            if not DetectionRun.objects.filter(
                deployment=deployment, detector="motion", state=DetectionRun.State.DONE
            ).exists():
                run_detection(
                    deployment=deployment, order=("motion",), factory_settings=MOTION_SETTINGS
                )
            if index == 0:
                batch = megadetector_batch(
                    shots,
                    folder.parent / f"{deployment.code}-md.json",
                    subjects=("snow leopard", "ibex", "person"),
                )
                import_megadetector_batch(path=batch, deployment=deployment, actor=ACTOR)
            _review_events(deployment, shots, index)
            build_derivatives(deployment=deployment, workers=2)
        counts["media"] += Media.objects.filter(deployment=deployment).count()
        counts["events"] += deployment.events.count()
        counts["people"] += Media.objects.filter(deployment=deployment, person_present=True).count()
    return counts


#: What the reviewers label each generated subject as: observation type and species.
_TRUTH = {
    "snow leopard": ("animal", "Panthera uncia"),
    "ibex": ("animal", "Capra sibirica"),
    "person": ("human", ""),
    "blank": ("blank", ""),
}
#: The last card is left for the reviewers: a few events wait for a second opinion, one has
#: two reviewers disagreeing, the rest are not reviewed yet.
_LEFT_FOR_REVIEW = 3


def _review_events(deployment: Deployment, shots: list, index: int) -> None:  # type: ignore[type-arg]
    """Label the card's events through the review service, as the park's reviewers would:
    every event of the first cards, some of the last one (see :data:`_LEFT_FOR_REVIEW`)."""
    from barys.camtrap.review import Label, save_review

    subject_of = {s.file: s.subject for s in shots}
    known = set(
        Taxon.objects.filter(scientific_name__in=[n for _k, n in _TRUTH.values()]).values_list(
            "scientific_name", flat=True
        )
    )
    media = Media.objects.filter(deployment=deployment, event__isnull=False).select_related("event")
    subjects: dict[int, set[str]] = {}
    events = {}
    for item in media:
        assert item.event is not None
        subjects.setdefault(item.event.pk, set()).add(subject_of.get(item.file_path, "blank"))
        events[item.event.pk] = item.event
    reviewer = f"demo reviewer ({SIMULATED})"
    second = f"second demo reviewer ({SIMULATED})"
    ordered = sorted(events.values(), key=lambda e: (e.start, e.event_id))
    for position, event in enumerate(ordered):
        seen = subjects[event.pk] - {"blank"} or {"blank"}
        labels = []
        for subject in sorted(seen):
            kind, name = _TRUTH.get(subject, ("unknown", ""))
            if kind == "animal" and name not in known:
                kind, name = "unknown", ""
            count = 1 + position % 4 if subject == "ibex" else None
            labels.append(Label(kind, name, count))
        if index < _LEFT_FOR_REVIEW:
            save_review(event=event, labels=labels, reviewer=reviewer)
        elif position < 2:
            save_review(event=event, labels=labels, reviewer=reviewer, needs_second_opinion=True)
        elif position == 2 and labels[0].observation_type == "animal":
            save_review(event=event, labels=labels, reviewer=reviewer, needs_second_opinion=True)
            save_review(event=event, labels=[Label("unknown")], reviewer=second, second_round=True)


@step("camera traps (Ile-Alatau)")
def camera_traps(context: DemoContext) -> None:
    if context.reset:
        _reset()
    build_registry()
    counts = load_cards()
    context.summary["camera-trap deployments"] = Deployment.objects.filter(
        station__survey__code=SURVEY_CODE
    ).count()
    context.summary["camera-trap media"] = counts["media"]
    context.summary["camera-trap events"] = counts["events"]


def _reset() -> None:
    survey = Survey.objects.filter(code=SURVEY_CODE).first()
    if survey is None:
        return
    deployments = Deployment.objects.filter(station__survey=survey)
    Observation.objects.filter(deployment__in=deployments).delete()
    Media.objects.filter(deployment__in=deployments).delete()
    deployments.delete()
    Station.objects.filter(survey=survey).delete()
    survey.delete()
    Camera.objects.filter(serial__startswith="IA-CAM-").delete()
