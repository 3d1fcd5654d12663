"""Custody-log completeness: every registration, move, thaw, withdrawal, aliquot, loan and
return is logged, moving a container logs every sample inside, and the log replays to the
sample's present place and quantity."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.cryobank import services
from barys.cryobank.models import CustodyEvent, Sample
from tests.cryobank import factories

pytestmark = pytest.mark.django_db
LOCATION_KINDS = {
    "registered",
    "moved",
    "container_moved",
    "taken_out",
    "loaned",
    "returned",
    "used_up",
    "discarded",
}


def _kinds(sample: Sample) -> list[str]:
    return list(sample.custody.order_by("id").values_list("kind", flat=True))


def assert_log_replays(sample: Sample) -> None:
    """The chain of places is unbroken and ends where the sample is; quantities match."""
    sample.refresh_from_db()
    entries = list(sample.custody.order_by("id"))
    assert entries and entries[0].kind == "registered"
    place = None
    for entry in entries:
        if place is not None and entry.kind in LOCATION_KINDS:
            assert entry.from_label == place, (entry.kind, entry.from_label, place)
        place = entry.to_label if entry.kind in LOCATION_KINDS else place
    located = [e for e in entries if e.kind in LOCATION_KINDS or e.to_container_id]
    last = located[-1]
    if sample.container_id:
        assert (last.to_container_id, last.to_position) == (sample.container_id, sample.position)
        assert last.to_label == sample.location_label()
    else:
        assert last.to_container_id is None
    assert entries[-1].quantity_after == sample.quantity


def test_every_operation_is_logged(keeper, store) -> None:
    box, box2 = store["box"], store["box2"]
    sample = factories.sample(keeper, container=box, position="A1", quantity="10")
    services.move_sample(
        sample=sample, container=box2, position="B2", actor=keeper, reason="reorganised"
    )
    services.record_thaw(sample=sample, actor=keeper, reason="check")
    services.withdraw(sample=sample, quantity="1.5", actor=keeper, reason="extraction")
    aliquots = services.create_aliquots(
        parent=sample,
        actor=keeper,
        count=2,
        quantity_each="2",
        placements=[(box, "C1"), (box, "C2")],
    )
    services.take_out(sample=sample, actor=keeper, reason="to the bench")
    services.move_sample(sample=sample, container=box, position="A1", actor=keeper)
    loan = services.loan_sample(
        sample=aliquots[0], actor=keeper, borrower="Lab", purpose="genetics"
    )
    services.return_loan(
        loan=loan, actor=keeper, quantity_returned="1", container=box, position="C3"
    )
    services.withdraw(sample=sample, quantity="4.5", actor=keeper, reason="all of it")
    assert _kinds(sample) == [
        "registered",
        "moved",
        "thawed",
        "withdrawn",
        "aliquoted",
        "taken_out",
        "moved",
        "withdrawn",
        "used_up",
    ]
    assert _kinds(aliquots[0]) == ["registered", "loaned", "returned"]
    assert _kinds(aliquots[1]) == ["registered"]
    sample.refresh_from_db()
    assert sample.status == "used_up" and sample.quantity == 0 and sample.container is None
    for one in (sample, *aliquots):
        assert_log_replays(one)
    move = sample.custody.get(kind="moved", reason="reorganised")
    assert move.from_label.endswith("Box 1 › A1") and move.to_label.endswith("Box 2 › B2")
    assert move.actor_label == "keeper" and move.actor == keeper
    assert aliquots[0].code == f"{sample.code}-1" and aliquots[1].code == f"{sample.code}-2"


def test_moving_a_container_logs_every_sample_inside(keeper, store) -> None:
    inside = [
        factories.sample(keeper, container=store["box"], position=p) for p in ("A1", "A2", "B3")
    ]
    other = factories.sample(keeper, container=store["box2"], position="A1")
    unplaced = factories.sample(keeper)
    entries = services.move_container(
        container=store["box"], new_parent=store["rack2"], actor=keeper, reason="rack 1 is full"
    )
    assert len(entries) == 3 and len({e.batch for e in entries}) == 1
    for sample in inside:
        entry = sample.custody.get(kind="container_moved")
        assert "Rack 1 › Box 1" in entry.from_label and "Rack 2 › Box 1" in entry.to_label
        assert entry.to_container_id == store["box"].pk
        assert_log_replays(sample)
    assert _kinds(other) == ["registered"] and _kinds(unplaced) == ["registered"]
    # a rack moves its boxes' samples too
    services.create_container(actor=keeper, code="T-D2", kind="dewar", parent=store["facility"])
    from barys.cryobank.models import Container

    entries = services.move_container(
        container=store["rack2"], new_parent=Container.objects.get(code="T-D2"), actor=keeper
    )
    assert sorted(e.sample.code for e in entries) == sorted(s.code for s in inside)


def test_containers_cannot_go_into_themselves_or_the_wrong_kind(keeper, store) -> None:
    with pytest.raises(services.CryobankError):
        services.move_container(container=store["rack"], new_parent=store["box"], actor=keeper)
    with pytest.raises(services.CryobankError):
        services.move_container(container=store["dewar"], new_parent=store["rack"], actor=keeper)


def test_batch_from_one_event_is_all_or_nothing(keeper, store) -> None:
    incident = __import__("tests.incidents.factories", fromlist=["incident"]).incident(
        taxon_obj=factories.incident_factories.snow_leopard()
    )
    items = [
        {
            "material": "blood",
            "quantity": "2",
            "unit": "ml",
            "preservation": "minus80",
            "container": store["box"],
            "position": "A1",
        },
        {
            "material": "hair",
            "quantity": "10",
            "unit": "pieces",
            "preservation": "minus20",
            "container": store["box"],
            "position": "A1",
        },
    ]
    with pytest.raises(services.PositionOccupied):
        services.register_samples_from_event(
            actor=keeper, items=items, source_incident=incident, source_kind="incident"
        )
    assert Sample.objects.count() == 0 and CustodyEvent.objects.count() == 0
    items[1]["position"] = "A2"
    made = services.register_samples_from_event(
        actor=keeper, items=items, source_incident=incident, source_kind="incident"
    )
    assert [s.taxon.scientific_name for s in made] == ["Panthera uncia"] * 2
    assert all(s.scope == incident.scope and s.latitude == incident.latitude for s in made)
    assert len({s.custody.get().batch for s in made}) == 1


OPERATIONS = st.lists(
    st.tuples(
        st.sampled_from(
            ["move", "thaw", "withdraw", "take_out", "aliquot", "loan", "return", "box"]
        ),
        st.integers(0, 8),
        st.integers(1, 3),
    ),
    max_size=12,
)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(ops=OPERATIONS)
def test_random_operations_always_leave_a_complete_log(keeper, store, ops) -> None:
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        boxes = [store["box"], store["box2"]]
        positions = boxes[0].positions()
        sample = factories.sample(keeper, container=boxes[0], position="A1", quantity="20")
        done = 1
        loan = None
        for op, index, amount in ops:
            before = CustodyEvent.objects.count()
            try:
                if op == "move":
                    services.move_sample(
                        sample=sample,
                        container=boxes[index % 2],
                        position=positions[index],
                        actor=keeper,
                    )
                elif op == "thaw":
                    services.record_thaw(sample=sample, actor=keeper, reason="t")
                elif op == "withdraw":
                    services.withdraw(
                        sample=sample, quantity=Decimal(amount), actor=keeper, reason="w"
                    )
                elif op == "take_out":
                    services.take_out(sample=sample, actor=keeper, reason="o")
                elif op == "aliquot":
                    services.create_aliquots(
                        parent=sample, actor=keeper, count=1, quantity_each=Decimal(amount)
                    )
                elif op == "loan":
                    loan = services.loan_sample(sample=sample, actor=keeper, borrower="Lab")
                elif op == "return":
                    if loan is None or not loan.open:
                        continue
                    loan = services.return_loan(
                        loan=loan,
                        actor=keeper,
                        quantity_returned=amount,
                        container=boxes[1],
                        position=positions[8 - index],
                    )
                elif op == "box":
                    target = (
                        store["rack2"] if boxes[0].parent_id == store["rack"].pk else store["rack"]
                    )
                    services.move_container(container=boxes[0], new_parent=target, actor=keeper)
                    boxes[0].refresh_from_db()
            except services.CryobankError:
                assert CustodyEvent.objects.count() == before  # refused: nothing logged
                continue
            if op != "box" or Sample.objects.filter(container=boxes[0]).exists():
                assert CustodyEvent.objects.count() > before  # done: logged
            done += 1
            sample.refresh_from_db()
        for one in Sample.objects.all():
            assert_log_replays(one)
        transaction.savepoint_rollback(sid)


ITEM = st.fixed_dictionaries(
    {
        "material": st.sampled_from(["blood", "hair", "plutonium"]),
        "quantity": st.sampled_from(["1", "0", "-1", "x", "2.5"]),
        "unit": st.sampled_from(["ml", "pieces", "litres"]),
        "preservation": st.sampled_from(["minus80", "ethanol", "warm"]),
        "position": st.sampled_from(["A1", "A2", "B3", "Z9", ""]),
    }
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(items=st.lists(ITEM, min_size=1, max_size=4))
def test_a_batch_is_all_or_nothing(keeper, store, items) -> None:
    from django.db import transaction

    with transaction.atomic():
        sid = transaction.savepoint()
        rows = [{**item, "container": store["box"]} for item in items]
        try:
            made = services.register_samples_from_event(
                actor=keeper,
                items=rows,
                taxon=factories.incident_factories.argali(),
                source_kind="capture",
            )
        except services.CryobankError as exc:
            assert str(exc).startswith("sample ") and Sample.objects.count() == 0
            assert CustodyEvent.objects.count() == 0
        else:
            assert len(made) == len(items) == Sample.objects.count()
            assert CustodyEvent.objects.count() == len(items)
        transaction.savepoint_rollback(sid)
