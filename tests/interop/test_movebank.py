"""Movebank CSV: real exports, column maps, strict timestamps, bad rows, round trips."""

from __future__ import annotations

import gzip
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.interop.errors import FormatError, RowError
from barys.interop.movebank import (
    Fix,
    TimestampParser,
    format_movebank_timestamp,
    iter_csv_fixes,
    iter_movebank,
    read_movebank,
    write_movebank,
)
from tests.reference import reference_path

CTMM_MAP = {
    "timestamp": "timestamp_utc",
    "lat": "latitude",
    "lon": "longitude",
    "individual": "identity",
}


def _all(reader: object) -> tuple[list[Fix], list[RowError]]:
    fixes: list[Fix] = []
    errors: list[RowError] = []
    for batch in reader:  # type: ignore[attr-defined]
        fixes += batch.fixes
        errors += batch.errors
    return fixes, errors


def test_leroy() -> None:
    read = read_movebank(reference_path("telemetry", "move_leroy.csv.gz"))
    assert read.errors == []
    assert len(read.fixes) == 1990
    assert sum(f.has_location for f in read.fixes) == 919
    assert {f.individual for f in read.fixes} == {"Leroy"} and {f.tag for f in read.fixes} == {"74"}
    first = read.fixes[0]
    assert first.timestamp == datetime(2009, 2, 11, 0, 0, 1, tzinfo=UTC)
    assert (first.lat, first.lon, first.battery, first.temperature, first.fix_type) == (
        None,
        None,
        3642.0,
        27.0,
        0,
    )
    assert first.visible is True and first.sensor_type == "gps"
    assert first.extra["study-local-timestamp"] == "2009-02-10 19:00:01.000"
    assert (
        read.columns["battery"] == "eobs:battery-voltage"
        and read.columns["altitude"] == "height-above-ellipsoid"
    )
    located = next(f for f in read.fixes if f.has_location)
    assert located.altitude_reference in ("ellipsoid", None)


def test_fishers_streams_in_batches() -> None:
    reader = iter_movebank(reference_path("telemetry", "move2_fishers.csv.gz"), batch_size=5000)
    batches = list(reader)
    assert len(batches) == 10
    assert batches[0].first_row == 2 and batches[0].last_row == 5001
    assert all(b.first_row == a.last_row + 1 for a, b in zip(batches, batches[1:], strict=False))
    fixes = [f for b in batches for f in b.fixes]
    assert sum(len(b.errors) for b in batches) == 0
    assert len(fixes) == 47347
    # SOURCES.md says 31,904 rows with a location; counting the file gives 32,904.
    assert sum(f.has_location for f in fixes) == 32904
    assert Counter(f.individual for f in fixes) == {
        "M5": 15058,
        "M4": 10846,
        "M3": 5013,
        "F2": 4689,
        "M2": 3573,
        "F3": 3383,
        "F1": 2795,
        "M1": 1990,
    }
    assert fixes[0].event_id == "170635808" and fixes[0].tag == "1072"


def test_albatross_zip_with_env_data() -> None:
    read = read_movebank(
        reference_path("telemetry", "move2_Galapagos_Albatrosses-1332012225316982996.zip")
    )
    assert read.errors == [] and len(read.fixes) == 1676
    assert {f.individual for f in read.fixes} == {"4261-2228", "2131-2131"}
    first = read.fixes[0]
    assert first.timestamp == datetime(2008, 5, 31, 13, 29, 31, 998000, tzinfo=UTC)
    assert (first.lat, first.lon, first.altitude, first.altitude_reference) == (
        -1.372912,
        -89.7402326,
        25.8,
        "ellipsoid",
    )
    assert first.extra["height-above-msl"] == "31.00227171307008"
    assert first.extra["OSU Ocean NPP 0.083deg 8d NPP"] == "525.8462369856363"


