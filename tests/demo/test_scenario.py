"""The demonstration scenario is idempotent and makes one account per role."""

from __future__ import annotations

import pytest

from barys.core import roles
from barys.core.models import AuditEntry, User
from barys.demo import scenario

pytestmark = pytest.mark.django_db


def test_demo_runs_twice_without_adding_anything() -> None:
    first = scenario.run()
    users = User.objects.count()
    audit_rows = AuditEntry.objects.count()
    second = scenario.run()
    assert User.objects.count() == users == len(scenario.DEMO_ACCOUNTS)
    assert AuditEntry.objects.count() == audit_rows
    assert first.accounts == second.accounts
    ranger = User.objects.get(username="ranger")
    assert roles.has_role(ranger, "observer", "ile-alatau")
    assert not roles.has_role(ranger, "observer")
    assert ranger.check_password(first.accounts["ranger"])
