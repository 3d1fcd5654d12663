"""Server-rendered SVG charts of a track: distance per day, altitude over the year, timeline.

Charts are drawn with matplotlib (:mod:`barys.core.charts`), text kept as SVG text (readable
by screen readers, translatable), and every coordinate in the SVG rounded to 0.1 px so that
no number in a chart can be mistaken for (or carry) a coordinate.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

import matplotlib
import numpy as np
from django.utils.dates import MONTHS_3
from django.utils.translation import gettext as _
from numpy.typing import NDArray

from barys.core.charts import svg_of

matplotlib.use("Agg")
import matplotlib.dates as mdates  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

#: One colour per month (January first), a colour wheel so that December meets January.
MONTH_COLOURS = (
    "#2b4c9b",
    "#3a6fb0",
    "#3f8f8a",
    "#4c9a4a",
    "#8aa53a",
    "#c7a22c",
    "#d9822b",
    "#c8553d",
    "#a2466e",
    "#7b4a9a",
    "#5a4aa0",
    "#34459a",
)
SEASON_COLOURS = {
    "winter": "#1f5f8b",
    "spring": "#2d6b2f",
    "summer": "#b3541e",
    "autumn": "#8a6d00",
    "all": "#17324a",
}
MAX_SCATTER = 6000
_NUMBER = re.compile(r"(?<![\w#.])-?\d+\.\d{2,}")
_RC: dict[str, Any] = {"svg.fonttype": "none", "font.size": 9, "savefig.dpi": 110}


def _rounded(svg: str) -> str:
    return _NUMBER.sub(lambda m: f"{float(m.group()):.1f}", svg)


def _month_ticks(axes: plt.Axes) -> None:
    starts = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30])
    axes.set_xticks(starts + 15)
    axes.set_xticklabels([str(MONTHS_3[m]).title() for m in range(1, 13)])
    axes.set_xlim(0, 366)
    for start in starts[1:]:
        axes.axvline(start, color="#d9d6cc", linewidth=0.6, zorder=0)


def altitude_chart(
    *,
    day_of_year: NDArray[np.float64],
    altitude_m: NDArray[np.float64],
    months: NDArray[np.int64],
    title: str,
) -> str:
    """Altitude (m) of each fix against the day of the year, coloured by month, with the
    monthly median and interquartile range; all years overlaid."""
    finite = np.isfinite(altitude_m)
    doy, alt, mon = day_of_year[finite], altitude_m[finite], months[finite]
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        figure, axes = plt.subplots(figsize=(7.0, 3.2))
        if alt.size:
            step = max(1, alt.size // MAX_SCATTER)
            colours = [MONTH_COLOURS[m - 1] for m in mon[::step]]
            axes.scatter(
                doy[::step], alt[::step], s=3, c=colours, alpha=0.45, linewidths=0, rasterized=True
            )
            mids, medians, q25, q75 = [], [], [], []
            starts = np.cumsum([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30])
            for month in range(1, 13):
                values = alt[mon == month]
                if values.size:
                    mids.append(starts[month - 1] + 15)
                    lo, mid, hi = np.percentile(values, [25, 50, 75])
                    medians.append(mid)
                    q25.append(lo)
                    q75.append(hi)
            axes.fill_between(
                mids,
                q25,
                q75,
                color="#17324a",
                alpha=0.15,
                linewidth=0,
                label=_("middle half of the fixes"),
            )
            axes.plot(
                mids,
                medians,
                color="#17324a",
                linewidth=2,
                marker="o",
                markersize=3,
                label=_("monthly median"),
            )
            axes.legend(fontsize=8, frameon=False, loc="upper right")
        else:
            axes.text(
                0.5,
                0.5,
                _("No altitudes recorded."),
                transform=axes.transAxes,
                ha="center",
                va="center",
            )
        _month_ticks(axes)
        axes.set_ylabel(_("altitude (m)"))
        axes.set_title(title, fontsize=10)
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
        return _rounded(svg_of(figure))


def distance_chart(*, days: NDArray[np.datetime64], km: NDArray[np.float64], title: str) -> str:
    """Distance travelled per day (km) with a 7-day running mean."""
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        figure, axes = plt.subplots(figsize=(7.0, 2.8))
        if km.size:
            x = days.astype("datetime64[D]").astype(datetime)
            axes.bar(
                x,
                km,
                width=1.0,
                color="#1f5f8b",
                alpha=0.55,
                linewidth=0,
                label=_("km per day"),
                rasterized=True,
            )
            if km.size >= 7:
                mean = np.convolve(km, np.ones(7) / 7, mode="same")
                axes.plot(x, mean, color="#b3541e", linewidth=1.6, label=_("7-day mean"))
            axes.legend(fontsize=8, frameon=False, loc="upper right")
            locator = mdates.AutoDateLocator(maxticks=8)
            axes.xaxis.set_major_locator(locator)
            axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        else:
            axes.text(
                0.5, 0.5, _("No movement data."), transform=axes.transAxes, ha="center", va="center"
            )
        axes.set_ylabel(_("km per day"))
        axes.set_title(title, fontsize=10)
        axes.grid(axis="y", alpha=0.3)
        axes.spines[["top", "right"]].set_visible(False)
        return _rounded(svg_of(figure))


def timeline_chart(
    *,
    days: NDArray[np.datetime64],
    fixes_per_day: NDArray[np.int64],
    detections: Sequence[tuple[datetime, str]],
    title: str,
) -> str:
    """One timeline: GPS fixes per day (bars) and other detections (triangles, by kind)."""
    with matplotlib.rc_context(_RC):  # type: ignore[arg-type]
        figure, axes = plt.subplots(figsize=(7.0, 2.0))
        if fixes_per_day.size:
            x = days.astype("datetime64[D]").astype(datetime)
            axes.bar(
                x,
                fixes_per_day,
                width=1.0,
                color="#2d6b2f",
                alpha=0.6,
                linewidth=0,
                label=_("GPS fixes per day"),
                rasterized=True,
            )
        kinds = sorted({kind for _when, kind in detections})
        top = float(fixes_per_day.max()) if fixes_per_day.size else 1.0
        for index, kind in enumerate(kinds):
            when = np.array(
                [d.replace(tzinfo=None) for d, k in detections if k == kind], dtype="datetime64[s]"
            )
            axes.plot(
                when,
                [top * (1.08 + 0.08 * index)] * len(when),
                linestyle="none",
                marker="v",
                markersize=6,
                color=("#b3541e", "#7b3f98")[index % 2],
                label=_("%(kind)s detections") % {"kind": kind},
            )
        if not fixes_per_day.size and not detections:
            axes.text(
                0.5,
                0.5,
                _("Nothing recorded yet."),
                transform=axes.transAxes,
                ha="center",
                va="center",
            )
        else:
            axes.legend(fontsize=8, frameon=False, loc="upper left", ncols=3)
            axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
            axes.xaxis.set_major_formatter(mdates.DateFormatter("%Y-%m"))
        axes.set_ylabel(_("fixes"))
        axes.set_title(title, fontsize=10)
        axes.spines[["top", "right"]].set_visible(False)
        return _rounded(svg_of(figure))
