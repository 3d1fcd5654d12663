"""A small snow-leopard world for the individuals tests (helpers only, no tests here).

A category-2 taxon, two parks, one survey with two stations at known exact positions, and
helpers to add camera media (real image files in the file store) and annotations.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from PIL import Image

from barys.camtrap import services as camtrap
from barys.camtrap.events import regroup_events
from barys.camtrap.models import Deployment, Event, Media, Observation, Station
from barys.core import filestore
from barys.core.models import Scope
from barys.individuals import annotations, passports
from barys.individuals.models import Annotation, Individual, LitterRecord, MatchSuggestion
from barys.taxa.models import Taxon

#: Exact station positions that must never reach the public (category 2: 3 decimals reveal).
STATION_A = ("IA-T01", 43.18764, 77.23458)
STATION_B = ("IA-T02", 43.06131, 76.91877)
ACTOR = "test"


@dataclass
class World:
    taxon: Taxon
    park: Scope
    other_park: Scope
    station_a: Station
    station_b: Station
    deployment_a: Deployment
    deployment_b: Deployment


def make_world() -> World:
    taxon = Taxon.objects.create(
        scientific_name="Panthera uncia",
        rank="species",
        slug="panthera-uncia",
        name_en="Snow leopard",
        name_ru="Снежный барс",
        name_kk="Барыс",
        sensitivity_category=2,
        in_red_book=True,
    )
    park = Scope.objects.get_or_create(
        code="ile-alatau",
        defaults={"name_en": "Ile-Alatau National Park", "name_ru": "Иле-Алатауский НП"},
    )[0]
    other = Scope.objects.get_or_create(
        code="aksu-zhabagly", defaults={"name_en": "Aksu-Zhabagly"}
    )[0]
    survey = camtrap.create_survey(
        code="test-survey",
        title="Test survey",
        scope_code=park.code,
        target_taxa=[taxon],
        actor=ACTOR,
    )
    stations = []
    deployments = []
    for code, lat, lon in (STATION_A, STATION_B):
        station = camtrap.create_station(
            survey=survey,
            code=code,
            latitude=lat,
            longitude=lon,
            name=f"secret gully {code}",
            actor=ACTOR,
        )
        stations.append(station)
        deployments.append(
            camtrap.create_deployment(
                code=f"{code}-2020",
                station=station,
                start=datetime(2019, 1, 1, tzinfo=UTC),
                end=datetime(2025, 1, 1, tzinfo=UTC),
                actor=ACTOR,
            )
        )
    return World(taxon, park, other, stations[0], stations[1], deployments[0], deployments[1])


def jpeg(image: Image.Image | np.ndarray, *, exif: bytes | None = None) -> bytes:
    picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
    buffer = io.BytesIO()
    if exif is not None:
        picture.convert("RGB").save(buffer, format="JPEG", quality=88, exif=exif)
    else:
        picture.convert("RGB").save(buffer, format="JPEG", quality=88)
    return buffer.getvalue()


_counter = [0]


def noise_image(seed: int, size: tuple[int, int] = (96, 72)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)


def add_media(
    deployment: Deployment,
    when: datetime,
    data: bytes | None = None,
    *,
    size: tuple[int, int] = (96, 72),
    regroup: bool = True,
) -> Media:
    """A medium with a stored original (random pixels unless ``data`` is given)."""
    _counter[0] += 1
    if data is None:
        data = jpeg(noise_image(_counter[0], size))
    width, height = Image.open(io.BytesIO(data)).size
    name = f"IMG{_counter[0]:05d}.JPG"
    stored = filestore.store_bytes(data, original_name=name, content_type="image/jpeg")
    media = Media.objects.create(
        deployment=deployment,
        file=stored,
        file_name=name,
        media_type="image/jpeg",
        timestamp=when,
        width=width,
        height=height,
    )
    if regroup:
        regroup_events(deployment)
        media.refresh_from_db()
    return media


def individual(world: World, code: str, **fields: Any) -> Individual:
    return passports.create_individual(
        taxon=world.taxon, scope=world.park, code=code, actor=ACTOR, **fields
    )


def annotate(
    media: Media,
    individual: Individual | None = None,
    *,
    viewpoint: str = "left",
    box: tuple[float, float, float, float] = (0.1, 0.1, 0.6, 0.5),
    reference: bool = False,
    taxon: Taxon | None = None,
) -> Annotation:
    return annotations.create_annotation(
        media=media,
        viewpoint=viewpoint,
        box=box,
        individual=individual,
        is_reference=reference,
        taxon=taxon,
        actor=ACTOR,
    )


def suggest(query: Annotation, candidates: list[tuple[Individual, Annotation]]) -> None:
    """Match suggestions for ``query``, best first, as the engine would store them."""
    for rank, (who, candidate) in enumerate(candidates, start=1):
        MatchSuggestion.objects.create(
            annotation=query,
            individual=who,
            candidate_annotation=candidate,
            rank=rank,
            score=40.0 / rank,
            probability=0.9 / rank,
            inliers=30 // rank,
            matches=[[10.0 + i, 12.0, 20.0 + i, 15.0] for i in range(5)],
            band="suggest_known",
            calibrated=True,
        )


def at(day: int, hour: int = 12) -> datetime:
    return datetime(2021, 3, 1, hour, tzinfo=UTC) + timedelta(days=day)


def registry_state() -> dict[str, list[tuple[Any, ...]]]:
    """Every stored value of the registry's rows (for "state before == state after undo")."""

    def rows(model: Any) -> list[tuple[Any, ...]]:
        names = [f.attname for f in model._meta.concrete_fields]
        return sorted(model.objects.values_list(*names))

    state = {
        "individuals": rows(Individual),
        "annotations": rows(Annotation),
        "observations": rows(Observation),
        "litters": rows(LitterRecord),
        "suggestions": rows(MatchSuggestion),
        "events": rows(Event),
    }
    state["cubs"] = sorted(
        LitterRecord.cubs.through.objects.values_list("litterrecord_id", "individual_id")
    )
    return state


def check_registry() -> None:
    """Invariants a consistent registry keeps."""
    for annotation in Annotation.objects.select_related("individual"):
        if annotation.individual is not None:
            assert annotation.individual.merged_into_id is None, annotation
            assert annotation.individual.taxon_id == annotation.taxon_id
    for merged in Individual.objects.filter(merged_into__isnull=False):
        assert not merged.annotations.exists()
        assert not merged.camera_observations.exists()
        assert not merged.offspring.exists()
    for event in Event.objects.all():
        wanted = set(
            Annotation.objects.filter(media__event=event, individual__isnull=False).values_list(
                "individual_id", flat=True
            )
        )
        observed = list(
            Observation.objects.filter(event=event, individual__isnull=False).values_list(
                "individual_id", flat=True
            )
        )
        assert sorted(observed) == sorted(wanted), (event, observed, wanted)
