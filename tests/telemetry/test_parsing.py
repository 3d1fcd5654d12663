"""Hypothesis tests of the import's parsers: bad input gives a clear error, never a crash and
never a half-written batch."""

from __future__ import annotations

import csv
import tempfile
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.interop.errors import FormatError
from barys.telemetry.importing import ImportOptions, ImportProblem, import_fixes, parse_mapping
from barys.telemetry.models import Fix, TelemetryImport

CELLS = st.sampled_from(
    [
        "",
        "2021-03-04 10:00:00.000",
        "2021-03-04T10:00:00Z",
        "2021-03-04 11:00:00.000",
        "03/04/2021",
        "76.9",
        "43.2",
        "-200",
        "nan",
        "inf",
        "1e400",
        "x",
        '"',
        "12",
        "-3.5",
        "SL-IA-017",
        "SL-IA-999",
        "true",
        "0",
        "0.0",
    ]
) | st.text(max_size=6)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(
    st.lists(st.lists(CELLS, min_size=5, max_size=5), min_size=1, max_size=15), st.integers(1, 4)
)
def test_random_files_import_cleanly_or_fail_clearly(
    individual: Any, rows: list[list[str]], batch: int
) -> None:
    individual("SL-IA-017", species="Panthera uncia", category=1)
    before = Fix.objects.count()
    runs = TelemetryImport.objects.count()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "fixes.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(
                [
                    "timestamp",
                    "location-long",
                    "location-lat",
                    "gps:hdop",
                    "individual-local-identifier",
                ]
            )
            writer.writerow(["2020-01-01 00:00:00.000", "77.0", "43.1", "1", "SL-IA-017"])
            writer.writerows(rows)
        try:
            result = import_fixes(path, chunk_size=batch, analyse=False)
        except FormatError as error:
            assert str(path) in str(error)
            run = TelemetryImport.objects.order_by("-pk").first()
            if TelemetryImport.objects.count() > runs:
                assert run is not None and run.state == "failed"
                # the batches before the broken row are complete, the broken one absent
                assert Fix.objects.count() - before == run.created
            else:
                assert Fix.objects.count() == before
            return
    run = result.run
    assert run.state == "done"
    if result.skipped:  # the same file was imported by an earlier example
        assert Fix.objects.count() == before
        return
    assert Fix.objects.count() - before == run.created
    assert run.created + run.duplicates + run.rejected >= 1
    assert all(
        isinstance(e["row"], int) and e["row"] >= 2 and e["field"] and e["reason"]
        for e in run.report
    )


@given(st.text(max_size=40))
def test_mappings_parse_or_say_why(text: str) -> None:
    try:
        mapping = parse_mapping(text, what="--individual-map")
    except ImportProblem as problem:
        assert "--individual-map" in str(problem)
        return
    assert all(k and v and k == k.strip() and v == v.strip() for k, v in mapping.items())


def test_mapping_files(tmp_path: Path) -> None:
    as_json = tmp_path / "map.json"
    as_json.write_text('{"Leroy": "FISHER-LEROY"}', encoding="utf-8")
    assert parse_mapping(str(as_json), what="m") == {"Leroy": "FISHER-LEROY"}
    as_csv = tmp_path / "map.csv"
    as_csv.write_text("Leroy,FISHER-LEROY\nM1,FISHER-M1\n", encoding="utf-8")
    assert parse_mapping(str(as_csv), what="m") == {"Leroy": "FISHER-LEROY", "M1": "FISHER-M1"}
    as_csv.write_text("Leroy,FISHER-LEROY,extra\n", encoding="utf-8")
    with pytest.raises(ImportProblem, match="row 1: expected two columns"):
        parse_mapping(str(as_csv), what="m")
    as_json.write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ImportProblem, match="expected an object"):
        parse_mapping(str(as_json), what="m")
    with pytest.raises(ImportProblem, match="KEY=VALUE"):
        parse_mapping("a=b,c", what="m")
    assert (
        ImportOptions(format="csv", column_map={"timestamp": "t", "lat": "y", "lon": "x"}).key
        != ImportOptions().key
    )