def test_oystercatcher_heights_above_msl() -> None:
    read = read_movebank(reference_path("telemetry", "o_assen", "O_ASSEN-gps-2018.csv.gz"))
    assert read.errors == [] and len(read.fixes) == 14893
    # 4 birds over both years; 3 of them in 2018.
    assert Counter(f.individual for f in read.fixes) == {
        "5515867": 8163,
        "5515851": 5880,
        "5515868": 850,
    }
    first = read.fixes[0]
    assert (first.altitude, first.altitude_reference, first.satellites, first.temperature) == (
        5.0,
        "msl",
        5,
        36.0,
    )
    assert first.extra["gps:dop"] == "3.2"


@pytest.mark.parametrize(
    ("name", "count", "per_individual"),
    [
        (
            "ctmm_buffalo.csv",
            17342,
            {
                "Cilla": 3527,
                "Gabs": 1996,
                "Mvubu": 2572,
                "Pepper": 1725,
                "Queen": 1756,
                "Toni": 5766,
            },
        ),
        (
            "ctmm_jaguar.csv",
            9916,
            {"Brutus": 1323, "Esperanca2": 2343, "Teorema": 4860, "Troncha": 1390},
        ),
    ],
)
def test_ctmm_files_through_a_column_map(
    name: str, count: int, per_individual: dict[str, int]
) -> None:
    path = reference_path("telemetry", name)
    fixes, errors = _all(iter_csv_fixes(path, CTMM_MAP))
    assert errors == [] and len(fixes) == count
    assert Counter(f.individual for f in fixes) == per_individual
    # The POSIX-seconds column gives the same instants as the ISO column.
    posix, _ = _all(iter_csv_fixes(path, {"timestamp": "timestamp"}, timestamp_format="posix"))
    assert [f.timestamp for f in posix] == [f.timestamp for f in fixes]


def test_buffalo_first_fix_exact() -> None:
    fixes, _ = _all(
        iter_csv_fixes(reference_path("telemetry", "ctmm_buffalo.csv"), CTMM_MAP, batch_size=1)
    )
    first = fixes[0]
    assert first.timestamp == datetime(2005, 7, 14, 5, 35, tzinfo=UTC)
    assert (first.lat, first.lon, first.individual) == (-24.96738078, 31.88776042, "Cilla")
    assert first.extra == {
        "timestamp": "1121319300.0",
        "t": "1121319300.0",
        "x": "35215.75701592278",
        "y": "836.7338391958436",
    }


@pytest.mark.parametrize(
    "name", ["move_leroy.csv.gz", "move2_Galapagos_Albatrosses-1332012225316982996.zip"]
)
def test_round_trip_with_the_files_own_columns(name: str, tmp_path: Path) -> None:
    read = read_movebank(reference_path("telemetry", name))
    out = tmp_path / "back.csv.gz"
    assert write_movebank(read.fixes, out, columns=read.columns, header=read.header) == len(
        read.fixes
    )
    with gzip.open(out, "rt", encoding="utf-8") as handle:
        assert handle.readline().rstrip("\n").split(",")[:4] == read.header[:4]
    again = read_movebank(out)
    assert again.errors == [] and again.fixes == read.fixes


def test_round_trip_with_default_columns(tmp_path: Path) -> None:
    read = read_movebank(reference_path("telemetry", "o_assen", "O_ASSEN-gps-2018.csv.gz"))
    out = tmp_path / "default.csv"
    write_movebank(read.fixes[:500], out, extra_columns=["gps:dop"])
    header = out.read_text(encoding="utf-8").splitlines()[0].split(",")
    assert header[:5] == ["event-id", "visible", "timestamp", "location-long", "location-lat"]
    assert "height-above-msl" in header and header[-1] == "gps:dop"
    again = read_movebank(out)
    core = (
        "timestamp",
        "lat",
        "lon",
        "altitude",
        "altitude_reference",
        "satellites",
        "temperature",
        "individual",
        "tag",
        "event_id",
        "visible",
    )
    for a, b in zip(read.fixes[:500], again.fixes, strict=True):
        assert all(getattr(a, k) == getattr(b, k) for k in core)
        assert b.extra == {"gps:dop": a.extra["gps:dop"]}


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2021-03-04 10:00:00.000", datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2021-03-04 10:00:00", datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2008-05-31 13:29:31.998", datetime(2008, 5, 31, 13, 29, 31, 998000, tzinfo=UTC)),
        ("2021-03-04T10:00:00Z", datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2021-03-04T15:00:00+05:00", datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2021-03-04 16:00+0600", datetime(2021, 3, 4, 10, tzinfo=UTC)),
        ("2021-03-04T10:00:00.123456789Z", datetime(2021, 3, 4, 10, 0, 0, 123456, tzinfo=UTC)),
    ],
)
def test_accepted_timestamps(text: str, expected: datetime) -> None:
    assert TimestampParser().parse(text) == expected


