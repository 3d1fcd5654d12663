"""Procedural camera-trap cards: JPEGs with EXIF, for the demo, the tests and the benchmark.

Everything here is simulated demonstration data, deterministic for its seeds.

* :func:`generate_card` writes a camera card (``DCIM/100RECNX/RCNX0001.JPG`` …): bursts of
  three frames a second apart at the same station (the same rocky-slope scene from
  :mod:`barys.demo.scenes`), showing a snow leopard (the procedural coats of
  :mod:`barys.demo.coats`, which move between frames), an ibex or a ranger (simple drawn
  shapes), or nothing (false triggers); day frames in colour, night frames infrared grey.
  Each file carries EXIF ``DateTimeOriginal`` (camera local time), ``Make``, ``Model`` and
  ``BodySerialNumber``; optionally a clock-reset frame dated 2000-01-01 and a GPS position.
  The ground truth (subject and box) of every frame is returned.
* :func:`megadetector_batch` writes the ground truth of chosen subjects as MegaDetector batch
  output, as if a detector had been run elsewhere.
* :func:`benchmark_images` writes large frames of realistic entropy (12 megapixels and 3–5 MB
  at the default size and quality): a fine-grained station texture plus sensor noise.

Sizes are ``(width, height)`` in pixels; boxes are ``(x, y, w, h)`` fractions of the frame.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import ExifTags, Image

from barys.demo import coats, scenes

__all__ = [
    "CameraIdentity",
    "Shot",
    "benchmark_images",
    "generate_card",
    "megadetector_batch",
    "render_frame",
    "write_jpeg",
]

SUBJECTS = ("snow leopard", "ibex", "person", "blank")
_TAG_MAKE, _TAG_MODEL, _TAG_SOFTWARE = 0x010F, 0x0110, 0x0131
_TAG_DATETIME_ORIGINAL, _TAG_BODY_SERIAL = 0x9003, 0xA431


@dataclass(frozen=True, slots=True)
class CameraIdentity:
    """What the camera writes about itself into EXIF."""

    make: str = "RECONYX"
    model: str = "HF2X"
    serial: str = "H2X-0000"


@dataclass(frozen=True, slots=True)
class Shot:
    """One generated frame: its path on the card, camera time and ground truth."""

    file: str
    taken: datetime
    subject: str
    bbox: tuple[float, float, float, float] | None
    night: bool
    event: int


def write_jpeg(
    path: str | os.PathLike[str],
    frame: np.ndarray | Image.Image,
    *,
    taken: datetime | None,
    camera: CameraIdentity,
    quality: int = 85,
    gps: tuple[float, float] | None = None,
) -> int:
    """Write ``frame`` as a JPEG with camera EXIF; returns its size in bytes.

    ``taken``: camera local time (``DateTimeOriginal``; ``None`` leaves it out). ``gps``:
    ``(latitude, longitude)`` in degrees to write a GPS directory.
    """
    image = frame if isinstance(frame, Image.Image) else Image.fromarray(frame)
    exif = Image.Exif()
    exif[_TAG_MAKE] = camera.make
    exif[_TAG_MODEL] = camera.model
    exif[_TAG_SOFTWARE] = "barys demo generator"
    sub = exif.get_ifd(ExifTags.IFD.Exif)
    if taken is not None:
        sub[_TAG_DATETIME_ORIGINAL] = taken.strftime("%Y:%m:%d %H:%M:%S")
    sub[_TAG_BODY_SERIAL] = camera.serial
    if gps is not None:
        exif[ExifTags.IFD.GPSInfo] = _gps_ifd(*gps)
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".gen-", suffix=".jpg")
    try:
        with os.fdopen(fd, "wb") as handle:
            image.save(handle, "JPEG", quality=quality, exif=exif)
        os.replace(tmp, target)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return target.stat().st_size


def _dms(value: float) -> tuple[float, float, float]:
    value = abs(value)
    degrees = math.floor(value)
    minutes = math.floor((value - degrees) * 60)
    seconds = round(((value - degrees) * 60 - minutes) * 60, 2)
    return (float(degrees), float(minutes), seconds)


def _gps_ifd(latitude: float, longitude: float) -> dict[int, Any]:
    return {
        1: "N" if latitude >= 0 else "S",
        2: _dms(latitude),
        3: "E" if longitude >= 0 else "W",
        4: _dms(longitude),
    }


def _draw_ibex(canvas: np.ndarray, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """A Siberian ibex in side view (brown body, pale saddle, long curved horns)."""
    height, width = canvas.shape[:2]
    scale = rng.uniform(0.10, 0.16) * width
    cx = int(rng.uniform(0.2, 0.8) * width)
    cy = int(rng.uniform(0.5, 0.75) * height)
    facing = 1 if rng.random() < 0.5 else -1
    body = (int(scale * 0.55), int(scale * 0.28))
    brown = tuple(float(v) for v in rng.uniform([110, 85, 60], [140, 110, 80]))
    leg_top = cy + body[1] // 2
    for dx in (-0.35, -0.2, 0.25, 0.4):
        x = int(cx + dx * scale)
        cv2.line(canvas, (x, leg_top), (x, int(cy + scale * 0.6)), brown, max(2, int(scale * 0.05)))
    cv2.ellipse(canvas, (cx, cy), body, 0, 0, 360, brown, -1, cv2.LINE_AA)
    cv2.ellipse(
        canvas,
        (cx, cy - body[1] // 3),
        (body[0] // 2, body[1] // 3),
        0,
        0,
        360,
        tuple(min(255.0, v * 1.18) for v in brown),
        -1,
        cv2.LINE_AA,
    )
    head = (int(cx + facing * scale * 0.6), int(cy - scale * 0.35))
    cv2.line(
        canvas,
        (int(cx + facing * scale * 0.4), cy - body[1] // 2),
        head,
        brown,
        max(3, int(scale * 0.12)),
    )
    cv2.ellipse(
        canvas,
        head,
        (int(scale * 0.12), int(scale * 0.07)),
        20 * facing,
        0,
        360,
        brown,
        -1,
        cv2.LINE_AA,
    )
    horn_centre = (int(head[0] - facing * scale * 0.2), head[1])
    cv2.ellipse(
        canvas,
        horn_centre,
        (int(scale * 0.28), int(scale * 0.3)),
        0,
        180 if facing > 0 else 270,
        270 if facing > 0 else 360,
        (70, 60, 50),
        max(2, int(scale * 0.04)),
        cv2.LINE_AA,
    )
    x0 = int(min(cx - body[0], head[0] - scale * 0.5))
    x1 = int(max(cx + body[0], head[0] + scale * 0.15))
    y0 = int(head[1] - scale * 0.32)
    y1 = int(cy + scale * 0.6)
    return (max(0, x0), max(0, y0), min(width, x1), min(height, y1))


def _draw_person(canvas: np.ndarray, rng: np.random.Generator) -> tuple[int, int, int, int]:
    """A ranger standing or walking: boots, trousers, jacket, head and cap."""
    height, width = canvas.shape[:2]
    tall = rng.uniform(0.35, 0.6) * height
    cx = int(rng.uniform(0.2, 0.8) * width)
    feet = int(rng.uniform(0.75, 0.95) * height)
    head_r = max(3, int(tall * 0.07))
    shoulders = int(tall * 0.14)
    jacket = tuple(float(v) for v in rng.uniform([50, 70, 40], [80, 100, 60]))
    trousers = (55.0, 55.0, 60.0)
    hip_y = int(feet - tall * 0.47)
    stride = int(tall * rng.uniform(0.02, 0.1))
    leg = max(3, int(tall * 0.06))
    cv2.line(canvas, (cx - stride, feet), (cx - leg // 2, hip_y), trousers, leg)
    cv2.line(canvas, (cx + stride, feet), (cx + leg // 2, hip_y), trousers, leg)
    neck_y = int(feet - tall * 0.85)
    cv2.rectangle(canvas, (cx - shoulders, neck_y), (cx + shoulders, hip_y), jacket, -1)
    cv2.line(canvas, (cx - shoulders, neck_y + 4), (cx - shoulders - stride, hip_y), jacket, leg)
    cv2.line(canvas, (cx + shoulders, neck_y + 4), (cx + shoulders + stride, hip_y), jacket, leg)
    head_y = neck_y - head_r
    cv2.circle(canvas, (cx, head_y), head_r, (205, 170, 140), -1, cv2.LINE_AA)
    cv2.ellipse(
        canvas, (cx, head_y - head_r // 2), (head_r + 2, head_r // 2), 0, 180, 360, (40, 60, 40), -1
    )
    x0 = cx - shoulders - stride - leg
    x1 = cx + shoulders + stride + leg
    return (max(0, x0), max(0, head_y - head_r - 2), min(width, x1), min(height, feet + 2))


@lru_cache(maxsize=16)
def _coat(individual: int) -> coats.Coat:
    return coats.Coat.for_individual(individual)


def render_frame(
    *,
    station_seed: int,
    shot_seed: int,
    subject: str,
    size: tuple[int, int] = (800, 600),
    night: bool = False,
    individual: int = 1,
) -> tuple[np.ndarray, tuple[float, float, float, float] | None]:
    """One frame at a station: ``uint8`` RGB array and the subject's normalised box."""
    width, height = size
    rng = np.random.default_rng([station_seed & 0xFFFFFFFF, shot_seed & 0xFFFFFFFF, 0xCA])
    if subject == "snow leopard":
        rendering = coats.render_with_box(
            _coat(individual),
            "left" if rng.random() < 0.5 else "right",
            float(rng.uniform(-30, 30)),
            float(rng.uniform(0.35, 0.7)),
            0.0,
            night,
            background_seed=station_seed,
            size=size,
            shot_seed=shot_seed,
        )
        x0, y0, x1, y1 = rendering.box
        frame = np.asarray(rendering.image.convert("RGB"))
        return frame, (x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height)
    canvas = np.array(scenes.station_background(station_seed, size))
    box: tuple[int, int, int, int] | None = None
    if subject == "ibex":
        box = _draw_ibex(canvas, rng)
    elif subject == "person":
        box = _draw_person(canvas, rng)
    frame = scenes.apply_night_look(canvas, rng) if night else scenes.apply_day_look(canvas, rng)
    if box is None:
        return frame, None
    x0, y0, x1, y1 = box
    return frame, (x0 / width, y0 / height, (x1 - x0) / width, (y1 - y0) / height)


