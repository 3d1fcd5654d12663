"""The demo step: two collared snow leopards whose tracks replay real movement patterns."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from barys.demo.scenario import DemoContext
from barys.telemetry import demo, ranges, simulation, tracks
from barys.telemetry.models import Fix, HomeRange, Tag, TagDeployment

pytestmark = pytest.mark.django_db


def test_movement_pattern_of_a_real_track() -> None:
    pattern = demo.real_pattern("Teorema")
    assert pattern.step_m.size == 4859  # 4,860 real fixes
    assert np.median(pattern.interval_s) == 3600.0
    assert np.all(np.abs(pattern.turn_rad) <= np.pi)


def test_reprojection_keeps_the_real_steps() -> None:
    pattern = demo.real_pattern("Esperanca2")
    track = simulation.reproject_track(
        pattern, start_s=0.0, end_s=pattern.interval_s.sum(), start_lat=43.12, home_lon=77.2, seed=2
    )
    steps = simulation.haversine_m(track.lat[:-1], track.lon[:-1], track.lat[1:], track.lon[1:])
    moved = steps > 0  # steps turned back at the edge of the model are not taken
    assert np.allclose(steps[moved], pattern.step_m[: steps.size][moved], rtol=1e-3)
    assert np.array_equal(np.diff(track.t_s), pattern.interval_s[: track.t_s.size - 1])


def test_demo_step(taxon: Any, scope: Any) -> None:
    taxon("Panthera uncia", category=1)
    context = DemoContext()
    demo.collared_snow_leopards(context)
    assert Tag.objects.filter(local_identifier__in=["IA-GPS-01", "IA-GPS-02"]).count() == 2
    deployments = TagDeployment.objects.select_related("individual")
    assert {d.individual.code for d in deployments} == {"SL-IA-001", "SL-IA-005"}
    assert all("simulated demonstration data" in d.notes.lower() for d in deployments)
    count = Fix.objects.count()
    assert count > 10_000 and context.summary["GPS collars"] == 2
    for deployment in deployments:
        track = tracks.load_track(deployment.individual, include_outliers=False)
        months = track.months
        summer = np.median(track.alt[np.isin(months, (6, 7, 8))])
        winter = np.median(track.alt[np.isin(months, (12, 1, 2))])
        assert 3000 <= summer <= 3800, summer
        assert 1900 <= winter <= 2400, winter
        # the injected GPS errors are flagged, and the last 30 days are live
        assert Fix.objects.filter(individual=deployment.individual, flags__gt=0).count() >= 3
        assert track.t[-1] >= tracks.as_datetime64(ranges.live_cutoff())
        seasons = set(
            HomeRange.objects.filter(individual=deployment.individual).values_list(
                "season", flat=True
            )
        )
        assert seasons == {"all", "winter", "spring", "summer", "autumn"}
    demo.collared_snow_leopards(DemoContext())
    assert Fix.objects.count() == count  # idempotent
