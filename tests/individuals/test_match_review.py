"""Decisions, merges and splits keep a consistent registry and are undone exactly; the review
page shows candidates with keypoint lines and takes keyboard-driven decisions."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest
from django.test import Client

from barys.core.audit import history
from barys.core.roles import PermissionDenied
from barys.individuals import decisions, kinship, verdicts
from barys.individuals.errors import InvalidInput, RegistryConflict, UndoConflict
from barys.individuals.models import Annotation, Individual, MatchDecision, MatchSuggestion
from tests.individuals.test_passports_world import (
    World,
    add_media,
    annotate,
    at,
    check_registry,
    individual,
    make_world,
    registry_state,
    suggest,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return make_world()


@pytest.fixture
def registry(world: World) -> dict[str, object]:
    """Two adults, a cub, a litter, five identified photos and one waiting, with suggestions."""
    a = individual(world, "SL-IA-001", sex="female", birth_year=2012)
    b = individual(world, "SL-IA-002", name="Zhuldyz")
    cub = individual(world, "SL-IA-010", birth_year=2020, mother=b)
    litter = kinship.create_litter(
        taxon=world.taxon, year=2020, cubs_count=2, mother=b, cubs=[cub], actor="test"
    )
    photos_a = [annotate(add_media(world.deployment_a, at(d)), a) for d in (0, 10)]
    photos_b = [annotate(add_media(world.deployment_b, at(d)), b) for d in (20, 30, 40)]
    shared = add_media(world.deployment_b, at(30).replace(second=30))  # same event as photo 4
    annotate(shared, cub)
    query = annotate(add_media(world.deployment_a, at(50)))
    suggest(query, [(a, photos_a[0]), (b, photos_b[0])])
    return {
        "a": a,
        "b": b,
        "cub": cub,
        "litter": litter,
        "photos_a": photos_a,
        "photos_b": photos_b,
        "query": query,
    }


def reload(obj: object) -> object:
    obj.refresh_from_db()  # type: ignore[attr-defined]
    return obj


def assert_undone_exactly(decision: MatchDecision, before: dict[str, object]) -> None:
    check_registry()
    assert registry_state() != before
    decisions.undo(decision=decision, actor="test")
    assert registry_state() == before
    check_registry()
    with pytest.raises(UndoConflict):
        decisions.undo(decision=decision, actor="test")


def test_same_is_undone_exactly(registry: dict) -> None:
    check_registry()
    before = registry_state()
    suggestion = MatchSuggestion.objects.get(annotation=registry["query"], rank=1)
    decision = decisions.decide_same(
        annotation=registry["query"], individual=registry["a"], suggestion=suggestion, actor="test"
    )
    query = reload(registry["query"])
    assert query.individual == registry["a"]
    assert reload(suggestion).status == "same"
    assert reload(registry["a"]).last_seen == query.media.timestamp.date()
    assert registry["a"].camera_observations.filter(event=query.media.event).count() == 1
    assert history(query).filter(action="update").exists()
    assert_undone_exactly(decision, before)


def test_not_same_and_cannot_tell_change_nothing_but_the_suggestion(registry: dict) -> None:
    before = registry_state()
    suggestion = MatchSuggestion.objects.get(annotation=registry["query"], rank=2)
    first = decisions.decide_not_same(
        annotation=registry["query"], individual=registry["b"], suggestion=suggestion, actor="test"
    )
    assert reload(suggestion).status == "not_same"
    assert reload(registry["query"]).individual is None
    decisions.undo(decision=first, actor="test")
    assert registry_state() == before
    second = decisions.decide_unsure(
        annotation=registry["query"], individual=registry["b"], suggestion=suggestion, actor="test"
    )
    assert reload(suggestion).status == "unsure"
    assert_undone_exactly(second, before)


def test_new_individual_from_a_photo_is_undone_exactly(registry: dict) -> None:
    before = registry_state()
    decision = decisions.create_from_annotation(annotation=registry["query"], actor="test")
    created = decision.individual
    assert created is not None and created.code == "SL-IA-011"
    assert created.scope.code == "ile-alatau" and created.taxon == registry["a"].taxon
    assert reload(registry["query"]).individual == created
    assert_undone_exactly(decision, before)
    assert not Individual.objects.filter(code="SL-IA-011").exists()


def test_merge_moves_everything_and_is_undone_exactly(registry: dict) -> None:
    a, b, cub, litter = registry["a"], registry["b"], registry["cub"], registry["litter"]
    before = registry_state()
    decision = decisions.merge(source=b, target=a, actor="test")
    b, a = reload(b), reload(a)
    assert b.merged_into == a
    assert a.annotations.count() == 5 and not b.annotations.exists()
    assert reload(cub).mother == a
    assert reload(litter).mother == a
    assert a.name == "Zhuldyz"  # facts missing on the target come from the source
    assert not b.camera_observations.exists()
    assert_undone_exactly(decision, before)


def test_merge_refuses_inconsistent_pairs(registry: dict, world: World) -> None:
    a, b, cub = registry["a"], registry["b"], registry["cub"]
    male = individual(world, "SL-IA-005", sex="male")
    with pytest.raises(RegistryConflict):
        decisions.merge(source=a, target=a, actor="test")
    with pytest.raises(RegistryConflict):
        decisions.merge(source=male, target=a, actor="test")  # female and male
    with pytest.raises(RegistryConflict):
        decisions.merge(source=cub, target=b, actor="test")  # mother and offspring
    decisions.merge(source=male, target=cub, actor="test")
    with pytest.raises(RegistryConflict):
        decisions.merge(source=male, target=a, actor="test")  # merged already
    check_registry()


def test_split_moves_chosen_photos_and_is_undone_exactly(registry: dict) -> None:
    b = registry["b"]
    chosen = registry["photos_b"][1:]
    before = registry_state()
    decision = decisions.split(individual=b, annotations=chosen, actor="test", name="Newcomer")
    created = decision.individual
    assert created is not None and created.name == "Newcomer"
    assert set(created.annotations.all()) == set(chosen)
    assert list(reload(b).annotations.all()) == [registry["photos_b"][0]]
    assert reload(created).first_seen is not None
    with pytest.raises(RegistryConflict):
        decisions.split(individual=b, annotations=[registry["photos_b"][0]], actor="test")
    assert_undone_exactly(decision, before)


def test_later_decisions_block_undo_until_undone(registry: dict) -> None:
    before = registry_state()
    first = decisions.create_from_annotation(annotation=registry["query"], actor="test")
    created = first.individual
    second = decisions.merge(source=created, target=registry["a"], actor="test")
    with pytest.raises(UndoConflict):
        decisions.undo(decision=first, actor="test")
    assert reload(registry["query"]).individual == registry["a"]
    decisions.undo(decision=second, actor="test")
    decisions.undo(decision=first, actor="test")
    assert registry_state() == before


def test_people_need_the_researcher_role_in_the_park(
    registry: dict, make_user: Callable[..., object]
) -> None:
    outsider = make_user("outsider", "researcher", ["aksu-zhabagly"])
    with pytest.raises(PermissionDenied):
        decisions.decide_same(
            annotation=registry["query"], individual=registry["a"], actor=outsider
        )
    insider = make_user("insider", "researcher", ["ile-alatau"])
    decision = decisions.decide_same(
        annotation=registry["query"], individual=registry["a"], actor=insider
    )
    assert decision.decided_by == insider
    with pytest.raises(PermissionDenied):
        decisions.undo(decision=decision, actor=outsider)


def test_review_page_shows_candidates_with_keypoint_lines(
    login: Callable[..., Client], registry: dict
) -> None:
    client = login("res", "researcher", ["ile-alatau"])
    query = registry["query"]
    response = client.get(f"/en/individuals/review/{query.annotation_id}/")
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="candidate ') == 2
    assert "SL-IA-001" in html and "SL-IA-002" in html
    svgs = re.findall(r'<svg[^>]*class="match-svg".*?</svg>', html, re.S)
    assert len(svgs) == 2
    assert len(re.findall(r"<line ", svgs[0])) == 5
    assert f"/en/individuals/annotations/{query.annotation_id}/chip.jpg" in svgs[0]
    for key in ("<kbd>s</kbd>", "<kbd>n</kbd>", "<kbd>c</kbd>", "<kbd>↓</kbd>"):
        assert key in html
    assert 'data-key="s"' in html and "review.js" in html


def test_keyboard_decision_post_identifies_and_undo_restores(
    login: Callable[..., Client], registry: dict
) -> None:
    client = login("res", "researcher", ["ile-alatau"])
    query = registry["query"]
    before = registry_state()
    second = MatchSuggestion.objects.get(annotation=query, rank=2)
    url = f"/en/individuals/review/{query.annotation_id}/decide/"
    # "n" on the second candidate: recorded, and the page moves to the next candidate
    response = client.post(url, {"decision": "not_same", "suggestion": second.pk, "position": 1})
    assert response.status_code == 302 and response["Location"].endswith("?c=2")
    assert reload(second).status == "not_same"
    first = MatchSuggestion.objects.get(annotation=query, rank=1)
    response = client.post(url, {"decision": "same", "suggestion": first.pk, "position": 0})
    assert response.status_code == 302
    assert reload(query).individual == registry["a"]
    page = client.get(f"/en/individuals/review/{query.annotation_id}/").content.decode()
    assert "Undo my last decision" in page
    for decision in MatchDecision.objects.order_by("-id"):
        undo = client.post(f"/en/individuals/decisions/{decision.pk}/undo/", {"next": "/en/"})
        assert undo.status_code == 302
    assert registry_state() == before
    assert client.get("/en/individuals/decisions/").status_code == 200


def test_merge_and_split_through_the_pages(login: Callable[..., Client], registry: dict) -> None:
    client = login("res", "researcher", ["ile-alatau"])
    response = client.post("/en/individuals/SL-IA-002/merge/", {"target": "SL-IA-001"})
    assert response.status_code == 302 and response["Location"].endswith("/SL-IA-001/")
    assert reload(registry["b"]).merged_into == registry["a"]
    picked = registry["photos_b"][2]
    response = client.post(
        "/en/individuals/SL-IA-001/split/",
        {"annotation": [str(picked.annotation_id)], "code": "SL-IA-050"},
    )
    assert response.status_code == 302
    assert reload(picked).individual.code == "SL-IA-050"
    check_registry()
    assert Annotation.objects.filter(individual__code="SL-IA-050").count() == 1


def test_a_new_passport_moves_on_to_the_next_photo_of_the_event_awaiting_one(
    login: Callable[..., Client], world: World, registry: dict
) -> None:
    query = registry["query"]
    later = annotate(add_media(world.deployment_a, at(50).replace(second=20)))
    query.refresh_from_db()
    later.media.refresh_from_db()
    query.media.refresh_from_db()
    assert later.media.event_id == query.media.event_id  # one event, two photos waiting
    assert verdicts.next_awaiting(query) == later
    client = login("res", "researcher", ["ile-alatau"])
    url = f"/en/individuals/review/{query.annotation_id}/decide/"
    response = client.post(url, {"decision": "new", "code": "SL-IA-060"})
    assert response.status_code == 302
    assert response["Location"] == f"/en/individuals/review/{later.annotation_id}/"
    assert reload(query).individual.code == "SL-IA-060"
    assert verdicts.next_awaiting(later) is None  # the first photo has its passport now
    # a verdict about a candidate needs one; nothing is recorded without it
    decisions_before = MatchDecision.objects.count()
    with pytest.raises(InvalidInput, match="candidate"):
        verdicts.record_verdict(
            annotation=later, verdict="same", individual=None, suggestion=None, actor="test"
        )
    with pytest.raises(InvalidInput, match="unknown verdict"):
        verdicts.record_verdict(
            annotation=later, verdict="maybe", individual=None, suggestion=None, actor="test"
        )
    response = client.post(
        f"/en/individuals/review/{later.annotation_id}/decide/", {"decision": "same"}
    )
    assert response.status_code == 302 and MatchDecision.objects.count() == decisions_before