def _write(
    tmp_path: Path,
    rows: list[str],
    header: str = "timestamp,location-long,location-lat,individual-local-identifier",
) -> Path:
    path = tmp_path / "fixes.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def test_ambiguous_day_month_is_refused_with_both_readings(tmp_path: Path) -> None:
    path = _write(tmp_path, ["03/04/2021 10:00,76.9,43.2,SL-IA-017"])
    with pytest.raises(FormatError) as caught:
        read_movebank(path)
    message = str(caught.value)
    assert caught.value.row == 2 and caught.value.field == "timestamp"
    assert "2021-04-03 10:00 (day first, timestamp_format='%d/%m/%Y %H:%M')" in message
    assert "2021-03-04 10:00 (month first, timestamp_format='%m/%d/%Y %H:%M')" in message
    assert "example row 2: '03/04/2021 10:00'" in message


def test_day_first_only_and_naive_iso_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FormatError) as caught:
        read_movebank(_write(tmp_path, ["25/04/2021 10:00,76.9,43.2,A"]))
    assert "2021-04-25 10:00 (day first" in str(caught.value) and "month first" not in str(
        caught.value
    )
    with pytest.raises(FormatError, match="has no UTC offset"):
        read_movebank(_write(tmp_path, ["2021-04-25T10:00:00,76.9,43.2,A"]))


def test_explicit_format_and_zone(tmp_path: Path) -> None:
    path = _write(tmp_path, ["03/04/2021 10:00,76.9,43.2,A"], header="when,x,y,animal")
    mapping = {"timestamp": "when", "lon": "x", "lat": "y", "individual": "animal"}
    fixes, errors = _all(
        iter_csv_fixes(path, mapping, timestamp_format="%d/%m/%Y %H:%M", timezone="+06:00")
    )
    assert errors == [] and fixes[0].timestamp == datetime(2021, 4, 3, 4, 0, tzinfo=UTC)
    with pytest.raises(ValueError, match="unknown time zone"):
        iter_csv_fixes(path, mapping, timestamp_format="%d/%m/%Y %H:%M", timezone="Mars/Olympus")
    with pytest.raises(ValueError, match="only with an explicit timestamp_format"):
        iter_csv_fixes(path, mapping, timezone="+06:00")


def test_bad_rows_are_reported_and_good_rows_kept(tmp_path: Path) -> None:
    header = "timestamp,location-long,location-lat,gps:satellite-count,visible,individual-local-identifier"
    rows = [
        "2021-03-04 10:00:00.000,76.9,43.2,7,true,SL-IA-017",  # 2 good
        "2021-03-04 11:00:00.000,76.9,95.0,7,true,SL-IA-017",  # 3 latitude out of range
        "2021-03-04 12:00:00.000,east,43.2,7,true,SL-IA-017",  # 4 longitude not a number
        "2021-03-04 13:00:00.000,76.9,43.2,7,true",  # 5 too few values
        ",76.9,43.2,7,true,SL-IA-017",  # 6 empty timestamp
        "03/04/2021 14:00,76.9,43.2,7,true,SL-IA-017",  # 7 unaccepted format after good rows
        "2021-03-04 15:00:00.000,76.9,43.2,-1,maybe,SL-IA-017",  # 8 two problems
        "2021-03-04 16:00:00.000,,,,false,SL-IA-017",  # 9 good: no location
        "2021-03-04 17:00:00.000,76.9,,3,true,SL-IA-017",  # 10 lat missing
    ]
    fixes, errors = _all(iter_movebank(_write(tmp_path, rows, header)))
    assert [f.timestamp.hour for f in fixes] == [10, 16]
    assert fixes[1].has_location is False and fixes[1].visible is False
    found = [(e.row, e.field) for e in errors]
    assert found == [
        (3, "location-lat"),
        (4, "location-long"),
        (5, "(row)"),
        (6, "timestamp"),
        (7, "timestamp"),
        (8, "gps:satellite-count"),
        (8, "visible"),
        (10, "location-lat"),
    ]
    assert errors[0].reason == "latitude outside [-90, 90]" and errors[0].value == "95.0"
    assert errors[2].reason == "5 values for 6 columns"
    assert "day first" in errors[4].reason
    assert str(errors[5]) == "row 8, field 'gps:satellite-count': must not be negative (value '-1')"


