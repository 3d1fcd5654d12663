"""Server-rendered charts of camera-trap effort (matplotlib → SVG text)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from barys.core.charts import PALETTE, svg_of

_OUTAGE_COLOUR = "#a1261d"


def deployment_timeline_svg(
    *,
    start: date,
    end: date,
    media_per_day: dict[date, int],
    outages: Sequence[tuple[datetime, datetime, str]],
    title: str,
    media_label: str,
    outage_label: str,
) -> str:
    """Media per day (bars) over the deployment, with outages shaded and labelled.

    Args:
        start, end: the deployment's first and last local day.
        media_per_day: number of media per local day.
        outages: ``(start, end, reason in words)``, local times.
    """
    figure, axes = plt.subplots(figsize=(8.0, 2.6))
    days = sorted(media_per_day)
    if days:
        axes.bar(
            [float(mdates.date2num(d)) for d in days],
            [media_per_day[d] for d in days],
            width=1.0,
            color=PALETTE[0],
            label=media_label,
            align="edge",
        )
    for begin, finish, reason in outages:
        left, right = float(mdates.date2num(begin)), float(mdates.date2num(finish))
        axes.axvspan(left, right, color=_OUTAGE_COLOUR, alpha=0.22, linewidth=0)
        axes.annotate(
            reason,
            xy=(left, 1.0),
            xycoords=("data", "axes fraction"),
            fontsize=7,
            color=_OUTAGE_COLOUR,
            va="top",
            rotation=0,
        )
    axes.set_xlim(float(mdates.date2num(start)), float(mdates.date2num(end + timedelta(days=1))))
    axes.xaxis_date()
    axes.set_ylim(bottom=0)
    axes.set_title(title, fontsize=10)
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=8))
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(axes.xaxis.get_major_locator()))
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    handles = [Patch(color=PALETTE[0], label=media_label)]
    if outages:
        handles.append(Patch(color=_OUTAGE_COLOUR, alpha=0.3, label=outage_label))
    axes.legend(handles=handles, fontsize=8, frameon=False, loc="upper right")
    return svg_of(figure)


TimelineRows = Sequence[
    tuple[str, Sequence[tuple[datetime, datetime]], Sequence[tuple[datetime, datetime]]]
]


def survey_timeline_svg(
    *,
    rows: TimelineRows,
    title: str,
    deployed_label: str,
    outage_label: str,
) -> str:
    """One line per station: deployments as bars, outages in red.

    Args:
        rows: ``(station code, deployments (start, end), outages (start, end))``.
    """
    return svg_of(
        survey_timeline_figure(
            rows=rows, title=title, deployed_label=deployed_label, outage_label=outage_label
        )
    )


def survey_timeline_figure(
    *,
    rows: TimelineRows,
    title: str,
    deployed_label: str,
    outage_label: str,
) -> Figure:
    """The figure of :func:`survey_timeline_svg` (a pyplot figure: the caller closes it)."""
    height = max(2.0, 0.22 * len(rows) + 1.0)
    figure, axes = plt.subplots(figsize=(8.0, height))
    for index, (_code, spans, outages) in enumerate(rows):
        # one collection per station and colour: hundreds of deployments stay fast to draw
        for periods, colour in ((spans, PALETTE[2]), (outages, _OUTAGE_COLOUR)):
            if periods:
                axes.broken_barh(
                    [
                        (
                            float(mdates.date2num(begin)),
                            float(mdates.date2num(finish) - mdates.date2num(begin)),
                        )
                        for begin, finish in periods
                    ],
                    (index - 0.3, 0.6),
                    facecolors=colour,
                )
    axes.set_yticks(range(len(rows)), [code for code, _, _ in rows], fontsize=7)
    axes.invert_yaxis()
    axes.xaxis_date()
    axes.xaxis.set_major_locator(mdates.AutoDateLocator(maxticks=10))
    axes.xaxis.set_major_formatter(mdates.ConciseDateFormatter(axes.xaxis.get_major_locator()))
    axes.set_title(title, fontsize=10)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(
        handles=[
            Patch(color=PALETTE[2], label=deployed_label),
            Patch(color=_OUTAGE_COLOUR, label=outage_label),
        ],
        fontsize=8,
        frameon=False,
        loc="lower right",
    )
    return figure
