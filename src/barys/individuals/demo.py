"""Demo step: 22 identified snow leopards of Ile-Alatau National Park.

Everything here is simulated demonstration data **except the litter sizes**: the park's
record of a mother seen with 2 cubs in 2018, 2 in 2019, 3 in 2020, 3 in 2021, 3 in 2022 and
3 in 2023 (three cubs at once is extremely rare). Which simulated female carries each litter
record is made up.

The step makes the passports ``SL-IA-001`` … ``SL-IA-022`` (sexes, estimated birth years,
mothers of cubs, statuses), the litter records, a small identification survey whose camera
images are rendered with the procedural coat generator (:mod:`barys.demo.coats`; cubs inherit
part of their mother's rosettes), annotations with reference photos per flank, a few events
awaiting identification (in this survey and, when the camera-trap demo made snow-leopard
events, on its images too), the re-identification index and its match suggestions.
The coats of ``SL-IA-001`` … ``SL-IA-003`` use seeds 1–3, the seeds of the snow leopards on the
camera-trap demo's cards, so those animals can be recognised there.

Idempotent: what exists is left alone, so a second run adds nothing.
"""

from __future__ import annotations

import io
import logging
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import numpy as np
from django.db.models import ProtectedError

from barys.core.models import Scope
from barys.demo.scenario import SIMULATED, DemoContext, step
from barys.individuals import annotations as annotation_services
from barys.individuals import chips, kinship, passports, recognition
from barys.individuals.models import (
    Annotation,
    Individual,
    LitterRecord,
    MatchDecision,
    MatchSuggestion,
)
from barys.taxa.models import Taxon

log = logging.getLogger(__name__)

ACTOR = "demo"
SCOPE = "ile-alatau"
SURVEY_CODE = "ile-alatau-snow-leopard-id"
ZONE = "Asia/Almaty"
FRAME = (640, 480)  # pixels
CODE = "SL-IA-{:03d}"
LITTER_SOURCE = (
    "Ile-Alatau National Park: a snow leopard mother seen with 2 cubs in 2018, 2 in 2019, "
    "3 in 2020, 3 in 2021, 3 in 2022 and 3 in 2023"
)
LITTER_NOTE = (
    "The litter size is the park's record; the mother's passport and the camera evidence are "
    f"{SIMULATED}."
)


@dataclass(frozen=True)
class Spec:
    """One simulated passport."""

    number: int
    sex: str
    born: int
    exact: bool
    mother: int | None
    status: str
    name: str = ""
    marks: str = ""


PASSPORTS: tuple[Spec, ...] = (
    Spec(1, "female", 2012, False, None, "alive", "Aisulu", "notch in the left ear"),
    Spec(2, "female", 2013, False, None, "alive", "Zhuldyz"),
    Spec(3, "female", 2011, False, None, "alive", "", "scar across the nose"),
    Spec(4, "female", 2015, False, None, "alive"),
    Spec(5, "male", 2010, False, None, "alive", "Batyr", "torn right ear"),
    Spec(6, "male", 2012, False, None, "alive"),
    Spec(7, "male", 2009, False, None, "dead"),
    Spec(8, "male", 2014, False, None, "alive", "Kuat"),
    Spec(9, "unknown", 2013, False, None, "unknown"),
    Spec(10, "female", 2018, True, 1, "alive"),
    Spec(11, "male", 2018, True, 1, "alive"),
    Spec(12, "male", 2019, True, 2, "alive"),
    Spec(13, "female", 2020, True, 3, "alive"),
    Spec(14, "male", 2020, True, 3, "alive"),
    Spec(15, "male", 2020, True, 3, "unknown"),
    Spec(16, "female", 2021, True, 1, "alive"),
    Spec(17, "unknown", 2021, True, 1, "alive"),
    Spec(18, "unknown", 2022, True, 2, "alive"),
    Spec(19, "unknown", 2023, True, 3, "alive"),
    Spec(20, "unknown", 2023, True, 3, "alive"),
    Spec(21, "female", 2016, False, None, "captive", "", "kept in a rehabilitation centre"),
    Spec(22, "male", 2016, False, None, "alive"),
)
#: (year, mother, number of cubs, the cubs with passports) — the sizes are the park's record.
LITTERS: tuple[tuple[int, int, int, tuple[int, ...]], ...] = (
    (2018, 1, 2, (10, 11)),
    (2019, 2, 2, (12,)),
    (2020, 3, 3, (13, 14, 15)),
    (2021, 1, 3, (16, 17)),
    (2022, 2, 3, (18,)),
    (2023, 3, 3, (19, 20)),
)
#: The park's record, year → cubs (what the kinship page must show).
RECORD: dict[int, int] = {year: cubs for year, _mother, cubs, _known in LITTERS}
#: Identification stations (code, latitude, longitude, elevation m), simulated positions.
STATIONS: tuple[tuple[str, float, float, float], ...] = (
    ("IA-ID-01", 43.0912, 76.9433, 2450.0),
    ("IA-ID-02", 43.0781, 77.0628, 2710.0),
    ("IA-ID-03", 43.1046, 77.1872, 2380.0),
    ("IA-ID-04", 43.0655, 77.3017, 2960.0),
    ("IA-ID-05", 43.1321, 77.4239, 2240.0),
    ("IA-ID-06", 43.0538, 76.8714, 3120.0),
)
#: Individuals whose next encounter is left awaiting identification, and an unknown one.
PENDING: tuple[int, ...] = (1, 5, 8, 13, 22)
UNKNOWN_SEED = 777
#: Leave-one-encounter-out queries for the demo's calibration (fewer than a real index uses,
#: to keep the step short).
CALIBRATION_QUERIES = 40