def generate_card(
    out_dir: str | os.PathLike[str],
    *,
    n_images: int,
    start: datetime,
    end: datetime,
    camera: CameraIdentity,
    station_seed: int,
    seed: int = 0,
    size: tuple[int, int] = (800, 600),
    burst: int = 3,
    weights: dict[str, float] | None = None,
    person_events: int = 0,
    clock_reset: bool = False,
    gps: tuple[float, float] | None = None,
    individuals: Sequence[int] = (1, 2, 3),
    quality: int = 85,
) -> list[Shot]:
    """Write a card of about ``n_images`` frames taken between ``start`` and ``end``.

    Args:
        start, end: camera local times (naive) of the deployment.
        weights: relative frequency of events by subject (default: mostly snow leopards,
            some ibex and false triggers).
        person_events: events showing a ranger (in addition to the others).
        clock_reset: add one frame whose camera clock was reset to 2000-01-01.
        gps: write this position into every file's EXIF.
    """
    rng = np.random.default_rng([seed & 0xFFFFFFFF, station_seed & 0xFFFFFFFF, 0xCA2D])
    weights = weights or {"snow leopard": 0.45, "ibex": 0.25, "blank": 0.3}
    n_events = max(1, n_images // burst - person_events)
    subjects = list(weights)
    probabilities = np.array([weights[s] for s in subjects], dtype=float)
    probabilities /= probabilities.sum()
    chosen = [str(s) for s in rng.choice(subjects, size=n_events, p=probabilities)]
    chosen += ["person"] * person_events
    span = (end - start).total_seconds()
    offsets = sorted(float(v) for v in rng.uniform(0.02 * span, 0.98 * span, len(chosen)))
    order = rng.permutation(len(chosen))
    shots: list[Shot] = []
    number = 1
    folder = Path(out_dir)
    for event, (offset, index) in enumerate(zip(offsets, order, strict=True)):
        subject = chosen[int(index)]
        moment = (start + timedelta(seconds=offset)).replace(microsecond=0)
        night = not 7 <= moment.hour < 19
        individual = int(individuals[int(rng.integers(len(individuals)))]) if individuals else 1
        for frame_index in range(burst):
            taken = moment + timedelta(seconds=frame_index)
            shot_seed = seed * 1_000_003 + event * 101 + frame_index
            frame, bbox = render_frame(
                station_seed=station_seed,
                shot_seed=shot_seed,
                subject=subject,
                size=size,
                night=night,
                individual=individual,
            )
            name = f"DCIM/100RECNX/RCNX{number:04d}.JPG"
            write_jpeg(folder / name, frame, taken=taken, camera=camera, quality=quality, gps=gps)
            shots.append(Shot(name, taken, subject, bbox, night, event))
            number += 1
    if clock_reset:
        frame, _ = render_frame(
            station_seed=station_seed, shot_seed=seed + 77, subject="blank", size=size
        )
        taken = datetime(2000, 1, 1, 0, 0, 12)
        name = f"DCIM/100RECNX/RCNX{number:04d}.JPG"
        write_jpeg(folder / name, frame, taken=taken, camera=camera, quality=quality, gps=gps)
        shots.append(Shot(name, taken, "clock reset", None, False, -1))
    return shots


def megadetector_batch(
    shots: Sequence[Shot],
    path: str | os.PathLike[str],
    *,
    subjects: Sequence[str] = ("person",),
    detector: str = "simulated-ground-truth",
) -> Path:
    """Write MegaDetector batch output (format 1.4) with the ground truth of ``subjects``.

    Frames of other subjects are listed with no detections. Confidences are 0.9 for people
    and animals alike (simulated demonstration data).
    """
    categories = {"1": "animal", "2": "person", "3": "vehicle"}
    ids = {"snow leopard": "1", "ibex": "1", "person": "2"}
    images = []
    for shot in shots:
        detections = []
        if shot.subject in subjects and shot.bbox is not None:
            x, y, w, h = (round(v, 4) for v in shot.bbox)
            detections.append(
                {
                    "category": ids.get(shot.subject, "1"),
                    "conf": 0.9,
                    "bbox": [x, y, min(w, 1 - x), min(h, 1 - y)],
                }
            )
        images.append({"file": shot.file, "detections": detections})
    document = {
        "info": {
            "format_version": "1.4",
            "detector": detector,
            "detector_metadata": {
                "megadetector_version": "simulated",
                "typical_detection_threshold": 0.2,
            },
        },
        "detection_categories": categories,
        "images": images,
    }
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_text(json.dumps(document, indent=1) + "\n", encoding="utf-8")
    return target


def _fine_texture(station_seed: int, size: tuple[int, int]) -> np.ndarray:
    """The station's scene with grain (grass, gravel) at full resolution, ``uint8`` RGB."""
    width, height = size
    rng = np.random.default_rng([station_seed & 0xFFFFFFFF, 0x7E])
    grain = cv2.GaussianBlur(rng.normal(0, 7, (height, width)).astype(np.float32), (0, 0), 0.6)
    base = scenes.station_background(station_seed, size).astype(np.float32)
    return np.clip(base + grain[..., None], 0, 255).astype(np.uint8)


def benchmark_images(
    out_dir: str | os.PathLike[str],
    count: int,
    *,
    size: tuple[int, int] = (4000, 3000),
    quality: int = 93,
    stations: int = 4,
    seed: int = 0,
    first: int = 0,
    start: datetime = datetime(2023, 11, 1, 6, 0, 0),
) -> list[Path]:
    """Write frames ``first`` … ``first + count − 1`` of a large card (12 MP by default).

    Frames cycle over ``stations`` scenes, each with its own exposure and sensor noise; the
    same arguments always give the same files. Returns the paths written.
    """
    folder = Path(out_dir)
    textures: dict[int, np.ndarray] = {}
    written: list[Path] = []
    camera = CameraIdentity(serial="H2X-BENCH-01")
    for index in range(first, first + count):
        station = index % stations
        if station not in textures:
            textures[station] = _fine_texture(seed * 97 + station, size)
        rng = np.random.default_rng([seed & 0xFFFFFFFF, index, 0xBE])
        frame = scenes.apply_day_look(textures[station], rng)
        taken = start + timedelta(minutes=7 * index, seconds=index % 3)
        path = folder / f"DCIM/{100 + index // 1000}RECNX/RCNX{index % 1000:04d}.JPG"
        write_jpeg(path, frame, taken=taken, camera=camera, quality=quality)
        written.append(path)
    return written
