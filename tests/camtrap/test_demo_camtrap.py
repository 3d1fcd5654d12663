"""The Ile-Alatau camera-trap demo step: registry, generated cards through the real ingest."""

from __future__ import annotations

from collections import Counter

import pytest

from barys.camtrap import demo
from barys.camtrap.models import Camera, Deployment, DetectionRun, Media, Outage, Station, Survey
from barys.core.models import AuditEntry

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_registry_and_cards(settings: pytest.FixtureRequest, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings.DATA_DIR = tmp_path  # type: ignore[attr-defined]
    demo.build_registry()
    survey = Survey.objects.get(code=demo.SURVEY_CODE)
    stations = Station.objects.filter(survey=survey)
    assert stations.count() == 35
    assert stations.filter(code__startswith="IA-W").count() == demo.WINTER_SITES
    for station in stations:
        assert 43.0 <= station.latitude <= 43.3 and 76.7 <= station.longitude <= 77.6
        assert (station.elevation_m or 0) > (2500 if station.code.startswith("IA-S") else 1500)
    donors = Counter(Camera.objects.values_list("donor", flat=True))
    assert donors[demo.UNDP_DONOR] == 20 and donors[demo.FUND_DONOR] == 1 and donors[""] == 14
    assert Camera.objects.filter(status=Camera.Status.LOST).count() == 1
    assert Deployment.objects.filter(station__survey=survey).count() == 18 * 6 + 17 * 7
    assert Outage.objects.count() == 5
    counts = demo.load_cards(images=24)
    assert counts["media"] == 25  # 24 frames and one with a reset clock
    assert Media.objects.filter(implausible_time=True).count() == 1
    assert Media.objects.filter(person_present=True).count() == 3
    assert DetectionRun.objects.filter(detector="motion", state="done").count() == 4
    audit = AuditEntry.objects.count()
    demo.build_registry()
    assert demo.load_cards(images=24) == counts
    assert AuditEntry.objects.count() == audit
