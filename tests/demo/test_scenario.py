"""The demonstration scenario is idempotent and makes one account per role."""

from __future__ import annotations

from collections import Counter

import pytest

from barys.core import roles
from barys.core.models import AuditEntry, User
from barys.demo import scenario

pytestmark = pytest.mark.django_db


def test_demo_runs_twice_without_adding_anything() -> None:
    first = scenario.run()
    users = User.objects.count()
    last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    second = scenario.run()
    assert User.objects.count() == users == len(scenario.DEMO_ACCOUNTS)
    added = Counter(
        AuditEntry.objects.filter(id__gt=last_entry).values_list("action", "object_type")
    )
    assert added == Counter(), f"the second run changed: {added}"
    assert first.accounts == second.accounts
    ranger = User.objects.get(username="ranger")
    assert roles.has_role(ranger, "observer", "ile-alatau")
    assert not roles.has_role(ranger, "observer")
    assert ranger.check_password(first.accounts["ranger"])
