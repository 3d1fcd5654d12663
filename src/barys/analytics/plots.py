"""SVG charts for the camera-trap analyses (matplotlib object API and SVG canvas, no pyplot).

Every function returns the SVG document as text. Titles and axis labels are arguments so the
caller can pass translated strings. Each plotted series carries an SVG ``id`` (matplotlib's
``gid``) so pages and tests can find it: ``series-<n>`` for curves and bars,
``overlap-area``, ``rug-<n>``, ``station-<n>``, ``outages``, ``interval``.
"""

from __future__ import annotations

import contextlib
import functools
import io
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, ParamSpec

import matplotlib as mpl
import matplotlib.dates as mdates
import numpy as np
from matplotlib import colors as mcolors
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from numpy.typing import ArrayLike, NDArray

from barys.analytics.activity import TWO_PI, density
from barys.analytics.effort import CameraOperation
from barys.analytics.occupancy.model import Prediction

_COLOURS = ("#1b6ca8", "#d1495b", "#2e933c", "#edae49", "#6a4c93", "#00798c")
_LOCK = threading.RLock()
P = ParamSpec("P")
_STYLE: Any = {"svg.hashsalt": "barys", "svg.fonttype": "none", "font.size": 9.0}


def _render(fig: Figure) -> str:
    buffer = io.StringIO()
    FigureCanvasSVG(fig)
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    return buffer.getvalue()


@contextlib.contextmanager
def chart_style() -> Iterator[None]:
    """This module's style, one chart at a time; wrap calls of the ``*_figure`` builders.

    The ``*_svg`` functions take it themselves; callers that need figures (e.g. to add them
    to a PDF) build them with the ``*_figure`` functions inside this block.
    """
    with _LOCK, mpl.rc_context(_STYLE):
        yield


def _figure(width: float, height: float) -> Figure:
    return Figure(figsize=(width, height), layout="constrained")


def _chart(function: Callable[P, str]) -> Callable[P, str]:
    """Run a chart function under the module style, one chart at a time.

    matplotlib reads style from global rcParams, so charts are serialised with a lock (web
    servers render from several threads).
    """

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> str:
        with chart_style():
            return function(*args, **kwargs)

    return wrapper


def _runs(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """``(start, length)`` of each run of True values."""
    padded = np.concatenate([[False], mask, [False]]).astype(np.int8)
    edges = np.flatnonzero(np.diff(padded))
    return [(int(a), int(b - a)) for a, b in zip(edges[::2], edges[1::2], strict=True)]


@_chart
def activity_overlap_svg(times_a: ArrayLike, times_b: ArrayLike, **options: Any) -> str:
    """Diel activity densities of two species (radians in, clock hours on the axis).

    The area under both curves (the overlap) is shaded and each species' observations are
    drawn as a rug. Densities are per hour so the areas read as proportions of the day. The
    options (labels, titles, ``adjust``, ``n_points``, ``max_rug``) are those of
    :func:`activity_overlap_figure`.
    """
    return _render(activity_overlap_figure(times_a, times_b, **options))


def _rug_sample(times: NDArray[np.float64], limit: int | None) -> NDArray[np.float64]:
    """All observations, or ``limit`` evenly spaced order statistics of them."""
    if limit is None or times.size <= limit:
        return times
    ordered = np.sort(times)
    return ordered[np.linspace(0, ordered.size - 1, limit).round().astype(np.int64)]


def activity_overlap_figure(
    times_a: ArrayLike,
    times_b: ArrayLike,
    *,
    label_a: str,
    label_b: str,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    overlap_label: str = "",
    adjust: float = 1.0,
    n_points: int = 289,
    max_rug: int | None = None,
) -> Figure:
    """The figure of :func:`activity_overlap_svg` (build it inside :func:`chart_style`).

    ``max_rug`` caps the rug marks per species (evenly spaced order statistics), which keeps
    the document small for thousands of observations; the curves always use all of them.
    """
    grid = np.linspace(0.0, TWO_PI, n_points)
    hours = grid * 24.0 / TWO_PI
    per_hour = TWO_PI / 24.0
    fa = density(times_a, grid, adjust=adjust) * per_hour
    fb = density(times_b, grid, adjust=adjust) * per_hour
    fig = _figure(6.4, 3.4)
    ax = fig.add_subplot()
    area = ax.fill_between(
        hours,
        0,
        np.minimum(fa, fb),
        color="#999999",
        alpha=0.45,
        linewidth=0,
        label=overlap_label or None,
    )
    area.set_gid("overlap-area")
    top = float(max(fa.max(), fb.max()))
    for n, (curve, times, label) in enumerate(((fa, times_a, label_a), (fb, times_b, label_b))):
        (line,) = ax.plot(hours, curve, color=_COLOURS[n], linewidth=1.6, label=label)
        line.set_gid(f"series-{n}")
        obs = _rug_sample(np.asarray(times, dtype=np.float64), max_rug) * 24.0 / TWO_PI
        base = -0.04 * top * (n + 1)
        rug = ax.vlines(obs, base, base + 0.03 * top, color=_COLOURS[n], linewidth=0.5, alpha=0.8)
        rug.set_gid(f"rug-{n}")
    ax.set_xlim(0, 24)
    ax.set_ylim(-0.1 * top, 1.08 * top)
    ax.set_xticks(range(0, 25, 3), [f"{h:02d}:00" for h in range(0, 25, 3)])
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.legend(frameon=False, loc="upper left")
    return fig


@_chart
def station_operation_svg(
    operation: CameraOperation,
    *,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    active_label: str = "",
    outage_label: str = "",
) -> str:
    """Station operation chart: one row per station, active days as bars, outages marked.

    Bar opacity follows the day's effort fraction (half-days on setup and retrieval days).
    """
    n_stations = len(operation.stations)
    fig = _figure(7.0, 1.0 + 0.28 * n_stations)
    ax = fig.add_subplot()
    start = mdates.date2num(np.datetime64(operation.first_day, "D"))
    outage_bars: list[tuple[float, float]] = []
    outage_rows: list[int] = []
    for row in range(n_stations):
        effort = operation.effort[row]
        colours = [
            (*mcolors.to_rgb(_COLOURS[0]), 0.35 + 0.65 * float(f)) for f in effort[effort > 0]
        ]
        days = np.flatnonzero(effort > 0)
        bars = ax.broken_barh(
            [(start + d, 1.0) for d in days],
            (row - 0.35, 0.7),
            facecolors=colours,
            linewidth=0,
            label=active_label if row == 0 and active_label else None,
        )
        bars.set_gid(f"station-{row}")
        for first, length in _runs(np.nan_to_num(effort, nan=1.0) == 0):
            outage_bars.append((start + first, float(length)))
            outage_rows.append(row)
    if outage_bars:
        for k, (bar, row) in enumerate(zip(outage_bars, outage_rows, strict=True)):
            marks = ax.broken_barh(
                [bar],
                (row - 0.35, 0.7),
                facecolors="none",
                edgecolors=_COLOURS[1],
                hatch="////",
                linewidth=0.8,
                label=outage_label if k == 0 and outage_label else None,
            )
            marks.set_gid("outages" if k == 0 else f"outages-{k}")
    ax.set_yticks(range(n_stations), list(operation.stations))
    ax.set_ylim(n_stations - 0.5, -0.5)
    ax.set_xlim(start, start + operation.n_days)
    ax.xaxis.set_major_locator(mdates.AutoDateLocator())
    ax.xaxis.set_major_formatter(mdates.ConciseDateFormatter(ax.xaxis.get_major_locator()))
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    if active_label or outage_label:
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8)
    return _render(fig)


