"""Chip preparation and upright RootSIFT local features (the HotSpotter description).

A chip is an image already cropped to one animal. It is converted to greyscale, resized so
that its longer side is :attr:`FeatureConfig.chip_side` pixels (700 by default, as in
Wildbook's HotSpotter chips) and contrast-equalised with CLAHE. SIFT keypoints (Lowe 2004)
are detected with OpenCV and described *upright* (orientation forced to 0): flank patterns
are photographed upright, and rotation invariance only costs distinctiveness (Crall et al.
2013, "HotSpotter - patterned species instance recognition", WACV). Descriptors are turned
into RootSIFT (Arandjelovic & Zisserman 2012: L1-normalise, element-wise square root), which
makes Euclidean distance equal to the Hellinger kernel on the original histograms, and are
stored as 8-bit integers (``round(value * DESCRIPTOR_SCALE)``), as SIFT itself is.

Keypoint positions are returned in the pixel coordinates of the *original* image (x to the
right, y down, pixel centres at integers) and in the resized chip's coordinates, which
spatial verification uses so that its tolerance does not depend on the photo's resolution.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, UnidentifiedImageError

from barys.individuals.reid.errors import ReidInputError

__all__ = [
    "DESCRIPTOR_DIM",
    "DESCRIPTOR_SCALE",
    "ChipFeatures",
    "FeatureConfig",
    "ImageLike",
    "extract_features",
    "load_chip",
    "prepare_chip",
]

logger = logging.getLogger(__name__)

DESCRIPTOR_DIM = 128
#: RootSIFT components lie in [0, 1] and in practice below 0.45; scaling by 512 and rounding
#: keeps a resolution of 0.002 (components above 255/512 are clipped, which is rare).
DESCRIPTOR_SCALE = 512.0

ImageLike = str | Path | Image.Image | np.ndarray


@dataclass(frozen=True)
class FeatureConfig:
    """Settings of the local-feature description (pixels refer to the resized chip).

    ``chip_side``: longer side of the resized chip (px). ``max_upscale``: small chips are
    enlarged at most this much. ``max_features``: strongest keypoints kept per chip.
    ``clahe_clip``/``clahe_tiles``: CLAHE clip limit and tile grid. ``contrast_threshold``,
    ``edge_threshold``, ``sigma``: OpenCV SIFT detector parameters.
    """

    chip_side: int = 700
    max_upscale: float = 2.0
    max_features: int = 1500
    clahe_clip: float = 2.0
    clahe_tiles: int = 8
    contrast_threshold: float = 0.03
    edge_threshold: float = 10.0
    sigma: float = 1.6

    def __post_init__(self) -> None:
        if self.chip_side < 64:
            raise ValueError(f"chip_side must be at least 64 px, got {self.chip_side}")
        if self.max_features < 8:
            raise ValueError(f"max_features must be at least 8, got {self.max_features}")
        if self.max_upscale < 1.0:
            raise ValueError(f"max_upscale must be >= 1, got {self.max_upscale}")


@dataclass(frozen=True, eq=False)
class ChipFeatures:
    """Local features of one chip.

    ``xy``: ``(n, 2)`` float32 keypoint centres in original-image pixels. ``chip_xy``: the
    same in resized-chip pixels. ``size``: ``(n,)`` float32 keypoint diameters in resized-chip
    pixels. ``descriptors``: ``(n, 128)`` uint8 RootSIFT scaled by :data:`DESCRIPTOR_SCALE`.
    ``image_shape``: ``(height, width)`` of the original image; ``factor``: resize factor
    from original to chip pixels.
    """

    xy: np.ndarray
    chip_xy: np.ndarray
    size: np.ndarray
    descriptors: np.ndarray
    image_shape: tuple[int, int]
    factor: float

    def __len__(self) -> int:
        return int(self.xy.shape[0])


def load_chip(image: ImageLike) -> np.ndarray:
    """Read a chip as a ``uint8`` RGB array ``(height, width, 3)``.

    Accepts a file path, a PIL image or a numpy array (``(h, w)`` greyscale, ``(h, w, 3)``
    RGB or ``(h, w, 4)`` RGBA; uint8, or floats in [0, 1]). Raises :class:`ReidInputError`.
    """
    if isinstance(image, str | Path):
        path = Path(image)
        try:
            with Image.open(path) as opened:
                return np.asarray(opened.convert("RGB"))
        except FileNotFoundError as exc:
            raise ReidInputError(f"chip image not found: {path}") from exc
        except (UnidentifiedImageError, OSError) as exc:
            raise ReidInputError(f"cannot read chip image {path}: {exc}") from exc
    if isinstance(image, Image.Image):
        return np.asarray(image.convert("RGB"))
    if not isinstance(image, np.ndarray):
        raise ReidInputError(
            f"a chip must be a path, a PIL image or a numpy array, got {type(image).__name__}"
        )
    array = image
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[..., 0]
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (3, 4)):
        raise ReidInputError(
            f"a chip array must be (h, w), (h, w, 3) or (h, w, 4), got {array.shape}"
        )
    if array.shape[0] < 16 or array.shape[1] < 16:
        raise ReidInputError(f"a chip must be at least 16 x 16 pixels, got {array.shape[:2]}")
    if array.dtype != np.uint8:
        if not np.issubdtype(array.dtype, np.floating):
            raise ReidInputError(
                f"a chip array must be uint8 or float in [0, 1], got {array.dtype}"
            )
        if not np.all(np.isfinite(array)):
            raise ReidInputError("a chip array contains NaN or infinite values")
        array = np.clip(array * 255.0 + 0.5, 0, 255).astype(np.uint8)
    if array.ndim == 2:
        return cv2.cvtColor(array, cv2.COLOR_GRAY2RGB)
    return np.ascontiguousarray(array[..., :3])


def prepare_chip(rgb: np.ndarray, config: FeatureConfig) -> tuple[np.ndarray, float]:
    """Greyscale, resize and CLAHE-equalise a chip; returns the chip and the resize factor."""
    if rgb.shape[0] < 16 or rgb.shape[1] < 16:
        raise ReidInputError(f"a chip must be at least 16 x 16 pixels, got {rgb.shape[:2]}")
    grey = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    height, width = grey.shape
    factor = min(config.chip_side / max(height, width), config.max_upscale)
    size = (max(1, round(width * factor)), max(1, round(height * factor)))
    interpolation = cv2.INTER_AREA if factor < 1.0 else cv2.INTER_CUBIC
    resized = cv2.resize(grey, size, interpolation=interpolation)
    clahe = cv2.createCLAHE(clipLimit=config.clahe_clip, tileGridSize=(config.clahe_tiles,) * 2)
    return clahe.apply(resized), factor


def extract_features(image: ImageLike, config: FeatureConfig | None = None) -> ChipFeatures:
    """Upright RootSIFT features of a chip (see the module docstring)."""
    config = config or FeatureConfig()
    rgb = load_chip(image)
    chip, factor = prepare_chip(rgb, config)
    sift = cv2.SIFT.create(
        nfeatures=0,
        contrastThreshold=config.contrast_threshold,
        edgeThreshold=config.edge_threshold,
        sigma=config.sigma,
    )
    detected = sift.detect(chip, None)
    if detected:
        # SIFT repeats a keypoint once per dominant orientation; upright keeps one copy.
        table = np.array([(k.pt[0], k.pt[1], k.size, k.response) for k in detected], np.float64)
        rounded = np.round(table[:, :3], 3)
        _, first = np.unique(rounded, axis=0, return_index=True)
        order = first[np.argsort(-table[first, 3], kind="stable")][: config.max_features]
        upright = []
        for i in order.tolist():  # strongest first
            k = detected[i]
            upright.append(cv2.KeyPoint(k.pt[0], k.pt[1], k.size, 0.0, k.response, k.octave))
        computed, raw = sift.compute(chip, upright)
        keypoints = list(computed)
    else:
        keypoints, raw = [], None
    if raw is None or len(keypoints) == 0:
        logger.info("no keypoints found in a %s chip", rgb.shape[:2])
        empty = np.zeros((0, 2), np.float32)
        return ChipFeatures(
            empty,
            empty.copy(),
            np.zeros(0, np.float32),
            np.zeros((0, DESCRIPTOR_DIM), np.uint8),
            (int(rgb.shape[0]), int(rgb.shape[1])),
            float(factor),
        )
    chip_xy = np.array([k.pt for k in keypoints], np.float32)
    sizes = np.array([k.size for k in keypoints], np.float32)
    root = np.sqrt(raw / np.maximum(raw.sum(axis=1, keepdims=True), 1e-12))
    descriptors = np.clip(np.rint(root * DESCRIPTOR_SCALE), 0, 255).astype(np.uint8)
    xy = ((chip_xy + 0.5) / factor - 0.5).astype(np.float32)
    return ChipFeatures(
        xy, chip_xy, sizes, descriptors, (int(rgb.shape[0]), int(rgb.shape[1])), float(factor)
    )
