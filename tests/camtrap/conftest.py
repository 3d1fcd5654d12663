"""Camera-trap fixtures: a survey with a station and a deployment, built through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest

from barys.camtrap import services
from barys.camtrap.models import Deployment, Survey


@pytest.fixture
def make_deployment(db: None) -> Callable[..., Deployment]:
    """``make_deployment(code, serial=None, start=…, end=…, scope="ile-alatau", ...)``."""
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
