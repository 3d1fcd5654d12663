"""The survey report as a PDF, drawn with matplotlib (``PdfPages``; no other dependency).

Pages: the title page; species with RAI; RAI by season; effort by station; the operation
chart, RAI chart, effort map, activity panels, overlap plots and one detection map per
species; diel activity and overlap figures; occupancy. Station positions are those of the
report, i.e. those its reader may see.
"""

from __future__ import annotations

import io
import math
import textwrap
from collections.abc import Iterator, Sequence

from django.utils import timezone
from django.utils.translation import gettext as _
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from barys.camtrap.report.charts import chart_figures, close
from barys.camtrap.report.service import SurveyReport
from barys.core.sensitivity import LocationView

A4 = (8.27, 11.69)  # inches, portrait
_ROWS_PER_PAGE = 50
_TABLE_PT = 7.5  # font size of tables (points)
_CHAR_EM = 0.602  # advance of a DejaVu Sans Mono character (em)
_LINE_SPACING = 1.55
_SEASONS_PER_TABLE = 6


def position_text(view: LocationView) -> str:
    """A station position as text: exact to 5 decimals, a grid cell with its uncertainty, or
    "withheld"."""
    if view.withheld or view.latitude is None or view.longitude is None:
        return _("withheld")
    if view.exact:
        return f"{view.latitude:.5f}, {view.longitude:.5f}"
    return _("%(lat)s, %(lon)s (± %(m)s m, grid cell)") % {
        "lat": view.latitude,
        "lon": view.longitude,
        "m": f"{view.uncertainty_m:,.0f}" if view.uncertainty_m is not None else "?",
    }


def _number(value: float, digits: int = 2) -> str:
    return "—" if value is None or not math.isfinite(value) else f"{value:,.{digits}f}"


def _page(title: str) -> Figure:
    figure = Figure(figsize=A4)
    figure.text(0.06, 0.95, title, fontsize=14, weight="bold", color="#17324a")
    return figure


def _wrap(text: str, width: int = 95) -> str:
    return "\n".join(textwrap.fill(line, width) for line in text.splitlines() if line.strip())


def _draw_table(figure: Figure, header: Sequence[str], rows: Sequence[Sequence[str]]) -> float:
    """A table as one monospaced text block per column (fast to draw); returns its bottom.

    Columns are as wide as their longest text; the font shrinks when they do not fit the page.
    """
    widths = [max(len(str(v)) for v in column) + 2 for column in zip(header, *rows, strict=True)]
    size = min(_TABLE_PT, 0.88 * A4[0] * 72 / (_CHAR_EM * sum(widths)))
    char = _CHAR_EM * size / 72 / A4[0]  # figure fraction per character
    row = _LINE_SPACING * size / 72 / A4[1]
    top, x = 0.91, 0.06
    style = {"fontsize": size, "family": "monospace", "va": "top", "linespacing": _LINE_SPACING}
    for width, column in zip(widths, zip(header, *rows, strict=True), strict=True):
        figure.text(x, top, str(column[0]), weight="bold", **style)  # type: ignore[arg-type]
        figure.text(x, top - 1.4 * row, "\n".join(str(v) for v in column[1:]), **style)  # type: ignore[arg-type]
        x += width * char
    rule = top - 1.2 * row
    figure.add_artist(Line2D([0.06, x], [rule, rule], color="#777777", linewidth=0.6))
    return top - (len(rows) + 1.6) * row


def _table_pages(
    title: str, header: Sequence[str], rows: Sequence[Sequence[str]], *, note: str = ""
) -> Iterator[Figure]:
    """A table over as many pages as it needs, with an optional note after it."""
    starts = range(0, max(len(rows), 1), _ROWS_PER_PAGE)
    for number, start in enumerate(starts):
        figure = _page(title if number == 0 else f"{title} ({_('continued')})")
        chunk = rows[start : start + _ROWS_PER_PAGE]
        bottom = _draw_table(figure, header, chunk) if chunk else 0.9
        if not chunk:
            figure.text(0.06, 0.88, _("Nothing to show."), fontsize=9)
        if note and number == len(starts) - 1:
            figure.text(0.06, bottom - 0.02, _wrap(note), fontsize=8, va="top", color="#444444")
        yield figure


def _title_page(report: SurveyReport) -> Figure:
    survey = report.survey
    figure = _page(_("Camera-trap survey report"))
    figure.text(0.06, 0.9, _wrap(survey.title, 60), fontsize=18, weight="bold", va="top")
    period = (
        f"{report.first_day.isoformat()} – {report.last_day.isoformat()}"
        if report.first_day and report.last_day
        else "—"
    )
    facts = [
        (_("Survey code"), survey.code),
        (_("Protected area"), survey.scope_code or "—"),
        (_("Period (local days)"), period),
        (_("Stations"), str(len(report.stations))),
        (_("Deployments"), str(report.n_deployments)),
        (_("Trap-nights"), _number(report.trap_nights, 1)),
        (_("Animal records"), str(report.n_records)),
        (_("Independent detections"), str(report.n_detections)),
        (_("Species"), str(len(report.species))),
        (
            _("Independence window"),
            _("%(n)s minutes") % {"n": report.parameters.independence_minutes},
        ),
        (_("Occasion length"), _("%(n)s days") % {"n": report.parameters.occasion_days}),
        (_("Time zone"), f"{report.zone_text} (UTC{report.utc_offset_hours:+g})"),
        (_("Generated"), timezone.localtime(report.generated_at).strftime("%Y-%m-%d %H:%M")),
    ]
    y = 0.8
    for label, value in facts:
        figure.text(0.06, y, label, fontsize=9, color="#555555")
        figure.text(0.4, y, value, fontsize=10)
        y -= 0.026
    notes = [
        _(
            "Station positions are shown as the reader of this report may see them: "
            "%(g)s generalised to a grid cell, %(w)s withheld."
        )
        % {"g": report.generalised, "w": report.withheld},
        _(
            "RAI: independent detections per 100 trap-nights. Set-up and retrieval days "
            "count as half days; outages are not effort."
        ),
        *report.notes,
    ]
    if report.empty:
        notes.insert(0, report.empty)
    figure.text(0.06, y - 0.02, _wrap("\n".join(notes)), fontsize=8.5, va="top")
    return figure


