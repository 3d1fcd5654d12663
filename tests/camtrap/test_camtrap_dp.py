"""Camtrap DP 1.0: the official example round trip, validation offline, public exports."""

from __future__ import annotations

import csv
import json
import shutil
from collections.abc import Callable
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.camtrap import dp, services
from barys.camtrap.detect import run_detection
from barys.camtrap.ingest import ingest_card
from barys.camtrap.models import Deployment, Event, Media, Observation, Outage, Survey
from barys.demo.camtrap_images import CameraIdentity, generate_card
from barys.individuals.models import Individual
from barys.interop import camtrap_dp
from barys.interop.errors import FormatError
from barys.taxa.models import Taxon
from tests.reference import reference_path

pytestmark = pytest.mark.django_db

Make = Callable[..., Deployment]


def _schemas() -> Path:
    return reference_path("camtrap-dp")


def _rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in row.items() if k != "_row"} for row in rows]


# --------------------------------------------------------------------------- pure reader/writer


def test_reader_reads_the_official_example() -> None:
    package = camtrap_dp.read_package(reference_path("camtrap-dp", "example"))
    assert not package.errors
    assert (len(package.deployments), len(package.media), len(package.observations)) == (
        4,
        423,
        549,
    )
    first = package.deployments[0]
    assert first["deploymentStart"] == datetime(
        2020, 5, 30, 4, 57, 37, tzinfo=timezone(timedelta(hours=2))
    )
    assert first["cameraHeight"] == 1.3 and first["baitUse"] is False
    assert package.extra_resources[0]["name"] == "individuals"
    assert (
        camtrap_dp.validate_package(reference_path("camtrap-dp", "example"), schema_dir=_schemas())
        == []
    )


def test_writer_round_trip_is_exact(tmp_path: Path) -> None:
    package = camtrap_dp.read_package(reference_path("camtrap-dp", "example"))
    out = camtrap_dp.write_package(
        tmp_path / "copy",
        metadata=package.metadata,
        deployments=package.deployments,
        media=package.media,
        observations=package.observations,
        extra_resources=package.extra_resources,
    )
    again = camtrap_dp.read_package(out)
    for table in camtrap_dp.TABLES:
        assert _rows(again.table(table)) == _rows(package.table(table))
    assert again.metadata == package.metadata
    assert camtrap_dp.validate_package(out, schema_dir=_schemas()) == []


