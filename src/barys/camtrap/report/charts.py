"""The report's figures: built once as matplotlib figures, rendered to SVG (page) or PDF.

The operation chart is the survey page's timeline (:mod:`barys.camtrap.charts`), the RAI bar
chart and the overlap plots are :mod:`barys.analytics.plots`; the maps and the activity
panels are drawn here. Maps are plain longitude/latitude frames (no tiles): station points
are the positions the reader may see (generalised ones drawn as squares, withheld ones left
out), sized by trap-nights (effort map) or by RAI (detection maps).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable, Iterator
from functools import partial

import matplotlib.pyplot as plt
import numpy as np
from django.utils.translation import gettext as _
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from numpy.typing import NDArray

from barys.analytics import plots
from barys.camtrap.charts import survey_timeline_figure
from barys.camtrap.report.service import (
    SNOW_LEOPARD,
    OverlapResult,
    ReportCharts,
    SpeciesRow,
    SurveyReport,
)
from barys.core.charts import PALETTE

_MAX_RUG = 300
_ZERO = "#8c8c8c"


def operation_figure(report: SurveyReport) -> Figure:
    """Deployments and outages per station (a pyplot figure: the caller closes it).

    The survey page's timeline, with its margins fixed in inches so that it needs no tight
    bounding box (one drawing pass) however many stations there are.
    """
    figure = survey_timeline_figure(
        rows=report.timeline_rows,
        title=_("Camera operation by station"),
        deployed_label=_("camera deployed"),
        outage_label=_("outage"),
    )
    height = figure.get_figheight()
    figure.subplots_adjust(left=0.1, right=0.98, top=1 - 0.45 / height, bottom=0.55 / height)
    return figure


def rai_figure(report: SurveyReport) -> Figure:
    return plots.rai_bar_figure(
        {s.scientific_name: s.rai for s in report.species},
        title=_("Relative abundance index"),
        xlabel=_("independent detections per 100 trap-nights"),
        labels={s.scientific_name: s.name for s in report.species},
    )


def _frame(report: SurveyReport, ax: Axes) -> None:
    """Longitude/latitude frame around the visible stations and the protected area."""
    for ring in report.outline:
        ax.plot(ring[:, 0], ring[:, 1], color="#6b6b6b", linewidth=0.8, zorder=1)
    lons = [p.longitude for p in report.map_points] + [
        float(v) for ring in report.outline for v in (ring[:, 0].min(), ring[:, 0].max())
    ]
    lats = [p.latitude for p in report.map_points] + [
        float(v) for ring in report.outline for v in (ring[:, 1].min(), ring[:, 1].max())
    ]
    if lons:
        pad = max(max(lons) - min(lons), max(lats) - min(lats), 0.02) * 0.08
        ax.set_xlim(min(lons) - pad, max(lons) + pad)
        ax.set_ylim(min(lats) - pad, max(lats) + pad)
        ax.set_aspect(1 / max(math.cos(math.radians(sum(lats) / len(lats))), 0.1))
    ax.set_xlabel(_("longitude, °E"))
    ax.set_ylabel(_("latitude, °N"))
    ax.grid(alpha=0.25, linewidth=0.5)
    ax.ticklabel_format(useOffset=False)


def _sizes(values: NDArray[np.float64], top: float) -> NDArray[np.float64]:
    return 12.0 + 260.0 * np.sqrt(np.clip(values, 0, None) / top) if top > 0 else values * 0 + 12


def _map_figure(
    report: SurveyReport,
    values: NDArray[np.float64],
    *,
    title: str,
    size_label: str,
    colour: str,
) -> Figure:
    fig = Figure(figsize=(6.4, 4.4))  # a fixed layout: much faster to draw than constrained
    ax = fig.add_axes((0.12, 0.11, 0.55, 0.8))
    _frame(report, ax)
    lon = np.array([p.longitude for p in report.map_points])
    lat = np.array([p.latitude for p in report.map_points])
    exact = np.array([p.exact for p in report.map_points], dtype=bool)
    top = float(np.nanmax(values)) if values.size and np.isfinite(values).any() else 0.0
    sizes = _sizes(np.nan_to_num(values), top)
    positive = np.nan_to_num(values) > 0
    for n, (shape, chosen) in enumerate((("o", exact), ("s", ~exact))):
        on = chosen & positive
        if on.any():
            marks = ax.scatter(
                lon[on],
                lat[on],
                s=sizes[on],
                marker=shape,
                color=colour,
                alpha=0.6,
                edgecolors="white",
                linewidths=0.6,
                zorder=3,
            )
            marks.set_gid(f"series-{n}")
        off = chosen & ~positive
        if off.any():
            empty = ax.scatter(
                lon[off],
                lat[off],
                s=14,
                marker=shape,
                facecolors="none",
                edgecolors=_ZERO,
                linewidths=0.8,
                zorder=2,
            )
            empty.set_gid(f"zero-{n}")
    handles = []
    if top > 0:
        for fraction in (0.25, 1.0):
            value = top * fraction
            handles.append(
                ax.scatter(
                    [],
                    [],
                    s=_sizes(np.array([value]), top),
                    color=colour,
                    alpha=0.6,
                    label=f"{value:,.0f} {size_label}"
                    if value >= 10
                    else f"{value:.2g} {size_label}",
                )
            )
    if (~positive).any():
        handles.append(
            ax.scatter([], [], s=14, facecolors="none", edgecolors=_ZERO, label=_("none"))
        )
    if (~exact).any():
        handles.append(
            ax.scatter(
                [],
                [],
                s=40,
                marker="s",
                color="#555555",
                alpha=0.5,
                label=_("generalised to a grid cell"),
            )
        )
    ax.legend(
        handles=handles, frameon=False, fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0)
    )
    ax.set_title(title)
    return fig


def effort_map_figure(report: SurveyReport) -> Figure:
    values = np.array([p.trap_nights for p in report.map_points], dtype=np.float64)
    return _map_figure(
        report,
        values,
        title=_("Effort: trap-nights per station"),
        size_label=_("trap-nights"),
        colour=PALETTE[0],
    )


def detection_map_figure(report: SurveyReport, species: SpeciesRow) -> Figure:
    index = report.species_index(species.scientific_name)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.array(
            [
                100.0 * p.detections[index] / p.trap_nights if p.trap_nights > 0 else 0.0
                for p in report.map_points
            ],
            dtype=np.float64,
        )
    return _map_figure(
        report,
        values,
        title=_("%(name)s: RAI per station") % {"name": species.name},
        size_label=_("per 100 trap-nights"),
        colour=PALETTE[1],
    )


def activity_figure(report: SurveyReport) -> Figure:
    """Small multiples: each species' hourly histogram and kernel density (per hour)."""
    n = len(report.activity)
    columns = 2 if n > 1 else 1
    rows = math.ceil(n / columns)
    height = 0.9 + 1.9 * rows  # inches; a fixed layout is much faster than constrained
    fig = Figure(figsize=(7.0, height))
    axes = fig.subplots(rows, columns, squeeze=False, sharex=True)
    fig.subplots_adjust(
        left=0.09, right=0.98, bottom=0.55 / height, top=1 - 0.3 / height, hspace=0.55, wspace=0.18
    )
    hours = np.linspace(0.0, 24.0, 145)
    for k, ax in enumerate(axes.ravel()):
        if k >= n:
            ax.set_visible(False)
            continue
        item = report.activity[k]
        counts, edges = np.histogram(item.times * 24.0 / (2 * np.pi), bins=24, range=(0, 24))
        ax.stairs(counts / max(counts.sum(), 1), edges, fill=True, color=PALETTE[0], alpha=0.25)
        (line,) = ax.plot(hours, item.density_per_hour, color=PALETTE[0], linewidth=1.5)
        line.set_gid(f"series-{k}")
        ax.set_title(f"{item.name} (n = {item.n})", fontsize=8)
        ax.set_xlim(0, 24)
        ax.set_ylim(bottom=0)
        ax.set_xticks(range(0, 25, 6), [f"{h:02d}:00" for h in range(0, 25, 6)])
        ax.tick_params(labelsize=7)
    fig.supxlabel(_("local time of day"), fontsize=8, y=0.08 / height)
    fig.supylabel(_("share of detections per hour"), fontsize=8, x=0.01)
    return fig


