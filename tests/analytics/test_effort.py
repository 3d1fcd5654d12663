"""Effort, independent detections and RAI, validated on camtrapR's sample data.

camtrapR (Niedballa et al. 2016) ships ``camtraps`` (3 stations; dates as dd/mm/YYYY) and
``recordTableSample`` (39 records, local time Asia/Kuala_Lumpur = UTC+8, built from the
package's sample images with ``minDeltaTime = 60``). The expected operation-matrix cells and
trap nights follow camtrapR >= 2.1 (setup and retrieval at noon count 0.5 days, problem days
count 0) and were checked by hand against the raw rows.
"""

from __future__ import annotations

import csv
from datetime import UTC, date, datetime, timedelta, timezone

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from barys.analytics.effort import (
    CameraOperation,
    Deployment,
    as_utc_seconds,
    camera_operation,
    independent_detections,
    relative_abundance,
    season_index,
    trap_nights,
    trap_nights_by_survey,
)
from tests.reference import reference_path

KUALA_LUMPUR = timedelta(hours=8)


def _dmy(text: str) -> date:
    day, month, year = text.split("/")
    return date(int(year), int(month), int(day))


def load_camtraps(*, with_problems: bool = True) -> list[Deployment]:
    """camtrapR's ``camtraps`` table as deployments (camtrapR's date-only convention)."""
    deployments = []
    with reference_path("camtrapR", "camtraps.csv").open(newline="") as handle:
        for row in csv.DictReader(handle):
            problems = []
            if with_problems and row["Problem1_from"]:
                problems.append((_dmy(row["Problem1_from"]), _dmy(row["Problem1_to"])))
            deployments.append(
                Deployment.from_dates(
                    row["Station"],
                    _dmy(row["Setup_date"]),
                    _dmy(row["Retrieval_date"]),
                    problems,
                    utc_offset=KUALA_LUMPUR,
                )
            )
    return deployments


def load_record_table() -> list[dict[str, str]]:
    with reference_path("camtrapR", "recordTableSample.csv").open(newline="") as handle:
        return list(csv.DictReader(handle))


def records_utc(rows: list[dict[str, str]]) -> list[datetime]:
    """Local (UTC+8) ``DateTimeOriginal`` strings as UTC instants."""
    return [
        datetime.fromisoformat(r["DateTimeOriginal"]).replace(tzinfo=UTC) - KUALA_LUMPUR
        for r in rows
    ]


def sample_detections(window: timedelta = timedelta(0)):
    rows = load_record_table()
    return independent_detections(
        [r["Station"] for r in rows], [r["Species"] for r in rows], records_utc(rows), window=window
    )


@pytest.fixture(scope="module")
def operation() -> CameraOperation:
    return camera_operation(load_camtraps(), utc_offset=KUALA_LUMPUR)


# --------------------------------------------------------------------------- operation matrix


def test_camtrapr_operation_matrix_cells(operation: CameraOperation) -> None:
    assert operation.stations == ("StationA", "StationB", "StationC")
    assert operation.first_day == date(2009, 4, 2)
    assert operation.n_days == 46  # 2009-04-02 .. 2009-05-17
    days = [str(d) for d in operation.days]
    col = {d: i for i, d in enumerate(days)}
    a, b, c = operation.effort
    assert a[col["2009-04-02"]] == 0.5  # setup day
    assert np.isnan(b[col["2009-04-02"]]) and b[col["2009-04-03"]] == 0.5
    assert c[col["2009-04-04"]] == 0.5 and c[col["2009-04-05"]] == 1.0
    assert a[col["2009-05-14"]] == 0.5 and np.isnan(a[col["2009-05-15"]])  # retrieval day
    assert b[col["2009-05-16"]] == 0.5 and np.isnan(b[col["2009-05-17"]])
    # StationC: Problem1 12/05/2009 - 17/05/2009 covers the rest of the deployment
    assert c[col["2009-05-11"]] == 1.0
    np.testing.assert_array_equal(c[col["2009-05-12"] :], np.zeros(6))


def test_camtrapr_trap_nights_per_station(operation: CameraOperation) -> None:
    # A: 43 days 02/04-14/05 -> 0.5 + 41 + 0.5 = 42; B: 44 days -> 43;
    # C: 44 days -> 43, minus 12/05-16/05 (5 days) and the half retrieval day = 37.5
    assert operation.trap_nights() == {"StationA": 42.0, "StationB": 43.0, "StationC": 37.5}
    assert operation.total_trap_nights == 122.5
    without_problems = camera_operation(load_camtraps(with_problems=False), utc_offset=KUALA_LUMPUR)
    assert without_problems.trap_nights()["StationC"] == 43.0