def snow_leopard() -> Taxon | None:
    return Taxon.objects.filter(scientific_name="Panthera uncia").first()


# -- passports and litters --------------------------------------------------------------------


def ensure_passports(taxon: Taxon, scope: Scope | None) -> dict[int, Individual]:
    """The 22 passports (created once)."""
    made: dict[int, Individual] = {}
    for spec in PASSPORTS:
        code = CODE.format(spec.number)
        existing = Individual.objects.filter(code=code).first()
        if existing is not None:
            made[spec.number] = existing
            continue
        made[spec.number] = passports.create_individual(
            taxon=taxon,
            scope=scope,
            code=code,
            actor=ACTOR,
            name=spec.name,
            sex=spec.sex,
            birth_year=spec.born,
            birth_year_exact=spec.exact,
            status=spec.status,
            mother=made.get(spec.mother) if spec.mother else None,
            distinguishing_marks=spec.marks,
            notes=f"Passport of {SIMULATED}.",
        )
    return made


def ensure_litters(
    taxon: Taxon, scope: Scope | None, individuals: dict[int, Individual]
) -> list[LitterRecord]:
    """The park's litter record, one litter record per year (created once)."""
    rows = []
    for year, mother, cubs, known in LITTERS:
        found = LitterRecord.objects.filter(mother=individuals[mother], year=year).first()
        if found is None:
            found = kinship.create_litter(
                taxon=taxon,
                year=year,
                cubs_count=cubs,
                mother=individuals[mother],
                cubs=[individuals[n] for n in known],
                scope=scope,
                actor=ACTOR,
                source=LITTER_SOURCE,
                notes=LITTER_NOTE,
            )
        rows.append(found)
    return rows


# -- camera images --------------------------------------------------------------------------


@dataclass(frozen=True)
class Shot:
    """One rendered image of the demo survey."""

    station: int
    moment: datetime  # UTC
    number: int  # individual (0: the unknown one)
    side: str
    night: bool
    identified: bool
    life_stage: str = ""


def _coats() -> dict[int, object]:
    from barys.demo.coats import Coat

    coats: dict[int, Coat] = {}
    for spec in PASSPORTS:
        parent = coats.get(spec.mother) if spec.mother else None
        coats[spec.number] = Coat.for_individual(spec.number, parent=parent, inherit=0.3)
    coats[0] = Coat.for_individual(UNKNOWN_SEED)
    return coats  # type: ignore[return-value]


def _moment(rng: np.random.Generator, year: int, months: tuple[int, int] = (1, 12)) -> datetime:
    month = int(rng.integers(months[0], months[1] + 1))
    day = int(rng.integers(1, 28))
    hour = int(rng.integers(0, 24))
    return datetime(year, month, day, hour, int(rng.integers(0, 60)), tzinfo=UTC)


