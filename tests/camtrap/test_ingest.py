"""Card ingest: real camera JPEGs, bad input per file, duplicates, time zones, clock, events."""

from __future__ import annotations

import shutil
import struct
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.camtrap import services
from barys.camtrap.errors import CamtrapError
from barys.camtrap.events import group_times
from barys.camtrap.ingest import ingest_card
from barys.camtrap.models import Deployment, Event, IngestRun, Media
from barys.core.filestore import default_store
from barys.core.models import AuditEntry, StoredFile
from barys.demo.camtrap_images import CameraIdentity, write_jpeg
from tests.reference import reference_path

pytestmark = pytest.mark.django_db

Make = Callable[..., Deployment]


def _frame(seed: int, size: tuple[int, int] = (64, 48)) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 255, (size[1], size[0], 3), dtype=np.uint8)


def _jpeg(
    folder: Path, name: str, taken: datetime | None, *, serial: str = "CAM-1", seed: int = 0
) -> Path:
    path = folder / name
    write_jpeg(path, _frame(seed), taken=taken, camera=CameraIdentity(serial=serial))
    return path


def _mp4(path: Path, when: datetime) -> None:
    """A minimal MP4 header: ftyp and a moov/mvhd box with the creation time (not playable)."""
    seconds = int((when - datetime(1904, 1, 1)).total_seconds())
    mvhd = b"mvhd" + bytes([0, 0, 0, 0]) + struct.pack(">II", seconds, seconds) + bytes(88)
    moov = struct.pack(">I", 8 + 4 + len(mvhd)) + b"moov" + struct.pack(">I", 4 + len(mvhd)) + mvhd
    path.write_bytes(struct.pack(">I", 16) + b"ftypisom" + b"\x00\x00\x02\x00" + moov)


def test_real_camera_jpegs(make_deployment: Make) -> None:
    deployment = make_deployment("REAL-1")
    summary = ingest_card(
        deployment=deployment, root=reference_path("camera-trap-images"), derivatives=False
    )
    # 110 JPEGs in the folder tree; the two CSV files are reported as unknown formats.
    assert summary.files == 112
    assert summary.new == 110 and summary.rejected == 2 and summary.duplicates == 0
    reasons = {p.path: p.reason for p in summary.problems}
    assert "unknown format" in reasons["exif_check.csv"]
    # The jaguar scans and one animl frame have no DateTimeOriginal (SOURCES.md).
    no_time = set(Media.objects.filter(no_timestamp=True).values_list("file_name", flat=True))
    assert len(no_time) == 5 and "B013_IMG_0005_empty.jpeg" in no_time
    owl = Media.objects.get(file_name="testdataowl.JPG")
    assert owl.exif_make.upper().startswith("RECONYX") and owl.exif_serial == "P900FF03149458"
    assert owl.trigger["mode"] == "motion" and owl.trigger["sequence_number"] == 3
    assert owl.capture_method == Media.CaptureMethod.ACTIVITY
    assert owl.timestamp_local and owl.time_zone == deployment.time_zone
    # Stored once, under the SHA-256, read-only.
    assert StoredFile.objects.count() == 110
    assert default_store().exists(owl.file_id)
    assert AuditEntry.objects.filter(object_type="camtrap.ingestrun").count() == 1
    # Running again adds nothing: every file is a duplicate, identifiers and events are stable.
    ids = sorted(Media.objects.values_list("media_id", "event__event_id"))
    again = ingest_card(
        deployment=deployment, root=reference_path("camera-trap-images"), derivatives=False
    )
    assert again.new == 0 and again.duplicates == 110
    assert sorted(Media.objects.values_list("media_id", "event__event_id")) == ids
    assert IngestRun.objects.filter(deployment=deployment, state="done").count() == 2


