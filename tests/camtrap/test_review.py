"""Human review of camera events: labels, states, second opinions, records, pages."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from barys.camtrap import occurrences, review
from barys.camtrap.models import Deployment, Event, EventReview, Observation
from barys.camtrap.review import Label, ReviewError
from barys.core.models import AuditEntry
from barys.individuals.models import Individual
from barys.records.models import Occurrence, OccurrenceCell
from barys.taxa.models import Taxon

pytestmark = pytest.mark.django_db

LAT, LON = 43.123456, 77.054321
T0 = datetime(2023, 12, 1, 6, 0, tzinfo=UTC)
SPECIES_FIELD = 'name="species" data-field="species" list="species-list"'


def _events(deployment: Deployment, n: int) -> list[Event]:
    return [
        Event.objects.create(
            event_id=f"{deployment.code}-E{i:02d}",
            deployment=deployment,
            start=T0 + timedelta(hours=i),
            end=T0 + timedelta(hours=i, seconds=20),
            media_count=0,
        )
        for i in range(n)
    ]


@pytest.fixture
def site(make_deployment: Callable[..., Deployment], make_user: Callable[..., Any]) -> Any:
    deployment = make_deployment("RV-1", latitude=LAT, longitude=LON, station_code="IA-R1")
    leopard = Taxon.objects.create(
        scientific_name="Panthera uncia",
        rank="species",
        slug="panthera-uncia",
        sensitivity_category=2,
    )
    ibex = Taxon.objects.create(
        scientific_name="Capra sibirica", rank="species", slug="capra-sibirica"
    )
    deployment.station.survey.target_taxa.add(leopard)

    class Site:
        pass

    s = Site()
    s.deployment = deployment  # type: ignore[attr-defined]
    s.leopard, s.ibex = leopard, ibex  # type: ignore[attr-defined]
    s.events = _events(deployment, 5)  # type: ignore[attr-defined]
    s.anna = make_user("anna", "researcher", ["ile-alatau"])  # type: ignore[attr-defined]
    s.boris = make_user("boris", "researcher", ["ile-alatau"])  # type: ignore[attr-defined]
    return s


def _record(observation: Observation) -> Occurrence:
    return Occurrence.objects.get(
        occurrence_id=occurrences.occurrence_id_of(observation.observation_id)
    )


def test_first_review_creates_observations_and_a_protected_record(site: Any) -> None:
    event = site.events[0]
    outcome = review.save_review(
        event=event,
        labels=[Label("animal", "Panthera uncia", 2, "adult", "female", "walking")],
        reviewer=site.anna,
    )
    assert outcome == "reviewed"
    event.refresh_from_db()
    assert event.review_state == "reviewed"
    (obs,) = Observation.objects.filter(event=event)
    assert (obs.taxon, obs.count, obs.sex, obs.life_stage, obs.behaviour) == (
        site.leopard,
        2,
        "female",
        "adult",
        "walking",
    )
    assert obs.classification_method == "human" and obs.classified_by == "anna"
    record = _record(obs)
    assert record.basis_of_record == "MachineObservation"
    assert record.individual_count == 2 and record.taxon == site.leopard
    assert (record.latitude, record.longitude) == (LAT, LON)  # exact in the records
    assert record.public_h3_res == 5  # category 2: the public sees a coarse cell
    assert record.source.code == occurrences.SOURCE_CODE
    assert record.event_date_start == event.start
    assert OccurrenceCell.objects.filter(taxon=site.leopard, res=5).exists()
    assert AuditEntry.objects.filter(object_type="records.occurrence", action="create").exists()
    assert AuditEntry.objects.filter(object_type="camtrap.event", action="update").exists()


def test_public_never_sees_the_station_position(site: Any) -> None:
    review.save_review(
        event=site.events[0], labels=[Label("animal", "Panthera uncia")], reviewer=site.anna
    )
    record = Occurrence.objects.get(taxon=site.leopard)
    body = Client().get(f"/api/v1/occurrences/{record.occurrence_id}").content.decode()
    assert str(LAT)[:6] not in body and str(LON)[:6] not in body
    page = Client().get(f"/en/records/{record.occurrence_id}/").content.decode()
    assert "43.1234" not in page and "77.0543" not in page and "IA-R1" not in page


def test_relabelling_replaces_the_record(site: Any) -> None:
    event = site.events[0]
    review.save_review(event=event, labels=[Label("animal", "Panthera uncia")], reviewer=site.anna)
    first_id = Observation.objects.get(event=event).observation_id
    review.save_review(
        event=event, labels=[Label("animal", "Capra sibirica", 5)], reviewer=site.anna
    )
    assert not Occurrence.objects.filter(
        occurrence_id=occurrences.occurrence_id_of(first_id)
    ).exists()
    assert list(Occurrence.objects.values_list("taxon__scientific_name", "individual_count")) == [
        ("Capra sibirica", 5)
    ]
    assert not OccurrenceCell.objects.filter(taxon=site.leopard, count__gt=0).exists()
    review.save_review(event=event, labels=[Label("blank")], reviewer=site.anna)
    assert Occurrence.objects.count() == 0
    assert list(
        Observation.objects.filter(event=event).values_list("observation_type", flat=True)
    ) == ["blank"]


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        ([], "at least one label"),
        ([Label("animal", "")], "Row 1, species"),
        (
            [Label("animal", "Panthera uncia"), Label("animal", "Felis nonexistens")],
            "Row 2, species",
        ),
        ([Label("animal", "Panthera uncia", 0)], "Row 1, count"),
        ([Label("animal", "Panthera uncia", sex="both")], "Row 1, sex"),
        ([Label("animal", "Panthera uncia", life_stage="old")], "Row 1, life stage"),
        ([Label("blank"), Label("animal", "Panthera uncia")], "blank event"),
        ([Label("dragon")], "Row 1, type"),
        ([Label("human", "Panthera uncia")], "only animals"),
    ],
)
def test_bad_labels_are_refused_and_nothing_is_written(
    site: Any, labels: list[Label], message: str
) -> None:
    with translation.override("en"), pytest.raises(ReviewError, match=message):
        review.save_review(event=site.events[0], labels=labels, reviewer=site.anna)
    assert not Observation.objects.exists() and not EventReview.objects.exists()
    site.events[0].refresh_from_db()
    assert site.events[0].review_state == "unreviewed"


def test_identical_labels_are_merged(site: Any) -> None:
    review.save_review(
        event=site.events[0],
        labels=[Label("animal", "Capra sibirica", 2), Label("animal", "Capra sibirica", 3)],
        reviewer=site.anna,
    )
    assert list(Observation.objects.values_list("count", flat=True)) == [5]


def test_observers_may_not_review(site: Any, make_user: Callable[..., Any]) -> None:
    watcher = make_user("watcher", "observer", ["ile-alatau"])
    with pytest.raises(review.PermissionDenied):
        review.save_review(event=site.events[0], labels=[Label("blank")], reviewer=watcher)
    other_area = make_user("other", "researcher", ["altyn-emel"])
    with pytest.raises(review.PermissionDenied):
        review.save_review(event=site.events[0], labels=[Label("blank")], reviewer=other_area)


def test_second_opinion_agreement(site: Any) -> None:
    event = site.events[1]
    labels = [Label("animal", "Panthera uncia", 1)]
    assert (
        review.save_review(
            event=event, labels=labels, reviewer=site.anna, needs_second_opinion=True
        )
        == "second"
    )
    event.refresh_from_db()
    assert event.review_state == "second"
    assert not Observation.objects.filter(event=event).exists()
    assert not Occurrence.objects.exists()
    assert list(review.queue(site.deployment, "second", site.boris)) == [event]
    assert list(review.queue(site.deployment, "second", site.anna)) == []
    with pytest.raises(ReviewError, match="someone else"):
        review.save_review(event=event, labels=labels, reviewer=site.anna, second_round=True)
    outcome = review.save_review(
        event=event,
        labels=[Label("animal", "Panthera uncia", 1, behaviour="other words")],
        reviewer=site.boris,
        second_round=True,
    )
    assert outcome == "agreed"
    event.refresh_from_db()
    assert event.review_state == "reviewed"
    (obs,) = Observation.objects.filter(event=event)
    assert obs.classified_by == "anna"
    assert Occurrence.objects.count() == 1
    assert review.disagreements(site.deployment) == []


def test_second_opinion_disagreement_and_resolution(site: Any) -> None:
    event = site.events[2]
    review.save_review(
        event=event,
        labels=[Label("animal", "Panthera uncia")],
        reviewer=site.anna,
        needs_second_opinion=True,
    )
    outcome = review.save_review(
        event=event,
        labels=[Label("animal", "Capra sibirica", 3)],
        reviewer=site.boris,
        second_round=True,
    )
    assert outcome == "disagreement"
    (item,) = review.disagreements(site.deployment)
    assert item.event == event
    assert [label.scientific_name for label in item.second_labels] == ["Capra sibirica"]
    assert list(review.queue(site.deployment, "second", site.boris)) == []
    review.resolve(event=event, choose="second", resolver=site.anna)
    event.refresh_from_db()
    assert event.review_state == "reviewed"
    assert list(
        Observation.objects.filter(event=event).values_list("scientific_name", "count")
    ) == [("Capra sibirica", 3)]
    assert EventReview.objects.get(event=event, round="second").accepted
    assert review.disagreements(site.deployment) == []
    with pytest.raises(ReviewError):
        review.resolve(event=event, choose="third", resolver=site.anna)


def test_queue_order_and_neighbours(site: Any) -> None:
    events = site.events
    review.save_review(event=events[1], labels=[Label("blank")], reviewer=site.anna)
    unreviewed = review.queue(site.deployment, "unreviewed", site.anna)
    assert list(unreviewed) == [events[0], events[2], events[3], events[4]]
    assert review.next_event(unreviewed, events[0]) == events[2]
    assert review.next_event(unreviewed, events[1]) == events[2]
    assert review.previous_event(unreviewed, events[2]) == events[0]
    assert review.next_event(unreviewed, events[4]) is None
    everything = review.queue(site.deployment, "all", site.anna)
    assert review.next_event(everything, events[0]) == events[1]
    with pytest.raises(ReviewError):
        review.queue(site.deployment, "sideways", site.anna)


def test_bulk_review_labels_every_selected_event(site: Any) -> None:
    done = review.bulk_review(events=site.events[:3], labels=[Label("blank")], reviewer=site.anna)
    assert done == 3
    assert Event.objects.filter(review_state="reviewed").count() == 3
    with pytest.raises(ReviewError):
        review.bulk_review(events=[], labels=[Label("blank")], reviewer=site.anna)


def test_identified_individuals_survive_a_new_review(site: Any) -> None:
    event = site.events[3]
    review.save_review(
        event=event, labels=[Label("animal", "Panthera uncia", 2)], reviewer=site.anna
    )
    individual = Individual.objects.create(code="PU-01", taxon=site.leopard, sex="female")
    Observation.objects.create(
        deployment=site.deployment,
        event=event,
        level="event",
        event_start=event.start,
        event_end=event.end,
        observation_type="animal",
        taxon=site.leopard,
        scientific_name="Panthera uncia",
        count=1,
        individual=individual,
        classification_method="human",
        tags="barys:identification",
    )
    # the identification's observation got its own record through the model's signals
    assert Occurrence.objects.filter(organism_id="PU-01").count() == 1
    review.save_review(
        event=event, labels=[Label("animal", "Panthera uncia", 2)], reviewer=site.anna
    )
    rows = sorted(
        Observation.objects.filter(event=event).values_list("individual__code", "count"),
        key=str,
    )
    assert rows == [("PU-01", 1), (None, 1)]
    assert Occurrence.objects.filter(taxon=site.leopard).count() == 2


def test_deleting_an_observation_removes_its_record(site: Any) -> None:
    review.save_review(
        event=site.events[0], labels=[Label("animal", "Capra sibirica")], reviewer=site.anna
    )
    Observation.objects.filter(event=site.events[0]).delete()
    assert not Occurrence.objects.exists()


# --- pages -----------------------------------------------------------------------------------


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_review_page_shows_the_event_hotkeys_and_queue(site: Any) -> None:
    client = _client(site.anna)
    start = client.get(f"/en/camtrap/deployments/{site.deployment.code}/review/")
    assert start.status_code == 302
    assert start["Location"].startswith(f"/en/camtrap/review/{site.events[0].event_id}/")
    page = client.get(start["Location"])
    text = page.content.decode()
    assert page.status_code == 200
    assert 'data-hotkey="1" data-species="Panthera uncia"' in text
    assert "5 events left of 5" in text
    assert f"/en/individuals/identify/{site.events[0].event_id}/" in text
    assert 'rel="next"' in text and 'rel="prev"' not in text


def test_machine_suggestions_are_prefilled_and_marked(site: Any) -> None:
    Observation.objects.create(
        deployment=site.deployment,
        event=site.events[0],
        level="event",
        event_start=site.events[0].start,
        event_end=site.events[0].end,
        observation_type="animal",
        taxon=site.ibex,
        scientific_name="Capra sibirica",
        count=4,
        classification_method="machine",
        classification_probability=0.87,
    )
    assert not Occurrence.objects.exists()  # a machine's guess is not a record
    text = _client(site.anna).get(f"/en/camtrap/review/{site.events[0].event_id}/").content.decode()
    assert "from-machine" in text and "0.87" in text
    assert f'{SPECIES_FIELD} value="Capra sibirica"' in text and 'value="4"' in text


def test_posting_the_form_saves_and_moves_on(site: Any) -> None:
    client = _client(site.anna)
    url = f"/en/camtrap/review/{site.events[0].event_id}/"
    response = client.post(
        url,
        {
            "queue": "unreviewed",
            "type": ["animal", "animal", ""],
            "species": ["Panthera uncia", "Capra sibirica", ""],
            "count": ["1", "3", ""],
            "sex": ["female", "", ""],
            "life_stage": ["adult", "", ""],
            "behaviour": ["", "grazing", ""],
        },
    )
    assert response.status_code == 302
    assert response["Location"].startswith(f"/en/camtrap/review/{site.events[1].event_id}/")
    assert sorted(Observation.objects.values_list("scientific_name", "count")) == [
        ("Capra sibirica", 3),
        ("Panthera uncia", 1),
    ]
    bad = client.post(
        f"/en/camtrap/review/{site.events[1].event_id}/",
        {"type": ["animal"], "species": ["Felis nonexistens"], "count": ["x"]},
    )
    assert bad.status_code == 400
    assert "Row 1, count" in bad.content.decode()
    assert not Observation.objects.filter(event=site.events[1]).exists()


def test_review_page_access(site: Any, make_user: Callable[..., Any]) -> None:
    url = f"/en/camtrap/review/{site.events[0].event_id}/"
    assert Client().get(url).status_code == 302
    watcher = make_user("watcher", "observer", ["ile-alatau"])
    assert _client(watcher).get(url).status_code == 403
    assert _client(watcher).post(url, {"type": ["blank"]}).status_code == 403
    assert _client(site.anna).get("/en/camtrap/review/nothing-here/").status_code == 404
    assert not Observation.objects.exists()


def test_bulk_form_and_disagreement_page(site: Any) -> None:
    anna, boris = _client(site.anna), _client(site.boris)
    code = site.deployment.code
    response = anna.post(
        f"/en/camtrap/deployments/{code}/review/bulk/",
        {"event": [site.events[0].event_id, site.events[1].event_id], "type": ["blank"]},
    )
    assert response.status_code == 302
    assert Event.objects.filter(review_state="reviewed").count() == 2
    events_page = anna.get(f"/en/camtrap/deployments/{code}/events/").content.decode()
    assert 'form="bulk-form"' in events_page
    event = site.events[2]
    anna.post(
        f"/en/camtrap/review/{event.event_id}/",
        {"type": ["animal"], "species": ["Panthera uncia"], "second_opinion": "on"},
    )
    start = boris.get(f"/en/camtrap/deployments/{code}/review/?mode=second")
    assert start["Location"].startswith(f"/en/camtrap/review/{event.event_id}/")
    blind = boris.get(start["Location"]).content.decode()
    assert f'{SPECIES_FIELD} value="Panthera uncia"' not in blind
    assert (
        f'{SPECIES_FIELD} value="Panthera uncia"'
        in anna.get(f"/en/camtrap/review/{event.event_id}/?queue=all").content.decode()
    )
    boris.post(
        f"/en/camtrap/review/{event.event_id}/",
        {"mode": "second", "type": ["animal"], "species": ["Capra sibirica"]},
    )
    listing = anna.get(f"/en/camtrap/deployments/{code}/disagreements/").content.decode()
    assert "Capra sibirica" in listing and "Panthera uncia" in listing
    anna.post(
        f"/en/camtrap/deployments/{code}/disagreements/",
        {"event": event.event_id, "choose": "first"},
    )
    assert list(
        Observation.objects.filter(event=event).values_list("scientific_name", flat=True)
    ) == ["Panthera uncia"]
    done = anna.get(f"/en/camtrap/deployments/{code}/review/?mode=second")
    assert done.status_code == 200 and "Nothing left to review" in done.content.decode()
