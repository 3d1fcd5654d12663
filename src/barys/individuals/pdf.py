"""The printable passport: an A4 PDF drawn with matplotlib.

The PDF is the public version whoever prints it: the map shows grid cells (never stations),
dates are reduced as the sensitivity policy does for the public, and the photos are the
public reference chips. It may therefore be printed and handed out without leaking a den or
a camera.
"""

from __future__ import annotations

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from barys.core import charts
from barys.individuals import chips, presentation, sightings
from barys.individuals.models import Individual

A4 = (8.27, 11.69)  # inches


def _facts(individual: Individual, first: str, last: str) -> list[tuple[str, str]]:
    mother = individual.mother.code if individual.mother else "—"
    offspring = ", ".join(individual.offspring.order_by("code").values_list("code", flat=True))
    birth = str(individual.birth_year) if individual.birth_year else "—"
    if individual.birth_year and not individual.birth_year_exact:
        birth = _("about %(year)s") % {"year": individual.birth_year}
    return [
        (_("ID code"), individual.code),
        (_("Name"), individual.name or "—"),
        (_("Sex"), str(individual.get_sex_display())),
        (_("Born"), birth),
        (_("Status"), str(individual.get_status_display())),
        (_("Mother"), mother),
        (_("Offspring"), offspring or "—"),
        (_("First seen"), first or "—"),
        (_("Last seen"), last or "—"),
        (
            _("Protected area"),
            individual.scope.name(get_language() or "en") if individual.scope else "—",
        ),
    ]


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n".join(textwrap.fill(line, width) for line in text.splitlines() if line.strip())


def _photo_axes(
    figure: Any, box: list[float], photo: presentation.Photo | None, title: str
) -> None:
    axes = figure.add_axes(box)
    axes.set_axis_off()
    axes.set_title(title, fontsize=9, loc="left")
    if photo is None:
        axes.text(0.5, 0.5, _("No reference photo"), ha="center", va="center", fontsize=9)
        return
    try:
        image = chips.chip_image(photo.annotation)
    except Exception:  # a missing original must not stop the passport
        axes.text(0.5, 0.5, _("Photo unavailable"), ha="center", va="center", fontsize=9)
        return
    image.thumbnail((900, 900))
    axes.imshow(image)


def _map_axes(figure: Any, box: list[float], view: sightings.SightingsView) -> None:
    import math

    from matplotlib.patches import Rectangle

    axes = figure.add_axes(box)
    axes.set_title(_("Where it was seen (grid cells)"), fontsize=9, loc="left")
    cells = view.map_data()["cells"]
    if not cells:
        axes.set_axis_off()
        axes.text(0.5, 0.5, _("No public locations"), ha="center", va="center", fontsize=9)
        return
    peak = max(c["count"] for c in cells)
    for cell in cells:
        half = cell["cell"] / 2
        axes.add_patch(
            Rectangle(
                (cell["lon"] - half, cell["lat"] - half),
                cell["cell"],
                cell["cell"],
                facecolor=charts.PALETTE[1],
                alpha=0.25 + 0.65 * cell["count"] / peak,
                edgecolor="#333333",
                linewidth=0.6,
            )
        )
        axes.text(
            cell["lon"], cell["lat"], str(cell["count"]), ha="center", va="center", fontsize=7
        )
    lons = [c["lon"] for c in cells]
    lats = [c["lat"] for c in cells]
    pad = max(c["cell"] for c in cells) * 1.5
    axes.set_xlim(min(lons) - pad, max(lons) + pad)
    axes.set_ylim(min(lats) - pad, max(lats) + pad)
    axes.set_aspect(1 / max(math.cos(math.radians(sum(lats) / len(lats))), 0.1))
    axes.set_xlabel(_("longitude, °E"), fontsize=8)
    axes.set_ylabel(_("latitude, °N"), fontsize=8)
    axes.tick_params(labelsize=7)
    axes.grid(alpha=0.3)


def _chart_axes(figure: Any, box: list[float], view: sightings.SightingsView) -> None:
    axes = figure.add_axes(box)
    axes.set_title(_("Sightings per year"), fontsize=9, loc="right")
    years = view.by_year()
    if not years:
        axes.set_axis_off()
        axes.text(0.5, 0.5, _("No sightings yet"), ha="center", va="center", fontsize=9)
        return
    labels = [y for y, _c in years]
    camera = [c.get("camera", 0) for _y, c in years]
    records = [c.get("record", 0) for _y, c in years]
    axes.bar(labels, camera, color=charts.PALETTE[0], label=_("camera events"))
    axes.bar(labels, records, bottom=camera, color=charts.PALETTE[1], label=_("records"))
    axes.set_xticks(labels)
    axes.set_xticklabels([str(y) for y in labels], fontsize=7)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.tick_params(labelsize=7)
    axes.spines[["top", "right"]].set_visible(False)
    axes.legend(fontsize=7, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.02), ncols=2)


