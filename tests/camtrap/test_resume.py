"""A card ingest killed at random moments and run again ends in the uninterrupted state.

The ingest runs as a real ``barys ingest`` subprocess against a file-based SQLite database
in a temporary data directory. One copy of the prepared data directory is ingested without
interruption; the other is killed (SIGKILL) several times at random moments and then run to
the end. The final states must be equal: media rows (all fields but the row id and insertion
time), events and the media in them, stored-file rows, and the file store's content.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import pytest

from barys.demo.camtrap_images import CameraIdentity, generate_card

pytestmark = pytest.mark.slow

SETUP = """
import django
django.setup()
from datetime import datetime, UTC
from barys.camtrap import services
survey = services.create_survey(code="resume", title="Resume test", scope_code="ile-alatau")
station = services.create_station(survey=survey, code="R-01", latitude=43.1, longitude=77.1)
camera = services.create_camera(serial="CAM-R1", make="RECONYX", model="HF2X")
services.create_deployment(code="R-01-A", station=station, camera=camera,
    start=datetime(2023, 11, 1, tzinfo=UTC), end=datetime(2024, 5, 1, tzinfo=UTC),
    time_zone="Asia/Almaty")
"""

DUMP = """
import django, hashlib, json, os
django.setup()
from barys.camtrap.models import Event, Media
from barys.core.models import StoredFile
from barys.core.filestore import default_store
skip = {"id", "created_at", "event"}
media = []
for m in Media.objects.order_by("media_id"):
    row = {f.attname: getattr(m, f.attname) for f in Media._meta.concrete_fields if f.name not in skip}
    row["event"] = m.event.event_id if m.event else None
    media.append({k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()})
events = [
    {"event_id": e.event_id, "deployment": e.deployment.code, "start": e.start.isoformat(),
     "end": e.end.isoformat(), "media_count": e.media_count}
    for e in Event.objects.order_by("event_id")
]
files = sorted(StoredFile.objects.values_list("sha256", "size", "original_name", "content_type"))
store = sorted(
    (sha, hashlib.sha256(default_store().local_path(sha).read_bytes()).hexdigest())
    for sha in default_store().iter_hashes()
)
leftovers = sorted(
    str(p) for p in default_store().root.rglob("*") if p.is_file() and p.name.startswith(".")
)
print(json.dumps({"media": media, "events": events, "files": files, "store": store,
                  "leftovers": leftovers}, default=str))
"""


def _env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    for key in list(env):
        if key.startswith("BARYS_") or key == "DJANGO_SETTINGS_MODULE":
            del env[key]
    env.update(
        BARYS_DATA_DIR=str(data_dir),
        BARYS_SECRET_KEY="resume-test-" + "k" * 50,
        DJANGO_SETTINGS_MODULE="barys.settings",
        OMP_NUM_THREADS="1",
    )
    return env


def _python(data_dir: Path, code: str) -> str:
    done = subprocess.run(
        [sys.executable, "-c", code],
        env=_env(data_dir),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return done.stdout


def _ingest_command(card: Path) -> list[str]:
    return [
        sys.executable,
        "-m",
        "barys.cli",
        "ingest",
        str(card),
        "--deployment",
        "R-01-A",
        "--batch-size",
        "4",
        "--workers",
        "1",
        "--derivatives",
        "no",
    ]


def _start(card: Path, data_dir: Path) -> tuple[subprocess.Popen[bytes], threading.Event]:
    """Start an ingest; the event is set when its progress bar first appears (ingest begun)."""
    process = subprocess.Popen(
        _ingest_command(card), env=_env(data_dir), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    begun = threading.Event()

    def watch() -> None:
        assert process.stderr is not None
        while chunk := process.stderr.read(1):
            if chunk:
                begun.set()
        begun.set()

    threading.Thread(target=watch, daemon=True).start()
    return process, begun


def _media_count(data_dir: Path) -> int:
    code = (
        "import django; django.setup()\nfrom barys.camtrap.models import Media\n"
        "print(Media.objects.count())"
    )
    return int(_python(data_dir, code).strip())


def test_killed_ingest_resumes_to_the_uninterrupted_state(tmp_path: Path) -> None:
    card = tmp_path / "card"
    shots = generate_card(
        card,
        n_images=150,
        start=datetime(2023, 11, 2),
        end=datetime(2024, 4, 30),
        camera=CameraIdentity(serial="CAM-R1"),
        station_seed=5,
        seed=3,
        size=(640, 480),
        clock_reset=True,
    )
    (card / "DCIM" / "notes.txt").write_text("not media")
    data = (card / shots[0].file).read_bytes()
    (card / "DCIM" / "BROKEN.JPG").write_bytes(data[: len(data) // 3])
    prepared = tmp_path / "prepared"
    prepared.mkdir()
    subprocess.run(
        [sys.executable, "-m", "barys.cli", "manage", "migrate", "--noinput", "-v", "0"],
        env=_env(prepared),
        check=True,
        timeout=600,
        capture_output=True,
    )
    _python(prepared, SETUP)
    straight, resumed = tmp_path / "straight", tmp_path / "resumed"
    shutil.copytree(prepared, straight)
    shutil.copytree(prepared, resumed)

    process, begun = _start(card, straight)
    assert begun.wait(timeout=300)
    began = time.monotonic()
    assert process.wait(timeout=600) == 0
    duration = time.monotonic() - began  # the ingest itself, without the start-up
    total = _media_count(straight)
    assert total == len(shots) + 1  # every generated frame and the truncated one

    rng = random.Random(20240601)
    partial: list[int] = []
    for _ in range(5):
        process, begun = _start(card, resumed)
        assert begun.wait(timeout=300)
        time.sleep(rng.uniform(0.0, 0.9) * duration)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=60)
        partial.append(_media_count(resumed))
    final = subprocess.run(
        _ingest_command(card), env=_env(resumed), timeout=600, capture_output=True, text=True
    )
    assert final.returncode == 0, final.stderr
    assert partial == sorted(partial)
    # At least one kill landed in the middle of the card (a partly written state).
    assert any(0 < count < total for count in partial), (partial, total, duration)

    expected = json.loads(_python(straight, DUMP))
    obtained = json.loads(_python(resumed, DUMP))
    assert obtained["leftovers"] == [] or all(".incoming-" in p for p in obtained["leftovers"])
    for key in ("media", "events", "files", "store"):
        assert obtained[key] == expected[key], key
    assert len(expected["media"]) == total and len(expected["events"]) > 10