def test_validator_reports_file_row_and_field(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(reference_path("camtrap-dp", "example"), folder)
    text = (folder / "deployments.csv").read_text().replace(",51.496,", ",151.496,", 1)
    (folder / "deployments.csv").write_text(text)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    descriptor["project"].pop("samplingDesign")
    (folder / "datapackage.json").write_text(json.dumps(descriptor))
    problems = camtrap_dp.validate_package(folder, schema_dir=_schemas())
    assert any("samplingDesign" in p for p in problems)
    assert any("deployments" in p and "row 2" in p and "latitude" in p for p in problems)
    read = camtrap_dp.read_package(folder)
    assert [str(e) for e in read.errors] == [
        "deployments.csv, row 2, field 'latitude': must be at most 90 (value '151.496')"
    ]


@settings(
    max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    column=st.sampled_from(
        [
            "timestamp",
            "filePublic",
            "fileMediatype",
            "captureMethod",
            "mediaID",
            "deploymentID",
            "favorite",
        ]
    ),
    value=st.text(max_size=30),
)
def test_reader_never_crashes_on_bad_cells(
    tmp_path_factory: pytest.TempPathFactory, column: str, value: str
) -> None:
    folder = tmp_path_factory.mktemp("fuzz")
    for name in ("datapackage.json", "deployments.csv", "observations.csv"):
        shutil.copy(reference_path("camtrap-dp", "example", name), folder / name)
    with open(reference_path("camtrap-dp", "example", "media.csv"), newline="") as handle:
        rows = list(csv.DictReader(handle))
    rows[0][column] = value
    with open(folder / "media.csv", "w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    package = camtrap_dp.read_package(folder)
    for error in package.errors:
        assert error.table in camtrap_dp.TABLES and error.error.row >= 2 and error.error.reason
    if any(e.table == "media" and e.error.row == 2 for e in package.errors):
        assert all(m["_row"] != 2 for m in package.media)


def test_reader_refuses_broken_packages_with_a_clear_error(tmp_path: Path) -> None:
    (tmp_path / "datapackage.json").write_text("{not json")
    with pytest.raises(FormatError, match="not valid JSON"):
        camtrap_dp.read_package(tmp_path)
    (tmp_path / "datapackage.json").write_text(json.dumps({"resources": []}))
    with pytest.raises(FormatError, match="'deployments' resource is missing"):
        camtrap_dp.read_package(tmp_path)


# --------------------------------------------------------------------------- import / export


def test_official_example_imports_and_reexports_without_loss(tmp_path: Path) -> None:
    survey = dp.import_package(path=reference_path("camtrap-dp", "example"), actor="test")
    assert Deployment.objects.filter(station__survey=survey).count() == 4
    assert Media.objects.filter(deployment__station__survey=survey).count() == 423
    assert Observation.objects.filter(deployment__station__survey=survey).count() == 549
    # The ten local frames were stored as originals.
    assert Media.objects.filter(file__isnull=False).count() == 10
    out = dp.export_survey(survey=survey, out_dir=tmp_path / "out")
    assert camtrap_dp.validate_package(out, schema_dir=_schemas()) == []
    original = camtrap_dp.read_package(reference_path("camtrap-dp", "example"))
    exported = camtrap_dp.read_package(out)
    for table, key in (
        ("deployments", "deploymentID"),
        ("media", "mediaID"),
        ("observations", "observationID"),
    ):
        mine = {row[key]: row for row in _rows(exported.table(table))}
        theirs = {row[key]: row for row in _rows(original.table(table))}
        assert mine == theirs, table
    keep = {k: v for k, v in original.metadata.items() if k != "created"}
    assert {k: v for k, v in exported.metadata.items() if k != "created"} == keep
    assert exported.extra_resources == original.extra_resources
    # Importing the same package again changes nothing.
    dp.import_package(path=reference_path("camtrap-dp", "example"), actor="test")
    assert Observation.objects.count() == 549 and Media.objects.count() == 423
    assert Survey.objects.count() == 1


def test_a_bad_package_imports_nothing(tmp_path: Path) -> None:
    folder = tmp_path / "bad"
    shutil.copytree(reference_path("camtrap-dp", "example"), folder)
    lines = (folder / "observations.csv").read_text().splitlines()
    lines[5] = lines[5].replace(",media,", ",pixel,", 1)
    (folder / "observations.csv").write_text("\n".join(lines) + "\n")
    with pytest.raises(dp.PackageRefused) as refused:
        dp.import_package(path=folder, actor="test")
    assert any("row 6, field 'observationLevel'" in p for p in refused.value.problems)
    assert not Survey.objects.exists() and not Media.objects.exists()


def _native_survey(make_deployment: Make, tmp_path: Path) -> Deployment:
    leopard = Taxon.objects.create(
        scientific_name="Panthera uncia",
        rank="species",
        slug="panthera-uncia",
        sensitivity_category=2,
        name_en="Snow leopard",
    )
    deployment = make_deployment(
        "IA-W01",
        serial="CAM-1",
        latitude=43.123456,
        longitude=77.054321,
        start=datetime(2023, 11, 1, 5, tzinfo=UTC),
        end=datetime(2024, 4, 30, 5, tzinfo=UTC),
        station_code="IA-W01",
    )
    services.add_outage(
        deployment=deployment,
        start=datetime(2024, 1, 10, tzinfo=UTC),
        end=datetime(2024, 1, 20, tzinfo=UTC),
        reason=Outage.Reason.SNOW,
        actor="test",
    )
    generate_card(
        tmp_path / "card",
        n_images=12,
        start=datetime(2023, 11, 2),
        end=datetime(2024, 1, 5),
        camera=CameraIdentity(serial="CAM-1"),
        station_seed=3,
        seed=1,
        size=(320, 240),
    )
    ingest_card(deployment=deployment, root=tmp_path / "card", derivatives=False)
    run_detection(deployment=deployment, order=("motion",))
    event = Event.objects.filter(deployment=deployment).order_by("start").first()
    assert event is not None
    mother = Individual.objects.create(code="SL-IA-001", taxon=leopard, sex="female")
    Observation.objects.create(
        deployment=deployment,
        event=event,
        level="event",
        event_start=event.start,
        event_end=event.end,
        observation_type="animal",
        taxon=leopard,
        count=1,
        individual=Individual.objects.create(code="SL-IA-017", taxon=leopard, mother=mother),
        classification_method="human",
        classified_by="test",
    )
    return deployment


def test_native_export_validates_with_individuals_and_outages(
    make_deployment: Make, tmp_path: Path
) -> None:
    deployment = _native_survey(make_deployment, tmp_path)
    survey = deployment.station.survey
    out = dp.export_survey(survey=survey, out_dir=tmp_path / "pkg")
    assert camtrap_dp.validate_package(out, schema_dir=_schemas()) == []
    package = camtrap_dp.read_package(out)
    (row,) = package.deployments
    assert row["latitude"] == 43.123456 and row["cameraID"] == "CAM-1"
    assert "outage:2024-01-10T00:00:00Z/2024-01-20T00:00:00Z/snow_cover" in row["deploymentTags"]
    assert len(package.media) == 12
    kinds = {(o["observationLevel"], o["classificationMethod"]) for o in package.observations}
    assert ("event", "human") in kinds and ("event", "machine") in kinds
    assert any(o["individualID"] == "SL-IA-017" for o in package.observations)
    individuals = next(r for r in package.extra_resources if r["name"] == "individuals")
    assert individuals["path"] == "individuals.csv"
    text = package.extra_files["individuals.csv"].decode()
    assert "SL-IA-017" in text and "SL-IA-001" in text.splitlines()[1] + text
    assert package.metadata["project"]["individualAnimals"] is True
    # A round trip through the importer keeps the outages and the identifiers.
    Survey.objects.filter(pk=survey.pk).update(code="original")
    Deployment.objects.filter(pk=deployment.pk).update(code="orig", deployment_id="other")
    imported = dp.import_package(path=out, actor="test", survey_code="copy")
    copy = Deployment.objects.get(station__survey=imported)
    assert copy.deployment_id == row["deploymentID"]
    assert list(copy.outages.values_list("reason", flat=True)) == ["snow_cover"]


def test_public_export_generalises_sensitive_stations(
    make_deployment: Make, tmp_path: Path
) -> None:
    deployment = _native_survey(make_deployment, tmp_path)
    survey = deployment.station.survey
    out = dp.export_survey(survey=survey, out_dir=tmp_path / "public", public=True, copy_media=True)
    assert camtrap_dp.validate_package(out, schema_dir=_schemas()) == []
    text = "".join(p.read_text(errors="ignore") for p in out.glob("*.csv"))
    text += (out / "datapackage.json").read_text()
    assert "43.1234" not in text and "77.0543" not in text
    (row,) = camtrap_dp.read_package(out).deployments
    assert (row["latitude"], row["longitude"]) == (43.15, 77.05)
    assert row["coordinateUncertainty"] > 5000 and row["locationName"] is None
    assert "dataGeneralizations" in row["deploymentTags"]
    metadata = json.loads((out / "datapackage.json").read_text())
    assert metadata["coordinatePrecision"] == 0.1 and "generalised" in metadata["description"]
    # Category 1: the camera is withheld, with its media and observations.
    Taxon.objects.filter(scientific_name="Panthera uncia").update(sensitivity_category=1)
    out = dp.export_survey(survey=survey, out_dir=tmp_path / "public1", public=True)
    withheld = camtrap_dp.read_package(out)
    assert withheld.deployments == [] and withheld.media == [] and withheld.observations == []
    assert "withheld" in json.loads((out / "datapackage.json").read_text())["description"]


def test_cli_export_and_import(
    make_deployment: Make, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from barys.cli import main

    assert main(["import", "camtrap-dp", str(reference_path("camtrap-dp", "example"))]) == 0
    assert "4 deployments, 423 media, 549 observations" in capsys.readouterr().out
    assert (
        main(["export", "camtrap-dp", str(tmp_path / "all"), "--validate-with", str(_schemas())])
        == 0
    )
    out = capsys.readouterr().out
    assert "valid Camtrap DP 1.0 package" in out
    assert (tmp_path / "all" / "camtrap-dp-example-dataset" / "datapackage.json").exists()
    assert main(["export", "camtrap-dp", str(tmp_path / "x"), "--survey", "nope"]) == 1
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "datapackage.json").write_text("[]")
    assert main(["import", "camtrap-dp", str(broken)]) == 1
    assert "top level must be a JSON object" in capsys.readouterr().err


def test_created_is_set(make_deployment: Make, tmp_path: Path) -> None:
    deployment = make_deployment("EMPTY-1")
    out = dp.export_survey(
        survey=deployment.station.survey,
        out_dir=tmp_path / "e",
        created=datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
    )
    assert json.loads((out / "datapackage.json").read_text())["created"] == "2024-01-02T03:04:05Z"
    assert camtrap_dp.validate_package(out, schema_dir=_schemas()) == []


def test_person_classified_animals_become_records_once() -> None:
    """Observations a person made in an imported package are confirmed: their events count as
    reviewed and each animal of a registry taxon becomes one MachineObservation record."""
    import csv

    from barys.camtrap.models import Event
    from barys.records.models import Occurrence

    for name in ("Martes foina", "Ardea cinerea"):
        Taxon.objects.create(
            scientific_name=name, rank="species", slug=name.lower().replace(" ", "-")
        )
    folder = reference_path("camtrap-dp", "example")
    with (folder / "observations.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    expected = sum(
        1
        for r in rows
        if r["scientificName"] in ("Martes foina", "Ardea cinerea")
        and r["classificationMethod"] == "human"
        and r["observationType"] == "animal"
    )
    dp.import_package(path=folder, actor="test")
    records = Occurrence.objects.filter(source__code="barys-camera-traps")
    assert expected > 0 and records.count() == expected
    assert set(records.values_list("basis_of_record", flat=True)) == {"MachineObservation"}
    assert not Event.objects.filter(
        observations__classification_method="human", review_state="unreviewed"
    ).exists()
    dp.import_package(path=folder, actor="test")
    assert records.count() == expected
    assert set(records.values_list("version", flat=True)) == {1}
