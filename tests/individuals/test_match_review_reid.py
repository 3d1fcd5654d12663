"""The re-identification service on procedural coats: index from annotations, suggestions,
incremental sync, and the identify/suggest flow through a background job."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client

from barys.core import jobs
from barys.demo.coats import Coat, render_with_box
from barys.individuals import decisions, recognition
from barys.individuals.models import Annotation, Individual, MatchSuggestion
from barys.individuals.reid import ReidEngine
from tests.individuals.test_passports_world import (
    World,
    add_media,
    annotate,
    at,
    individual,
    jpeg,
    make_world,
)

pytestmark = pytest.mark.django_db

FRAME = (480, 360)  # small frames keep the test fast


def photo(
    world: World, seed: int, *, day: int, yaw: float, station: int, shot: int, side: str = "left"
) -> tuple:
    rendering = render_with_box(
        Coat.for_individual(seed),
        side,
        yaw,
        0.9,
        0.0,
        False,
        station,  # type: ignore[arg-type]
        FRAME,
        shot_seed=shot,
    )
    x0, y0, x1, y1 = rendering.box
    w, h = FRAME
    media = add_media(world.deployment_a, at(day), jpeg(rendering.image))
    return media, (x0 / w, y0 / h, (x1 - x0) / w, (y1 - y0) / h)


@pytest.fixture
def catalogue(world: World) -> dict[str, object]:
    leopards = [individual(world, f"SL-IA-{n:03d}") for n in (1, 2, 3)]
    for index, leopard in enumerate(leopards):
        for encounter in range(2):
            media, box = photo(
                world,
                40 + index,
                day=10 * index + 3 * encounter,
                yaw=-10 + 20 * encounter,
                station=index,
                shot=100 * index + encounter,
            )
            annotate(media, leopard, box=box)
    return {"leopards": leopards}


@pytest.fixture
def world() -> World:
    return make_world()


def test_index_from_annotations_suggests_the_right_individual(
    world: World, catalogue: dict, login: Callable[..., Client]
) -> None:
    summary = recognition.build_index(taxon=world.taxon, calibration_queries=6)
    assert summary["annotations"] == 6 and summary["individuals"] == 3
    assert summary["failures"] == 0
    assert recognition.index_path(world.taxon).exists()
    engine = ReidEngine.load(recognition.index_path(world.taxon))
    assert sorted(engine.individuals()) == ["SL-IA-001", "SL-IA-002", "SL-IA-003"]
    # a new, clear photo of SL-IA-002 at another station, awaiting identification
    media, box = photo(world, 41, day=90, yaw=5, station=7, shot=999)
    query = annotate(media, box=box)
    researcher = login("res", "researcher", ["ile-alatau"])
    response = researcher.post(
        f"/en/individuals/identify/{media.event.event_id}/", {"action": "suggest"}
    )
    assert response.status_code == 302 and "/jobs/" in response["Location"]
    job = jobs.run_job(response["Location"].rstrip("/").split("/")[-1])
    assert job.state == "done", job.message
    assert job.result["queried"] == 1
    best = MatchSuggestion.objects.filter(annotation=query).order_by("rank").first()
    assert best is not None and best.individual.code == "SL-IA-002"
    assert best.probability > 0.5 and best.inliers >= 4
    assert best.candidate_annotation.individual.code == "SL-IA-002"
    assert len(best.matches) >= 4 and len(best.matches[0]) == 4
    page = researcher.get(f"/en/individuals/review/{query.annotation_id}/").content.decode()
    assert "<line " in page and "SL-IA-002" in page


def test_sync_follows_decisions_incrementally(world: World, catalogue: dict) -> None:
    recognition.build_index(taxon=world.taxon, calibration_queries=6)
    leopards = catalogue["leopards"]
    media, box = photo(world, 42, day=95, yaw=0, station=8, shot=555)
    query = annotate(media, box=box)
    decision = decisions.decide_same(annotation=query, individual=leopards[2], actor="test")
    summary = recognition.sync_index(taxon=world.taxon)
    assert (summary["added"], summary["removed"]) == (1, 0)
    decisions.merge(source=leopards[1], target=leopards[0], actor="test")
    summary = recognition.sync_index(taxon=world.taxon)
    assert summary["added"] == summary["removed"] == 2  # relabelled
    engine = ReidEngine.load(recognition.index_path(world.taxon))
    assert sorted(engine.individuals()) == ["SL-IA-001", "SL-IA-003"]
    assert len(engine) == 7
    assert recognition.sync_index(taxon=world.taxon)["added"] == 0
    assert Individual.objects.get(code="SL-IA-002").merged_into == leopards[0]
    assert decision.pk
    assert Annotation.objects.filter(individual__isnull=True).count() == 0
