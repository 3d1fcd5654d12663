"""Records get their oblast and protected area: the registered locator, its cache, and the
background job that re-assigns every record when places change."""

from __future__ import annotations

import pytest
from django.db import transaction

from barys.core.jobs import run_job
from barys.core.models import Job
from barys.places import builtin, changes, locator
from barys.places.models import Place
from barys.records import locating
from barys.records.models import Occurrence
from tests.places.factories import add_records, square, taxon

pytestmark = pytest.mark.django_db

ALMATY_CITY = (43.25, 76.92)  # (lat, lon)
TALGAR = (43.10, 77.30)  # inside the approximate Ile-Alatau outline, Almaty Region
ASTANA = (51.15, 71.45)
AKTOBE = (50.28, 57.17)
CASPIAN = (42.0, 50.0)  # open sea: no oblast


@pytest.fixture
def places() -> None:
    builtin.load([*builtin.oblasts(), builtin.ile_alatau()])


def test_locator_assigns_oblast_and_protected_area(places: None) -> None:
    found = locating.locate([ALMATY_CITY, TALGAR, ASTANA, AKTOBE, CASPIAN, (None, None)])
    assert found == [
        {"oblast": "almaty-city"},
        {"oblast": "almaty-region", "protected_area": "ile-alatau"},
        {"oblast": "astana"},
        {"oblast": "aktobe"},
        {},
        {},
    ]


def test_smallest_overlapping_area_wins_and_cache_follows_changes(places: None) -> None:
    assert locator.locate_points([TALGAR])[0]["protected_area"] == "ile-alatau"
    reserve = Place(
        kind="protected_area",
        code="talgar-gorge",
        name_en="Talgar gorge",
        geometry='{"type":"Polygon","coordinates":[[[77.25,43.05],[77.35,43.05],'
        "[77.35,43.15],[77.25,43.15],[77.25,43.05]]]}",
    )
    reserve.save()
    assert locator.locate_points([TALGAR])[0]["protected_area"] == "talgar-gorge"
    reserve.delete()
    assert locator.locate_points([TALGAR])[0]["protected_area"] == "ile-alatau"


def test_cache_is_rebuilt_when_another_process_changed_places(places: None) -> None:
    first = locator.current_index()
    assert locator.current_index() is first  # unchanged places: the same index
    Place.objects.filter(code="ile-alatau").update(
        geometry='{"type":"Polygon","coordinates":[[[70,40],[71,40],[71,41],[70,41],[70,40]]]}',
        south=40,
        north=41,
        west=70,
        east=71,
        updated_at="2100-01-01T00:00:00Z",
    )
    assert locator.current_index() is not first
    assert locator.locate_points([TALGAR])[0]["protected_area"] == ""


def test_relocation_job_moves_records_when_places_change(places: None) -> None:
    ibex = taxon("Capra sibirica")
    add_records(ibex, [TALGAR[0], ASTANA[0], CASPIAN[0]], [TALGAR[1], ASTANA[1], CASPIAN[1]])
    add_records(ibex, [], [])  # no record without coordinates is touched
    Occurrence.objects.create(
        source_id=Occurrence.objects.first().source_id, taxon=ibex, oblast="kept-as-is"
    )
    result = locator.relocate_all(chunk=2)
    assert result == {"records": 3, "changed": 2}
    assert sorted(Occurrence.objects.values_list("oblast", "protected_area")) == [
        ("", ""),
        ("almaty-region", "ile-alatau"),
        ("astana", ""),
        ("kept-as-is", ""),
    ]
    # A new reserve over the sea: the job is queued when the change commits and moves one record.
    job = changes.places_changed({"protected_area"})
    assert job is not None and job.kind == changes.RELOCATE_JOB
    assert changes.schedule_relocation() is None  # one waiting job is enough
    Place(
        kind="protected_area",
        code="sea",
        name_en="Sea",
        geometry=f'{{"type":"Polygon","coordinates":{square(49, 41, 51, 43)["coordinates"]}}}',
    ).save()
    done = run_job(job.pk)
    assert done.state == Job.State.DONE and done.result == {"records": 3, "changed": 1}
    assert Occurrence.objects.filter(protected_area="sea").count() == 1


def test_saving_places_schedules_one_relocation_after_commit(
    django_capture_on_commit_callbacks,
) -> None:
    uncia = taxon("Panthera uncia")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        Place(
            kind="range",
            code="r",
            name_en="R",
            taxon=uncia,
            range_kind="current",
            geometry=f'{{"type":"Polygon","coordinates":{square(70, 42, 71, 43)["coordinates"]}}}',
        ).save()
    assert callbacks == []  # ranges move no record
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        builtin.load([*builtin.oblasts()[:2], builtin.ile_alatau()])
    assert len(callbacks) == 1  # three saves, one job
    with django_capture_on_commit_callbacks(execute=False) as more:
        callbacks[0]()
    assert Job.objects.filter(kind=changes.RELOCATE_JOB, state="queued").count() == 1
    assert len(more) == 1  # the job is handed to the queue after commit
    transaction.get_connection().run_on_commit.clear()  # as if the transaction committed
    park = Place.objects.get(code="ile-alatau")
    with django_capture_on_commit_callbacks(execute=False) as renamed:
        park.name_en = "Ile-Alatau"
        park.save()
    assert renamed == []  # a new name moves no record
    with django_capture_on_commit_callbacks(execute=False) as moved:
        park.code = "ile-alatau-np"
        park.save()
    assert len(moved) == 1  # records carry the code


def test_demo_step_is_idempotent() -> None:
    from barys.demo.scenario import DemoContext
    from barys.places.demo import load_places

    uncia = taxon("Panthera uncia", category=2)
    add_records(uncia, [TALGAR[0]], [TALGAR[1]])
    first = DemoContext()
    load_places(first)
    assert first.summary["places"] == 18  # 16 oblasts, Ile-Alatau, the schematic range
    assert first.summary["records located"] == 1
    assert Occurrence.objects.get().protected_area == "ile-alatau"
    assert uncia.ranges.get().source == "simulated demonstration data"
    assert uncia.area_estimates.get(period="all").aoo_km2 == 4.0
    again = DemoContext()
    load_places(again)
    assert again.summary["places created"] == 0 and again.summary["places"] == 18