def passport_pages(individual: Individual) -> list[Any]:
    """The passport's two A4 pages as matplotlib figures (the passport; sightings and
    photos). The caller closes them."""
    import matplotlib.pyplot as plt

    view = sightings.present(individual, user=None, surface="pdf passport")
    first, last = sightings.seen_text(individual, exact=False)
    references = presentation.reference_photos(individual, user=None, exact=False)
    flat = [p for _label, photos in references for p in photos]
    taxon = individual.taxon
    language = get_language() or "en"
    figure = plt.figure(figsize=A4)
    figure.text(0.06, 0.955, _("Passport of an individual"), fontsize=11, color="#555555")
    heading = individual.code + (f" · {individual.name}" if individual.name else "")
    figure.text(0.06, 0.925, heading, fontsize=20, weight="bold", color="#17324a")
    figure.text(
        0.06,
        0.902,
        f"{taxon.name(language)} — {taxon.scientific_name}",
        fontsize=11,
        style="italic",
    )
    _photo_axes(figure, [0.06, 0.6, 0.44, 0.28], flat[0] if flat else None, _("Reference photo"))
    y = 0.885
    for label, value in _facts(individual, first, last):
        label_text, value_text = _wrap(label, 20), _wrap(value, 26)
        figure.text(0.54, y, label_text, fontsize=8, color="#555555", va="top")
        figure.text(0.74, y, value_text, fontsize=9, va="top")
        lines = max(label_text.count("\n"), value_text.count("\n")) + 1
        y -= 0.0135 * lines + 0.008
    if individual.distinguishing_marks:
        figure.text(0.54, y, _("Distinguishing marks"), fontsize=8, color="#555555", va="top")
        figure.text(
            0.54, y - 0.016, _wrap(individual.distinguishing_marks, 50), fontsize=8.5, va="top"
        )
    _chart_axes(figure, [0.08, 0.37, 0.86, 0.17], view)
    _map_axes(figure, [0.08, 0.08, 0.5, 0.23], view)
    note = _(
        "Public version: locations are generalised to grid cells and dates reduced as the "
        "sensitivity policy requires for this species."
    )
    if "simulated" in individual.notes.lower():
        note += " " + _("This passport is simulated demonstration data.")
    figure.text(0.62, 0.3, _wrap(note, 42), fontsize=7.5, va="top", color="#444444")
    figure.text(
        0.06,
        0.03,
        _("Barys — printed %(date)s") % {"date": timezone.localdate().isoformat()},
        fontsize=7,
        color="#777777",
    )
    second = plt.figure(figsize=A4)
    second.text(
        0.06, 0.95, f"{individual.code} — {_('Sightings by year')}", fontsize=14, weight="bold"
    )
    y = 0.92
    for year, counts in view.by_year()[-30:]:
        line = _("%(year)s: %(camera)s camera events, %(records)s records") % {
            "year": year,
            "camera": counts.get("camera", 0),
            "records": counts.get("record", 0),
        }
        second.text(0.08, y, line, fontsize=9)
        y -= 0.018
    if not view.sightings:
        second.text(0.08, y, _("No sightings yet"), fontsize=9)
    slots = [[0.06 + 0.3 * (i % 3), 0.06 + 0.2 * (1 - i // 3), 0.27, 0.18] for i in range(6)]
    for box, photo in zip(slots, flat[:6], strict=False):
        _photo_axes(second, box, photo, f"{photo.viewpoint_label} {photo.date_text}")
    return [figure, second]


def passport_pdf(individual: Individual) -> bytes:
    """The passport as PDF bytes (two A4 pages, see :func:`passport_pages`)."""
    import matplotlib.pyplot as plt
    from matplotlib.backends.backend_pdf import PdfPages

    buffer = io.BytesIO()
    metadata = {
        "Title": f"{_('Passport')} {individual.code}",
        "Subject": individual.taxon.scientific_name,
        "Creator": "Barys",
        "CreationDate": None,
    }
    pages = passport_pages(individual)
    try:
        with PdfPages(buffer, metadata=metadata) as document:
            for page in pages:
                document.savefig(page)
    finally:
        for page in pages:
            plt.close(page)
    return buffer.getvalue()
