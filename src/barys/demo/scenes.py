"""Procedural camera-station scenes: rocky slope backgrounds, foreground occluders and the
day / infrared-night camera looks.

Everything here is deterministic for its seeds and uses only numpy and OpenCV. Images are
``uint8`` RGB arrays of shape ``(height, width, 3)``; sizes are ``(width, height)`` in pixels.
The look functions work on whole frames; the occluder functions draw into a frame and an
8-bit coverage mask at the same time so that the caller can measure how much of an animal
they hide.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass

import cv2
import numpy as np

__all__ = [
    "Occluder",
    "apply_day_look",
    "apply_night_look",
    "draw_occluder",
    "motion_blur",
    "occlude",
    "fractal_noise",
    "make_occluder",
    "station_background",
]

_BACKGROUND_CACHE: OrderedDict[tuple[int, int, int], np.ndarray] = OrderedDict()
_BACKGROUND_CACHE_SIZE = 48

# Palette of the rocky slopes (RGB, 0-255): scree, lichen-grey granite, ochre soil, dry grass.
_ROCK_COLOURS = np.array(
    [[128, 124, 118], [146, 140, 128], [112, 106, 98], [160, 150, 134], [98, 96, 94]],
    dtype=np.float32,
)
_SOIL_COLOURS = np.array([[150, 128, 100], [134, 118, 96], [168, 150, 118]], dtype=np.float32)
_GRASS_COLOURS = np.array([[170, 156, 104], [140, 132, 84], [120, 116, 78]], dtype=np.float32)


def fractal_noise(
    shape: tuple[int, int], rng: np.random.Generator, *, cell: int = 192, octaves: int = 5
) -> np.ndarray:
    """Value noise summed over octaves, scaled to ``[0, 1]``.

    ``shape`` is ``(height, width)`` in pixels; ``cell`` is the size of the coarsest octave's
    lattice cell in pixels and each further octave halves it, with half the amplitude.
    """
    height, width = shape
    total = np.zeros((height, width), dtype=np.float32)
    amplitude = 1.0
    size = float(cell)
    for _ in range(octaves):
        gh = max(2, int(np.ceil(height / size)) + 1)
        gw = max(2, int(np.ceil(width / size)) + 1)
        lattice = rng.random((gh, gw), dtype=np.float32)
        total += amplitude * cv2.resize(lattice, (width, height), interpolation=cv2.INTER_CUBIC)
        amplitude *= 0.5
        size = max(2.0, size / 2.0)
    low, high = float(total.min()), float(total.max())
    return (total - low) / max(high - low, 1e-6)


def _rock_polygon(
    rng: np.random.Generator, centre: tuple[float, float], radius: float, flat: float = 0.7
) -> np.ndarray:
    """An irregular boulder outline: ``(n, 2)`` int32 pixel vertices around ``centre``."""
    n = int(rng.integers(7, 13))
    angles = np.sort(rng.uniform(0.0, 2.0 * np.pi, n))
    radii = radius * rng.uniform(0.7, 1.15, n)
    xs = centre[0] + radii * np.cos(angles)
    ys = centre[1] + flat * radii * np.sin(angles)
    return np.stack([xs, ys], axis=1).round().astype(np.int32)


def _draw_boulder(canvas: np.ndarray, rng: np.random.Generator, polygon: np.ndarray) -> None:
    """Fill a boulder with a lit upper face and a shaded base (in place, RGB canvas)."""
    colour = np.minimum(
        _ROCK_COLOURS[int(rng.integers(len(_ROCK_COLOURS)))] * rng.uniform(0.85, 1.1), 255
    )
    cv2.fillPoly(canvas, [polygon], (colour * 0.72).tolist(), lineType=cv2.LINE_AA)
    centre = polygon.mean(axis=0)
    lit = ((polygon - centre) * 0.82 + centre + np.array([-3.0, -5.0])).round().astype(np.int32)
    cv2.fillPoly(canvas, [lit], colour.tolist(), lineType=cv2.LINE_AA)
    cv2.polylines(canvas, [polygon], True, (colour * 0.5).tolist(), 2, lineType=cv2.LINE_AA)


def station_background(seed: int, size: tuple[int, int]) -> np.ndarray:
    """The rocky-slope background of a camera station, ``uint8`` RGB ``(height, width, 3)``.

    The same ``seed`` always gives the same scene (a station seen by a fixed camera); results
    are cached, and a read-only array is returned: copy it before drawing on it.
    """
    width, height = size
    key = (int(seed), int(width), int(height))
    cached = _BACKGROUND_CACHE.get(key)
    if cached is not None:
        _BACKGROUND_CACHE.move_to_end(key)
        return cached
    rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, 0xB6])
    noise = fractal_noise((height, width), rng, cell=max(64, width // 5))
    soil = _SOIL_COLOURS[int(rng.integers(len(_SOIL_COLOURS)))]
    canvas = np.empty((height, width, 3), dtype=np.float32)
    canvas[:] = soil
    # A far ridge and a pale sky strip on about half of the stations.
    horizon = int(height * rng.uniform(0.08, 0.3)) if rng.random() < 0.5 else 0
    if horizon:
        xs = np.arange(0, width + 40, 40)
        ridge = horizon + rng.normal(0.0, height * 0.03, xs.size).cumsum() * 0.3
        top = np.concatenate([[[0, 0], [width, 0]], np.stack([xs[::-1], ridge[::-1]], 1)])
        cv2.fillPoly(canvas, [top.round().astype(np.int32)], (196, 204, 212))
    # Boulders, larger towards the bottom of the frame (nearer the camera).
    for _ in range(int(rng.integers(14, 26))):
        y = rng.uniform(horizon, height * 1.05)
        depth = 0.3 + 0.9 * (y - horizon) / max(height - horizon, 1)
        radius = rng.uniform(0.03, 0.11) * width * depth
        _draw_boulder(canvas, rng, _rock_polygon(rng, (rng.uniform(0, width), y), radius))
    # Cracks and dry grass tufts.
    for _ in range(int(rng.integers(6, 14))):
        start = rng.uniform([0, horizon], [width, height])
        steps = rng.normal(0.0, 14.0, (6, 2)).cumsum(axis=0) + start
        colour = (_ROCK_COLOURS[4] * 0.55).tolist()
        cv2.polylines(canvas, [steps.round().astype(np.int32)], False, colour, 2, cv2.LINE_AA)
    for _ in range(int(rng.integers(20, 60))):
        base = rng.uniform([0, horizon + 10], [width, height])
        colour = _GRASS_COLOURS[int(rng.integers(len(_GRASS_COLOURS)))].tolist()
        for _blade in range(int(rng.integers(3, 7))):
            tip = base + rng.normal([0.0, -22.0], [8.0, 6.0])
            cv2.line(
                canvas, tuple(base.astype(int)), tuple(tip.astype(int)), colour, 1, cv2.LINE_AA
            )
    texture = 0.72 + 0.56 * noise
    canvas *= texture[..., None]
    shade = np.linspace(1.05, 0.9, height, dtype=np.float32)[:, None, None]
    canvas *= shade
    image = np.clip(canvas, 0, 255).astype(np.uint8)
    image.flags.writeable = False
    _BACKGROUND_CACHE[key] = image
    while len(_BACKGROUND_CACHE) > _BACKGROUND_CACHE_SIZE:
        _BACKGROUND_CACHE.popitem(last=False)
    return image


@dataclass(frozen=True)
class Occluder:
    """A foreground boulder or shrub: its shape in units of the animal's box.

    ``anchor`` is a point in box-relative coordinates (0..1 across the box, may lie outside);
    ``outline`` holds unit vertices ``(n, 2)`` scaled by ``size`` times the box height.
    """

    kind: str
    anchor: tuple[float, float]
    outline: np.ndarray
    blobs: np.ndarray
    seed: int


def make_occluder(rng: np.random.Generator) -> Occluder:
    """Draw a random occluder: a boulder rising from the bottom or a shrub at either end."""
    kind = "boulder" if rng.random() < 0.65 else "shrub"
    anchors = [(0.15, 1.05), (0.5, 1.1), (0.85, 1.05), (-0.02, 0.75), (1.02, 0.7)]
    anchor = anchors[int(rng.integers(len(anchors)))]
    n = int(rng.integers(8, 13))
    angles = np.sort(rng.uniform(0.0, 2.0 * np.pi, n))
    radii = rng.uniform(0.75, 1.1, n)
    outline = np.stack([radii * np.cos(angles), 0.8 * radii * np.sin(angles)], axis=1)
    blobs = rng.uniform([-0.9, -0.9, 0.25], [0.9, 0.6, 0.55], (9, 3))
    return Occluder(kind, anchor, outline, blobs, int(rng.integers(1 << 30)))


def draw_occluder(
    occluder: Occluder,
    box: tuple[int, int, int, int],
    size: float,
    *,
    canvas: np.ndarray | None,
    mask: np.ndarray | None,
    mask_scale: float = 1.0,
) -> None:
    """Draw ``occluder`` of relative ``size`` in front of the animal ``box`` (x0, y0, x1, y1).

    Draws the coloured occluder into ``canvas`` (uint8 RGB, full frame) and/or 255 into
    ``mask`` (uint8, the frame scaled by ``mask_scale``); either may be ``None``.
    """
    x0, y0, x1, y1 = box
    bw, bh = x1 - x0, y1 - y0
    centre = np.array([x0 + occluder.anchor[0] * bw, y0 + occluder.anchor[1] * bh])
    radius = size * bh
    rng = np.random.default_rng(occluder.seed)
    if occluder.kind == "boulder":
        polygon = occluder.outline * radius + centre
        if mask is not None:
            cv2.fillPoly(mask, [(polygon * mask_scale).round().astype(np.int32)], 255)
        if canvas is not None:
            _draw_boulder(canvas, rng, polygon.round().astype(np.int32))
        return
    foliage = rng.uniform(0.75, 1.0) * np.array([96.0, 104.0, 70.0])
    for bx, by, br in occluder.blobs:
        c = centre + np.array([bx, by]) * radius
        axes = (max(1, int(br * radius)), max(1, int(br * radius * 0.8)))
        if mask is not None:
            cm = (c * mask_scale).round().astype(int)
            am = (max(1, int(axes[0] * mask_scale)), max(1, int(axes[1] * mask_scale)))
            cv2.ellipse(mask, (int(cm[0]), int(cm[1])), am, 0, 0, 360, 255, -1)
        if canvas is not None:
            shade = (foliage * rng.uniform(0.7, 1.15)).tolist()
            cv2.ellipse(
                canvas, tuple(c.round().astype(int)), axes, 0, 0, 360, shade, -1, cv2.LINE_AA
            )
    if canvas is not None:
        # Twigs and leaves break the outline of the foliage.
        for _ in range(60):
            c = centre + rng.uniform(-1.0, 1.0, 2) * radius
            tip = c + rng.normal(0.0, 0.12 * radius, 2)
            shade = (foliage * rng.uniform(0.5, 1.3)).tolist()
            cv2.line(canvas, tuple(c.astype(int)), tuple(tip.astype(int)), shade, 2, cv2.LINE_AA)


def motion_blur(rgba: np.ndarray, length: float, rng: np.random.Generator) -> np.ndarray:
    """Blur a premultiplied RGBA patch along a near-horizontal line ``length`` px long."""
    size = int(np.ceil(length)) | 1
    kernel = np.zeros((size, size), np.float32)
    angle = np.radians(rng.uniform(-20.0, 20.0))
    half = (size - 1) / 2.0
    dx, dy = half * np.cos(angle), half * np.sin(angle)
    cv2.line(
        kernel,
        (round(half - dx), round(half - dy)),
        (round(half + dx), round(half + dy)),
        1.0,
        1,
        cv2.LINE_AA,
    )
    kernel /= kernel.sum()
    return cv2.filter2D(rgba, -1, kernel, borderType=cv2.BORDER_CONSTANT)


def occlude(
    frame: np.ndarray,
    alpha: np.ndarray,
    box: tuple[int, int, int, int],
    target: float,
    rng: np.random.Generator,
) -> float:
    """Draw an occluder hiding about ``target`` of the animal; returns the hidden fraction."""
    x0, y0, x1, y1 = box
    factor = 0.25
    small = cv2.resize(alpha, None, fx=factor, fy=factor, interpolation=cv2.INTER_AREA) > 127
    total = max(int(small.sum()), 1)
    occluder = make_occluder(rng)
    local = (0, 0, x1 - x0, y1 - y0)

    def hidden_at(size: float) -> float:
        mask = np.zeros(small.shape, np.uint8)
        draw_occluder(occluder, local, size, canvas=None, mask=mask, mask_scale=factor)
        return float(np.count_nonzero(small & (mask > 0))) / total

    low, high = 0.0, 2.5
    for _ in range(14):
        middle = (low + high) / 2.0
        if hidden_at(middle) < target:
            low = middle
        else:
            high = middle
    draw_occluder(occluder, box, high, canvas=frame, mask=None)
    return hidden_at(high)


_NOISE_CACHE: OrderedDict[tuple[int, int, int], np.ndarray] = OrderedDict()
_NOISE_MARGIN = 64


def _noise_view(shape: tuple[int, int], rng: np.random.Generator, channels: int) -> np.ndarray:
    """A random window of a cached standard-normal noise field (float32, or int16 luminance
    noise repeated over 3 channels with a standard deviation of 2.5 levels when
    ``channels`` is 3). Caching the field keeps a render cheap."""
    height, width = shape
    key = (height, width, channels)
    field = _NOISE_CACHE.get(key)
    if field is None:
        noise = np.random.default_rng(0x5EED).standard_normal(
            (height + _NOISE_MARGIN, width + _NOISE_MARGIN), dtype=np.float32
        )
        if channels == 3:
            field = np.repeat(np.round(noise * 2.5).astype(np.int16)[..., None], 3, axis=2)
        else:
            field = noise
        _NOISE_CACHE[key] = field
        while len(_NOISE_CACHE) > 8:
            _NOISE_CACHE.popitem(last=False)
    oy, ox = (int(v) for v in rng.integers(0, _NOISE_MARGIN, 2))
    return field[oy : oy + height, ox : ox + width]


def apply_day_look(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Daylight camera: exposure, white balance and contrast jitter plus sensor noise (uint8)."""
    gain = rng.uniform(0.85, 1.15)
    balance = np.array([rng.uniform(0.95, 1.06), 1.0, rng.uniform(0.92, 1.05)], np.float32)
    contrast = rng.uniform(0.85, 1.1)
    levels = (np.arange(256, dtype=np.float32) - 128.0) * contrast + 128.0
    table = np.clip(levels[:, None] * gain * balance[None, :], 0, 255).astype(np.uint8)
    out = cv2.LUT(np.ascontiguousarray(frame), table.reshape(256, 1, 3))
    noise = _noise_view(frame.shape[:2], rng, 3)
    return cv2.add(out, noise, dtype=cv2.CV_8U)


