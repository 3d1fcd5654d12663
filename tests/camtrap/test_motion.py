"""The weights-free motion detector on synthetic sequences and on a real Reconyx burst."""

from __future__ import annotations

import csv
from datetime import datetime
from pathlib import Path

import cv2
import numpy as np
import numpy.typing as npt
import pytest

from barys.camtrap.detection import DetectionContext, ImageInput, MotionDetector
from tests.reference import reference_path

Box = tuple[float, ...]
H, W = 240, 320


def iou(a: Box, b: Box) -> float:
    """Intersection over union of two normalised (x, y, w, h) boxes."""
    iw = max(0.0, min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]))
    ih = max(0.0, min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]))
    inter = iw * ih
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def test_iou_helper() -> None:
    assert iou((0, 0, 0.5, 0.5), (0, 0, 0.5, 0.5)) == 1.0
    assert iou((0, 0, 0.5, 0.5), (0.25, 0, 0.5, 0.5)) == pytest.approx(1 / 3)


def _texture(rng: np.random.Generator, h: int, w: int, cell: int) -> npt.NDArray[np.float32]:
    coarse = rng.normal(0, 1, (h // cell + 2, w // cell + 2)).astype(np.float32)
    smooth = np.asarray(cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC), dtype=np.float32)
    return smooth + rng.normal(0, 0.5, (h, w)).astype(np.float32)


def _sequence(
    *,
    seed: int,
    frames: int = 5,
    animal: str | None = "moving",
    gains: list[tuple[float, float]] | None = None,
    noise: float = 4.0,
    colour: bool = True,
    strip: bool = False,
) -> tuple[list[npt.NDArray[np.uint8]], list[Box]]:
    """A textured static scene; optionally a textured elliptical animal; noise; gain/offset."""
    rng = np.random.default_rng(seed)
    background = np.clip(110 + 30 * _texture(np.random.default_rng(1000), H, W, 8), 10, 230)
    ah, aw = 50, 70
    fur = 60 + 25 * _texture(np.random.default_rng(2000), ah, aw, 4)
    yy, xx = np.mgrid[0:ah, 0:aw]
    body = ((yy - ah / 2) / (ah / 2)) ** 2 + ((xx - aw / 2) / (aw / 2)) ** 2 <= 1
    images: list[npt.NDArray[np.uint8]] = []
    boxes: list[Box] = []
    for i in range(frames):
        image = background.copy()
        if animal is not None:
            x0, y0 = (20 + i * 55, 120 + 5 * i) if animal == "moving" else (150, 100)
            image[y0 : y0 + ah, x0 : x0 + aw][body] = fur[body]
            ys, xs = np.nonzero(body)
            boxes.append(
                (
                    float(x0 + xs.min()) / W,
                    float(y0 + ys.min()) / H,
                    float(np.ptp(xs) + 1) / W,
                    float(np.ptp(ys) + 1) / H,
                )
            )
        gain, offset = gains[i] if gains else (1.0, 0.0)
        image = np.clip(image * gain + offset + rng.normal(0, noise, image.shape), 0, 255)
        if strip:  # a camera data strip: black bar with changing white "text"
            image[:12] = 0
            image[3:9, 10 + 20 * i : 40 + 20 * i] = 255
        grey = image.astype(np.uint8)
        images.append(np.repeat(grey[:, :, None], 3, axis=2) if colour else grey)
    return images, boxes


BRIGHTNESS = [(1.0, 0.0), (1.2, 15.0), (0.9, -10.0), (1.3, 5.0), (1.1, 20.0)]


def test_moving_animal_is_found_in_every_frame() -> None:
    images, truth = _sequence(seed=1, gains=BRIGHTNESS)
    results = MotionDetector().detect(images)
    assert len(results) == 5
    for result, box in zip(results, truth, strict=True):
        assert result.failure is None
        assert len(result.detections) == 1, result.detections
        top = result.detections[0]
        assert iou(top.bbox, box) > 0.5
        assert top.category == "animal" and 0.5 < top.conf <= 1.0
        assert result.model == "motion" and result.model_version == "1.0"
        assert result.thresholds["k_high"] == 7.0


def test_static_sequence_gives_nothing() -> None:
    for seed in (3, 4, 5):
        images, _ = _sequence(seed=seed, animal=None, gains=BRIGHTNESS)
        assert [r.detections for r in MotionDetector().detect(images)] == [()] * 5


def test_still_animal_needs_background_frames() -> None:
    images, truth = _sequence(seed=6, frames=3, animal="still", colour=False)
    detector = MotionDetector()
    assert all(r.detections == () for r in detector.detect(images))  # documented limit
    empty, _ = _sequence(
        seed=7, frames=6, animal=None, colour=False, gains=BRIGHTNESS + [(1.0, 0.0)]
    )
    # Day colour frames of another scene must be ignored for an IR (grey) sequence.
    other_day, _ = _sequence(seed=8, frames=4, animal="moving", colour=True)
    tinted = [
        np.clip(f.astype(int) + np.array([30, 0, -30]), 0, 255).astype(np.uint8) for f in other_day
    ]
    context = DetectionContext(background=[*tinted, *empty])
    results = detector.detect(images, context)
    for result, box in zip(results, truth, strict=True):
        assert len(result.detections) == 1 and iou(result.detections[0].bbox, box) > 0.5


def test_background_prefers_similar_time_of_day() -> None:
    images, truth = _sequence(seed=9, frames=3, animal="still", colour=False)
    empty, _ = _sequence(seed=10, frames=4, animal=None, colour=False)
    # Frames of the same camera that show the animal, taken at noon: not similar in time.
    noon, _ = _sequence(seed=11, frames=4, animal="still", colour=False)
    context = DetectionContext(
        background=[*noon, *empty],
        background_times=[datetime(2024, 1, d, 12, 0) for d in (1, 2, 3, 4)]
        + [datetime(2024, 1, d, 3, 0) for d in (1, 2, 3, 4)],
        capture_times=[datetime(2024, 2, 1, 2, 30)] * 3,
    )
    results = MotionDetector(max_background=4).detect(images, context)
    assert all(
        len(r.detections) == 1 and iou(r.detections[0].bbox, truth[0]) > 0.5 for r in results
    )


def test_camera_data_strip_is_ignored() -> None:
    images, _ = _sequence(seed=12, animal=None, strip=True)
    assert all(r.detections == () for r in MotionDetector().detect(images))


def test_sequences_failures_and_single_frames(tmp_path: Path) -> None:
    images, truth = _sequence(seed=13, frames=4)
    missing = tmp_path / "missing.jpg"
    inputs: list[ImageInput] = [*images, missing]
    results = MotionDetector().detect(inputs, DetectionContext(sequences=[[0, 1, 2, 3], [4]]))
    assert results[4].image == str(missing) and (results[4].failure or "").startswith(
        "cannot read image"
    )
    assert results[0].image == "array:0" and iou(results[0].detections[0].bbox, truth[0]) > 0.5
    single = MotionDetector().detect(images[:1])
    assert single[0].failure is not None and "at least two frames" in single[0].failure
    unassigned = MotionDetector().detect(images[:3], DetectionContext(sequences=[[0, 1]]))
    assert unassigned[2].failure == "not in any sequence"


def test_saved_jpegs_are_read_like_arrays(tmp_path: Path) -> None:
    images, truth = _sequence(seed=14, gains=BRIGHTNESS)
    paths = []
    for i, image in enumerate(images):
        path = tmp_path / f"IMG_{i:04d}.JPG"
        cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, 85])
        paths.append(path)
    results = MotionDetector().detect(paths)
    for result, box in zip(results, truth, strict=True):
        assert len(result.detections) == 1 and iou(result.detections[0].bbox, box) > 0.5


