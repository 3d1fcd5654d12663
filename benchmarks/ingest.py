"""Card ingest, thumbnails and memory on large camera-trap JPEGs.

Figures (written to ``benchmarks/results/ingest.json``):

* ``ingest_images_per_s`` — ``barys ingest``'s service (hash, EXIF, store once, bulk rows,
  events) on a card of 12-megapixel JPEGs (3–5 MB each, realistic entropy), copying the
  originals into the file store (the default);
* ``store_copy_floor_images_per_s`` — a bare SHA-256 and copy of each file with the same
  number of threads: what any copying ingest must do, bound by the disk's write rate once
  the written gigabytes outgrow the page cache's dirty limit;
* ``ingest_link_images_per_s`` — the same card into an empty store with ``--link`` (the
  originals hard-linked into the store: hashed, read, registered, not copied);
* ``exiftool_images_per_s`` — ``exiftool -json -r`` reading the same folder's tags in the
  same run, before the first and after the last ingest, averaged (``null`` when exiftool is
  not installed: ``make bench`` installs it);
* ``thumbnail_images_per_s`` — the previews-and-thumbnails job on the ingested card;
* ``decode_floor_images_per_s`` — a bare Pillow reduced-size (draft mode) decode of the same
  files with the same number of threads: the machine's JPEG-decode floor;
* ``peak_rss_mb`` — peak resident memory of the process that ingests and makes thumbnails
  (the images are generated in worker processes), with RSS samples during the ingest at a
  quarter, half and all of the card to show it is flat in the number of images.

The images are generated once into ``benchmarks/.cache/ingest-images/`` (simulated
demonstration data, deterministic). Usage::

    cd benchmarks && ../.venv/bin/python ingest.py [--images 2000] [--workers 2]
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from _common import peak_rss_mb, write_results

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
IMAGES = CACHE / "ingest-images"
CHUNK = 50


def _generate_chunk(first: int) -> int:
    from barys.demo.camtrap_images import benchmark_images

    marker = IMAGES / f".done-{first:06d}"
    if not marker.exists():
        benchmark_images(IMAGES, CHUNK, first=first)
        marker.touch()
    return first


def ensure_images(count: int, processes: int) -> list[Path]:
    """Generate the first ``count`` images once (in worker processes) and list them."""
    IMAGES.mkdir(parents=True, exist_ok=True)
    chunks = [
        first for first in range(0, count, CHUNK) if not (IMAGES / f".done-{first:06d}").exists()
    ]
    if chunks:
        print(
            f"generating {len(chunks) * CHUNK} images of 12 megapixels into {IMAGES} "
            "(once; this takes a while)…",
            flush=True,
        )
        started = time.monotonic()
        with ProcessPoolExecutor(max_workers=processes) as pool:
            for done, _first in enumerate(pool.map(_generate_chunk, chunks), start=1):
                print(f"  {done * CHUNK} images ({time.monotonic() - started:.0f} s)", flush=True)
    paths = sorted(IMAGES.glob("DCIM/*/*.JPG"))
    return paths[:count]


def card_of(paths: list[Path]) -> Path:
    """A card folder holding exactly these files (hard links; cheap)."""
    card = CACHE / f"ingest-card-{len(paths)}"
    if card.exists():
        shutil.rmtree(card)
    for path in paths:
        target = card / path.relative_to(IMAGES)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.link(path, target)
        except OSError:
            shutil.copyfile(path, target)
    return card


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return float("nan")


def warm(paths: list[Path]) -> None:
    """Read every file once, untimed, and flush pending writes: each timed phase starts from
    the same state (the card in the page cache, nothing left to write back), whatever the
    phases before it wrote."""
    os.sync()
    for path in paths:
        with path.open("rb") as handle:
            while handle.read(1 << 22):
                pass


def time_exiftool(card: Path, count: int) -> float | None:
    exiftool = shutil.which("exiftool")
    if exiftool is None:
        print(
            "exiftool is not installed (Debian: libimage-exiftool-perl); its figure is "
            "missing. Nothing was installed."
        )
        return None
    warm(sorted(card.rglob("*.JPG")))
    started = time.monotonic()
    subprocess.run(
        [exiftool, "-json", "-r", "-q", str(card)], check=True, stdout=subprocess.DEVNULL
    )
    return count / (time.monotonic() - started)


def store_copy_floor(paths: list[Path], workers: int) -> float:
    """Images/s of a bare SHA-256 and copy of each file (the least a copying ingest does)."""
    import hashlib

    target = CACHE / "copy-floor"
    shutil.rmtree(target, ignore_errors=True)
    target.mkdir(parents=True)
    warm(paths)

    def hash_and_copy(path: Path) -> None:
        with path.open("rb") as handle:
            hashlib.file_digest(handle, "sha256")
        shutil.copyfile(path, target / f"{path.parent.name}-{path.name}")

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(hash_and_copy, paths))
    seconds = time.monotonic() - started
    shutil.rmtree(target, ignore_errors=True)
    return len(paths) / seconds


def empty_store(deployment: object) -> None:
    """Remove the ingested media, their events and the stored files, for a second run."""
    from django.conf import settings

    from barys.camtrap.models import Event, Media
    from barys.core.models import StoredFile

    Event.objects.filter(deployment=deployment).delete()
    Media.objects.filter(deployment=deployment).delete()
    StoredFile.objects.all().delete()
    shutil.rmtree(settings.FILE_STORE_DIR, ignore_errors=True)
    shutil.rmtree(settings.DERIVED_DIR, ignore_errors=True)


def decode_floor(paths: list[Path], workers: int) -> float:
    from PIL import Image

    from barys.camtrap.derivatives import PREVIEW_PX, draft_size

    warm(paths)

    def decode(path: Path) -> int:
        with Image.open(path) as image:
            image.draft("RGB", draft_size(image.size, PREVIEW_PX))
            image.load()
            return image.size[0]

    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(decode, paths))
    return len(paths) / (time.monotonic() - started)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--keep", action="store_true", help="keep the ingested data directory")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    paths = ensure_images(args.images, args.workers)
    if len(paths) < args.images:
        print(f"only {len(paths)} images could be generated", file=sys.stderr)
        return 1
    card = card_of(paths)
    sizes = [p.stat().st_size for p in paths]

    data_dir = CACHE / "ingest-data"
    shutil.rmtree(data_dir, ignore_errors=True)
    data_dir.mkdir(parents=True)
    os.environ["BARYS_DATA_DIR"] = str(data_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "barys.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from barys.camtrap import services
    from barys.camtrap.derivatives import build_derivatives
    from barys.camtrap.ingest import ingest_card

    survey = services.create_survey(code="bench", title="Benchmark", scope_code="bench")
    station = services.create_station(survey=survey, code="B-01", latitude=43.1, longitude=77.1)
    camera = services.create_camera(serial="H2X-BENCH-01", make="RECONYX", model="HF2X")
    deployment = services.create_deployment(
        code="B-01-A",
        station=station,
        camera=camera,
        start=datetime(2023, 10, 1, tzinfo=UTC),
        end=datetime(2025, 1, 1, tzinfo=UTC),
    )

    def timed_ingest(link: bool) -> tuple[float, dict[str, float], int]:
        """Ingest the card (from an empty store); seconds, RSS samples and events."""
        samples: dict[str, float] = {}
        done = 0

        def progress(count: int) -> None:
            nonlocal done
            done += count
            for label, fraction in (("quarter", 0.25), ("half", 0.5), ("end", 1.0)):
                if label not in samples and done >= fraction * len(paths):
                    samples[label] = round(rss_mb(), 1)

        warm(paths)
        started = time.monotonic()
        summary = ingest_card(
            deployment=deployment,
            root=card,
            workers=args.workers,
            progress=progress,
            derivatives=False,
            link=link,
        )
        seconds = time.monotonic() - started
        assert summary.new == len(paths), summary
        return seconds, samples, summary.events

    exiftool_before = time_exiftool(card, len(paths))
    copy_floor_before = store_copy_floor(paths, args.workers)
    ingest_seconds, samples, events = timed_ingest(link=False)
    copy_floor_after = store_copy_floor(paths, args.workers)
    copy_floor = (copy_floor_before + copy_floor_after) / 2

    # The previews and thumbnails job on the ingested card, between two measures of the
    # decode floor, averaged, so that a change of load on a shared machine favours neither.
    floor_before = decode_floor(paths, args.workers)
    started = time.monotonic()
    made = build_derivatives(deployment=deployment, workers=args.workers)
    thumbnail_seconds = time.monotonic() - started
    assert made["made"] == len(paths), made
    floor_after = decode_floor(paths, args.workers)
    floor = (floor_before + floor_after) / 2

    # The same card again into an empty store, hard-linked (``barys ingest --link``).
    empty_store(deployment)
    link_seconds, _link_samples, _ = timed_ingest(link=True)
    exiftool_after = time_exiftool(card, len(paths))
    exiftool_rate = (
        None
        if exiftool_before is None or exiftool_after is None
        else (exiftool_before + exiftool_after) / 2
    )

    def rate(seconds: float) -> float:
        return round(len(paths) / seconds, 1)

    figures: dict[str, object] = {
        "images": len(paths),
        "mean_file_mb": round(sum(sizes) / len(sizes) / 1e6, 2),
        "megapixels": 12.0,
        "workers": args.workers,
        "ingest_images_per_s": rate(ingest_seconds),
        "ingest_mb_per_s": round(sum(sizes) / 1e6 / ingest_seconds, 1),
        "store_copy_floor_images_per_s": round(copy_floor, 1),
        "store_copy_floor_before_after": [
            round(copy_floor_before, 1),
            round(copy_floor_after, 1),
        ],
        "ingest_share_of_copy_floor": round(len(paths) / ingest_seconds / copy_floor, 3),
        "ingest_link_images_per_s": rate(link_seconds),
        "exiftool_images_per_s": None if exiftool_rate is None else round(exiftool_rate, 1),
        "exiftool_before_after": [
            None if r is None else round(r, 1) for r in (exiftool_before, exiftool_after)
        ],
        "thumbnail_images_per_s": rate(thumbnail_seconds),
        "decode_floor_images_per_s": round(floor, 1),
        "decode_floor_before_after": [round(floor_before, 1), round(floor_after, 1)],
        "thumbnail_share_of_floor": round(len(paths) / thumbnail_seconds / floor, 3),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "rss_mb_at_quarter": samples.get("quarter"),
        "rss_mb_at_half": samples.get("half"),
        "rss_mb_at_end": samples.get("end"),
        "events": events,
        "cpu_cores": os.cpu_count(),
    }
    if exiftool_rate is not None:
        figures["ingest_over_exiftool"] = round(len(paths) / ingest_seconds / exiftool_rate, 2)
        figures["ingest_link_over_exiftool"] = round(len(paths) / link_seconds / exiftool_rate, 2)
    write_results("ingest", figures)
    if not args.keep:
        shutil.rmtree(data_dir, ignore_errors=True)
    shutil.rmtree(card, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
