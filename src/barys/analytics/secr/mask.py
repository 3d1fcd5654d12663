"""Habitat masks: the grid of possible activity centres used to integrate the SECR likelihood.

A mask is a set of points (x/y in metres) on a square grid; each stands for a square cell of
side ``spacing`` metres, i.e. ``spacing**2 / 10_000`` hectares.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from barys.analytics.secr.capthist import Traps
from barys.analytics.secr.textfiles import CapthistFormatError

__all__ = ["Mask", "make_mask", "read_mask_csv"]

MaskType = Literal["trapbuffer", "traprect"]


@dataclass(frozen=True, eq=False)
class Mask:
    """Mask points (metres) on a square grid of ``spacing`` metres."""

    x: NDArray[np.float64]
    y: NDArray[np.float64]
    spacing: float

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=np.float64).ravel()
        y = np.asarray(self.y, dtype=np.float64).ravel()
        if x.shape != y.shape:
            raise ValueError("mask x and y must have the same length")
        if x.size == 0:
            raise ValueError("the mask has no points")
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ValueError("mask coordinates must be finite")
        if not (math.isfinite(self.spacing) and self.spacing > 0):
            raise ValueError("mask spacing must be a positive number of metres")
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "spacing", float(self.spacing))

    @property
    def n_points(self) -> int:
        """Number of mask points."""
        return int(self.x.size)

    @property
    def xy(self) -> NDArray[np.float64]:
        """(points x 2) coordinates in metres."""
        return np.column_stack([self.x, self.y])

    @property
    def cell_area_ha(self) -> float:
        """Area of one mask cell in hectares."""
        return self.spacing**2 / 10_000.0

    @property
    def area_ha(self) -> float:
        """Total mask area in hectares."""
        return self.n_points * self.cell_area_ha

    @property
    def area_km2(self) -> float:
        """Total mask area in square kilometres."""
        return self.area_ha / 100.0

    def distance_to_nearest(self, traps: Traps) -> NDArray[np.float64]:
        """Distance (metres) from each mask point to its nearest detector."""
        distance, _ = cKDTree(traps.xy).query(self.xy)
        return np.asarray(distance, dtype=np.float64)

    def clip(self, habitat: Any) -> Mask:
        """Keep the points whose centre lies in (or on) the habitat polygon(s).

        ``habitat`` is a shapely (Multi)Polygon or an iterable of them, in the mask's metres.
        """
        geometry = _union(habitat)
        inside = shapely.intersects_xy(geometry, self.x, self.y)
        if not inside.any():
            raise ValueError("no mask point lies inside the habitat polygon(s)")
        return Mask(self.x[inside], self.y[inside], self.spacing)


def _union(habitat: Any) -> Any:
    if isinstance(habitat, shapely.Geometry):
        geometry = habitat
    elif isinstance(habitat, Iterable):
        parts = list(habitat)
        if not parts or not all(isinstance(p, shapely.Geometry) for p in parts):
            raise ValueError("habitat must be shapely polygons")
        geometry = shapely.union_all(parts)
    else:
        raise ValueError("habitat must be a shapely polygon or a list of them")
    if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError("habitat must be non-empty polygon(s)")
    return geometry


def make_mask(
    traps: Traps,
    buffer: float = 100.0,
    spacing: float | None = None,
    nx: int = 64,
    *,
    type: MaskType = "trapbuffer",
    habitat: Any = None,
) -> Mask:
    """A habitat mask around a detector layout, following secr's ``make.mask`` rules.

    The grid spans the detectors' bounding box widened by ``buffer`` metres on every side.
    With ``spacing=None`` the spacing is the buffered x range divided by ``nx``. Points are
    placed at the box's lower-left corner plus half a spacing, then every ``spacing`` metres.
    ``type="trapbuffer"`` (secr.fit's default) keeps the points within ``buffer`` metres of a
    detector; ``"traprect"`` keeps the whole rectangle. ``habitat`` polygons (same metres)
    then keep only points whose centre is inside them.
    """
    if not (math.isfinite(buffer) and buffer >= 0):
        raise ValueError("buffer must be a non-negative number of metres")
    if nx < 1:
        raise ValueError("nx must be at least 1")
    x_low, x_high = traps.x.min() - buffer, traps.x.max() + buffer
    y_low, y_high = traps.y.min() - buffer, traps.y.max() + buffer
    if spacing is None:
        spacing = (x_high - x_low) / nx
    if not (math.isfinite(spacing) and spacing > 0):
        raise ValueError("spacing must be positive (give spacing when all detectors share x)")
    xs = _grid(x_low, x_high, spacing)
    ys = _grid(y_low, y_high, spacing)
    if xs.size == 0 or ys.size == 0:
        raise ValueError("no grid point fits in the buffered extent; reduce spacing")
    gx, gy = np.meshgrid(xs, ys, indexing="xy")
    mask = Mask(gx.ravel(), gy.ravel(), spacing)
    if type == "trapbuffer":
        keep = mask.distance_to_nearest(traps) <= buffer
        if not keep.any():
            raise ValueError("no mask point lies within the buffer")
        mask = Mask(mask.x[keep], mask.y[keep], spacing)
    elif type != "traprect":
        raise ValueError(f"unknown mask type {type!r}")
    if habitat is not None:
        mask = mask.clip(habitat)
    return mask


def _grid(low: float, high: float, spacing: float) -> NDArray[np.float64]:
    """``low + spacing/2, low + 3 spacing/2, …`` up to ``high`` (R's ``seq`` semantics)."""
    start = low + spacing / 2.0
    count = int(math.floor((high - start) / spacing + 1e-10)) + 1
    return np.asarray(start + spacing * np.arange(max(count, 0)), dtype=np.float64)


def read_mask_csv(path: str | Path, *, spacing: float | None = None) -> Mask:
    """Read mask points from a CSV with a header naming ``x`` and ``y`` columns (metres).

    ``spacing`` defaults to the smallest positive gap between distinct x values. Problems
    raise :class:`CapthistFormatError` naming the file, line and field.
    """
    p = Path(path)
    try:
        raw = p.read_bytes()
    except OSError as exc:
        raise CapthistFormatError(p, None, None, f"cannot be read ({exc.strerror})") from exc
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CapthistFormatError(p, line, None, "is not valid UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    xs: list[float] = []
    ys: list[float] = []
    try:
        header = [name.strip() for name in next(reader, [])]
        if "x" not in header or "y" not in header:
            raise CapthistFormatError(p, 1, None, "needs a header with columns x and y")
        ix, iy = header.index("x"), header.index("y")
        for row in reader:
            if not row or all(not cell.strip() for cell in row):
                continue
            number = reader.line_num
            if len(row) != len(header):
                raise CapthistFormatError(
                    p, number, None, f"has {len(row)} fields, the header has {len(header)}"
                )
            for field_name, index, out in (("x", ix, xs), ("y", iy, ys)):
                try:
                    value = float(row[index])
                except ValueError:
                    raise CapthistFormatError(
                        p, number, field_name, f"{row[index]!r} is not a number"
                    ) from None
                if not math.isfinite(value):
                    raise CapthistFormatError(p, number, field_name, "is not a finite number")
                out.append(value)
    except csv.Error as exc:
        raise CapthistFormatError(p, reader.line_num, None, f"is not valid CSV ({exc})") from None
    if not xs:
        raise CapthistFormatError(p, None, None, "contains no mask points")
    x = np.array(xs)
    if spacing is None:
        gaps = np.diff(np.unique(x))
        gaps = gaps[gaps > 0]
        if gaps.size == 0:
            raise CapthistFormatError(p, None, "x", "cannot infer the spacing; give spacing")
        spacing = float(gaps.min())
    return Mask(x, np.array(ys), spacing)


def as_mask(points: ArrayLike, spacing: float) -> Mask:
    """A mask from an (n x 2) array of x/y metres and a spacing in metres."""
    array = np.asarray(points, dtype=np.float64).reshape(-1, 2)
    return Mask(array[:, 0], array[:, 1], spacing)
