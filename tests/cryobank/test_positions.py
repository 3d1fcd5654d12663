"""Two samples can never share a box position — through the services, the database, and
under concurrent moves from two connections (threads with their own database connections)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import pytest
from django.db import IntegrityError, OperationalError, connection, transaction

from barys.cryobank import services
from barys.cryobank.models import CustodyEvent, Sample
from tests.cryobank import factories


@pytest.mark.django_db
def test_services_refuse_an_occupied_position(keeper, store) -> None:
    first = factories.sample(keeper, container=store["box"], position="A1")
    with pytest.raises(services.PositionOccupied) as caught:
        factories.sample(keeper, container=store["box"], position="a1")
    assert first.code in str(caught.value)
    second = factories.sample(keeper, container=store["box"], position="A2")
    with pytest.raises(services.PositionOccupied):
        services.move_sample(sample=second, container=store["box"], position="A1", actor=keeper)
    with pytest.raises(services.CryobankError):
        services.move_sample(
            sample=second, container=store["box"], position="D1", actor=keeper
        )  # a 3×3 box has no row D
    assert CustodyEvent.objects.filter(sample=second).count() == 1


@pytest.mark.django_db
def test_the_database_refuses_a_shared_position(keeper, store) -> None:
    factories.sample(keeper, container=store["box"], position="A1")
    second = factories.sample(keeper, container=store["box"], position="A2")
    with pytest.raises(IntegrityError), transaction.atomic():
        Sample.objects.filter(pk=second.pk).update(position="A1")
    # positions outside boxes are not constrained
    Sample.objects.filter(pk=second.pk).update(container=None, position="")
    third = factories.sample(keeper)
    assert third.container is None and second.pk != third.pk


def _race(workers: list[Callable[[], Any]]) -> list[Any]:
    """Run the callables at the same moment, each in its own thread and connection."""
    barrier = threading.Barrier(len(workers))
    results: list[Any] = [None] * len(workers)

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            for _attempt in range(200):
                try:
                    results[index] = workers[index]()
                    return
                except OperationalError as exc:  # SQLite's shared test cache: table locked
                    if "locked" not in str(exc):
                        raise
                    time.sleep(0.01)
            results[index] = RuntimeError("still locked")
        except Exception as exc:  # reported to the test thread
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(workers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.django_db(transaction=True)
def test_concurrent_moves_into_one_position(keeper, store) -> None:
    box, box2 = store["box"], store["box2"]
    samples = [factories.sample(keeper, container=box2, position=p) for p in box2.positions()[:6]]
    for round_index, target in enumerate(("A1", "B2", "C3")):
        racers = samples[round_index * 2 : round_index * 2 + 2]

        def move(sample: Sample = None, target: str = target) -> str:  # type: ignore[assignment]
            try:
                services.move_sample(
                    sample=Sample.objects.get(pk=sample.pk),
                    container=box,
                    position=target,
                    actor=keeper,
                    reason="race",
                )
            except services.PositionOccupied:
                return "occupied"
            return "moved"

        results = _race([lambda s=s: move(s) for s in racers])
        assert sorted(map(str, results)) == ["moved", "occupied"], results
        holders = Sample.objects.filter(container=box, position=target)
        assert holders.count() == 1
        winner = holders.get()
        assert CustodyEvent.objects.filter(kind="moved", to_position=target).count() == 1
        assert CustodyEvent.objects.get(kind="moved", to_position=target).sample_id == winner.pk
        loser = next(s for s in racers if s.pk != winner.pk)
        loser.refresh_from_db()
        assert loser.container_id == box2.pk  # the refused move changed nothing


@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_bypassing_the_services_are_stopped(keeper, store) -> None:
    box = store["box"]
    first, second = (factories.sample(keeper, container=box, position=p) for p in ("A1", "A2"))

    def grab(pk: int) -> str:
        try:
            with transaction.atomic():
                Sample.objects.filter(pk=pk).update(position="C3")
                time.sleep(0.05)  # hold the row while the other writer tries
        except IntegrityError:
            return "refused"
        return "moved"

    results = _race([lambda: grab(first.pk), lambda: grab(second.pk)])
    assert sorted(map(str, results)) == ["moved", "refused"], results
    assert Sample.objects.filter(container=box, position="C3").count() == 1