def test_trap_nights_per_season_and_survey(operation: CameraOperation) -> None:
    table = trap_nights(operation, seasons={"April": [4], "May": [5]})
    assert table.seasons == ("April", "May")
    np.testing.assert_array_equal(table.values, [[28.5, 13.5], [27.5, 15.5], [26.5, 11.0]])
    assert table.per_season() == {"April": 82.5, "May": 40.0}
    assert table.per_station()["StationC"] == 37.5
    by_range = trap_nights(
        operation, seasons={"first half": [(date(2009, 4, 1), date(2009, 4, 20))]}
    )
    assert by_range.total == (0.5 + 18) + (0.5 + 17) + (0.5 + 16)  # set up 02/04, 03/04, 04/04
    deployments = load_camtraps()
    relabelled = [
        Deployment(
            d.station,
            d.start,
            d.end,
            d.outages,
            survey="2009-C" if d.station == "StationC" else "2009-AB",
        )
        for d in deployments
    ]
    assert trap_nights_by_survey(relabelled, utc_offset=KUALA_LUMPUR) == {
        "2009-AB": 85.0,
        "2009-C": 37.5,
    }


def test_fractional_days_and_local_offset() -> None:
    dep = Deployment(
        "S1",
        datetime(2024, 1, 1, 6, tzinfo=UTC),
        datetime(2024, 1, 3, 18, tzinfo=UTC),
        outages=((datetime(2024, 1, 2, 0, tzinfo=UTC), datetime(2024, 1, 2, 12, tzinfo=UTC)),),
    )
    utc = camera_operation([dep])
    np.testing.assert_array_equal(utc.effort, [[0.75, 0.5, 0.75]])
    almaty = camera_operation(
        [dep], utc_offset=timedelta(hours=6)
    )  # local 12:00 1 Jan -> 00:00 4 Jan
    assert almaty.first_day == date(2024, 1, 1)
    np.testing.assert_array_equal(almaty.effort, [[0.5, 0.5, 1.0]])


def test_overlapping_deployments_at_one_station_are_merged() -> None:
    start = datetime(2024, 5, 1, tzinfo=UTC)
    deps = [
        Deployment("S", start, start + timedelta(days=2)),
        Deployment("S", start + timedelta(hours=12), start + timedelta(days=3)),  # second camera
        Deployment("T", start + timedelta(days=1), start + timedelta(days=1, hours=6)),
    ]
    op = camera_operation(deps)
    np.testing.assert_array_equal(op.effort[0], [1.0, 1.0, 1.0])
    np.testing.assert_array_equal(op.effort[1], [np.nan, 0.25, np.nan])


@st.composite
def deployment_sets(draw: st.DrawFn) -> list[Deployment]:
    base = datetime(2023, 3, 1, tzinfo=UTC)
    deployments = []
    for k in range(draw(st.integers(1, 4))):
        start = draw(st.integers(0, 20 * 86_400))
        length = draw(st.integers(1, 15 * 86_400))
        cuts = sorted(draw(st.lists(st.integers(0, length), min_size=0, max_size=4)))
        outages = [
            (cuts[i], cuts[i + 1]) for i in range(0, len(cuts) - 1, 2) if cuts[i] < cuts[i + 1]
        ]
        deployments.append(
            Deployment(
                f"S{k}",
                base + timedelta(seconds=start),
                base + timedelta(seconds=start + length),
                tuple(
                    (base + timedelta(seconds=start + a), base + timedelta(seconds=start + b))
                    for a, b in outages
                ),
            )
        )
    return deployments


@settings(max_examples=60, deadline=None)
@given(deployment_sets(), st.integers(-12, 14))
def test_effort_sums_to_active_time(deployments: list[Deployment], offset_hours: int) -> None:
    op = camera_operation(deployments, utc_offset=timedelta(hours=offset_hours))
    for dep, row in zip(deployments, op.effort, strict=True):
        start, end = dep.interval_seconds()
        active = end - start - sum(b - a for a, b in dep.outage_seconds())
        assert np.nansum(row) == pytest.approx(active / 86_400, abs=1e-9)
        assert np.all((row[~np.isnan(row)] >= 0) & (row[~np.isnan(row)] <= 1 + 1e-12))


