"""Reviewing in a real browser: a researcher labels camera events with the keyboard and
confirms a suggested match of a snow leopard."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest

from barys.camtrap.derivatives import build_derivatives
from barys.camtrap.ingest import ingest_card
from barys.camtrap.models import Event, Observation
from barys.demo.camtrap_images import CameraIdentity, generate_card
from barys.individuals.models import MatchSuggestion
from barys.records.models import Occurrence
from barys.taxa.models import Taxon
from tests.browser.conftest import screenshot, type_credentials
from tests.individuals.test_passports_world import (
    add_media,
    annotate,
    at,
    individual,
    make_world,
    suggest,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-test-password-1"


def sign_in(page, username: str, then: str) -> None:  # type: ignore[no-untyped-def]
    """Sign in with the keyboard on the login page and land on ``then``."""
    page.goto(f"/en/accounts/login/?next={then}")
    type_credentials(page, username, PASSWORD)
    page.wait_for_function("() => !location.pathname.includes('/accounts/login/')")
    page.goto(then)


def test_review_events_with_the_keyboard(page, make_deployment, make_user, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    deployment = make_deployment("BR-1", serial="CAM-BR", time_zone="Asia/Almaty")
    leopard = Taxon.objects.create(
        scientific_name="Panthera uncia",
        rank="species",
        slug="panthera-uncia",
        sensitivity_category=2,
    )
    deployment.station.survey.target_taxa.add(leopard)
    generate_card(
        tmp_path / "card",
        n_images=18,
        start=datetime(2023, 11, 2),
        end=datetime(2024, 2, 1),
        camera=CameraIdentity(serial="CAM-BR"),
        station_seed=3,
        seed=9,
        size=(320, 240),
    )
    ingest_card(deployment=deployment, root=tmp_path / "card", derivatives=False)
    build_derivatives(deployment=deployment, workers=1)
    events = list(Event.objects.filter(deployment=deployment).order_by("start", "event_id"))
    assert len(events) >= 3
    make_user("aigerim", "researcher", ["ile-alatau"], password=PASSWORD)
    sign_in(page, "aigerim", f"/en/camtrap/deployments/{deployment.code}/review/")
    page.wait_for_url(f"**/en/camtrap/review/{events[0].event_id}/**")
    page.wait_for_selector(".review-shot img")
    page.keyboard.press("1")  # the survey's first species key: the snow leopard
    page.keyboard.press("+")
    page.keyboard.press("f")
    page.keyboard.press("a")
    row = page.locator("[data-row]").first
    assert row.locator("[data-field=species]").input_value() == "Panthera uncia"
    assert row.locator("[data-field=count]").input_value() == "2"
    page.keyboard.press("z")
    screenshot(page, "camtrap-review-keyboard-en")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/en/camtrap/review/{events[1].event_id}/**")
    page.keyboard.press("b")
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/en/camtrap/review/{events[2].event_id}/**")
    with page.expect_navigation():
        page.keyboard.press("ArrowRight")  # next without saving
    assert events[2].event_id not in page.url
    assert page.console_errors == []

    first = Observation.objects.get(event=events[0])
    assert (first.taxon, first.count, first.sex, first.life_stage) == (
        leopard,
        2,
        "female",
        "adult",
    )
    assert Observation.objects.get(event=events[1]).observation_type == "blank"
    assert not Observation.objects.filter(event=events[2]).exists()
    assert [
        e.review_state
        for e in Event.objects.filter(pk__in=[x.pk for x in events[:3]]).order_by(
            "start", "event_id"
        )
    ] == ["reviewed", "reviewed", "unreviewed"]
    assert Occurrence.objects.filter(taxon=leopard, individual_count=2).count() == 1


def test_confirm_a_match_in_match_review(page, make_user) -> None:  # type: ignore[no-untyped-def]
    world = make_world()
    known = individual(world, "SL-IA-001", sex="female", birth_year=2012)
    other = individual(world, "SL-IA-002", name="Zhuldyz")
    photo_known = annotate(add_media(world.deployment_a, at(0)), known)
    photo_other = annotate(add_media(world.deployment_b, at(20)), other)
    query = annotate(add_media(world.deployment_a, at(50)))
    suggest(query, [(known, photo_known), (other, photo_other)])
    make_user("daniyar", "researcher", ["ile-alatau"], password=PASSWORD)
    sign_in(page, "daniyar", f"/en/individuals/review/{query.annotation_id}/")
    page.wait_for_selector(".candidate")
    screenshot(page, "match-review-en")
    with page.expect_navigation():
        page.keyboard.press("s")  # the first candidate is selected: "same animal"
    query.refresh_from_db()
    assert query.individual == known
    assert MatchSuggestion.objects.get(annotation=query, rank=1).status == "same"
    screenshot(page, "match-review-confirmed-en")
    assert page.console_errors == []
