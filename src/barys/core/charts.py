"""Server-rendered charts (matplotlib → SVG text), shared by the domain pages."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from django.core.cache import cache  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

CHART_SECONDS = 24 * 3600
PALETTE = ("#1f5f8b", "#b3541e", "#2d6b2f", "#7b3f98", "#8a6d00", "#a1261d")


@dataclass(frozen=True)
class SeriesPoint:
    """A point of a time series: year (may be fractional), value and optional interval."""

    year: float
    value: float | None
    lower: float | None = None
    upper: float | None = None
    uncertain: bool = False


@dataclass(frozen=True)
class Series:
    label: str
    points: Sequence[SeriesPoint]


def svg_of(figure: Figure) -> str:
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def needs_log_scale(values: Sequence[float], *, span: float = 100.0) -> bool:
    """True when positive values span at least ``span`` times (two orders of magnitude)."""
    positive = [v for v in values if v is not None and v > 0]
    return len(positive) >= 2 and max(positive) / min(positive) >= span


def trend_chart(
    series: Sequence[Series],
    *,
    title: str,
    y_label: str,
    uncertain_label: str = "uncertain",
    width: float = 7.0,
    height: float = 3.6,
) -> str:
    """Population trend lines with interval bars; log scale when values span >= 100×.

    Drawing takes matplotlib about 150 ms, so the SVG is kept in the cache under a digest
    of everything drawn: the same series and labels give the same chart, and a changed
    estimate or another language a new one (nothing to invalidate)."""
    key = (
        "trend-chart:"
        + hashlib.sha256(
            repr((list(series), title, y_label, uncertain_label, width, height)).encode()
        ).hexdigest()
    )
    svg = cache.get(key)
    if svg is None:
        svg = _draw_trend_chart(series, title, y_label, uncertain_label, width, height)
        cache.set(key, svg, CHART_SECONDS)
    return svg


def _draw_trend_chart(
    series: Sequence[Series],
    title: str,
    y_label: str,
    uncertain_label: str,
    width: float,
    height: float,
) -> str:
    figure, axes = plt.subplots(figsize=(width, height))
    values: list[float] = []
    for index, one in enumerate(series):
        colour = PALETTE[index % len(PALETTE)]
        xs, ys = [], []
        for p in one.points:
            central = (
                p.value
                if p.value is not None
                else (
                    (p.lower + p.upper) / 2 if p.lower is not None and p.upper is not None else None
                )
            )
            if central is None:
                continue
            xs.append(p.year)
            ys.append(central)
            values.append(central)
            if p.lower is not None and p.upper is not None:
                axes.vlines(p.year, p.lower, p.upper, colors=colour, linewidth=3, alpha=0.35)
                values.extend([p.lower, p.upper])
            axes.plot(
                [p.year],
                [central],
                marker="o" if not p.uncertain else "o",
                markerfacecolor=colour if not p.uncertain else "white",
                markeredgecolor=colour,
                linestyle="none",
            )
        axes.plot(xs, ys, color=colour, label=one.label, linewidth=1.8)
    if needs_log_scale(values):
        axes.set_yscale("log")
    axes.set_title(title, fontsize=11)
    axes.set_ylabel(y_label)
    axes.grid(alpha=0.3)
    axes.spines[["top", "right"]].set_visible(False)
    if any(p.uncertain for s in series for p in s.points):
        axes.plot(
            [],
            [],
            marker="o",
            markerfacecolor="white",
            markeredgecolor="#555",
            linestyle="none",
            label=uncertain_label,
        )
    if len(series) > 1 or any(p.uncertain for s in series for p in s.points):
        axes.legend(fontsize=8, frameon=False)
    return svg_of(figure)
