"""Cleaning rules on hand-made tracks with known answers, and on random input."""

from __future__ import annotations

import math

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from barys.telemetry import cleaning
from barys.telemetry.cleaning import CleaningRules, flag_fixes

HOUR = 3600.0
LAT0, LON0 = 43.05, 77.0
M_PER_DEG_LAT = 111_195.0


def walk(n: int, step_m: float = 300.0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Hourly fixes walking east ``step_m`` metres an hour."""
    t = np.arange(n) * HOUR
    lat = np.full(n, LAT0)
    lon = LON0 + np.arange(n) * step_m / (M_PER_DEG_LAT * math.cos(math.radians(LAT0)))
    return t, lat, lon


RULES = CleaningRules(max_speed_kmh=25.0)


def flagged(result: cleaning.CleaningResult) -> dict[int, list[str]]:
    return {int(i): cleaning.flag_names(int(result.flags[i])) for i in np.flatnonzero(result.flags)}


def test_a_clean_track_has_no_flags() -> None:
    t, lat, lon = walk(50)
    assert flagged(flag_fixes(t=t, lat=lat, lon=lon, rules=RULES)) == {}


def test_out_and_back_spike() -> None:
    t, lat, lon = walk(20)
    lat[7] += 20_000 / M_PER_DEG_LAT  # 20 km north and back within two hours
    result = flag_fixes(t=t, lat=lat, lon=lon, rules=RULES)
    assert flagged(result) == {7: ["SPIKE"]}
    values = result.value(7)
    assert values is not None and values["turn_deg"] > 170
    assert 19.0 < values["speed_in_kmh"] < 20.5 and 19.0 < values["speed_out_kmh"] < 20.5


def test_a_far_spike_between_fixes_hours_apart() -> None:
    t, lat, lon = walk(20)
    t = np.arange(20) * 3 * HOUR  # 15 km out and back in 3 h steps: only 5 km/h
    lat[9] += 15_000 / M_PER_DEG_LAT
    result = flag_fixes(t=t, lat=lat, lon=lon, rules=RULES)
    assert flagged(result) == {9: ["SPIKE"]}
    values = result.value(9)
    assert values is not None and 14_900 < values["distance_in_m"] < 15_100
    lat[9] -= 7_000 / M_PER_DEG_LAT  # 8 km: a possible trip for a snow leopard in 3 hours
    assert flagged(flag_fixes(t=t, lat=lat, lon=lon, rules=RULES)) == {}


def test_too_fast_excursion_of_two_fixes() -> None:
    t, lat, lon = walk(20)
    lat[5:7] += 60_000 / M_PER_DEG_LAT  # two fixes 60 km away, then back
    assert flagged(flag_fixes(t=t, lat=lat, lon=lon, rules=RULES)) == {
        5: ["TOO_FAST"],
        6: ["TOO_FAST"],
    }


def test_a_jump_without_return_flags_one_fix_only() -> None:
    t, lat, lon = walk(30)
    lat[10:] += 60_000 / M_PER_DEG_LAT  # moved 60 km in an hour and stayed there
    result = flag_fixes(t=t, lat=lat, lon=lon, rules=RULES)
    assert flagged(result) == {10: ["TOO_FAST"]}
    values = result.value(10)
    assert values is not None and values["limit_kmh"] == 25.0
    assert 59.0 < values["speed_kmh"] < 61.0


def test_a_wrong_first_fix() -> None:
    t, lat, lon = walk(10)
    lat[0] -= 80_000 / M_PER_DEG_LAT  # e.g. switched on in the office
    assert flagged(flag_fixes(t=t, lat=lat, lon=lon, rules=RULES)) == {0: ["TOO_FAST"]}


def test_speed_allows_for_gps_error() -> None:
    t, lat, lon = walk(10, step_m=40.0)
    t = np.arange(10) * 60.0  # 40 m a minute: 2.4 km/h, jitter well inside 2 x 30 m
    lat[4] += 50 / M_PER_DEG_LAT
    assert flagged(flag_fixes(t=t, lat=lat, lon=lon, rules=RULES)) == {}


def test_duplicate_timestamps_keep_the_most_precise() -> None:
    t, lat, lon = walk(10)
    t = np.insert(t, 4, t[4])
    lat = np.insert(lat, 4, lat[4] + 0.001)
    lon = np.insert(lon, 4, lon[4])
    hdop = np.full(11, 1.5)
    hdop[4] = 0.9  # the inserted twin is the more precise one
    result = flag_fixes(t=t, lat=lat, lon=lon, hdop=hdop, rules=RULES)
    assert flagged(result) == {5: ["DUPLICATE_TIME"]}
    assert result.value(5) == {"duplicates": 2}


def test_poor_dop_and_2d_fixes() -> None:
    t, lat, lon = walk(6)
    hdop = np.array([1.0, 12.0, 4.0, 6.0, np.nan, 1.0])
    fix_type = np.array([3, 3, 2, 2, 2, 3], dtype=float)
    dop = np.array([np.nan, np.nan, np.nan, np.nan, 11.0, np.nan])
    result = flag_fixes(t=t, lat=lat, lon=lon, hdop=hdop, dop=dop, fix_type=fix_type, rules=RULES)
    assert flagged(result) == {1: ["POOR_DOP"], 3: ["POOR_DOP"], 4: ["POOR_DOP"]}
    assert result.value(1) == {"hdop": 12.0}


def test_impossible_source_outlier_and_outside_deployment() -> None:
    t, lat, lon = walk(8)
    lat[2], lon[2] = 0.0, 0.0
    visible = np.array([1, 1, 1, 0, 1, 1, 1, -1], dtype=np.int8)
    inside = np.array([False] + [True] * 7)
    lat[6] = np.nan
    lon[6] = np.nan  # a failed fix attempt: never flagged
    result = flag_fixes(t=t, lat=lat, lon=lon, visible=visible, inside=inside, rules=RULES)
    assert flagged(result) == {0: ["OUTSIDE_DEPLOYMENT"], 2: ["IMPOSSIBLE"], 3: ["SOURCE_OUTLIER"]}


def test_overrides_steer_the_speed_rules() -> None:
    t, lat, lon = walk(20)
    lat[7] += 20_000 / M_PER_DEG_LAT
    override = np.zeros(20, dtype=np.int8)
    override[7] = 1  # a researcher says the spike is real
    result = flag_fixes(t=t, lat=lat, lon=lon, override=override, rules=RULES)
    assert 7 not in flagged(result)
    override[7] = -1  # ... or an outlier: left out of the neighbours, not flagged by rules
    assert flagged(flag_fixes(t=t, lat=lat, lon=lon, override=override, rules=RULES)) == {}
    assert cleaning.outlier_verdict(cleaning.SPIKE, "valid") is False
    assert cleaning.outlier_verdict(0, "outlier") is True
    assert cleaning.outlier_verdict(cleaning.SPIKE, "") is True


def test_unsorted_input_is_refused() -> None:
    import pytest

    with pytest.raises(ValueError, match="sorted by time"):
        flag_fixes(t=[2.0, 1.0], lat=[1.0, 1.0], lon=[1.0, 1.0])


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(0, 50_000),
            st.floats(-91, 91),
            st.floats(-181, 181),
            st.one_of(st.none(), st.floats(0, 30)),
        ),
        min_size=0,
        max_size=60,
    )
)
def test_random_tracks_never_crash(rows: list[tuple[int, float, float, float | None]]) -> None:
    rows.sort(key=lambda r: r[0])
    t = np.array([r[0] for r in rows], dtype=float)
    lat = np.array([r[1] for r in rows], dtype=float)
    lon = np.array([r[2] for r in rows], dtype=float)
    hdop = np.array([np.nan if r[3] is None else r[3] for r in rows], dtype=float)
    result = flag_fixes(t=t, lat=lat, lon=lon, hdop=hdop, rules=RULES)
    assert result.flags.shape == (len(rows),)
    assert set(result.values) <= set(np.flatnonzero(result.flags).tolist())
    again = flag_fixes(t=t, lat=lat, lon=lon, hdop=hdop, rules=RULES)
    assert np.array_equal(result.flags, again.flags)