def test_file_level_problems(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"row 1: required column missing \(lat: location-lat\)"):
        read_movebank(
            _write(
                tmp_path,
                ["2021-03-04 10:00:00.000,76.9,43.2,A"],
                header="timestamp,location-long,lat,individual",
            )
        )
    empty = tmp_path / "empty.csv"
    empty.write_text("", encoding="utf-8")
    with pytest.raises(FormatError, match="the file is empty"):
        read_movebank(empty)
    truncated = tmp_path / "cut.csv.gz"
    truncated.write_bytes(reference_path("telemetry", "move_leroy.csv.gz").read_bytes()[:5000])
    with pytest.raises(FormatError, match="damaged or truncated"):
        read_movebank(truncated)
    with pytest.raises(FormatError, match="cannot open the file"):
        read_movebank(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="unknown Fix fields"):
        iter_csv_fixes(empty, {"timestamp": "t", "speed": "s"})


def test_format_movebank_timestamp() -> None:
    assert (
        format_movebank_timestamp(datetime(2008, 5, 31, 13, 29, 31, 998000, tzinfo=UTC))
        == "2008-05-31 13:29:31.998"
    )
    assert (
        format_movebank_timestamp(datetime(2008, 5, 31, 13, 29, 31, 998001, tzinfo=UTC))
        == "2008-05-31 13:29:31.998001"
    )
    with pytest.raises(ValueError):
        format_movebank_timestamp(datetime(2008, 5, 31))


CELLS = st.sampled_from(
    [
        "",
        "2021-03-04 10:00:00.000",
        "2021-03-04T10:00:00Z",
        "03/04/2021",
        "76.9",
        "-200",
        "nan",
        "inf",
        "1e400",
        "true",
        "false",
        "x",
        '"',
        "\x00",
        "9" * 30,
        "12",
        "-3.5",
    ]
) | st.text(max_size=8)


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(CELLS, min_size=4, max_size=6), min_size=1, max_size=12))
def test_random_rows_never_crash(rows: list[list[str]]) -> None:
    header = "timestamp,location-long,location-lat,gps:hdop,visible"
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            import csv

            writer = csv.writer(handle)
            writer.writerow(header.split(","))
            writer.writerow(
                ["2021-01-01 00:00:00.000", "1", "1", "1", "true"]
            )  # settles the format
            writer.writerows(rows)
        try:
            fixes, errors = _all(iter_movebank(path))
        except FormatError as error:
            assert str(path) in str(error)
            return
        bad_rows = {e.row for e in errors}
        assert all(e.row >= 3 and e.field for e in errors)
        assert len(fixes) + len(bad_rows) <= len(rows) + 1
        assert all(f.timestamp.tzinfo is UTC for f in fixes)


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=300))
def test_random_bytes_never_crash(content: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "f.csv"
        path.write_bytes(b"timestamp,location-long,location-lat\n" + content)
        try:
            _all(iter_movebank(path))
        except FormatError as error:
            assert str(path) in str(error)
