"""Cryobank fixtures: a keeper of the storage and a small storage tree."""

from __future__ import annotations

import pytest

from tests.cryobank import factories


@pytest.fixture
def keeper(make_user):
    return make_user("keeper", "researcher", ["ile-alatau"])


@pytest.fixture
def store(keeper):
    return factories.storage(keeper)