def test_real_reconyx_burst_against_camtrap_dp_boxes() -> None:
    """The heron burst of the Camtrap DP example; boxes from its observations.csv.

    The heron spreads its wings in the first frame and steps in the last; in frames 2-9 it
    stands still, and without background frames of the empty scene those are not found.
    """
    example = reference_path("camtrap-dp", "example")
    with (example / "media.csv").open(encoding="utf-8") as handle:
        media = {
            r["fileName"]: r["mediaID"]
            for r in csv.DictReader(handle)
            if r["deploymentID"] == "62c200a9"
        }
    with (example / "observations.csv").open(encoding="utf-8") as handle:
        boxes = {
            r["mediaID"]: tuple(float(r[k]) for k in ("bboxX", "bboxY", "bboxWidth", "bboxHeight"))
            for r in csv.DictReader(handle)
            if r["mediaID"] in media.values() and r["bboxX"]
        }
    files = sorted((example / "media").glob("*.JPG"))
    assert len(files) == 10
    results = MotionDetector().detect(files)
    first, last = results[0], results[-1]
    assert iou(first.detections[0].bbox, boxes[media[files[0].name]]) > 0.5
    assert iou(last.detections[0].bbox, boxes[media[files[-1].name]]) > 0.5
    assert all(r.failure is None for r in results)


def test_parameters_are_checked() -> None:
    with pytest.raises(ValueError):
        MotionDetector(k_low=8.0, k_high=4.0)
    with pytest.raises(ValueError):
        MotionDetector(working_width=8)
    assert MotionDetector().available() == (
        True,
        "weights-free motion detector (needs a sequence or background frames)",
    )
