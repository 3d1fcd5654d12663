"""Shared fixtures: people with roles, signed-in clients, token clients."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from barys.core import i18n_tools


def pytest_configure(config: pytest.Config) -> None:
    i18n_tools.compile_catalogs(only_missing=True)


@pytest.fixture(autouse=True)
def _default_language() -> Iterator[None]:
    """Every test starts in the default language, whatever an earlier test activated, and
    with an empty cache (row ids are reused between tests)."""
    from django.core.cache import cache
    from django.utils import translation

    cache.clear()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def make_user(db: None) -> Callable[..., object]:
    from barys.core.people import add_user

    def make(
        username: str,
        role: str = "observer",
        scopes: list[str] | None = None,
        password: str = "a-long-test-password-1",
    ) -> object:
        return add_user(
            username=username, role=role, scopes=scopes, password=password, actor="test"
        ).user

    return make


@pytest.fixture
def login(make_user: Callable[..., object]) -> Callable[..., Client]:
    def sign_in(username: str, role: str = "observer", scopes: list[str] | None = None) -> Client:
        user = make_user(username, role, scopes)
        client = Client()
        client.force_login(user)  # type: ignore[arg-type]
        return client

    return sign_in


@pytest.fixture
def token_client(make_user: Callable[..., object]) -> Callable[..., tuple[Client, str]]:
    from barys.core.tokens import issue_token

    def make(
        username: str, role: str = "observer", scopes: list[str] | None = None
    ) -> tuple[Client, str]:
        user = make_user(username, role, scopes)
        issued = issue_token(user=user, name="test")  # type: ignore[arg-type]
        return Client(HTTP_AUTHORIZATION=f"Bearer {issued.plaintext}"), issued.plaintext

    return make


@pytest.fixture
def make_deployment(db: None) -> Callable[..., Any]:
    """``make_deployment(code, serial=None, start=…, end=…, scope="ile-alatau", ...)``."""
    from barys.camtrap import services
    from barys.camtrap.models import Deployment, Survey

    surveys: dict[str, Survey] = {}

    def make(
        code: str = "IA-TEST-01",
        *,
        serial: str | None = None,
        start: datetime = datetime(2000, 1, 1, tzinfo=UTC),
        end: datetime | None = datetime(2030, 1, 1, tzinfo=UTC),
        scope: str = "ile-alatau",
        survey_code: str = "test-survey",
        station_code: str | None = None,
        latitude: float = 43.1234,
        longitude: float = 77.0567,
        **fields: Any,
    ) -> Deployment:
        survey = surveys.get(survey_code) or Survey.objects.filter(code=survey_code).first()
        if survey is None:
            survey = services.create_survey(
                code=survey_code, title="Test survey", scope_code=scope, actor="test"
            )
        surveys[survey_code] = survey
        station = services.create_station(
            survey=survey,
            code=station_code or f"ST-{code}",
            latitude=latitude,
            longitude=longitude,
            elevation_m=2100,
            actor="test",
        )
        camera = (
            services.create_camera(serial=serial, make="Reconyx", model="HF2", actor="test")
            if serial
            else None
        )
        return services.create_deployment(
            code=code, station=station, start=start, end=end, camera=camera, actor="test", **fields
        )

    return make
