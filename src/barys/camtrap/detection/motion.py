"""A weights-free motion detector for camera-trap sequences.

Each frame is compared with a robust model of the empty scene built from (a) background
frames of the same deployment, chosen in the same illumination mode (day colour or infrared
grey) and, when capture times are known, at a similar time of day, and (b) the other frames
of its own sequence. Steps, on a grey working copy of at most ``working_width`` pixels wide:

1. Photometric normalisation: each frame is standardised by its median and MAD (median
   absolute deviation), then refitted to the scene model by a linear gain and offset on the
   unclipped pixels that agree with it. This removes global brightness and contrast changes
   (clouds, exposure, IR flash power). Where a frame is clipped to black or white, the scene
   model is clipped the same way before comparing, so saturation is not taken for change.
2. Scene model: per pixel, the median of the normalised stack, and the noise scale
   ``1.4826 × MAD`` (the MAD of a normal distribution is 0.6745 σ), floored by the image's
   median noise so that a few frames cannot give a zero scale. Pixels that move by nature
   (grass in the wind, water) get a large scale and so are not flagged. The scale is at
   least 0.1 of the frame's own robust spread, so low-noise frames do not flag tiny
   modelling errors.
3. Change score ``d = |frame − median| / scale``; hysteresis: pixels above ``k_low`` are
   kept when their connected region holds a pixel above ``k_high``.
4. Morphological opening (speckle) and closing (gaps inside a textured animal), connected
   components, a box per component (normalised ``[x, y, w, h]`` like MegaDetector).
5. Confidence from contrast and size: ``(1 − exp(−c / k_high)) × (1 − exp(−a / (10 a_min)))``,
   with ``c`` the median score in the component and ``a`` its area fraction.

The data strips that trail cameras print at the top and bottom of the picture (time,
temperature, "M 1/10") change from frame to frame; uniform bars at the image edges are found
and ignored.

Limits: an animal that stays still in every frame of a sequence is only found when
background frames of the empty scene are given; with only two frames and no background a
moving animal also leaves a "ghost" box where it was in the other frame; the detector cannot
tell an animal from a person or a vehicle (its ``category`` setting names what it reports).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from os import PathLike
from typing import Any

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps

from barys.camtrap.detection.base import (
    BoxDetection,
    DetectionContext,
    ImageDetections,
    ImageInput,
    image_label,
)

__all__ = ["MotionDetector"]

logger = logging.getLogger(__name__)

FloatArray = npt.NDArray[np.float32]
_MAD_TO_SIGMA = 1.4826
#: Smallest noise scale, in units of a frame's robust spread (1.4826 × MAD of its grey
#: levels): a change must reach ``k_high × 0.1`` of the scene's spread to be reported.
_MIN_SCALE = 0.1


@dataclass(frozen=True, slots=True)
class _Frame:
    grey: FloatArray  # working-size grey image, 0..255
    infrared: bool  # grey (IR night) rather than colour (day)


def _to_array(image: ImageInput, max_width: int) -> npt.NDArray[Any]:
    """Load a path (EXIF rotation applied, JPEG decoded at reduced size) or take an array."""
    if isinstance(image, np.ndarray):
        return image
    with Image.open(image) as opened:
        width, height = opened.size
        if width > max_width:
            # JPEG DCT scaling: decode at 1/2, 1/4 or 1/8 size, never below the working size.
            opened.draft("RGB", (max_width, max(1, round(height * max_width / width))))
        return np.asarray(ImageOps.exif_transpose(opened).convert("RGB"))


def _frame(array: npt.NDArray[Any], width: int | None, max_width: int) -> _Frame:
    data = np.asarray(array)
    if data.ndim == 3 and data.shape[2] >= 3:
        rgb = data[:, :, :3].astype(np.float32)
        if data.dtype != np.uint8 and float(rgb.max(initial=0.0)) <= 1.0:
            rgb *= 255.0
        chroma = float(np.mean(rgb.max(axis=2) - rgb.min(axis=2)))
        infrared = chroma < 4.0  # mean channel spread under ~1.5 % of the range
        grey = rgb @ np.array([0.299, 0.587, 0.114], dtype=np.float32)
    elif data.ndim == 2 or (data.ndim == 3 and data.shape[2] == 1):
        grey = data.reshape(data.shape[0], data.shape[1]).astype(np.float32)
        if data.dtype != np.uint8 and float(grey.max(initial=0.0)) <= 1.0:
            grey *= 255.0
        infrared = True
    else:
        raise ValueError(f"unsupported image array shape {data.shape}")
    target_width = width if width is not None else min(max_width, grey.shape[1])
    if grey.shape[1] != target_width:
        height = max(1, round(grey.shape[0] * target_width / grey.shape[1]))
        grey = np.asarray(cv2.resize(grey, (target_width, height), interpolation=cv2.INTER_AREA))
    return _Frame(np.ascontiguousarray(grey, dtype=np.float32), infrared)


@dataclass(slots=True)
class _Normalised:
    """A frame on the common scale, and where grey levels 0 and 255 fall on that scale."""

    values: FloatArray
    low: float
    high: float


def _robust_standardise(grey: FloatArray) -> _Normalised:
    median = float(np.median(grey))
    scale = max(_MAD_TO_SIGMA * float(np.median(np.abs(grey - median))), 1e-3)
    values = cv2.GaussianBlur((grey - median) / scale, (0, 0), 1.0)
    return _Normalised(values.astype(np.float32), -median / scale, (255.0 - median) / scale)


def _refit(frame: _Normalised, reference: FloatArray, valid: npt.NDArray[np.bool_]) -> _Normalised:
    """Fit ``frame ≈ gain × reference + offset`` on agreeing, unclipped pixels; undo it."""
    values = frame.values
    residual = values - reference
    usable = valid & (values > frame.low + 0.05) & (values < frame.high - 0.05)
    if int(usable.sum()) < 50:
        return frame
    centre = float(np.median(residual[usable]))
    spread = _MAD_TO_SIGMA * float(np.median(np.abs(residual[usable] - centre)))
    inliers = usable & (np.abs(residual - centre) <= 2.5 * max(spread, 1e-3))
    if int(inliers.sum()) < 50:
        return frame
    gain, offset = np.polyfit(
        reference[inliers].astype(np.float64), values[inliers].astype(np.float64), 1
    )
    if not math.isfinite(gain) or gain <= 0.05:
        return frame
    return _Normalised(
        ((values - offset) / gain).astype(np.float32),
        (frame.low - offset) / gain,
        (frame.high - offset) / gain,
    )


def _stamp_bars(frames: Sequence[FloatArray], max_fraction: float = 0.12) -> tuple[int, int]:
    """Rows to ignore at the top and bottom: the data strips printed by the camera.

    A row belongs to a strip when, in every frame, its median is black or white (within 4
    grey levels of 0 or 255) and at least 60 % of its pixels lie within ±3 levels of that
    median (the text covers the rest). Strips must touch the image edge.
    """
    height = frames[0].shape[0]
    limit = max(1, int(height * max_fraction))

    def uniform(row: int) -> bool:
        for grey in frames:
            line = grey[row]
            median = float(np.median(line))
            if 4.0 < median < 251.0 or float(np.mean(np.abs(line - median) <= 3.0)) < 0.6:
                return False
        return True

    top = 0
    while top < limit and uniform(top):
        top += 1
    bottom = 0
    while bottom < limit and uniform(height - 1 - bottom):
        bottom += 1
    # A strip is at least 1 % of the height; a single uniform row is just the scene.
    minimum = max(2, height // 100)
    return (top if top >= minimum else 0), (bottom if bottom >= minimum else 0)


def _time_of_day_gap_h(a: datetime, b: datetime) -> float:
    ha = a.hour + a.minute / 60.0
    hb = b.hour + b.minute / 60.0
    gap = abs(ha - hb) % 24.0
    return min(gap, 24.0 - gap)


class MotionDetector:
    """Finds moving animals by change against a robust model of the empty scene.

    Args:
        working_width: frames are reduced to at most this width in pixels.
        k_low: change score (in noise units) for a pixel to join a region.
        k_high: change score a region must reach somewhere to be kept.
        min_area: smallest region kept, as a fraction of the image area.
        max_area: largest region kept (bigger ones are illumination changes).
        min_confidence: detections below this confidence are dropped.
        max_background: at most this many background frames are used.
        time_window_h: background frames within this many hours of the sequence's time of
            day are preferred (when capture times are known).
        category: the category reported for a moving region (the detector cannot tell an
            animal from a person).
    """

    name = "motion"
    version = "1.0"

    def __init__(
        self,
        working_width: int = 480,
        k_low: float = 3.5,
        k_high: float = 7.0,
        min_area: float = 0.0005,
        max_area: float = 0.8,
        min_confidence: float = 0.1,
        max_background: int = 12,
        time_window_h: float = 2.0,
        category: str = "animal",
    ) -> None:
        if not 0 < k_low <= k_high:
            raise ValueError("need 0 < k_low <= k_high")
        if working_width < 32:
            raise ValueError("working_width must be at least 32 pixels")
        self.working_width = working_width
        self.k_low = k_low
        self.k_high = k_high
        self.min_area = min_area
        self.max_area = max_area
        self.min_confidence = min_confidence
        self.max_background = max_background
        self.time_window_h = time_window_h
        self.category = category

    @property
    def thresholds(self) -> dict[str, float]:
        """The thresholds reported with every result."""
        return {
            "k_low": self.k_low,
            "k_high": self.k_high,
            "min_area": self.min_area,
            "max_area": self.max_area,
            "min_confidence": self.min_confidence,
        }

    def available(self) -> tuple[bool, str]:
        """Always available: it needs no weights."""
        return True, "weights-free motion detector (needs a sequence or background frames)"

    # ------------------------------------------------------------------ loading

    def _load(self, image: ImageInput, width: int | None) -> _Frame:
        return _frame(_to_array(image, self.working_width), width, self.working_width)

    def _background(
        self,
        context: DetectionContext,
        width: int,
        shape: tuple[int, int],
        infrared: bool,
        when: datetime | None,
    ) -> list[FloatArray]:
        candidates: list[tuple[float, int]] = []
        for index, _ in enumerate(context.background):
            taken = (
                context.background_times[index] if index < len(context.background_times) else None
            )
            gap = (
                _time_of_day_gap_h(when, taken) if when is not None and taken is not None else 12.0
            )
            candidates.append((gap, index))
        candidates.sort()
        chosen: list[FloatArray] = []
        for gap, index in candidates:
            if len(chosen) >= self.max_background:
                break
            if when is not None and gap > self.time_window_h and len(chosen) >= 3:
                break
            try:
                frame = self._load(context.background[index], width)
            except Exception as exc:  # an unreadable background frame is skipped, not fatal
                logger.debug("background frame %s skipped: %s", index, exc)
                continue
            if frame.infrared == infrared and frame.grey.shape == shape:
                chosen.append(frame.grey)
        return chosen

    # ------------------------------------------------------------------ detection

    def detect(
        self, images: Sequence[ImageInput], context: DetectionContext | None = None
    ) -> list[ImageDetections]:
        """Detect moving regions in each image; one result per image, in order."""
        context = context or DetectionContext()
        groups = context.sequences if context.sequences is not None else [list(range(len(images)))]
        results: dict[int, ImageDetections] = {}
        for group in groups:
            results.update(self._detect_sequence(images, list(group), context))
        for index, image in enumerate(images):  # images in no group
            if index not in results:
                results[index] = self._result(image_label(image, index), (), "not in any sequence")
        return [results[i] for i in range(len(images))]

    def _result(
        self, label: str, boxes: tuple[BoxDetection, ...], failure: str | None = None
    ) -> ImageDetections:
        return ImageDetections(label, boxes, self.name, self.version, self.thresholds, failure)

    def _detect_sequence(
        self, images: Sequence[ImageInput], group: list[int], context: DetectionContext
    ) -> dict[int, ImageDetections]:
        out: dict[int, ImageDetections] = {}
        frames: dict[int, _Frame] = {}
        width: int | None = None
        shape: tuple[int, int] | None = None
        for index in group:
            label = image_label(images[index], index)
            try:
                frame = self._load(images[index], width)
            except Exception as exc:  # unreadable or unsupported image: reported, not raised
                out[index] = self._result(label, (), f"cannot read image: {exc}")
                continue
            if shape is not None and frame.grey.shape != shape:
                resized = cv2.resize(frame.grey, (shape[1], shape[0]), interpolation=cv2.INTER_AREA)
                frame = _Frame(np.asarray(resized, dtype=np.float32), frame.infrared)
            width, shape = frame.grey.shape[1], frame.grey.shape
            frames[index] = frame
        if not frames or width is None or shape is None:
            return out
        infrared = sum(f.infrared for f in frames.values()) * 2 >= len(frames)
        times = [
            t for i in group if i < len(context.capture_times) and (t := context.capture_times[i])
        ]
        background = self._background(context, width, shape, infrared, times[0] if times else None)
        if len(frames) + len(background) < 2:
            for index in frames:
                out[index] = self._result(
                    image_label(images[index], index),
                    (),
                    "motion detection needs at least two frames of the same camera "
                    "(a sequence or background frames)",
                )
            return out
        order = list(frames)
        stack = [_robust_standardise(g) for g in background] + [
            _robust_standardise(frames[i].grey) for i in order
        ]
        top, bottom = _stamp_bars([frames[i].grey for i in order] + background)
        valid = np.ones(shape, dtype=bool)
        valid[:top] = False
        if bottom:
            valid[shape[0] - bottom :] = False
        reference = np.median(np.stack([n.values for n in stack]), axis=0)
        stack = [_refit(n, reference, valid) for n in stack]
        cube = np.stack([n.values for n in stack])
        reference = np.median(cube, axis=0)
        scale = _MAD_TO_SIGMA * np.median(np.abs(cube - reference), axis=0)
        floor = max(float(np.median(scale[valid])), _MIN_SCALE)
        scale = np.maximum(scale, floor)
        for position, index in enumerate(order):
            normalised = stack[len(background) + position]
            # Where this frame is clipped (black or white), so is the scene it should show.
            expected = np.clip(reference, normalised.low, normalised.high)
            score = np.abs(normalised.values - expected) / scale
            score[~valid] = 0.0
            boxes = self._regions(score)
            out[index] = self._result(image_label(images[index], index), boxes)
        return out

    def _regions(self, score: FloatArray) -> tuple[BoxDetection, ...]:
        height, width = score.shape
        area_total = float(height * width)
        side = 3 * max(3, (width // 120) | 1)
        opened = cv2.morphologyEx(
            (score > self.k_low).astype(np.uint8), cv2.MORPH_OPEN, np.ones((3, 3), np.uint8)
        )
        low = cv2.morphologyEx(
            opened, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (side, side))
        )
        count, labels, stats, _ = cv2.connectedComponentsWithStats(low, connectivity=8)
        boxes: list[BoxDetection] = []
        for label in range(1, count):
            x, y, w, h, area = (int(v) for v in stats[label])
            fraction = area / area_total
            if fraction < self.min_area or fraction > self.max_area:
                continue
            inside = score[labels == label]
            if float(inside.max(initial=0.0)) < self.k_high:
                continue
            contrast = float(np.median(inside))
            confidence = (1.0 - math.exp(-contrast / self.k_high)) * (
                1.0 - math.exp(-fraction / (10.0 * self.min_area))
            )
            if confidence < self.min_confidence:
                continue
            bbox = (x / width, y / height, w / width, h / height)
            boxes.append(
                BoxDetection(self.category, round(confidence, 4), tuple(round(v, 4) for v in bbox))
            )  # type: ignore[arg-type]
        boxes.sort(key=lambda b: b.conf, reverse=True)
        return tuple(boxes)


def load_grey(image: str | PathLike[str], max_width: int = 480) -> FloatArray:
    """A path's grey working copy, as the detector sees it (for inspection and tests)."""
    return _frame(_to_array(image, max_width), None, max_width).grey
