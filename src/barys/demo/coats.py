"""Procedural snow-leopard coats and camera-trap renders for the demo, tests and benchmarks.

Each individual gets a seeded coat: irregular rosettes (broken rings of dark spots around a
centre slightly darker than the coat) on the flanks, solid spots on the head and legs and
blotches on the long thick tail, on a pale grey-beige ground. The left and the right flank
carry different patterns of the same animal, as in real snow leopards. A cub can inherit a
fraction of its mother's rosettes (``Coat.for_individual(seed, parent=mother)``) to make hard
look-alike cases.

:func:`render` places a side-view silhouette on a procedural station background
(:mod:`barys.demo.scenes`) with a yaw turn (a perspective warp of the flank plane), scale,
a small in-plane tilt, a slight non-rigid body deformation, partial occlusion by a boulder or
shrub, and a day (colour) or infrared-night (greyscale) look. :func:`chip_box` gives the
animal's bounding box in the frame (the "chip" a re-identification engine expects), and
:func:`render_with_box` gives both at once. Units: pixels; angles in degrees.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field

import cv2
import numpy as np
from PIL import Image

from barys.demo import scenes

__all__ = [
    "Coat",
    "FlankPattern",
    "Rendering",
    "chip_box",
    "crop_chip",
    "render",
    "render_with_box",
]


# Canonical side view, animal facing left (its left flank towards the camera), in pixels.
CANVAS_WIDTH = 1200
CANVAS_HEIGHT = 520
_BASE_COLOUR = np.array([205.0, 196.0, 178.0], np.float32)  # pale grey-beige, RGB
_BELLY_COLOUR = np.array([230.0, 225.0, 214.0], np.float32)
_BACK_COLOUR = np.array([188.0, 176.0, 152.0], np.float32)
_SPOT_COLOUR = (56.0, 52.0, 49.0)
_CENTRE_DARKENING = 0.84
_CAMERA_DISTANCE = 2.5  # camera distance in half body-lengths, for the yaw perspective
_TEXTURE_CACHE: OrderedDict[tuple[object, ...], tuple[np.ndarray, np.ndarray]] = OrderedDict()
_TEXTURE_CACHE_SIZE = 24


def _tail_centreline() -> np.ndarray:
    """Points ``(n, 2)`` along the tail: a cubic Bezier hanging down and curling up."""
    t = np.linspace(0.0, 1.0, 90)[:, None]
    p0, p1, p2, p3 = (
        np.array(p, np.float64) for p in ((830, 200), (1010, 230), (1080, 470), (1170, 372))
    )
    return (1 - t) ** 3 * p0 + 3 * (1 - t) ** 2 * t * p1 + 3 * (1 - t) * t**2 * p2 + t**3 * p3


_TAIL = _tail_centreline()
_FRONT_LEG = np.array([(318, 282), (392, 292), (372, 452), (392, 482), (306, 486), (318, 452)])
_HIND_LEG = np.array(
    [(696, 282), (792, 292), (766, 396), (784, 468), (800, 486), (716, 488), (724, 398)]
)
_NECK = np.array([(236, 150), (330, 138), (392, 196), (352, 326), (262, 262)])


def _draw_silhouette(mask: np.ndarray, value: int = 255, *, far_legs: bool = True) -> None:
    """Fill the body outline (canonical frame) into ``mask``."""
    if far_legs:
        cv2.fillPoly(mask, [_FRONT_LEG + (46, -8), _HIND_LEG + (-40, -8)], value, cv2.LINE_AA)
    cv2.ellipse(mask, (560, 232), (250, 94), 0, 0, 360, value, -1, cv2.LINE_AA)
    cv2.ellipse(mask, (372, 242), (104, 98), 0, 0, 360, value, -1, cv2.LINE_AA)
    cv2.ellipse(mask, (742, 226), (114, 106), 0, 0, 360, value, -1, cv2.LINE_AA)
    cv2.fillPoly(mask, [_NECK, _FRONT_LEG, _HIND_LEG], value, cv2.LINE_AA)
    cv2.ellipse(mask, (184, 160), (64, 54), 0, 0, 360, value, -1, cv2.LINE_AA)
    cv2.ellipse(mask, (132, 184), (42, 31), 0, 0, 360, value, -1, cv2.LINE_AA)
    cv2.ellipse(mask, (198, 110), (16, 20), -15, 0, 360, value, -1, cv2.LINE_AA)
    cv2.ellipse(mask, (230, 116), (14, 18), 15, 0, 360, value, -1, cv2.LINE_AA)
    for (x, y), radius in zip(_TAIL, np.linspace(27.0, 22.0, len(_TAIL)), strict=True):
        cv2.circle(mask, (int(x), int(y)), int(radius), value, -1, cv2.LINE_AA)
    for x in (350, 400, 758, 712):
        cv2.ellipse(mask, (x, 482), (34, 14), 0, 0, 360, value, -1, cv2.LINE_AA)


def _region(kind: str) -> np.ndarray:
    """Boolean masks (canonical frame) where a kind of pattern element may be centred."""
    mask = np.zeros((CANVAS_HEIGHT, CANVAS_WIDTH), np.uint8)
    if kind == "flank":
        cv2.ellipse(mask, (560, 226), (236, 78), 0, 0, 360, 255, -1)
        cv2.ellipse(mask, (378, 234), (92, 80), 0, 0, 360, 255, -1)
        cv2.ellipse(mask, (744, 220), (100, 90), 0, 0, 360, 255, -1)
        cv2.fillPoly(mask, [((_NECK - (314, 230)) * 0.8 + (314, 230)).astype(np.int32)], 255)
    elif kind == "head":
        cv2.ellipse(mask, (192, 150), (52, 40), 0, 0, 360, 255, -1)
    elif kind == "legs":
        cv2.fillPoly(mask, [_FRONT_LEG, _HIND_LEG], 255)
    return mask > 0


_SILHOUETTE = np.zeros((CANVAS_HEIGHT, CANVAS_WIDTH), np.uint8)
_draw_silhouette(_SILHOUETTE)
_REGIONS = {kind: _region(kind) for kind in ("flank", "head", "legs")}
_OUTLINE = cv2.findContours(_SILHOUETTE, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)[0]
_OUTLINE_POINTS = np.concatenate([c.reshape(-1, 2) for c in _OUTLINE]).astype(np.float64)


def _base_fur() -> np.ndarray:
    """The unpatterned coat (float32 RGB canonical frame): darker back, pale belly."""
    ys = np.linspace(-1.0, 1.0, CANVAS_HEIGHT, dtype=np.float32)
    back = np.clip(-(ys + 0.1) * 1.6, 0.0, 1.0)[:, None, None]
    belly = np.clip((ys - 0.05) * 2.2, 0.0, 1.0)[:, None, None]
    fur = np.broadcast_to(_BASE_COLOUR, (CANVAS_HEIGHT, CANVAS_WIDTH, 3)).copy()
    fur = fur * (1.0 - back - belly) + _BACK_COLOUR * back + _BELLY_COLOUR * belly
    far = np.zeros((CANVAS_HEIGHT, CANVAS_WIDTH), np.uint8)
    cv2.fillPoly(far, [_FRONT_LEG + (46, -8), _HIND_LEG + (-40, -8)], 255)
    near = np.zeros_like(far)
    _draw_silhouette(near, far_legs=False)
    shaded = (far > 0) & (near == 0)
    fur[shaded] *= 0.8
    return fur.astype(np.float32)


_FUR = _base_fur()


@dataclass(frozen=True, eq=False)
class FlankPattern:
    """The markings of one side of an animal, in canonical-frame pixels.

    ``rosettes`` rows: ``x, y, radius, ring_thickness, start_angle, n_spots, gap_mask,
    aspect, tilt, spot_seed`` (``gap_mask`` bit i set = spot i missing, which breaks the ring;
    ``aspect`` squashes the ring, ``tilt`` turns it (radians); ``spot_seed`` varies the
    size of each spot). ``spots`` rows:
    ``x, y, semi_axis_x, semi_axis_y, angle_deg`` of solid spots (head, legs, tail, fillers).
    """

    rosettes: np.ndarray
    spots: np.ndarray


def _place(
    rng: np.random.Generator,
    region: np.ndarray,
    radii: np.ndarray,
    taken: list[tuple[float, float, float]],
    spacing: float,
) -> list[tuple[float, float, float]]:
    """Dart-throwing: centres inside ``region`` not closer than ``spacing`` radii apart."""
    ys, xs = np.nonzero(region)
    placed: list[tuple[float, float, float]] = []
    table = np.array(taken, np.float64).reshape(-1, 3)
    for radius in radii:
        picks = rng.integers(len(xs), size=30)
        cx = xs[picks] + rng.random(30)
        cy = ys[picks] + rng.random(30)
        if len(table):
            d2 = (cx[:, None] - table[None, :, 0]) ** 2 + (cy[:, None] - table[None, :, 1]) ** 2
            free = np.all(d2 >= (spacing * (radius + table[None, :, 2])) ** 2, axis=1)
        else:
            free = np.ones(30, bool)
        hits = np.flatnonzero(free)
        if len(hits):
            entry = (float(cx[hits[0]]), float(cy[hits[0]]), float(radius))
            taken.append(entry)
            placed.append(entry)
            table = np.vstack([table, entry])
    return placed


def _new_pattern(rng: np.random.Generator, inherited: FlankPattern | None) -> FlankPattern:
    """Generate a flank pattern; ``inherited`` rows are kept (jittered) before filling."""
    taken: list[tuple[float, float, float]] = []
    rosettes: list[list[float]] = []
    if inherited is not None:
        for row in inherited.rosettes:
            jitter = rng.normal(0.0, 2.0, 2)
            rosettes.append([row[0] + jitter[0], row[1] + jitter[1], *row[2:]])
            taken.append((rosettes[-1][0], rosettes[-1][1], float(row[2])))
    radii = rng.uniform(13.0, 26.0, 100)
    for x, y, radius in _place(rng, _REGIONS["flank"], radii, taken, 1.05):
        n_spots = int(rng.integers(4, 8))
        gaps = 0
        for _ in range(int(rng.integers(0, 3))):
            gaps |= 1 << int(rng.integers(n_spots))
        thickness = radius * rng.uniform(0.28, 0.45)
        rosettes.append(
            [
                x,
                y,
                radius,
                thickness,
                rng.uniform(0, 2 * np.pi),
                n_spots,
                gaps,
                rng.uniform(0.65, 1.0),
                rng.uniform(0, np.pi),
                int(rng.integers(1 << 30)),
            ]
        )
    spots: list[list[float]] = []
    if inherited is not None:
        spots.extend(list(row) for row in inherited.spots)
    spot_taken: list[tuple[float, float, float]] = [(r[0], r[1], r[2]) for r in spots]
    for kind, count, size in (("head", 38, (3.0, 7.0)), ("legs", 46, (4.5, 9.5))):
        for x, y, r in _place(rng, _REGIONS[kind], rng.uniform(*size, count), spot_taken, 1.3):
            spots.append([x, y, r, r * rng.uniform(0.65, 1.0), rng.uniform(0, 180)])
    # Tail blotches (some elongated into broken rings) and filler spots between rosettes.
    for s in np.sort(rng.uniform(0.06, 0.9, 16)):
        x, y = _TAIL[int(s * (len(_TAIL) - 1))] + rng.normal(0.0, 6.0, 2)
        r = rng.uniform(7.0, 13.0)
        spots.append([x, y, r * rng.uniform(1.0, 1.8), r, rng.uniform(0, 180)])
    for x, y, r in _place(rng, _REGIONS["flank"], rng.uniform(3.0, 6.0, 30), taken, 1.1):
        spots.append([x, y, r, r * rng.uniform(0.6, 1.0), rng.uniform(0, 180)])
    return FlankPattern(np.asarray(rosettes, np.float64), np.asarray(spots, np.float64))


def _inherit(rng: np.random.Generator, parent: FlankPattern, fraction: float) -> FlankPattern:
    """A random ``fraction`` of a parent's rosettes and spots (the offspring's share)."""
    keep_r = rng.random(len(parent.rosettes)) < fraction
    keep_s = rng.random(len(parent.spots)) < fraction
    return FlankPattern(parent.rosettes[keep_r], parent.spots[keep_s])


@dataclass(frozen=True, eq=False)
class Coat:
    """The coat of one individual: a pattern per flank, seeded by the individual's id.

    ``lineage`` is the tuple of seeds from the oldest ancestor to this individual; it keys
    the texture cache. Build coats with :meth:`for_individual`.
    """

    seed: int
    lineage: tuple[int, ...]
    inherited_fraction: float
    left: FlankPattern = field(repr=False)
    right: FlankPattern = field(repr=False)

    @classmethod
    def for_individual(cls, seed: int, parent: Coat | None = None, inherit: float = 0.4) -> Coat:
        """The coat of individual ``seed``; with ``parent``, ``inherit`` (0..1) of the
        parent's rosettes and spots are passed on, per flank."""
        if not 0.0 <= inherit <= 1.0:
            raise ValueError(f"inherit must lie in [0, 1], got {inherit}")
        patterns: dict[str, FlankPattern] = {}
        for code, side in ((1, "left"), (2, "right")):
            rng = np.random.default_rng([int(seed) & 0xFFFFFFFF, code, 0xC0A7])
            share = _inherit(rng, getattr(parent, side), inherit) if parent else None
            patterns[side] = _new_pattern(rng, share)
        lineage = (*parent.lineage, int(seed)) if parent else (int(seed),)
        fraction = inherit if parent else 0.0
        return cls(int(seed), lineage, fraction, patterns["left"], patterns["right"])

    def pattern(self, side: str) -> FlankPattern:
        """The markings of ``side`` ("left" or "right")."""
        if side not in ("left", "right"):
            raise ValueError(f"side must be 'left' or 'right', got {side!r}")
        return self.left if side == "left" else self.right


