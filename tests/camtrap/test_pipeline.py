"""Detection pipeline, MegaDetector imports, person privacy and derived images."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from barys.camtrap.derivatives import build_derivatives, derived_path
from barys.camtrap.detect import import_megadetector_batch, run_detection
from barys.camtrap.errors import CamtrapError
from barys.camtrap.ingest import ingest_card
from barys.camtrap.models import (
    Deployment,
    DerivedFile,
    Detection,
    DetectionRun,
    Event,
    EventClassification,
    Media,
)
from barys.core.filestore import default_store
from barys.core.models import Job
from barys.demo.camtrap_images import CameraIdentity, Shot, generate_card, megadetector_batch
from barys.interop.megadetector import read_batch
from tests.reference import reference_path

pytestmark = pytest.mark.django_db

Make = Callable[..., Deployment]


def _card(folder: Path, *, people: int = 0, n: int = 24, seed: int = 2) -> list[Shot]:
    return generate_card(
        folder,
        n_images=n,
        start=datetime(2023, 11, 2),
        end=datetime(2024, 3, 1),
        camera=CameraIdentity(serial="CAM-P"),
        station_seed=7,
        seed=seed,
        size=(320, 240),
        person_events=people,
    )


def test_motion_detection_when_megadetector_has_no_weights(
    make_deployment: Make, tmp_path: Path
) -> None:
    deployment = make_deployment("DET-1", serial="CAM-P", time_zone="Asia/Almaty")
    shots = _card(tmp_path)
    ingest_card(deployment=deployment, root=tmp_path, derivatives=False)
    run = run_detection(deployment=deployment)
    assert run.detector == "motion" and run.state == "done" and run.images_done == len(shots)
    assert run.skipped[0][0] == "megadetector" and "BARYS_MEGADETECTOR_WEIGHTS" in run.skipped[0][1]
    assert run.thresholds["k_high"] == 7.0 and run.model_version == "1.0"
    truth = {s.file: s.subject for s in shots}
    decided: dict[str, Counter[str]] = {}
    for item in EventClassification.objects.filter(run=run).select_related("event"):
        subjects = {truth[m.file_path] for m in item.event.media.all()}
        (subject,) = subjects
        decided.setdefault(subject, Counter())[item.observation_type] += 1
        assert item.classified_by == "motion 1.0" and item.method == "machine"
    assert set(decided["snow leopard"]) == {"animal"}  # every snow leopard event found
    assert decided["blank"]["blank"] >= sum(decided["blank"].values()) - 1
    box = (
        Detection.objects.filter(
            run=run, media__file_path__in=[s.file for s in shots if s.subject == "snow leopard"]
        )
        .order_by("-confidence")
        .first()
    )
    assert box is not None and box.category == "animal" and 0 < box.bbox_width <= 1


def test_megadetector_reference_output_imports(make_deployment: Make) -> None:
    deployment = make_deployment("MD-1", time_zone="UTC")
    ingest_card(
        deployment=deployment, root=reference_path("megadetector", "images"), derivatives=False
    )
    path = reference_path("megadetector", "md_v5a_candidate_expected_output_DRAFT.json")
    run, unmatched = import_megadetector_batch(path=path, deployment=deployment, actor="test")
    batch = read_batch(path)
    assert run.images_done == 16 and len(unmatched) == 15  # 15 images were left out (SOURCES.md)
    assert run.model == batch.detector and run.classification_threshold == 0.2
    expected = sum(
        len(batch.find_image(m.file_name).detections or ())  # type: ignore[union-attr]
        for m in Media.objects.filter(deployment=deployment)
    )
    assert Detection.objects.filter(run=run).count() == expected
    confs = sorted(Detection.objects.filter(run=run).values_list("confidence", flat=True))
    wanted = sorted(
        d.conf
        for m in Media.objects.filter(deployment=deployment)
        for d in batch.find_image(m.file_name).detections or ()  # type: ignore[union-attr]
    )
    assert confs == wanted
    classified = EventClassification.objects.filter(run=run)
    assert classified.exists()
    assert all(c.classified_by.startswith(batch.detector or "") for c in classified)
    other = reference_path("megadetector", "mdtools_test_folder_output.json")
    with pytest.raises(CamtrapError, match="matches a medium"):
        import_megadetector_batch(path=other, deployment=deployment, actor="test")
    assert DetectionRun.objects.count() == 1  # the refused file left nothing behind


def test_cli_import_megadetector(
    make_deployment: Make, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    from barys.cli import main

    make_deployment("MD-CLI", time_zone="UTC")
    main(
        [
            "ingest",
            str(reference_path("megadetector", "images")),
            "--deployment",
            "MD-CLI",
            "--derivatives",
            "no",
            "--quiet",
        ]
    )
    capsys.readouterr()
    path = reference_path("megadetector", "md_v5a_candidate_expected_output_DRAFT.json")
    assert main(["import", "megadetector", str(path), "--deployment", "MD-CLI"]) == 0
    out = capsys.readouterr().out
    assert "16 images with detections" in out and "15 images of the file match no medium" in out
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"info": {"format_version": "2.0"}, "images": []}))
    assert main(["import", "megadetector", str(bad), "--deployment", "MD-CLI"]) == 1
    assert "format_version" in capsys.readouterr().err


def _with_people(make_deployment: Make, tmp_path: Path) -> tuple[Deployment, list[Shot]]:
    deployment = make_deployment("PEOPLE-1", serial="CAM-P", time_zone="Asia/Almaty")
    shots = _card(tmp_path / "card", people=1, n=12)
    ingest_card(deployment=deployment, root=tmp_path / "card", derivatives=False)
    batch = megadetector_batch(shots, tmp_path / "md.json", subjects=("person", "snow leopard"))
    import_megadetector_batch(path=batch, deployment=deployment, actor="test")
    return deployment, shots


def test_people_are_flagged_and_blurred(make_deployment: Make, tmp_path: Path) -> None:
    deployment, shots = _with_people(make_deployment, tmp_path)
    people = [s for s in shots if s.subject == "person"]
    flagged = Media.objects.filter(deployment=deployment, person_present=True)
    assert sorted(flagged.values_list("file_path", flat=True)) == sorted(s.file for s in people)
    human = EventClassification.objects.filter(observation_type="human")
    assert human.count() == 1 and human.get().probability == 0.9
    counts = build_derivatives(deployment=deployment, workers=1)
    assert counts == {"made": len(shots), "up_to_date": 0, "failed": 0}
    shot = people[0]
    media = Media.objects.get(file_path=shot.file)
    preview = DerivedFile.objects.get(media=media, kind="preview")
    assert (
        preview.recipe.endswith(preview.recipe.split("blur-")[1])
        and "blur-none" not in preview.recipe
    )
    blurred = np.asarray(Image.open(derived_path(preview.relpath)).convert("L"), dtype=float)
    original = np.asarray(
        Image.open(default_store().local_path(media.file_id)).convert("L"), dtype=float
    )
    x, y, w, h = shot.bbox  # type: ignore[misc]
    height, width = blurred.shape
    inner = (
        slice(int((y + 0.1 * h) * height), int((y + 0.9 * h) * height)),
        slice(int((x + 0.1 * w) * width), int((x + 0.9 * w) * width)),
    )
    detail = lambda a: float(np.abs(np.diff(a[inner], axis=1)).mean())  # noqa: E731
    assert detail(blurred) < 0.25 * detail(original)
    thumbnail = DerivedFile.objects.get(media=media, kind="thumbnail")
    assert max(thumbnail.width, thumbnail.height) <= 256
    # Nothing more to do on a second pass; a new person box makes a rebuild.
    assert build_derivatives(deployment=deployment)["made"] == 0
    other = Media.objects.filter(deployment=deployment, person_present=False).first()
    assert other is not None
    run = DetectionRun.objects.get()
    Detection.objects.create(
        run=run,
        media=other,
        category="person",
        confidence=0.95,
        bbox_x=0.1,
        bbox_y=0.1,
        bbox_width=0.2,
        bbox_height=0.5,
    )
    assert build_derivatives(deployment=deployment)["made"] == 1


def test_jobs_run_detection_and_derivatives(
    make_deployment: Make, tmp_path: Path, django_capture_on_commit_callbacks
) -> None:  # type: ignore[no-untyped-def]
    deployment = make_deployment("JOBS-1", serial="CAM-P", time_zone="Asia/Almaty")
    _card(tmp_path, n=9)
    with django_capture_on_commit_callbacks(execute=True):
        ingest_card(deployment=deployment, root=tmp_path)  # the test queue runs jobs at once
    job = Job.objects.get(kind="camtrap.derivatives")
    assert job.state == "done" and job.result["made"] == 9
    assert DerivedFile.objects.filter(media__deployment=deployment).count() == 18
    from barys.camtrap.detect import start_detection

    with django_capture_on_commit_callbacks(execute=True):
        detect = start_detection(deployment=deployment)
    detect.refresh_from_db()
    assert detect.state == "done", detect.message
    assert detect.result["detector"] == "motion" and detect.result["images"] == 9
    assert Event.objects.filter(deployment=deployment, classifications__isnull=False).exists()


def test_detection_fails_clearly_without_any_detector(make_deployment: Make) -> None:
    deployment = make_deployment("NONE-1")
    with pytest.raises(CamtrapError, match="no detector is available"):
        run_detection(deployment=deployment, order=("megadetector", "not-registered"))
    assert datetime.now(UTC) > deployment.start
