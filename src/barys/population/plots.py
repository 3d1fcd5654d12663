"""SVG plots of a population analysis: detection functions, mask and detectors, density.

Coordinates are metres in the analysis's projection and drawn in kilometres. Plots meant
for people not allowed exact camera positions are drawn by the callers from generalised
positions or coarsened surfaces without axis coordinates (see :mod:`barys.population.pages`).
"""

from __future__ import annotations

import threading
from collections.abc import Mapping

import numpy as np
from matplotlib.figure import Figure
from numpy.typing import NDArray

from barys.core.charts import PALETTE, svg_of
from barys.population.analysis import detection_curve

_LOCK = threading.Lock()


def detection_function_svg(
    fits: Mapping[str, tuple[float, float]], *, xlabel: str, ylabel: str
) -> str:
    """Detection probability per occasion (unit usage) against distance, one curve per fit.

    ``fits`` maps a detection function (``HN``/``HHN``) to ``(baseline, sigma in metres)``.
    """
    with _LOCK:
        figure = Figure(figsize=(5.5, 3.2))
        axes = figure.add_subplot()
        largest = max((sigma for _b, sigma in fits.values()), default=1000.0)
        distances = np.linspace(0.0, 4.0 * largest, 200)
        for number, (name, (baseline, sigma)) in enumerate(fits.items()):
            line = axes.plot(
                distances / 1000.0,
                detection_curve(name, baseline, sigma, distances),
                color=PALETTE[number % len(PALETTE)],
                label=name,
            )
            line[0].set_gid(f"detectfn-{name}")
        axes.set_xlabel(xlabel)
        axes.set_ylabel(ylabel)
        axes.set_ylim(bottom=0)
        axes.legend(frameon=False)
        return svg_of(figure)


def _grid(
    xy: NDArray[np.float64], values: NDArray[np.float64], spacing: float
) -> tuple[NDArray[np.float64], tuple[float, float, float, float]]:
    """Points on a regular grid as an image (NaN where there is no point)."""
    x0, y0 = xy[:, 0].min(), xy[:, 1].min()
    col = np.rint((xy[:, 0] - x0) / spacing).astype(int)
    row = np.rint((xy[:, 1] - y0) / spacing).astype(int)
    image = np.full((row.max() + 1, col.max() + 1), np.nan)
    image[row, col] = 0.0
    np.add.at(image, (row, col), values)
    half = spacing / 2.0
    extent = (
        (x0 - half) / 1000.0,
        (x0 + col.max() * spacing + half) / 1000.0,
        (y0 - half) / 1000.0,
        (y0 + row.max() * spacing + half) / 1000.0,
    )
    return image, extent


def coarsen(
    xy: NDArray[np.float64], values: NDArray[np.float64], block_m: float
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.int64]]:
    """Sum values into square blocks ``block_m`` wide: block centres, sums, points per block."""
    keys = np.floor(xy / block_m).astype(np.int64)
    unique, inverse = np.unique(keys, axis=0, return_inverse=True)
    sums = np.zeros(len(unique))
    np.add.at(sums, inverse.ravel(), values)
    counts = np.bincount(inverse.ravel(), minlength=len(unique)).astype(np.int64)
    centres: NDArray[np.float64] = (unique + 0.5).astype(np.float64) * block_m
    return centres, sums, counts


def surface_svg(
    xy: NDArray[np.float64],
    values: NDArray[np.float64],
    spacing: float,
    *,
    traps: NDArray[np.float64] | None,
    label: str,
    axis_label: str,
    show_axes: bool = True,
    cmap: str = "viridis",
) -> str:
    """A surface over mask cells (``values`` per cell) with optional detectors on top."""
    with _LOCK:
        figure = Figure(figsize=(5.5, 4.6))
        axes = figure.add_subplot()
        image, extent = _grid(xy, values, spacing)
        shown = axes.imshow(image, origin="lower", extent=extent, cmap=cmap, interpolation="none")
        shown.set_gid("surface")
        colourbar = figure.colorbar(shown, ax=axes, shrink=0.8)
        colourbar.set_label(label)
        if traps is not None and len(traps):
            points = axes.scatter(
                traps[:, 0] / 1000.0, traps[:, 1] / 1000.0, marker="+", c="#d1495b", s=30
            )
            points.set_gid("traps")
        axes.set_aspect("equal")
        if show_axes:
            axes.set_xlabel(axis_label)
            axes.set_ylabel(axis_label)
        else:
            axes.set_xticks([])
            axes.set_yticks([])
        return svg_of(figure)


def design_svg(polygon: object, cameras: NDArray[np.float64], *, axis_label: str) -> str:
    """A proposed camera grid (metres) over its study area, drawn in kilometres."""
    with _LOCK:
        figure = Figure(figsize=(5.5, 4.6))
        axes = figure.add_subplot()
        geoms = getattr(polygon, "geoms", [polygon])
        for geom in geoms:
            x, y = geom.exterior.xy  # type: ignore[attr-defined]
            outline = axes.plot(np.asarray(x) / 1000.0, np.asarray(y) / 1000.0, color="#2d6b2f")
            outline[0].set_gid("area")
        points = axes.scatter(
            cameras[:, 0] / 1000.0, cameras[:, 1] / 1000.0, marker="^", c="#1f5f8b", s=14
        )
        points.set_gid("cameras")
        axes.set_aspect("equal")
        axes.set_xlabel(axis_label)
        axes.set_ylabel(axis_label)
        return svg_of(figure)