def _paint(pattern: FlankPattern) -> np.ndarray:
    """Paint a flank pattern over the fur: float32 RGB canonical frame (animal facing left)."""
    canvas = _FUR.copy()
    for x, y, radius, thickness, start, n_spots, gaps, aspect, tilt, spot_seed in pattern.rosettes:
        centre = (int(round(x)), int(round(y)))
        inner = int(max(2.0, radius - thickness * 0.6))
        shade = (_FUR[int(y), int(x)] * _CENTRE_DARKENING).tolist()
        axes_c = (inner, max(1, int(inner * aspect)))
        cv2.ellipse(canvas, centre, axes_c, float(np.degrees(tilt)), 0, 360, shade, -1, cv2.LINE_AA)
        n = int(n_spots)
        arc = 2.0 * np.pi * radius / n
        jitter = np.random.default_rng(int(spot_seed)).uniform(0.7, 1.3, (n, 3))
        cos_t, sin_t = np.cos(tilt), np.sin(tilt)
        for i in range(n):
            if int(gaps) >> i & 1:
                continue
            angle = start + 2.0 * np.pi * (i + 0.25 * (jitter[i, 2] - 1.0)) / n
            ux, uy = radius * np.cos(angle), aspect * radius * np.sin(angle)
            sx, sy = x + ux * cos_t - uy * sin_t, y + ux * sin_t + uy * cos_t
            axes = (
                max(1, int(arc * 0.4 * jitter[i, 0])),
                max(1, int(thickness * 0.5 * jitter[i, 1])),
            )
            direction = float(np.degrees(np.arctan2(sy - y, sx - x))) + 90.0
            cv2.ellipse(
                canvas,
                (int(round(sx)), int(round(sy))),
                axes,
                direction,
                0,
                360,
                _SPOT_COLOUR,
                -1,
                cv2.LINE_AA,
            )
    for x, y, ax, ay, angle in pattern.spots:
        axes = (max(1, int(round(ax))), max(1, int(round(ay))))
        cv2.ellipse(
            canvas,
            (int(round(x)), int(round(y))),
            axes,
            angle,
            0,
            360,
            _SPOT_COLOUR,
            -1,
            cv2.LINE_AA,
        )
    tip = _TAIL[-12:]
    for (x, y), radius in zip(tip, np.linspace(22.5, 22.0, len(tip)), strict=True):
        cv2.circle(canvas, (int(x), int(y)), int(radius) + 1, _SPOT_COLOUR, -1, cv2.LINE_AA)
    return canvas


