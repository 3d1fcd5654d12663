"""Camera-trap tests read the services' messages in English (the installation's default
language may be another); ``make_deployment`` lives in tests/conftest.py, shared with the
browser tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english(_default_language: None) -> Iterator[None]:
    with translation.override("en"):
        yield