def test_camera_local_time_in_the_deployment_zone(make_deployment: Make) -> None:
    """The Camtrap DP example burst: EXIF 2021-04-11 20:43:09 local, the camera set to +01:00."""
    deployment = make_deployment("HERON", time_zone="+01:00")
    summary = ingest_card(
        deployment=deployment,
        root=reference_path("camtrap-dp", "example", "media"),
        derivatives=False,
    )
    assert summary.new == 10 and not summary.problems
    first = Media.objects.order_by("timestamp").first()
    assert first is not None
    assert first.timestamp == datetime(2021, 4, 11, 19, 43, 9, tzinfo=UTC)
    assert first.timestamp_local == "2021-04-11T20:43:09" and first.time_zone == "+01:00"
    # Ten frames within seven seconds: one event.
    assert summary.events == 1 and Event.objects.get().media_count == 10


def test_bad_files_are_reported_and_the_card_goes_on(make_deployment: Make, tmp_path: Path) -> None:
    start = datetime(2023, 11, 1, tzinfo=UTC)
    deployment = make_deployment(
        "BAD-1", serial="CAM-1", start=start, end=datetime(2024, 4, 1, tzinfo=UTC), time_zone="UTC"
    )
    card = tmp_path / "DCIM"
    card.mkdir()
    good = _jpeg(card, "IMG_0001.JPG", datetime(2023, 12, 1, 10, 0, 0), seed=1)
    _jpeg(card, "IMG_0002.JPG", datetime(2023, 12, 1, 10, 0, 20), seed=2)
    data = good.read_bytes()
    (card / "IMG_0003.JPG").write_bytes(data[: len(data) // 2])  # truncated
    (card / "IMG_0004.JPG").write_bytes(b"\x00garbage, not an image" * 10)  # corrupt
    _jpeg(card, "IMG_0005.JPG", None, seed=5)  # no EXIF time
    _jpeg(card, "IMG_0006.JPG", datetime(2000, 1, 1, 0, 0, 5), seed=6)  # clock reset
    _jpeg(card, "IMG_0007.JPG", datetime.now() + timedelta(days=400), seed=7)  # future
    _jpeg(card, "IMG_0008.JPG", datetime(2024, 6, 1, 12, 0, 0), seed=8)  # after retrieval
    _jpeg(card, "IMG_0009.JPG", datetime(2023, 12, 2, 9, 0, 0), serial="CAM-2", seed=9)
    _mp4(card / "VID_0010.MP4", datetime(2023, 12, 3, 8, 30, 0))
    (card / "notes.txt").write_text("field notes")
    (card / ".DS_Store").write_bytes(b"\x00\x00")
    shutil.copy(good, card / "IMG_0001_copy.JPG")  # the same content under another name
    summary = ingest_card(deployment=deployment, root=card, derivatives=False)
    by_path = {p.path: p for p in summary.problems}
    assert summary.files == 12  # the hidden file is skipped silently
    assert not by_path["IMG_0004.JPG"].registered
    assert "not an image" in by_path["IMG_0004.JPG"].reason
    assert "unknown format" in by_path["notes.txt"].reason
    assert "CAM-2" in by_path["IMG_0009.JPG"].reason and not by_path["IMG_0009.JPG"].registered
    assert summary.duplicates == 1
    media = {m.file_name: m for m in Media.objects.filter(deployment=deployment)}
    assert set(media) == {
        "IMG_0001.JPG",
        "IMG_0002.JPG",
        "IMG_0003.JPG",
        "IMG_0005.JPG",
        "IMG_0006.JPG",
        "IMG_0007.JPG",
        "IMG_0008.JPG",
        "VID_0010.MP4",
    }
    assert media["IMG_0003.JPG"].damaged and "truncated" in media["IMG_0003.JPG"].problems
    assert media["IMG_0005.JPG"].no_timestamp and media["IMG_0005.JPG"].timestamp is None
    assert media["IMG_0006.JPG"].implausible_time and media["IMG_0007.JPG"].implausible_time
    assert media["IMG_0008.JPG"].out_of_window and not media["IMG_0008.JPG"].implausible_time
    video = media["VID_0010.MP4"]
    assert video.media_type == "video/mp4" and video.timestamp == datetime(
        2023, 12, 3, 8, 30, tzinfo=UTC
    )
    assert summary.new == 8 and summary.rejected == 3
    # Events: 10:00:00, 10:00:20 (one event), the truncated copy of the first frame counts as
    # another medium at 10:00:00; the video and the late frame are events of their own.
    assert summary.events == 3
    assert (
        Media.objects.filter(
            deployment=deployment, implausible_time=True, event__isnull=False
        ).count()
        == 0
    )


def test_unknown_camera_serial_takes_the_cards_majority(
    make_deployment: Make, tmp_path: Path
) -> None:
    deployment = make_deployment("MIX-1", time_zone="UTC")
    for index in range(3):
        _jpeg(
            tmp_path, f"A{index}.JPG", datetime(2023, 5, 1, 10, index), serial="CAM-A", seed=index
        )
    _jpeg(tmp_path, "B0.JPG", datetime(2023, 5, 1, 11, 0), serial="CAM-B", seed=9)
    summary = ingest_card(deployment=deployment, root=tmp_path, derivatives=False)
    odd = Media.objects.get(file_name="B0.JPG")
    assert odd.serial_mismatch and odd.event is None and "CAM-A" in odd.problems
    assert summary.flagged == 1 and summary.events == 1  # 10:00, 10:01, 10:02: gaps of 60 s


def test_clock_offset_and_drift_keep_the_original(make_deployment: Make, tmp_path: Path) -> None:
    deployment = make_deployment(
        "CLOCK-1",
        time_zone="Asia/Almaty",
        start=datetime(2023, 1, 1, tzinfo=UTC),
        end=datetime(2023, 12, 31, tzinfo=UTC),
    )
    _jpeg(tmp_path, "R1.JPG", datetime(2023, 3, 1, 12, 0, 0), seed=1)
    _jpeg(tmp_path, "R2.JPG", datetime(2023, 3, 11, 12, 0, 0), seed=2)
    _jpeg(tmp_path, "X.JPG", datetime(2023, 3, 6, 12, 0, 0), seed=3)
    ingest_card(deployment=deployment, root=tmp_path, derivatives=False)
    r1, r2, x = (Media.objects.get(file_name=n) for n in ("R1.JPG", "R2.JPG", "X.JPG"))
    assert x.timestamp == datetime(2023, 3, 6, 6, 0, 0, tzinfo=UTC)  # Almaty was UTC+6
    # Reference photos: the camera was 60 s slow at the first and 160 s slow ten days later.
    services.set_clock_from_reference_photos(
        deployment=deployment,
        references=[(r1, datetime(2023, 3, 1, 12, 1, 0)), (r2, datetime(2023, 3, 11, 12, 2, 40))],
        actor="test",
    )
    deployment.refresh_from_db()
    assert deployment.clock_offset_s == 60 and deployment.clock_drift_s_per_day == pytest.approx(10)
    x.refresh_from_db()
    assert x.clock_correction_s == pytest.approx(110)
    assert x.timestamp == datetime(2023, 3, 6, 6, 1, 50, tzinfo=UTC)
    assert x.timestamp_local == "2023-03-06T12:00:00"  # the camera's own time is kept
    # Undo: times return to the camera's.
    services.set_clock_correction(deployment=deployment, offset_s=0, drift_s_per_day=0, actor="t")
    x.refresh_from_db()
    assert x.timestamp == datetime(2023, 3, 6, 6, 0, 0, tzinfo=UTC) and x.clock_correction_s == 0
    with pytest.raises(CamtrapError):
        services.set_clock_from_reference_photos(deployment=deployment, references=[], actor="t")


def test_event_gap_is_configurable_and_grouping_is_order_free(
    make_deployment: Make, tmp_path: Path
) -> None:
    deployment = make_deployment("GAP-1", time_zone="UTC")
    times = [0, 30, 85, 200, 230, 600]
    for index, offset in enumerate(times):
        folder = tmp_path / ("a" if index % 2 else "b")
        _jpeg(
            folder,
            f"F{index}.JPG",
            datetime(2023, 5, 1, 10) + timedelta(seconds=offset),
            seed=index,
        )
    first = ingest_card(deployment=deployment, root=tmp_path / "a", derivatives=False)
    second = ingest_card(deployment=deployment, root=tmp_path / "b", derivatives=False)
    assert first.new == 3 and second.new == 3
    assert second.events == 3  # {0, 30, 85}, {200, 230}, {600}
    ids = sorted(Event.objects.values_list("event_id", flat=True))
    services.update_deployment(deployment=deployment, event_gap_s=300, actor="test")
    assert Event.objects.count() == 2  # {0 … 230}, {600}
    services.update_deployment(deployment=deployment, event_gap_s=60, actor="test")
    assert sorted(Event.objects.values_list("event_id", flat=True)) == ids


def test_group_times() -> None:
    base = datetime(2023, 1, 1, tzinfo=UTC)
    times = [base + timedelta(seconds=s) for s in (0, 60, 121, 122, 500)]
    assert group_times(times, 60) == [[0, 1], [2, 3], [4]]
    assert group_times([], 60) == []


def test_cli_ingest_prints_a_summary(
    make_deployment: Make, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from barys.cli import main

    make_deployment("CLI-1", time_zone="UTC")
    _jpeg(tmp_path, "A.JPG", datetime(2023, 5, 1, 10, 0), seed=1)
    (tmp_path / "b.txt").write_text("x")
    assert main(["ingest", str(tmp_path), "--deployment", "CLI-1", "--derivatives", "no"]) == 0
    out = capsys.readouterr()
    assert "1 new, 0 duplicates" in out.out and "b.txt: unknown format" in out.out
    assert "file" in out.err  # the progress bar (tqdm) with its rate
    assert main(["ingest", str(tmp_path), "--deployment", "NOPE"]) == 1
    assert "no deployment" in capsys.readouterr().err


def test_linked_card_is_stored_without_copies(make_deployment: Make, tmp_path: Path) -> None:
    from barys.cli import main

    deployment = make_deployment("LINK-1", time_zone="UTC")
    card = tmp_path / "card"
    card.mkdir()
    paths = [_jpeg(card, f"L{i}.JPG", datetime(2023, 5, 1, 10, i), seed=7700 + i) for i in range(3)]
    args = ["ingest", str(card), "--deployment", "LINK-1", "--derivatives", "no", "--link"]
    assert main([*args, "--quiet"]) == 0
    store = default_store()
    media = list(Media.objects.filter(deployment=deployment).order_by("file_name"))
    assert [m.file_name for m in media] == ["L0.JPG", "L1.JPG", "L2.JPG"]
    for path, medium in zip(paths, media, strict=True):
        stored = store.local_path(medium.file_id)
        if stored.stat().st_dev == path.stat().st_dev:
            assert stored.stat().st_ino == path.stat().st_ino
        assert stored.read_bytes() == path.read_bytes()
    shutil.rmtree(card)  # the card folder cleared: the store still holds every original
    assert all(store.local_path(m.file_id).stat().st_size > 0 for m in media)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    blobs=st.lists(st.binary(min_size=0, max_size=300), min_size=1, max_size=4),
    names=st.sampled_from(["X.JPG", "Y.jpeg", "Z.png", "V.mp4", "W.tif"]),
)
def test_arbitrary_bytes_never_stop_a_card(
    make_deployment: Make, tmp_path: Path, blobs: list[bytes], names: str
) -> None:
    deployment = Deployment.objects.filter(code="FUZZ").first() or make_deployment("FUZZ")
    folder = Path(tmp_path) / f"card-{abs(hash((tuple(blobs), names)))}"
    folder.mkdir()
    for index, blob in enumerate(blobs):
        (folder / f"{index}{names}").write_bytes(blob)
    _jpeg(folder, "zz_good.JPG", datetime(2023, 5, 1, 10, 0), seed=len(blobs))
    summary = ingest_card(deployment=deployment, root=folder, derivatives=False)
    assert summary.files == len(blobs) + 1
    assert summary.new + summary.duplicates + summary.rejected == summary.files
    assert all(p.reason for p in summary.problems)
    assert Media.objects.filter(deployment=deployment, file_name="zz_good.JPG").exists()