def _texture(coat: Coat, side: str) -> tuple[np.ndarray, np.ndarray]:
    """Cached RGBA textures (full and half resolution, uint8) of one flank, as it is seen."""
    key = (coat.lineage, coat.inherited_fraction, side)
    cached = _TEXTURE_CACHE.get(key)
    if cached is not None:
        _TEXTURE_CACHE.move_to_end(key)
        return cached
    painted = cv2.GaussianBlur(_paint(coat.pattern(side)), (0, 0), 1.1)
    rgba = np.dstack([np.clip(painted, 0, 255).astype(np.uint8), _SILHOUETTE])
    # Keep colour only where the animal is, so that bilinear sampling at the edge is clean.
    rgba[..., :3] = (rgba[..., :3].astype(np.uint16) * _SILHOUETTE[..., None] // 255).astype(
        np.uint8
    )
    if side == "right":
        rgba = np.ascontiguousarray(rgba[:, ::-1])
    textures = (rgba, cv2.pyrDown(rgba))
    _TEXTURE_CACHE[key] = textures
    while len(_TEXTURE_CACHE) > _TEXTURE_CACHE_SIZE:
        _TEXTURE_CACHE.popitem(last=False)
    return textures


@dataclass(frozen=True)
class _Layout:
    """Where the animal lands in the frame: canonical-to-frame homography and its box."""

    homography: np.ndarray
    box: tuple[int, int, int, int]
    pixel_scale: float
    wobble: np.ndarray  # amplitude (px), wavelengths and phases of the body deformation