def plan() -> list[Shot]:
    """Every image of the demo survey (deterministic)."""
    rng = np.random.default_rng(20180707)
    shots: list[Shot] = []
    by_number = {s.number: s for s in PASSPORTS}
    for spec in PASSPORTS:
        if spec.status == "captive":
            continue
        first = max(2018, spec.born + (1 if spec.mother else 2))
        last = 2021 if spec.status == "dead" else 2024
        if spec.status == "unknown":
            last = min(last, first + 2)
        sides = ("left", "right", "left") if spec.number % 2 else ("left", "right")
        years = sorted(int(y) for y in rng.integers(first, last + 1, size=len(sides)))
        for index, (side, year) in enumerate(zip(sides, years, strict=True)):
            moment = _moment(rng, year) + timedelta(days=index)  # distinct encounters
            shots.append(
                Shot(
                    int(rng.integers(len(STATIONS))),
                    moment,
                    spec.number,
                    side,
                    moment.hour < 3 or moment.hour > 15,
                    True,
                )
            )
    for year, mother, _cubs, known in LITTERS:
        station = int(rng.integers(len(STATIONS)))
        start = _moment(rng, year, (7, 9))
        shots.append(Shot(station, start, mother, "left", False, True, "adult"))
        for offset, cub in enumerate(known, start=1):
            shots.append(
                Shot(
                    station, start + timedelta(seconds=4 * offset), cub, "left", False, True, "cub"
                )
            )
    for number in PENDING:
        spec = by_number[number]
        moment = _moment(rng, 2024, (8, 11))
        shots.append(
            Shot(int(rng.integers(len(STATIONS))), moment, spec.number, "left", False, False)
        )
    shots.append(Shot(2, _moment(rng, 2024, (9, 10)), 0, "left", True, False))
    return sorted(shots, key=lambda s: s.moment)


def _render(
    coats: dict[int, object], shot: Shot, index: int
) -> tuple[bytes, tuple[float, float, float, float]]:
    from barys.demo.coats import render_with_box

    rng = np.random.default_rng([index, 0xD3])
    rendering = render_with_box(
        coats[shot.number],  # type: ignore[arg-type]
        shot.side,  # type: ignore[arg-type]
        float(rng.uniform(-20, 20)),
        float(rng.uniform(0.72, 0.95)) * (0.8 if shot.life_stage == "cub" else 1.0),
        0.0 if index % 4 else 0.12,
        shot.night,
        background_seed=5000 + shot.station,
        size=FRAME,
        shot_seed=index,
    )
    buffer = io.BytesIO()
    rendering.image.convert("RGB").save(buffer, format="JPEG", quality=85)
    width, height = FRAME
    x0, y0, x1, y1 = rendering.box
    return buffer.getvalue(), (x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height)


def ensure_survey(taxon: Taxon) -> list[object]:
    """The identification survey, its stations and one deployment per station."""
    from barys.camtrap import services
    from barys.camtrap.models import Deployment, Station, Survey

    survey = Survey.objects.filter(code=SURVEY_CODE).first()
    if survey is None:
        survey = services.create_survey(
            code=SURVEY_CODE,
            title="Snow leopard identification cameras, Ile-Alatau National Park",
            description=f"Cameras set for individual identification ({SIMULATED}).",
            scope_code=SCOPE,
            target_taxa=[taxon],
            capture_methods=["activityDetection"],
            start_date=date(2018, 1, 1),
            end_date=date(2024, 12, 31),
            actor=ACTOR,
        )
    deployments = []
    for code, latitude, longitude, elevation in STATIONS:
        station = Station.objects.filter(
            survey=survey, code=code
        ).first() or services.create_station(
            survey=survey,
            code=code,
            latitude=latitude,
            longitude=longitude,
            elevation_m=elevation,
            name=f"{code} ({SIMULATED})",
            coordinate_uncertainty_m=10,
            comments=SIMULATED,
            actor=ACTOR,
        )
        deployment = Deployment.objects.filter(code=f"{code}-2018-2024").first()
        if deployment is None:
            deployment = services.create_deployment(
                code=f"{code}-2018-2024",
                station=station,
                start=datetime(2018, 1, 1, tzinfo=UTC),
                end=datetime(2024, 12, 31, 23, 59, tzinfo=UTC),
                time_zone=ZONE,
                comments=SIMULATED,
                actor=ACTOR,
            )
        deployments.append(deployment)
    return deployments


