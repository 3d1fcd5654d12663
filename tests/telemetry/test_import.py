"""Importing the real Movebank and ctmm files: counts, exact values, duplicates, resuming."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from barys.interop.errors import FormatError
from barys.telemetry.importing import ImportOptions, ImportProblem, import_fixes, location_key
from barys.telemetry.models import Fix, Tag, TagDeployment, TelemetryImport
from tests.reference import reference_path
from tests.telemetry.conftest import CTMM_MAP

pytestmark = pytest.mark.django_db


def test_leroy_counts_and_exact_values(individual: Any) -> None:
    leroy = individual("FISHER-LEROY")
    result = import_fixes(
        reference_path("telemetry", "move_leroy.csv.gz"),
        options=ImportOptions(individual_map={"Leroy": "FISHER-LEROY"}),
    )
    assert result.summary["rows"] == 1990 and result.summary["created"] == 1990
    assert result.summary["rejected"] == 0 and result.summary["duplicates"] == 0
    fixes = Fix.objects.filter(individual=leroy)
    assert fixes.count() == 1990
    assert fixes.filter(latitude__isnull=False).count() == 919
    first = fixes.order_by("timestamp").first()
    assert first is not None
    assert first.timestamp == datetime(2009, 2, 11, 0, 0, 1, tzinfo=UTC)
    assert (first.latitude, first.battery_mv, first.temperature_c, first.fix_type) == (
        None,
        3642.0,
        27.0,
        0,
    )
    assert first.source_visible is True
    located = fixes.filter(latitude__isnull=False).order_by("timestamp").first()
    assert located is not None and located.altitude_reference in ("ellipsoid", "")
    # the tag and an automatic deployment spanning the fixes
    tag = Tag.objects.get(local_identifier="74")
    deployment = TagDeployment.objects.get(tag=tag, individual=leroy)
    assert deployment.automatic
    assert deployment.deploy_on == first.timestamp
    assert fixes.filter(deployment=deployment).count() == 1990
    assert result.individuals == ["FISHER-LEROY"]


def test_reimport_adds_nothing_and_overlap_adds_only_new(individual: Any, tmp_path: Path) -> None:
    individual("FISHER-LEROY")
    path = reference_path("telemetry", "move_leroy.csv.gz")
    options = ImportOptions(individual_map={"Leroy": "FISHER-LEROY"})
    import_fixes(path, options=options, analyse=False)
    again = import_fixes(path, options=options, analyse=False)
    assert again.skipped and Fix.objects.count() == 1990
    # the same rows in a different file (a different hash): every row is a duplicate
    copy = tmp_path / "leroy-copy.csv"
    import gzip

    copy.write_bytes(gzip.decompress(path.read_bytes()))
    third = import_fixes(copy, options=options, analyse=False)
    assert not third.skipped
    assert third.summary["created"] == 0 and third.summary["duplicates"] == 1990
    assert Fix.objects.count() == 1990


def test_fishers_all_individuals(individual: Any) -> None:
    names = {
        "M5": 15058,
        "M4": 10846,
        "M3": 5013,
        "F2": 4689,
        "M2": 3573,
        "F3": 3383,
        "F1": 2795,
        "M1": 1990,
    }
    for name in names:
        individual(f"FISHER-{name}")
    result = import_fixes(
        reference_path("telemetry", "move2_fishers.csv.gz"),
        options=ImportOptions(individual_map={n: f"FISHER-{n}" for n in names}),
        analyse=False,
    )
    assert result.summary["created"] == 47347 and result.summary["duplicates"] == 0
    assert Counter(Fix.objects.values_list("individual__code", flat=True)) == {
        f"FISHER-{n}": count for n, count in names.items()
    }
    # SOURCES.md says 31,904 rows with a location; the file has 32,904.
    assert Fix.objects.filter(latitude__isnull=False).count() == 32904
    first = Fix.objects.get(event_id="170635808")
    assert first.individual.code == "FISHER-F1" and first.latitude is None
    assert first.timestamp == datetime(2011, 2, 11, 17, 30, tzinfo=UTC)
    assert first.deployment is not None and first.deployment.tag.local_identifier == "1072"


@pytest.mark.parametrize(
    ("name", "per_individual"),
    [
        (
            "ctmm_buffalo.csv",
            {
                "Cilla": 3527,
                "Gabs": 1996,
                "Mvubu": 2572,
                "Pepper": 1725,
                "Queen": 1756,
                "Toni": 5766,
            },
        ),
        ("ctmm_jaguar.csv", {"Brutus": 1323, "Esperanca2": 2343, "Teorema": 4860, "Troncha": 1390}),
    ],
)
def test_ctmm_files_through_a_column_map(
    name: str, per_individual: dict[str, int], individual: Any
) -> None:
    for who in per_individual:
        individual(who.upper(), species="Syncerus caffer" if "buffalo" in name else "Panthera onca")
    options = ImportOptions(
        format="csv", column_map=CTMM_MAP, individual_map={w: w.upper() for w in per_individual}
    )
    result = import_fixes(reference_path("telemetry", name), options=options, analyse=False)
    assert result.summary["rejected"] == 0
    assert result.summary["created"] == sum(per_individual.values())
    assert Counter(Fix.objects.values_list("individual__code", flat=True)) == {
        w.upper(): n for w, n in per_individual.items()
    }
    if name == "ctmm_buffalo.csv":
        first = Fix.objects.filter(individual__code="CILLA").order_by("timestamp").first()
        assert first is not None
        assert first.timestamp == datetime(2005, 7, 14, 5, 35, tzinfo=UTC)
        assert (first.latitude, first.longitude) == (-24.96738078, 31.88776042)
        assert first.deployment is None  # no tag column: nothing to deploy
    else:
        assert not TagDeployment.objects.exists()


def test_ambiguous_timestamps_are_refused_with_an_example_row(
    individual: Any, tmp_path: Path
) -> None:
    individual("SL-IA-017")
    path = tmp_path / "fixes.csv"
    path.write_text(
        "timestamp,location-long,location-lat,individual-local-identifier\n"
        "03/04/2021 10:00,76.9,43.2,SL-IA-017\n",
        encoding="utf-8",
    )
    with pytest.raises(FormatError) as caught:
        import_fixes(path)
    message = str(caught.value)
    assert "example row 2: '03/04/2021 10:00'" in message
    assert "day first" in message and "month first" in message
    assert not Fix.objects.exists() and not TelemetryImport.objects.exists()


def test_bad_rows_reported_good_rows_kept(individual: Any, tmp_path: Path) -> None:
    individual("SL-IA-017")
    path = tmp_path / "fixes.csv"
    path.write_text(
        "timestamp,location-long,location-lat,gps:hdop,individual-local-identifier\n"
        "2021-03-04 10:00:00.000,76.9,43.2,1.2,SL-IA-017\n"
        "2021-03-04 11:00:00.000,76.9,95.0,1.2,SL-IA-017\n"
        "2021-03-04 12:00:00.000,76.91,43.21,x,SL-IA-017\n"
        "2021-03-04 13:00:00.000,76.92,43.22,1.0,SL-IA-099\n"
        "2021-03-04 14:00:00.000,76.93,43.23,1.0,SL-IA-017\n",
        encoding="utf-8",
    )
    result = import_fixes(path, analyse=False)
    assert result.summary["created"] == 2 and result.summary["rejected"] == 3
    report = result.run.report
    assert {(e["row"], e["field"]) for e in report} >= {(3, "location-lat"), (4, "gps:hdop")}
    unknown = [e for e in report if e["field"] == "individual"]
    assert len(unknown) == 1 and "'SL-IA-099'" in unknown[0]["reason"]
    assert "--individual-map" in unknown[0]["reason"]


def test_resumes_after_an_interruption(individual: Any) -> None:
    individual("FISHER-LEROY")
    path = reference_path("telemetry", "move_leroy.csv.gz")
    options = ImportOptions(individual_map={"Leroy": "FISHER-LEROY"})

    def crash(rows_done: int) -> None:
        if rows_done > 500:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_fixes(path, options=options, chunk_size=300, progress=crash, analyse=False)
    run = TelemetryImport.objects.get()
    assert run.state == "running" and run.rows_done == 601
    assert Fix.objects.count() == 600
    seen: list[int] = []
    result = import_fixes(
        path, options=options, chunk_size=300, progress=seen.append, analyse=False
    )
    assert seen[0] == 901  # resumed after the last committed batch
    assert result.run.state == "done" and result.run.created == 1990
    assert Fix.objects.count() == 1990


def test_options_are_checked_before_anything_is_written(individual: Any) -> None:
    path = reference_path("telemetry", "move_leroy.csv.gz")
    with pytest.raises(ImportProblem, match="no individual with the code"):
        import_fixes(path, options=ImportOptions(individual_map={"Leroy": "NOBODY"}))
    with pytest.raises(ImportProblem, match="column map must name lon"):
        import_fixes(
            path,
            options=ImportOptions(
                format="csv", column_map={"timestamp": "timestamp", "lat": "location-lat"}
            ),
        )
    assert not TelemetryImport.objects.exists()


def test_location_key_is_exact_and_distinct() -> None:
    assert location_key(None, None) == 0
    assert location_key(-90.0, -180.0) == 1
    assert location_key(90.0, 180.0) < 2**63
    assert location_key(43.2, 76.9) != location_key(43.2, 76.9000001)
    assert location_key(43.2, 76.9) == location_key(43.2, 76.9)