def _layout(
    side: str,
    yaw_deg: float,
    scale: float,
    size: tuple[int, int],
    background_seed: int,
    shot_seed: int,
) -> _Layout:
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    if not -60.0 <= yaw_deg <= 60.0:
        raise ValueError(f"yaw_deg must lie in [-60, 60], got {yaw_deg}")
    if scale <= 0.0:
        raise ValueError(f"scale must be positive, got {scale}")
    width, height = size
    rng = np.random.default_rng(
        [int(background_seed) & 0xFFFFFFFF, int(shot_seed) & 0xFFFFFFFF, 0x1A]
    )
    pixel_scale = scale * 0.62 * width / CANVAS_WIDTH
    half = CANVAS_WIDTH / 2.0
    theta = np.radians(yaw_deg)
    flip = -1.0 if side == "right" else 1.0
    to_centre = np.array([[1, 0, -half], [0, 1, -CANVAS_HEIGHT / 2.0], [0, 0, 1]], np.float64)
    yaw = np.array(
        [
            [np.cos(theta), 0, 0],
            [0, 1, 0],
            [-flip * np.sin(theta) / (_CAMERA_DISTANCE * half), 0, 1],
        ],
        np.float64,
    )
    tilt = np.radians(rng.uniform(-4.0, 4.0))
    rotate = np.array(
        [[np.cos(tilt), -np.sin(tilt), 0], [np.sin(tilt), np.cos(tilt), 0], [0, 0, 1]], np.float64
    )
    scaled = np.diag([pixel_scale, pixel_scale, 1.0]) @ rotate @ yaw @ to_centre
    outline = _OUTLINE_POINTS.copy()
    if side == "right":
        outline[:, 0] = CANVAS_WIDTH - 1 - outline[:, 0]
    projected = _project(scaled, outline)
    lo, hi = projected.min(axis=0), projected.max(axis=0)
    extent = hi - lo
    # Centre the animal at a random spot that keeps it in the frame where it fits.
    cx = _uniform_or_middle(rng, extent[0], width) - (lo[0] + hi[0]) / 2.0
    cy = _uniform_or_middle(rng, extent[1], height, low=0.3) - (lo[1] + hi[1]) / 2.0
    homography = np.array([[1, 0, cx], [0, 1, cy], [0, 0, 1]], np.float64) @ scaled
    box_lo = np.floor(lo + (cx, cy)).astype(int) - 2
    box_hi = np.ceil(hi + (cx, cy)).astype(int) + 3
    box = (
        int(max(0, box_lo[0])),
        int(max(0, box_lo[1])),
        int(min(width, box_hi[0])),
        int(min(height, box_hi[1])),
    )
    amplitude = rng.uniform(0.004, 0.012) * extent[0]
    wobble = np.concatenate(
        [[amplitude], rng.uniform(0.6, 1.4, 4) * extent[0], rng.uniform(0, 2 * np.pi, 4)]
    )
    return _Layout(homography, box, pixel_scale, wobble)


