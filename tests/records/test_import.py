"""Occurrence import: Darwin Core CSV and archives, flags, rejections, idempotence, versions,
resuming after a crash, and clear errors for bad files."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.core.models import AuditEntry
from barys.interop.errors import FormatError
from barys.records import importer, quality, sources
from barys.records.models import ImportBatch, Occurrence, OccurrenceCell
from tests.records.helpers import row, write_csv
from tests.reference import reference_path
from tests.taxa.factories import small_registry

pytestmark = pytest.mark.django_db


@pytest.fixture
def registry() -> dict:
    return small_registry()


@pytest.fixture
def source():
    return sources.get_or_create_source(title="Test survey", code="test-survey")


def flags_of(n: int) -> list[str]:
    occurrence = Occurrence.objects.get(row_number=n)
    return quality.from_bits(occurrence.flags)


def test_csv_import_with_flags_and_rejections(registry, source, tmp_path: Path) -> None:
    rows = [
        row(1),  # row 2: clean
        row(2, lat="0", lon="0"),  # row 3: zero coordinates
        row(3, lat="77.0561", lon="43.1234"),  # row 4: swapped
        row(4, lon="-77.0561"),  # row 5: negated longitude
        row(5, lat="95", lon="250"),  # row 6: out of range
        row(6, lat="north"),  # row 7: invalid coordinate
        row(7, lat="55.75", lon="37.62"),  # row 8: Moscow
        row(8, coordinateUncertaintyInMeters="-5"),  # row 9
        row(9, date="2021-02-30"),  # row 10: invalid date
        row(10, date="2090-01-01"),  # row 11: future
        row(11, name="Panthera unica"),  # row 12: fuzzy
        row(12, name="Snowy unknownus"),  # row 13: no match
        row(13, individualCount="-3"),  # row 14
        row(14, individualCount="0"),  # row 15: present with 0
        row(15, name=""),  # row 16: rejected, no name
        row(16, date="", lat="", lon=""),  # row 17: rejected, nothing
        row(17, name="ирбис"),  # row 18: vernacular
        row(18, name="Uncia uncia (Schreber, 1775)"),  # row 19: synonym + authorship
    ]
    path = write_csv(tmp_path / "survey.csv", rows)
    result = importer.import_occurrences(path, source=source, actor="test")
    batch = result.batch
    assert (batch.rows_done, batch.created, batch.rejected) == (18, 16, 2)
    assert {(r["row"], r["field"]) for r in batch.report} == {
        (16, "scientificName"),
        (17, "eventDate"),
    }
    assert flags_of(2) == []
    assert flags_of(3) == ["ZERO_COORDINATE"]
    swapped = Occurrence.objects.get(row_number=4)
    assert "PRESUMED_SWAPPED_COORDINATE" in flags_of(4)
    assert (swapped.latitude, swapped.longitude) == (43.1234, 77.0561)
    assert flags_of(5) == ["PRESUMED_NEGATED_LONGITUDE"]
    assert Occurrence.objects.get(row_number=5).longitude == 77.0561
    assert flags_of(6) == ["COORDINATE_OUT_OF_RANGE"]
    assert flags_of(7) == ["COORDINATE_INVALID"]
    assert flags_of(8) == ["COUNTRY_COORDINATE_MISMATCH"]
    assert flags_of(9) == ["COORDINATE_UNCERTAINTY_METERS_INVALID"]
    assert flags_of(10) == ["RECORDED_DATE_INVALID"]
    assert flags_of(11) == ["RECORDED_DATE_UNLIKELY"]
    assert flags_of(12) == ["TAXON_MATCH_FUZZY"]
    assert Occurrence.objects.get(row_number=12).taxon == registry["uncia"]
    assert flags_of(13) == ["TAXON_MATCH_NONE"]
    assert Occurrence.objects.get(row_number=13).taxon is None
    assert flags_of(14) == ["INDIVIDUAL_COUNT_INVALID"]
    assert flags_of(15) == ["INDIVIDUAL_COUNT_CONFLICTS_WITH_OCCURRENCE_STATUS"]
    assert Occurrence.objects.get(row_number=18).match_type == "vernacular"
    assert Occurrence.objects.get(row_number=19).match_type == "synonym"
    clean = Occurrence.objects.get(row_number=2)
    assert clean.event_date_precision == "day" and clean.year == 2021
    assert clean.verbatim["decimalLatitude"] == "43.1234"
    assert clean.public_h3_res == 5  # category 2 by default for Red Book taxa


def test_reimport_adds_nothing_and_changes_become_versions(
    registry, source, tmp_path: Path
) -> None:
    path = write_csv(tmp_path / "a.csv", [row(1), row(2)])
    first = importer.import_occurrences(path, source=source)
    again = importer.import_occurrences(path, source=source)
    assert again.skipped and Occurrence.objects.count() == 2
    cells_before = list(OccurrenceCell.objects.values_list("cell", "count"))
    changed = write_csv(tmp_path / "b.csv", [row(1, individualCount="4"), row(2), row(3)])
    second = importer.import_occurrences(changed, source=source)
    assert second.summary == {
        "rows": 3,
        "created": 1,
        "updated": 1,
        "unchanged": 1,
        "rejected": 0,
        "flagged": 0,
    }
    record = Occurrence.objects.get(row_number=2, batch=second.batch)
    assert record.version == 2 and record.individual_count == 4
    entry = AuditEntry.objects.get(object_type="records.occurrence", action="update")
    assert entry.before == {
        "batch_id": first.batch.pk,
        "content_hash": entry.before["content_hash"],
        "individual_count": 1,
        "version": 1,
    } | {
        k: v
        for k, v in entry.before.items()
        if k not in {"batch_id", "content_hash", "individual_count", "version"}
    }
    assert entry.after["individual_count"] == 4
    assert (
        sum(c for _cell, c in OccurrenceCell.objects.filter(res=3).values_list("cell", "count"))
        == 3
    )
    assert cells_before  # the aggregate existed before and grew by exactly one record


def test_column_map(registry, source, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "field.csv",
        [{"Вид": "Panthera uncia", "Дата": "2020-07", "Широта": "43.2", "Долгота": "77.1"}],
        header=["Вид", "Дата", "Широта", "Долгота"],
    )
    result = importer.import_occurrences(
        path,
        source=source,
        column_map={
            "scientificName": "Вид",
            "eventDate": "Дата",
            "decimalLatitude": "Широта",
            "decimalLongitude": "Долгота",
        },
    )
    record = Occurrence.objects.get()
    assert result.batch.created == 1 and record.event_date_precision == "month"
    assert (record.latitude, record.longitude) == (43.2, 77.1)


def test_resume_after_a_crash_gives_the_uninterrupted_state(
    registry, source, tmp_path: Path, monkeypatch
) -> None:
    # the first ten rows (written before the crash) are saigas, the others snow leopards
    rows = [
        row(i, lat=f"43.{1000 + i}", name="Saiga tatarica" if i <= 10 else "Panthera uncia")
        for i in range(1, 26)
    ]
    path = write_csv(tmp_path / "big.csv", rows)
    real = importer._write_chunk
    scheduled: list[list[int]] = []
    monkeypatch.setattr(importer.locating, "after_import", scheduled.append)
    calls = {"n": 0}

    def crashing(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt("killed")
        return real(*args, **kwargs)

    monkeypatch.setattr(importer, "_write_chunk", crashing)
    with pytest.raises(KeyboardInterrupt):
        importer.import_occurrences(path, source=source, chunk_size=5)
    batch = ImportBatch.objects.get()
    assert batch.rows_done == 10 and Occurrence.objects.count() == 10
    monkeypatch.setattr(importer, "_write_chunk", real)
    result = importer.import_occurrences(path, source=source, chunk_size=5)
    assert result.batch.state == "done" and result.batch.created == 25
    assert sorted(Occurrence.objects.values_list("row_number", flat=True)) == list(range(2, 27))
    assert sum(OccurrenceCell.objects.filter(res=3).values_list("count", flat=True)) == 25
    # EOO and AOO are recomputed for the taxa of the rows written before the crash too
    assert scheduled == [sorted([registry["saiga"].pk, registry["uncia"].pk])]


@pytest.mark.parametrize("name", ["archive-occ.zip", "gbif-results.zip"])
def test_real_darwin_core_archives_import_cleanly(registry, source, name: str) -> None:
    path = reference_path("dwca", name)
    result = importer.import_occurrences(path, source=source)
    batch = result.batch
    # gbif-results: 65 rows carry neither a date nor coordinates, and 5 more have only the
    # coordinates 0.0, 0.0 and no date: those 70 are rejected
    expected, rejected = {"archive-occ.zip": (1534, 0), "gbif-results.zip": (158, 70)}[name]
    assert batch.state == "done" and batch.rows_done == expected
    assert (batch.created, batch.rejected) == (expected - rejected, rejected)
    assert all(r["reason"] == "neither a usable date nor a usable location" for r in batch.report)
    first = Occurrence.objects.order_by("row_number").first()
    assert first is not None and first.verbatim_name and first.event_date_start is not None
    # Java-style dates of old GBIF downloads fall back to year, month and day
    if name == "gbif-results.zip":
        assert Occurrence.objects.filter(event_date_precision="day").exists()


def test_broken_meta_xml_and_non_csv_files(source, tmp_path: Path) -> None:
    broken = tmp_path / "broken.zip"
    with zipfile.ZipFile(broken, "w") as archive:
        archive.writestr("meta.xml", "<archive><core>")
        archive.writestr("occurrence.txt", "a,b\n")
    with pytest.raises(FormatError, match="meta.xml.*broken XML"):
        importer.import_occurrences(broken, source=source)
    binary = tmp_path / "photo.csv"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" * 20)
    with pytest.raises(FormatError, match="neither CSV nor a Darwin Core Archive"):
        importer.import_occurrences(binary, source=source)
    assert ImportBatch.objects.count() == 0 and Occurrence.objects.count() == 0


cell_text = st.text(
    alphabet=st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=12
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    values=st.lists(st.tuples(cell_text, cell_text, cell_text, cell_text), min_size=1, max_size=6)
)
def test_garbage_rows_never_crash_or_half_write(registry, source, tmp_path: Path, values) -> None:
    rows = [row(i, name=a, date=b, lat=c, lon=d) for i, (a, b, c, d) in enumerate(values)]
    path = write_csv(tmp_path / f"fuzz-{abs(hash(str(values)))}.csv", rows)
    try:
        result = importer.import_occurrences(path, source=source)
    except FormatError:
        return
    batch = result.batch
    assert batch.created + batch.rejected + batch.unchanged + batch.updated == len(values)
    assert Occurrence.objects.filter(batch=batch).count() == batch.created
    for report in batch.report:
        assert report["row"] >= 2 and report["field"] and report["reason"]