def _species_pages(report: SurveyReport) -> Iterator[Figure]:
    header = [
        _("Species"),
        _("Scientific name"),
        _("Records"),
        _("Detections"),
        _("Stations"),
        _("RAI"),
    ]
    rows = [
        [
            s.name,
            s.scientific_name,
            str(s.records),
            str(s.detections),
            str(s.stations),
            _number(s.rai),
        ]
        for s in report.species
    ]
    yield from _table_pages(_("Species and relative abundance"), header, rows)
    for first in range(0, len(report.seasons), _SEASONS_PER_TABLE):
        labels = report.seasons[first : first + _SEASONS_PER_TABLE]
        header = [_("RAI by season"), *labels]
        rows = [
            [_("trap-nights")]
            + [_number(v, 1) for v in report.trap_nights_by_season[first : first + len(labels)]]
        ]
        rows += [
            [s.name] + [_number(v) for v in s.by_season[first : first + len(labels)]]
            for s in report.species
        ]
        yield from _table_pages(_("Relative abundance by season"), header, rows)


def _station_pages(report: SurveyReport) -> Iterator[Figure]:
    header = [
        _("Station"),
        _("Position"),
        _("Deployments"),
        _("Days"),
        _("Outage days"),
        _("Trap-nights"),
        _("Detections"),
    ]
    rows = [
        [
            s.code,
            position_text(s.position),
            str(s.deployments),
            str(s.days_deployed),
            _number(s.outage_days, 1),
            _number(s.trap_nights, 1),
            str(s.detections),
        ]
        for s in report.stations
    ]
    yield from _table_pages(_("Effort by station"), header, rows)


def _activity_pages(report: SurveyReport) -> Iterator[Figure]:
    header = [_("Species"), _("Detections"), _("Activity level"), _("Peak (local hour)")]
    rows = [
        [a.name, str(a.n), _number(a.level, 3), f"{a.peak_hour:04.1f}"] for a in report.activity
    ]
    rows += [
        [
            _("overlap with %(name)s") % {"name": o.prey_name},
            f"{o.n_leopard} / {o.n_prey}",
            f"{o.estimator} = {o.value:.3f}",
            "",
        ]
        for o in report.overlaps
    ]
    note = " ".join(
        filter(
            None,
            [
                _(
                    "Activity is shown for species with at least 10 independent detections; "
                    "activity level after Rowcliffe et al. (2014)."
                ),
                report.overlap_note,
            ],
        )
    )
    yield from _table_pages(_("Diel activity"), header, rows, note=note)


def _occupancy_pages(report: SurveyReport) -> Iterator[Figure]:
    header = [
        _("Species"),
        _("Stations"),
        _("Occasions"),
        _("Naive"),
        _("ψ (SE)"),
        _("p (SE)"),
        _("AIC"),
    ]
    rows = []
    for o in report.occupancy:
        if o.error:
            rows.append([o.name, str(o.stations_detected), "", "", _("not fitted"), "", ""])
            continue
        rows.append(
            [
                o.name,
                f"{o.stations_detected} / {o.sites}",
                str(o.occasions),
                _number(o.naive, 3),
                f"{o.psi:.3f} ({_number(o.psi_se, 3)})",
                f"{o.p:.3f} ({_number(o.p_se, 3)})",
                _number(o.aic, 1),
            ]
        )
    omitted = ", ".join(f"{name} ({n})" for name, n in report.occupancy_omitted)
    note = _(
        "Null model psi(.)p(.) (MacKenzie et al. 2002) for species detected at 3 or more "
        "stations, with %(days)s-day occasions."
    ) % {"days": report.parameters.occasion_days}
    if omitted:
        note += " " + _("Too few stations: %(list)s.") % {"list": omitted}
    failed = [f"{o.name}: {o.error}" for o in report.occupancy if o.error]
    if failed:
        note += " " + _("Not fitted: %(list)s.") % {"list": "; ".join(failed)}
    yield from _table_pages(_("Occupancy"), header, rows, note=note)


def report_pdf(report: SurveyReport) -> bytes:
    """The report as PDF bytes (A4 text pages, chart pages at their own size)."""
    buffer = io.BytesIO()
    metadata = {"Title": report.survey.title, "Creator": "Barys", "Subject": report.survey.code}
    with PdfPages(buffer, metadata=metadata) as pdf:
        pdf.savefig(_title_page(report))
        if report.has_data:
            for figure in _species_pages(report):
                pdf.savefig(figure)
            for figure in _station_pages(report):
                pdf.savefig(figure)
            for figure, pyplot in chart_figures(report):
                pdf.savefig(figure)
                close(figure, pyplot)
            for figure in _activity_pages(report):
                pdf.savefig(figure)
            for figure in _occupancy_pages(report):
                pdf.savefig(figure)
    return buffer.getvalue()