@settings(max_examples=60, deadline=None)
@given(st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6), st.integers(-(10**6), 10**6))
def test_bad_deployments_raise_clear_errors(start: int, end: int, outage: int) -> None:
    base = datetime(2024, 1, 1, tzinfo=UTC)
    try:
        Deployment(
            "K-7",
            base + timedelta(seconds=start),
            base + timedelta(seconds=end),
            outages=((base + timedelta(seconds=outage), base + timedelta(seconds=outage + 3600)),),
        )
    except ValueError as err:
        assert "K-7" in str(err)
    else:
        assert start < end and start <= outage and outage + 3600 <= end


def test_from_dates_rejects_problems_outside_the_deployment() -> None:
    with pytest.raises(ValueError, match=r"station X, problem 0: outside"):
        Deployment.from_dates(
            "X", date(2024, 1, 10), date(2024, 1, 20), [(date(2024, 1, 5), date(2024, 1, 12))]
        )
    with pytest.raises(ValueError, match="last day .* before"):
        Deployment.from_dates(
            "X", date(2024, 1, 10), date(2024, 1, 20), [(date(2024, 1, 15), date(2024, 1, 12))]
        )
    with pytest.raises(ValueError, match="not after start"):
        Deployment.from_dates("X", date(2024, 1, 10), date(2024, 1, 10))


def test_timestamps_are_converted_and_checked() -> None:
    aware = datetime(2024, 6, 1, 5, 0, tzinfo=timezone(timedelta(hours=5)))
    assert as_utc_seconds([aware])[0] == as_utc_seconds([datetime(2024, 6, 1, 0, 0)])[0]
    assert as_utc_seconds(np.array(["2024-06-01T00:00"], dtype="datetime64[m]"))[0] == 1717200000
    with pytest.raises(ValueError, match=r"timestamps\[1\]: missing timestamp"):
        as_utc_seconds(np.array(["2024-06-01", "NaT"], dtype="datetime64[s]"))
    with pytest.raises(TypeError, match=r"timestamps\[0\]: expected a datetime, got str"):
        as_utc_seconds(["2024-06-01"])


def test_seasons_must_not_overlap_or_be_malformed(operation: CameraOperation) -> None:
    with pytest.raises(ValueError, match="overlap"):
        season_index(operation.days, {"spring": [3, 4, 5], "april": [4]})
    with pytest.raises(ValueError, match="no month 1-12"):
        season_index(operation.days, {"bad": [13]})
    labels, index = season_index(operation.days, {"May": [5]})
    assert labels == ("May",) and (index == 0).sum() == 17 and (index == -1).sum() == 29


# --------------------------------------------------------------------------- independent detections


def test_recordtable_rebuilt_from_the_sample_images() -> None:
    """recordTable(minDeltaTime = 60) from the 68 sample images' EXIF gives recordTableSample."""
    with reference_path("camera-trap-images", "exif_check.csv").open(newline="") as handle:
        images = [r for r in csv.DictReader(handle) if "sample_images_species_dir" in r["path"]]
    assert len(images) == 68
    stations = [r["path"].split("/")[-3] for r in images]
    species = [r["path"].split("/")[-2] for r in images]
    times = [datetime.strptime(r["exif_DateTimeOriginal"], "%Y:%m:%d %H:%M:%S") for r in images]
    expected = sorted(
        (r["Station"], r["Species"], r["DateTimeOriginal"], int(float(r["delta.time.secs"])))
        for r in load_record_table()
    )
    for compared_to in ("last_record", "last_independent_record"):
        events = independent_detections(
            stations, species, times, window=timedelta(minutes=60), compared_to=compared_to
        )
        got = sorted(
            (s, p, str(t).replace("T", " "), int(d))
            for s, p, t, d in zip(
                events.station_codes(),
                events.species_codes(),
                events.timestamps,
                events.since_previous_record,
                strict=True,
            )
            if p != "UNID"
        )
        assert got == expected
    assert int(events.n_records.sum()) == 68


def test_sample_table_is_already_independent_at_60_minutes() -> None:
    events = sample_detections(timedelta(minutes=60))
    assert len(events) == 39
    assert events.counts()[("StationC", "TRA")] == 8
    thinner = sample_detections(timedelta(minutes=120))
    # StationC TRA 2009-04-14 00:18 is 100 min after 2009-04-13 22:38
    assert thinner.counts()[("StationC", "TRA")] == 7


