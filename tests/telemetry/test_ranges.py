"""Home ranges on real data against barys.analytics.homerange, and the public seasonal ranges."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
import pytest
import shapely
from shapely.geometry import shape

from barys.analytics import homerange
from barys.analytics.projections import centred_laea
from barys.telemetry import ranges, tracks
from barys.telemetry.importing import ImportOptions, import_fixes
from barys.telemetry.models import Fix, HomeRange
from tests.reference import reference_path
from tests.telemetry.conftest import CTMM_MAP

pytestmark = pytest.mark.django_db


@pytest.fixture
def cilla(individual: Any) -> Any:
    cilla = individual("CILLA", species="Syncerus caffer", category=2)
    import_fixes(
        reference_path("telemetry", "ctmm_buffalo.csv"),
        options=ImportOptions(format="csv", column_map=CTMM_MAP, individual_map={"Cilla": "CILLA"}),
    )
    return cilla


def test_home_ranges_match_the_analytics_module(cilla: Any) -> None:
    assert Fix.objects.filter(individual=cilla).count() == 3527
    assert not Fix.objects.filter(individual=cilla, outlier=True).exists()
    rows = {(r.season, r.method, r.level): r for r in HomeRange.objects.filter(individual=cilla)}
    data = [
        (t, la, lo)
        for t, la, lo in Fix.objects.filter(individual=cilla)
        .order_by("timestamp", "id")
        .values_list("timestamp", "latitude", "longitude")
    ]
    lat = np.array([d[1] for d in data])
    lon = np.array([d[2] for d in data])
    projection = centred_laea(lat, lon)
    for percent in (95.0, 100.0):
        direct = homerange.mcp(lat, lon, percent, projection=projection)
        assert rows[("all", "mcp", percent)].area_km2 == pytest.approx(direct.area_km2, rel=1e-12)
        assert rows[("all", "mcp", percent)].n_fixes == 3527
    direct_kde = homerange.kde(lat, lon, (50, 95), projection=projection)
    for level in (50.0, 95.0):
        assert rows[("all", "kde", level)].area_km2 == pytest.approx(
            direct_kde.area_km2(level), rel=1e-12
        )
        stored = shape(rows[("all", "kde", level)].geometry)
        assert stored.symmetric_difference(direct_kde.isopleths[level].polygon).area < 1e-12
    seasons = homerange.by_season(
        lat, lon, [d[0] for d in data], tracks.SEASONS, method="kde", min_fixes=ranges.MIN_FIXES
    )
    for name, found in seasons.items():
        if found is None:
            assert (name, "kde", 95.0) not in rows
            continue
        assert isinstance(found, homerange.KdeHomeRange)
        assert rows[(name, "kde", 95.0)].area_km2 == pytest.approx(found.area_km2(95), rel=1e-12)
    assert {r[0] for r in rows} >= {"all", "winter", "summer"}
    # Cilla's MCP 100 % is the hull of all fixes: the published ctmm coordinates agree.
    assert rows[("all", "mcp", 100.0)].area_km2 == pytest.approx(309.0, abs=0.5)


def test_public_range_is_a_grid_of_old_fixes(individual: Any, recent_track: Any) -> None:
    pepper = individual("PEPPER", species="Syncerus caffer", category=2)
    path, written = recent_track("Pepper")
    import_fixes(path, options=ImportOptions(individual_map={"Pepper": "PEPPER"}))
    row = HomeRange.objects.get(individual=pepper, season="all", method="kde", level=95.0)
    cutoff = ranges.live_cutoff()
    assert row.public_until is not None and row.public_until < cutoff
    old = [(la, lo) for t, la, lo in written if t < cutoff]
    assert len(old) < len(written)  # the last 30 days are live
    lat, lon = np.array([o[0] for o in old]), np.array([o[1] for o in old])
    everything = np.array([w[1] for w in written]), np.array([w[2] for w in written])
    projection = centred_laea(*everything)
    expected = ranges.snap_to_grid(
        homerange.kde(lat, lon, (95,), projection=projection).isopleths[95.0].polygon, 0.1
    )
    assert row.public_geometry == expected and row.public_cell_deg == 0.1
    public = shape(row.public_geometry)
    coords = shapely.get_coordinates(public)
    assert np.allclose(coords * 10, np.round(coords * 10))  # every vertex on the 0.1° grid
    assert all(len(f"{abs(c)}".split(".")[-1]) <= 1 for c in coords.ravel())
    # the other rows carry no public geometry
    assert (
        not HomeRange.objects.filter(individual=pepper)
        .exclude(method="kde", level=95.0)
        .exclude(public_geometry=None)
        .exists()
    )


def test_category_one_ranges_are_withheld(individual: Any, recent_track: Any) -> None:
    leopard = individual("SL-TEST", species="Panthera uncia", category=1)
    path, _ = recent_track("Pepper", end=datetime.now(UTC) - timedelta(days=400))
    import_fixes(path, options=ImportOptions(individual_map={"Pepper": "SL-TEST"}))
    assert HomeRange.objects.filter(individual=leopard).exists()
    assert not HomeRange.objects.filter(individual=leopard).exclude(public_geometry=None).exists()


def test_snap_to_grid_of_a_known_square() -> None:
    square = shapely.box(77.02, 43.03, 77.18, 43.11)
    snapped = ranges.snap_to_grid(square, 0.1)
    assert snapped is not None
    assert shape(snapped).equals(shapely.box(77.0, 43.0, 77.2, 43.2))
    assert ranges.snap_to_grid(shapely.Polygon(), 0.1) is None


def test_seasons_without_enough_fixes_are_removed(cilla: Any) -> None:
    Fix.objects.filter(individual=cilla, timestamp__month__in=(6, 7, 8)).update(outlier=True)
    ranges.compute_home_ranges(individual=cilla)
    assert not HomeRange.objects.filter(individual=cilla, season="summer").exists()
    assert HomeRange.objects.filter(individual=cilla, season="all").count() == 4


def test_degenerate_fixes_give_no_range_and_no_error(individual: Any, tmp_path: Any) -> None:
    resting = individual("SL-REST", species="Panthera uncia", category=1)
    rows = [
        f"2022-03-{1 + i // 24:02d} {i % 24:02d}:00:00.000,77.0,43.1,SL-REST" for i in range(40)
    ]
    path = tmp_path / "resting.csv"
    path.write_text(
        "timestamp,location-long,location-lat,individual-local-identifier\n"
        + "\n".join(rows)
        + "\n",
        encoding="utf-8",
    )
    result = import_fixes(path)
    assert result.run.created == 40
    assert not HomeRange.objects.filter(individual=resting).exists()