def overlap_figure(report: SurveyReport, item: OverlapResult) -> Figure:
    found = {a.scientific_name: a for a in report.activity}
    leopard, prey = found[SNOW_LEOPARD], found[item.prey]
    return plots.activity_overlap_figure(
        leopard.times,
        prey.times,
        label_a=leopard.name,
        label_b=prey.name,
        title=_("Activity overlap: %(estimator)s = %(value).2f")
        % {"estimator": item.estimator, "value": item.value},
        xlabel=_("local time of day"),
        ylabel=_("density per hour"),
        overlap_label=_("overlap"),
        max_rug=_MAX_RUG,
    )


def mapped_species(report: SurveyReport) -> list[SpeciesRow]:
    """Species with at least one detection (each gets a detection map)."""
    return [s for s in report.species if s.detections > 0]


def _svg(figure: Figure) -> str:
    """A figure as inline SVG (no tight bounding box: one drawing pass instead of two)."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None})
    text = buffer.getvalue()
    return text[text.index("<svg") :]


def _own(builder: Callable[[], Figure]) -> str:
    """SVG of a figure built in the analytics chart style, ready to inline in a page."""
    with plots.chart_style():
        return _svg(builder())


def render_charts(report: SurveyReport) -> ReportCharts:
    """All charts of the report as SVG text."""
    figure = operation_figure(report)
    charts = ReportCharts(operation=_svg(figure))
    plt.close(figure)
    if report.species:
        charts.rai = _own(lambda: rai_figure(report))
    if report.map_points:
        charts.effort_map = _own(lambda: effort_map_figure(report))
        charts.detection_maps = [
            (s, _own(partial(detection_map_figure, report, s))) for s in mapped_species(report)
        ]
    if report.activity:
        charts.activity = _own(lambda: activity_figure(report))
    charts.overlaps = [(o, _own(partial(overlap_figure, report, o))) for o in report.overlaps]
    return charts


def chart_figures(report: SurveyReport) -> Iterator[tuple[Figure, bool]]:
    """The report's figures in PDF order: ``(figure, made with pyplot)``; the caller closes
    pyplot figures after use. Builders run inside the chart style."""
    yield operation_figure(report), True
    with plots.chart_style():
        if report.species:
            yield rai_figure(report), False
        if report.map_points:
            yield effort_map_figure(report), False
        if report.activity:
            yield activity_figure(report), False
        for item in report.overlaps:
            yield overlap_figure(report, item), False
        if report.map_points:
            for species in mapped_species(report):
                yield detection_map_figure(report, species), False


def close(figure: Figure, pyplot: bool) -> None:
    if pyplot:
        plt.close(figure)