def test_last_record_versus_last_independent_record() -> None:
    minutes = [0, 20, 40, 60, 200]
    times = [datetime(2024, 1, 1) + timedelta(minutes=m) for m in minutes]
    chained = independent_detections(["S"] * 5, ["uncia"] * 5, times, compared_to="last_record")
    np.testing.assert_array_equal(chained.n_records, [4, 1])
    anchored = independent_detections(
        ["S"] * 5, ["uncia"] * 5, times, compared_to="last_independent_record"
    )
    np.testing.assert_array_equal(anchored.n_records, [2, 2, 1])
    np.testing.assert_array_equal(anchored.since_previous_event, [0, 40 * 60, 160 * 60])
    np.testing.assert_array_equal(anchored.record_index, [0, 2, 4])
    exact = independent_detections(
        ["S"] * 2, ["uncia"] * 2, times[:1] + [times[0] + timedelta(minutes=30)]
    )
    assert len(exact) == 2  # a gap of exactly the window starts a new event


def _reference_events(
    stations: list[str], species: list[str], seconds: list[int], window: int, anchored: bool
) -> list[int]:
    order = sorted(range(len(seconds)), key=lambda i: (stations[i], species[i], seconds[i]))
    keep, last_key, anchor, previous = [], None, 0, 0
    for i in order:
        key = (stations[i], species[i])
        if key != last_key or seconds[i] - (anchor if anchored else previous) >= window:
            keep.append(i)
            anchor = seconds[i]
        last_key, previous = key, seconds[i]
    return keep


@settings(max_examples=80, deadline=None)
@given(
    st.lists(
        st.tuples(st.sampled_from("AB"), st.sampled_from("xyz"), st.integers(0, 5000)),
        min_size=1,
        max_size=60,
    ),
    st.integers(0, 900),
)
def test_vectorised_grouping_matches_a_sequential_reference(
    records: list[tuple[str, str, int]], window: int
) -> None:
    stations, species, seconds = (list(col) for col in zip(*records, strict=True))
    times = np.array(seconds, dtype="datetime64[s]")
    for compared_to, anchored in (("last_record", False), ("last_independent_record", True)):
        events = independent_detections(
            stations, species, times, window=timedelta(seconds=window), compared_to=compared_to
        )
        expected = _reference_events(stations, species, seconds, window, anchored)
        assert sorted(seconds[i] for i in events.record_index) == sorted(
            seconds[i] for i in expected
        )
        assert int(events.n_records.sum()) == len(records)


def test_independent_detections_input_errors() -> None:
    with pytest.raises(ValueError, match="differ in length"):
        independent_detections(["A", "B"], ["x"], [datetime(2024, 1, 1)] * 2)
    with pytest.raises(ValueError, match="window must not be negative"):
        independent_detections(["A"], ["x"], [datetime(2024, 1, 1)], window=timedelta(minutes=-1))
    with pytest.raises(ValueError, match="compared_to"):
        independent_detections(["A"], ["x"], [datetime(2024, 1, 1)], compared_to="first")  # type: ignore[arg-type]
    assert len(independent_detections([], [], np.array([], dtype="datetime64[s]"))) == 0


# --------------------------------------------------------------------------- RAI


def test_rai_by_species_station_and_season(operation: CameraOperation) -> None:
    rai = relative_abundance(
        sample_detections(timedelta(minutes=60)), operation, seasons={"April": [4], "May": [5]}
    )
    # StationC TRA 2009-05-12 02:32 falls in StationC's problem period: not counted
    assert rai.excluded == 1
    pooled = rai.by_species()
    assert pooled["PBE"] == pytest.approx(100 * 18 / 122.5)
    assert pooled["TRA"] == pytest.approx(100 * 7 / 122.5)
    by_season = rai.by_species_season()
    assert by_season[("TRA", "May")] == pytest.approx(5.0)  # 01/05 and 02/05 over 40 trap nights
    assert by_season[("TRA", "April")] == pytest.approx(100 * 5 / 82.5)
    assert rai.by_species_station()[("VTA", "StationA")] == pytest.approx(100 * 2 / 42)
    cube = rai.rai()
    assert cube.shape == (5, 3, 2)
    assert cube[rai.species.index("MNE"), 1, 0] == pytest.approx(100 * 2 / 27.5)