def _uniform_or_middle(
    rng: np.random.Generator, extent: float, span: int, low: float = 0.0
) -> float:
    """A centre position in ``[0, span]`` keeping ``extent`` inside; the middle if too big."""
    lower = max(extent / 2.0 + 4.0, span * low)
    upper = span - extent / 2.0 - 4.0
    return float(rng.uniform(lower, upper)) if upper > lower else (span - 0.0) / 2.0


def _project(homography: np.ndarray, points: np.ndarray) -> np.ndarray:
    stacked = np.column_stack([points, np.ones(len(points))]) @ homography.T
    return stacked[:, :2] / stacked[:, 2:3]


@dataclass(frozen=True)
class Rendering:
    """A rendered frame, the animal's chip box ``(x0, y0, x1, y1)`` in pixels (x1, y1
    exclusive) and the fraction of the animal's pixels hidden by the occluder (0..1)."""

    image: Image.Image
    box: tuple[int, int, int, int]
    occluded_fraction: float


def chip_box(
    coat: Coat | None = None,
    side: str = "left",
    yaw_deg: float = 0.0,
    scale: float = 1.0,
    *,
    background_seed: int = 0,
    size: tuple[int, int] = (1024, 768),
    shot_seed: int | None = None,
) -> tuple[int, int, int, int]:
    """The animal's bounding box ``(x0, y0, x1, y1)`` (pixels, x1/y1 exclusive) in the frame
    :func:`render` makes with the same arguments. All coats share the silhouette, so
    ``coat`` is accepted for symmetry with :func:`render` and not needed."""
    shot = background_seed if shot_seed is None else shot_seed
    return _layout(side, yaw_deg, scale, size, background_seed, shot).box