def apply_night_look(frame: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Infrared-flash night camera: greyscale, flattened contrast, flash fall-off, bloom, noise.

    Returns a ``uint8`` RGB array with three equal channels, as IR camera traps write.
    """
    height, width = frame.shape[:2]
    # Fur and rock reflect near-IR strongly: brighter, flatter.
    gamma = rng.uniform(0.7, 0.9)
    levels = 0.3 + 0.55 * (np.arange(256, dtype=np.float32) / 255.0) ** gamma
    grey = cv2.LUT(cv2.cvtColor(frame, cv2.COLOR_RGB2GRAY), levels.reshape(256, 1))
    ys = (np.arange(height, dtype=np.float32) - height * rng.uniform(0.45, 0.6)) / height
    xs = (np.arange(width, dtype=np.float32) - width * rng.uniform(0.45, 0.55)) / width
    strength = np.float32(rng.uniform(0.5, 0.75))
    falloff = 1.0 - strength * (ys[:, None] ** 2 + np.float32(0.6) * xs[None, :] ** 2)
    grey *= falloff * np.float32(rng.uniform(0.8, 1.05))
    small = cv2.resize(grey, (width // 4, height // 4), interpolation=cv2.INTER_AREA)
    bloom = cv2.GaussianBlur(np.clip(small - 0.7, 0.0, None), (0, 0), 2.3)
    grey += 0.6 * cv2.resize(bloom, (width, height), interpolation=cv2.INTER_LINEAR)
    grey = cv2.scaleAdd(_noise_view((height, width), rng, 1), 0.028, grey)
    grey = cv2.GaussianBlur(grey, (3, 3), 0.7)
    out = cv2.convertScaleAbs(grey, alpha=255.0)
    return cv2.cvtColor(out, cv2.COLOR_GRAY2RGB)