@_chart
def rai_bar_svg(
    rai: Mapping[str, float],
    *,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    labels: Mapping[str, str] | None = None,
) -> str:
    """Bar chart of relative abundance (detections per 100 trap-nights) per species.

    ``labels`` maps species codes to display names (e.g. translated vernacular names).
    """
    return _render(rai_bar_figure(rai, title=title, xlabel=xlabel, ylabel=ylabel, labels=labels))


def rai_bar_figure(
    rai: Mapping[str, float],
    *,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    labels: Mapping[str, str] | None = None,
) -> Figure:
    """The figure of :func:`rai_bar_svg` (build it inside :func:`chart_style`)."""
    names = list(rai)
    values = np.array([rai[n] for n in names], dtype=np.float64)
    fig = _figure(6.4, 0.9 + 0.3 * max(len(names), 1))
    ax = fig.add_subplot()
    positions = np.arange(len(names))
    bars = ax.barh(positions, np.nan_to_num(values), color=_COLOURS[0], height=0.65)
    for n, bar in enumerate(bars):
        bar.set_gid(f"series-{n}")
    ax.set_yticks(positions, [(labels or {}).get(n, n) for n in names])
    ax.invert_yaxis()
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return fig


@_chart
def occupancy_prediction_svg(
    covariate: ArrayLike,
    prediction: Prediction,
    *,
    title: str = "",
    xlabel: str = "",
    ylabel: str = "",
    observed: Sequence[tuple[float, float]] | None = None,
) -> str:
    """Predicted occupancy (or detection) probability against a covariate, with its 95% band.

    ``observed`` optionally adds ``(covariate, naive occupancy)`` points per site.
    """
    x = np.asarray(covariate, dtype=np.float64)
    order = np.argsort(x)
    fig = _figure(5.6, 3.4)
    ax = fig.add_subplot()
    band = ax.fill_between(
        x[order],
        prediction.lower[order],
        prediction.upper[order],
        color=_COLOURS[0],
        alpha=0.2,
        linewidth=0,
    )
    band.set_gid("interval")
    (line,) = ax.plot(x[order], prediction.estimate[order], color=_COLOURS[0], linewidth=1.8)
    line.set_gid("series-0")
    if observed:
        points = np.asarray(observed, dtype=np.float64)
        marks = ax.scatter(points[:, 0], points[:, 1], s=10, color=_COLOURS[1], alpha=0.7)
        marks.set_gid("series-1")
    ax.set_ylim(0, 1)
    ax.set_title(title)
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    return _render(fig)