def render(
    coat: Coat,
    side: str = "left",
    yaw_deg: float = 0.0,
    scale: float = 1.0,
    occlusion: float = 0.0,
    night: bool = False,
    background_seed: int = 0,
    size: tuple[int, int] = (1024, 768),
    *,
    shot_seed: int | None = None,
    motion_blur: float = 0.0,
    defocus: float = 0.0,
    jpeg_quality: int | None = None,
) -> Image.Image:
    """Render a camera-trap frame of ``coat`` showing its ``side`` flank.

    ``yaw_deg``: turn of the animal about the vertical axis (degrees, within +-60; positive
    turns the head away from the camera). ``scale``: 1.0 makes the animal span about 62 % of
    the frame width. ``occlusion``: fraction (0..0.6) of the animal's pixels to hide behind a
    foreground boulder or shrub. ``night``: infrared greyscale look. ``background_seed``: the
    station (the same seed gives the same rocky slope). ``size``: ``(width, height)`` in
    pixels. ``shot_seed`` (default ``background_seed``) varies position, tilt, posture
    (a smooth bending of up to 1.2 % of the body length), occluder, exposure and noise
    between shots at one station. ``motion_blur``: length (px) of a near-horizontal motion
    blur of the moving animal; ``defocus``: Gaussian blur sigma (px) of the whole frame;
    ``jpeg_quality``: JPEG-compress the frame at this quality (1-100), as cameras store it.
    """
    return render_with_box(
        coat,
        side,
        yaw_deg,
        scale,
        occlusion,
        night,
        background_seed,
        size,
        shot_seed=shot_seed,
        motion_blur=motion_blur,
        defocus=defocus,
        jpeg_quality=jpeg_quality,
    ).image