def ensure_images(taxon: Taxon, individuals: dict[int, Individual]) -> dict[str, int]:
    """Render, store and annotate the survey's images (missing ones only)."""
    from barys.camtrap import clock
    from barys.camtrap.events import regroup_events
    from barys.camtrap.models import Media
    from barys.core import filestore

    deployments = ensure_survey(taxon)
    coats = _coats()
    shots = plan()
    made = 0
    names: list[tuple[Shot, str, tuple[float, float, float, float] | None]] = []
    for index, shot in enumerate(shots):
        deployment = deployments[shot.station]
        name = f"IDCAM{index + 1:04d}.JPG"
        media = Media.objects.filter(deployment=deployment, file_name=name).first()
        box = None
        if media is None:
            data, box = _render(coats, shot, index)
            stored = filestore.store_bytes(data, original_name=name, content_type="image/jpeg")
            local = clock.in_zone(shot.moment, ZONE).replace(tzinfo=None)
            Media.objects.create(
                deployment=deployment,
                file=stored,
                file_name=name,
                file_path=f"DCIM/100IDCAM/{name}",
                media_type="image/jpeg",
                capture_method=Media.CaptureMethod.ACTIVITY,
                timestamp=shot.moment,
                timestamp_local=clock.format_local(local),
                time_zone=ZONE,
                width=FRAME[0],
                height=FRAME[1],
                comments=SIMULATED,
            )
            made += 1
        names.append((shot, name, box))
    if made:
        for deployment in deployments:
            regroup_events(deployment)  # type: ignore[arg-type]
    annotated = 0
    seen_flank: set[tuple[int, str]] = set()
    for index, (shot, name, box) in enumerate(names):
        media = Media.objects.select_related("deployment__station__survey").get(
            deployment=deployments[shot.station], file_name=name
        )
        key = (shot.number, shot.side)
        reference = shot.identified and key not in seen_flank and shot.life_stage != "cub"
        if reference:
            seen_flank.add(key)
        if media.annotations.exists():
            continue
        if box is None:
            _data, box = _render(coats, shot, index)
        annotation_services.create_annotation(
            media=media,
            viewpoint=shot.side,
            box=box,
            taxon=taxon,
            quality=Annotation.Quality.GOOD if not shot.night else Annotation.Quality.FAIR,
            life_stage=shot.life_stage,
            individual=individuals[shot.number] if shot.identified else None,
            is_reference=reference,
            notes=SIMULATED,
            actor=ACTOR,
        )
        annotated += 1
    return {"media": made, "annotations": annotated}


def link_litter_evidence(individuals: dict[int, Individual]) -> None:
    """Point each litter record at the camera event where the mother was seen with cubs."""
    from barys.core import audit

    for year, mother, _cubs, known in LITTERS:
        litter = LitterRecord.objects.filter(mother=individuals[mother], year=year).first()
        if litter is None or litter.evidence_event_id or not known:
            continue
        evidence = (
            Annotation.objects.filter(
                individual=individuals[known[0]], life_stage="cub", media__timestamp__year=year
            )
            .select_related("media")
            .first()
        )
        if evidence is None or evidence.media.event_id is None:
            continue
        mother_annotation = Annotation.objects.filter(
            individual=individuals[mother], media__event_id=evidence.media.event_id
        ).first()
        before = audit.snapshot(litter)
        litter.evidence_event_id = evidence.media.event_id
        litter.evidence_annotation = mother_annotation
        litter.seen_on = passports.local_date(evidence.media.timestamp)
        litter.evidence_note = f"Mother and cubs in one camera event ({SIMULATED})."
        litter.save()
        audit.record_update(litter, before, actor=ACTOR)


# -- the camera-trap demo's snow leopards -----------------------------------------------------


def _best_probability(result: Any) -> float:
    best = result.best
    return float(best.probability) if best is not None else 0.0


def annotate_camtrap_events(taxon: Taxon, limit: int = 6) -> int:
    """Annotate snow-leopard events of other surveys in the park (boxes from their animal
    detections) as awaiting identification. The flank is chosen by querying the index with
    both (a shortcut of the demonstration; people set the viewpoint)."""
    from barys.camtrap.models import Detection, Observation

    engine = recognition.load_engine(taxon)
    if engine is None:
        return 0
    events = (
        Observation.objects.filter(
            taxon=taxon,
            individual__isnull=True,
            event__isnull=False,
            deployment__station__scope_code=SCOPE,
        )
        .exclude(deployment__station__survey__code=SURVEY_CODE)
        .order_by("event_start")
        .values_list("event_id", flat=True)
        .distinct()
    )
    made = 0
    for event_pk in list(events)[: limit * 3]:
        if made >= limit:
            break
        if Annotation.objects.filter(media__event_id=event_pk).exists():
            made += 1
            continue
        detection = (
            Detection.objects.filter(
                media__event_id=event_pk, category="animal", media__file__isnull=False
            )
            .select_related("media__deployment__station__survey", "media")
            .order_by("-confidence")
            .first()
        )
        if detection is None or min(detection.bbox[2:]) <= 0:
            continue
        probe = Annotation(
            media=detection.media,
            bbox_x=detection.bbox_x,
            bbox_y=detection.bbox_y,
            bbox_width=min(detection.bbox_width, 1 - detection.bbox_x),
            bbox_height=min(detection.bbox_height, 1 - detection.bbox_y),
        )
        try:
            chip = chips.chip_array(probe)
        except Exception:  # a missing original only skips the event
            continue
        description = engine.describe(chip)
        results = {
            side: engine.query_description(description, side, top=1) for side in ("left", "right")
        }
        side = max(results, key=lambda s: _best_probability(results[s]))
        annotation_services.create_annotation(
            media=detection.media,
            detection=detection,
            viewpoint=side,
            taxon=taxon,
            quality=Annotation.Quality.FAIR,
            notes=f"Viewpoint chosen by the demonstration ({SIMULATED}).",
            actor=ACTOR,
        )
        made += 1
    return made


