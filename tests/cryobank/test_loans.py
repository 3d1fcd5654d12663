"""Loans and returns; a used-up sample can never be loaned."""

from __future__ import annotations

import pytest

from barys.core.roles import PermissionDenied
from barys.cryobank import services
from barys.cryobank.models import Loan, Sample
from tests.cryobank import factories

pytestmark = pytest.mark.django_db


def test_a_used_up_sample_cannot_be_loaned(keeper, store) -> None:
    by_status = factories.sample(keeper, container=store["box"], position="A1")
    services.mark_used_up(sample=by_status, actor=keeper, reason="empty tube")
    with pytest.raises(services.SampleUnavailable, match="used up"):
        services.loan_sample(sample=by_status, actor=keeper, borrower="Lab")
    by_quantity = factories.sample(keeper, container=store["box"], position="A2", quantity="1")
    services.withdraw(sample=by_quantity, quantity="1", actor=keeper, reason="extraction")
    by_quantity.refresh_from_db()
    assert by_quantity.status == "used_up" and by_quantity.quantity == 0
    with pytest.raises(services.SampleUnavailable, match="used up"):
        services.loan_sample(sample=by_quantity, actor=keeper, borrower="Lab")
    # even when someone set the quantity to zero behind the services' back
    raw = factories.sample(keeper, container=store["box"], position="A3")
    Sample.objects.filter(pk=raw.pk).update(quantity=0)
    with pytest.raises(services.SampleUnavailable, match="used up"):
        services.loan_sample(sample=raw, actor=keeper, borrower="Lab")
    assert Loan.objects.count() == 0


def test_loan_and_return(keeper, store) -> None:
    sample = factories.sample(keeper, container=store["box"], position="A1", quantity="3")
    permit = services.add_permit(
        actor=keeper, number="KZ-0001", kind="cites_export", samples=[sample]
    )
    loan = services.loan_sample(
        sample=sample,
        actor=keeper,
        borrower="Genetics lab",
        permit=permit,
        purpose="microsatellites",
    )
    sample.refresh_from_db()
    assert sample.status == "on_loan" and sample.container is None
    with pytest.raises(services.SampleUnavailable):
        services.loan_sample(sample=sample, actor=keeper, borrower="Another lab")
    with pytest.raises(services.SampleUnavailable):
        services.move_sample(sample=sample, container=store["box"], position="A2", actor=keeper)
    services.return_loan(
        loan=loan, actor=keeper, quantity_returned="2", container=store["box"], position="A1"
    )
    sample.refresh_from_db()
    assert sample.status == "stored" and sample.quantity == 2 and sample.position == "A1"
    with pytest.raises(services.CryobankError):
        services.return_loan(loan=loan, actor=keeper, quantity_returned="1")
    second = services.loan_sample(sample=sample, actor=keeper, borrower="Lab")
    services.return_loan(loan=second, actor=keeper, quantity_returned="0")
    sample.refresh_from_db()
    assert sample.status == "used_up"
    assert list(sample.custody.values_list("kind", flat=True).order_by("id"))[-3:] == [
        "loaned",
        "returned",
        "used_up",
    ]


def test_only_keepers_of_the_storage_may_lend(keeper, store, make_user) -> None:
    sample = factories.sample(keeper, container=store["box"], position="A1")
    ranger = make_user("ranger", "observer", ["ile-alatau"])
    with pytest.raises(PermissionDenied):
        services.loan_sample(sample=sample, actor=ranger, borrower="Lab")
    with pytest.raises(PermissionDenied):
        services.move_sample(sample=sample, container=store["box"], position="B1", actor=ranger)


def test_aliquots_cannot_exceed_what_is_left(keeper, store) -> None:
    sample = factories.sample(keeper, quantity="1")
    with pytest.raises(services.CryobankError, match="more than"):
        services.create_aliquots(parent=sample, actor=keeper, count=3, quantity_each="0.5")
    made = services.create_aliquots(parent=sample, actor=keeper, count=2, quantity_each="0.5")
    sample.refresh_from_db()
    assert sample.status == "used_up" and [a.quantity for a in made] == [0.5, 0.5]
    with pytest.raises(services.SampleUnavailable):
        services.create_aliquots(parent=sample, actor=keeper, count=1, quantity_each="0.1")