def render_with_box(
    coat: Coat,
    side: str = "left",
    yaw_deg: float = 0.0,
    scale: float = 1.0,
    occlusion: float = 0.0,
    night: bool = False,
    background_seed: int = 0,
    size: tuple[int, int] = (1024, 768),
    *,
    shot_seed: int | None = None,
    motion_blur: float = 0.0,
    defocus: float = 0.0,
    jpeg_quality: int | None = None,
) -> Rendering:
    """Like :func:`render`, returning the frame with its chip box and occluded fraction."""
    if not 0.0 <= occlusion <= 0.6:
        raise ValueError(f"occlusion must lie in [0, 0.6], got {occlusion}")
    if motion_blur < 0.0 or defocus < 0.0:
        raise ValueError("motion_blur and defocus must not be negative")
    if jpeg_quality is not None and not 1 <= jpeg_quality <= 100:
        raise ValueError(f"jpeg_quality must lie in [1, 100], got {jpeg_quality}")
    width, height = size
    if width < 64 or height < 64:
        raise ValueError(f"size must be at least 64 x 64 pixels, got {size}")
    shot = background_seed if shot_seed is None else shot_seed
    layout = _layout(side, yaw_deg, scale, size, background_seed, shot)
    rng = np.random.default_rng([int(background_seed) & 0xFFFFFFFF, int(shot) & 0xFFFFFFFF, 0x2B])
    frame = np.array(scenes.station_background(background_seed, size))
    x0, y0, x1, y1 = layout.box
    if x1 <= x0 or y1 <= y0:
        raise ValueError("the animal falls outside the frame; reduce scale")
    full, half = _texture(coat, side)
    use_half = layout.pixel_scale < 0.6
    texture = half if use_half else full
    inverse = np.linalg.inv(layout.homography)
    if use_half:
        inverse = np.diag([0.5, 0.5, 1.0]) @ inverse
    xs = np.arange(x0, x1, dtype=np.float32)
    ys = np.arange(y0, y1, dtype=np.float32)
    # A slight, smooth non-rigid deformation (the body is not a rigid plate).
    amp = float(layout.wobble[0])
    lam = [float(v) for v in layout.wobble[1:5]]
    phase = [float(v) for v in layout.wobble[5:9]]
    two_pi = 2.0 * np.pi
    gx = xs[None, :] + amp * np.outer(
        np.sin(two_pi * ys / lam[0] + phase[0]), np.cos(two_pi * xs / lam[1] + phase[1])
    )
    gy = ys[:, None] + amp * np.outer(
        np.cos(two_pi * ys / lam[3] + phase[3]), np.sin(two_pi * xs / lam[2] + phase[2])
    )
    m = [float(v) for v in inverse.ravel()]
    denominator = m[6] * gx + m[7] * gy + m[8]
    map_x = ((m[0] * gx + m[1] * gy + m[2]) / denominator).astype(np.float32)
    map_y = ((m[3] * gx + m[4] * gy + m[5]) / denominator).astype(np.float32)
    animal = cv2.remap(texture, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    if motion_blur >= 1.0:
        animal = scenes.motion_blur(animal, motion_blur, rng)
    alpha = animal[..., 3:4].astype(np.float32) * np.float32(1.0 / 255.0)
    region = frame[y0:y1, x0:x1].astype(np.float32)
    # Soft shadow on the ground under the animal (computed at quarter resolution).
    bh, bw = alpha.shape[:2]
    small = cv2.resize(
        alpha[..., 0], (max(1, bw // 4), max(1, bh // 4)), interpolation=cv2.INTER_AREA
    )
    small = cv2.GaussianBlur(small, (0, 0), max(1.0, 0.008 * bw))
    shadow = cv2.resize(small, (bw, bh), interpolation=cv2.INTER_LINEAR)
    drop = max(1, bh // 14)
    shadow[drop:] = shadow[:-drop].copy()
    shadow[:drop] = 0.0
    region *= 1.0 - 0.3 * shadow[..., None]
    light = np.float32(rng.uniform(0.9, 1.08))
    fur_noise = rng.normal(0.0, 3.0, alpha.shape).astype(np.float32) * alpha
    colour = animal[..., :3].astype(np.float32) * light + fur_noise
    # The texture is premultiplied by its alpha (colour is zero outside the animal).
    region = region * (1.0 - alpha) + colour
    frame[y0:y1, x0:x1] = np.clip(region, 0, 255).astype(np.uint8)
    hidden = 0.0
    if occlusion > 0.0:
        hidden = scenes.occlude(frame, animal[..., 3], layout.box, occlusion, rng)
    if defocus > 0.0:
        frame = cv2.GaussianBlur(frame, (0, 0), defocus)
    frame = scenes.apply_night_look(frame, rng) if night else scenes.apply_day_look(frame, rng)
    if jpeg_quality is not None:
        ok, encoded = cv2.imencode(
            ".jpg", frame[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, int(jpeg_quality)]
        )
        if not ok:  # pragma: no cover - OpenCV always encodes a uint8 RGB frame
            raise RuntimeError("JPEG encoding failed")
        decoded = cv2.imdecode(encoded, cv2.IMREAD_COLOR)
        if decoded is None:  # pragma: no cover
            raise RuntimeError("JPEG decoding failed")
        frame = np.ascontiguousarray(decoded[..., ::-1])
    return Rendering(Image.fromarray(frame), layout.box, hidden)


def crop_chip(image: Image.Image | np.ndarray, box: tuple[int, int, int, int]) -> np.ndarray:
    """Cut the chip ``box`` (x0, y0, x1, y1) out of a frame: uint8 RGB array."""
    array = np.asarray(image.convert("RGB") if isinstance(image, Image.Image) else image)
    x0, y0, x1, y1 = box
    return np.ascontiguousarray(array[y0:y1, x0:x1])
