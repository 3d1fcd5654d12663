"""Movebank export round trip, refusals, the CLI, and generalised Darwin Core occurrences."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from barys.cli import main
from barys.core.models import AccessLogEntry
from barys.interop.movebank import read_movebank
from barys.records.models import Occurrence
from barys.telemetry import exporting, ranges
from barys.telemetry.importing import ImportOptions, import_fixes
from barys.telemetry.models import Fix
from barys.telemetry.services import NotAllowed
from tests.reference import reference_path

pytestmark = pytest.mark.django_db
VALUES = (
    "timestamp",
    "latitude",
    "longitude",
    "altitude_m",
    "altitude_reference",
    "hdop",
    "dop",
    "satellites",
    "fix_type",
    "temperature_c",
    "battery_mv",
    "event_id",
    "outlier",
)


@pytest.fixture
def leroy(individual: Any) -> Any:
    leroy = individual("FISHER-LEROY")
    import_fixes(
        reference_path("telemetry", "move_leroy.csv.gz"),
        options=ImportOptions(individual_map={"Leroy": "FISHER-LEROY"}),
    )
    return leroy


def _values(individual: Any) -> list[tuple[Any, ...]]:
    return list(
        Fix.objects.filter(individual=individual).order_by("timestamp", "id").values_list(*VALUES)
    )


def test_cli_round_trip(
    leroy: Any, individual: Any, make_user: Callable[..., Any], tmp_path: Path, capsys: Any
) -> None:
    make_user("near", "researcher", ["ile-alatau"])
    out = tmp_path / "leroy.csv.gz"
    assert (
        main(["export", "movebank", str(out), "--individual", "FISHER-LEROY", "--user", "near"])
        == 0
    )
    assert "1,990 fixes written" in capsys.readouterr().out
    read = read_movebank(out)
    assert read.errors == [] and len(read.fixes) == 1990
    assert read.header[:5] == ["event-id", "visible", "timestamp", "location-long", "location-lat"]
    stored = _values(leroy)
    for fix, row in zip(read.fixes, stored, strict=True):
        assert (
            fix.timestamp,
            fix.lat,
            fix.lon,
            fix.altitude,
            fix.battery,
            fix.temperature,
            fix.visible,
        ) == (row[0], row[1], row[2], row[3], row[10], row[9], not row[12])
    log = AccessLogEntry.objects.get(surface="telemetry export movebank")
    assert log.count == 1990 and log.actor.username == "near"
    # importing the export again adds nothing; into another passport it gives the same fixes
    assert main(["import", "movebank", str(out), "--quiet"]) == 0
    assert "0 fixes added, 1,990 duplicates skipped" in capsys.readouterr().out
    twin = individual("FISHER-TWIN")
    assert (
        main(
            [
                "import",
                "movebank",
                str(out),
                "--quiet",
                "--individual-map",
                "FISHER-LEROY=FISHER-TWIN",
            ]
        )
        == 0
    )
    assert [v[:12] for v in _values(twin)] == [v[:12] for v in stored]
    # outliers came back as outliers (visible=false in the file)
    assert [v[12] for v in _values(twin)] == [v[12] for v in stored]


def test_export_refusals(
    leroy: Any, make_user: Callable[..., Any], tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "x.csv"
    assert main(["export", "movebank", str(out)]) == 1
    assert "pass --user NAME" in capsys.readouterr().err
    make_user("far", "researcher", ["other-park"])
    assert main(["export", "movebank", str(out), "--user", "far"]) == 1
    err = capsys.readouterr().err
    assert "far may not see the exact locations of FISHER-LEROY" in err
    assert not out.exists() and not AccessLogEntry.objects.exists()
    with pytest.raises(NotAllowed):
        exporting.export_movebank(path=out, user=None)


def test_cli_import_reports_rows_and_refuses_ambiguous_dates(
    individual: Any, tmp_path: Path, capsys: Any
) -> None:
    individual("SL-IA-017", species="Panthera uncia", category=1)
    bad = tmp_path / "dates.csv"
    bad.write_text("when,x,y\n03/04/2021 10:00,76.9,43.2\n", encoding="utf-8")
    args = [
        "import",
        "movebank",
        str(bad),
        "--column-map",
        "timestamp=when,lon=x,lat=y",
        "--individual",
        "SL-IA-017",
        "--quiet",
    ]
    assert main(args) == 1
    assert "example row 2: '03/04/2021 10:00'" in capsys.readouterr().err
    assert main([*args, "--timestamp-format", "%d/%m/%Y %H:%M", "--timezone", "Asia/Almaty"]) == 0
    fix = Fix.objects.get()
    assert fix.timestamp == datetime(2021, 4, 3, 4, 0, tzinfo=UTC)  # Almaty: UTC+6 in 2021
    assert main(["import", "movebank", str(tmp_path / "missing.csv")]) == 1


def test_generalised_occurrences(
    individual: Any, recent_track: Any, make_user: Callable[..., Any]
) -> None:
    pepper = individual("PEPPER", species="Syncerus caffer", category=2)
    path, written = recent_track("Pepper")
    import_fixes(path, options=ImportOptions(individual_map={"Pepper": "PEPPER"}))
    near = make_user("near", "researcher", ["ile-alatau"])
    far = make_user("far", "researcher", ["other-park"])
    with pytest.raises(NotAllowed):
        exporting.publish_occurrences(individual_code="PEPPER", actor=far)
    result = exporting.publish_occurrences(individual_code="PEPPER", actor=near)
    cutoff = ranges.live_cutoff()
    old_days = {t.date() for t, _la, _lo in written if t < cutoff}
    assert result.created == len(old_days) == Occurrence.objects.count()
    assert result.days == len(old_days)
    for record in Occurrence.objects.all():
        assert record.organism_id == "PEPPER" and record.basis_of_record == "MachineObservation"
        assert record.event_date_start < cutoff
        # the centre of a 0.1° cell
        for value in (record.latitude, record.longitude):
            assert round(abs(value) * 100) % 10 == 5
        assert record.coordinate_uncertainty_m > 7000
        assert "0.1° grid" in record.remarks
    again = exporting.publish_occurrences(individual_code="PEPPER", actor=near)
    assert (again.created, again.updated, again.unchanged) == (0, 0, len(old_days))
    leopard = individual("SL-IA-017", species="Panthera uncia", category=1)
    old, _ = recent_track("Queen", end=datetime.now(UTC) - timedelta(days=100))
    import_fixes(old, options=ImportOptions(individual_map={"Queen": "SL-IA-017"}))
    withheld = exporting.publish_occurrences(individual_code=leopard.code, actor=near)
    assert withheld.withheld and withheld.created == 0
    assert pepper.code == "PEPPER"