# -- the step ----------------------------------------------------------------------------------


def ensure_index_and_suggestions(taxon: Taxon) -> dict[str, int]:
    state = recognition.read_state(taxon)
    if not state or state.get("annotations") != recognition.eligible(taxon).count():
        recognition.build_index(taxon=taxon, calibration_queries=CALIBRATION_QUERIES)
    annotate_camtrap_events(taxon)
    waiting = list(
        Annotation.objects.filter(taxon=taxon, individual__isnull=True, suggestions__isnull=True)
        .select_related("media__event", "event", "taxon")
        .order_by("id")
    )
    result = recognition.suggest(annotations=waiting) if waiting else {"queried": 0}
    return {"queried": int(result["queried"])}


def reset() -> None:
    """Remove this step's data (kept: passports other modules still refer to)."""
    import shutil

    from barys.camtrap.models import Media, Observation, Survey

    MatchDecision.objects.all().delete()
    MatchSuggestion.objects.all().delete()
    Annotation.objects.filter(notes__contains=SIMULATED).delete()
    Observation.objects.filter(tags__contains="barys:identification").delete()
    LitterRecord.objects.filter(mother__code__startswith="SL-IA-").delete()
    survey = Survey.objects.filter(code=SURVEY_CODE).first()
    if survey is not None:
        Media.objects.filter(deployment__station__survey=survey).delete()
        for station in survey.stations.all():
            station.deployments.all().delete()
        survey.delete()
    for individual in Individual.objects.filter(code__startswith="SL-IA-").order_by("-code"):
        try:
            individual.delete()
        except ProtectedError:
            log.info("kept %s: other modules refer to it", individual.code)
    shutil.rmtree(recognition.index_dir(), ignore_errors=True)


def _reviewed_before_identification() -> None:
    """The demo's identification survey shows events a person has already labelled (the
    snow leopard events the identification starts from)."""
    from barys.camtrap.models import Event, Observation

    labelled = Observation.objects.filter(
        deployment__station__survey__code=SURVEY_CODE,
        classification_method=Observation.Method.HUMAN,
        event__isnull=False,
    ).values("event_id")
    Event.objects.filter(pk__in=labelled, review_state=Event.ReviewState.UNREVIEWED).update(
        review_state=Event.ReviewState.REVIEWED
    )


@step("individual snow leopards (Ile-Alatau)")
def individual_snow_leopards(context: DemoContext) -> None:
    if context.reset:
        reset()
    taxon = snow_leopard()
    if taxon is None:
        log.warning("Panthera uncia is not in the registry; individuals demo skipped")
        return
    scope = Scope.objects.filter(code=SCOPE).first()
    individuals = ensure_passports(taxon, scope)
    ensure_litters(taxon, scope, individuals)
    images = ensure_images(taxon, individuals)
    link_litter_evidence(individuals)
    suggested = ensure_index_and_suggestions(taxon)
    for item in Individual.objects.filter(taxon=taxon, merged_into__isnull=True):
        Individual.objects.filter(pk=item.pk).update(**passports.seen_fields(item))
    _reviewed_before_identification()
    context.summary["individual snow leopards"] = len(individuals)
    context.summary["individual annotations"] = Annotation.objects.filter(taxon=taxon).count()
    context.summary["litter records"] = LitterRecord.objects.filter(taxon=taxon).count()
    context.summary["annotations awaiting identification"] = Annotation.objects.filter(
        taxon=taxon, individual__isnull=True
    ).count()
    log.debug("individuals demo: %s images, %s queried", images, suggested)
