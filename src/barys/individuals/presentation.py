"""What the passport page and the PDF passport show, built once for one viewer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Case, IntegerField, Value, When
from django.utils.translation import gettext as _

from barys.core import charts, sensitivity
from barys.individuals import chips, passports, sightings
from barys.individuals.models import Annotation, Individual, LitterRecord, Viewpoint

_QUALITY_ORDER = Case(
    When(quality="good", then=Value(0)),
    When(quality="fair", then=Value(1)),
    default=Value(2),
    output_field=IntegerField(),
)


@dataclass
class Photo:
    annotation: Annotation
    viewpoint_label: str
    date_text: str
    frame: bool  # whether the viewer may open the whole frame


@dataclass
class Passport:
    individual: Individual
    exact: bool
    first_seen: str
    last_seen: str
    view: sightings.SightingsView
    references: list[tuple[str, list[Photo]]]
    photos: list[Photo]
    offspring: list[Individual]
    litters: list[LitterRecord]
    litters_as_cub: list[LitterRecord]
    merged_from: list[Individual]
    chart_svg: str
    can_edit: bool


def _photo(annotation: Annotation, user: Any, exact: bool) -> Photo:
    media = annotation.media
    moment = media.timestamp
    text = ""
    if moment is not None:
        day = passports.local_date(moment)
        text = day.isoformat() if day else ""
        if not exact and annotation.taxon.sensitivity_category in sensitivity.REDUCED_CATEGORIES:
            text = sensitivity.reduce_date(
                text, sensitivity.current_config().reduced_date_precision
            )
    return Photo(
        annotation=annotation,
        viewpoint_label=str(Viewpoint(annotation.viewpoint).label),
        date_text=text,
        frame=chips.may_view_frame(user, annotation),
    )


def reference_photos(
    individual: Individual, *, user: Any, exact: bool
) -> list[tuple[str, list[Photo]]]:
    """Reference photos per viewpoint (flanks first), best quality first, at most two each."""
    rows = (
        individual.annotations.filter(is_reference=True, media__file__isnull=False)
        .select_related("media__deployment__station", "taxon")
        .annotate(rank=_QUALITY_ORDER)
        .order_by("rank", "-media__timestamp", "id")
    )
    grouped: dict[str, list[Photo]] = {}
    for annotation in rows:
        if not chips.may_view_chip(user, annotation):
            continue
        slot = grouped.setdefault(annotation.viewpoint, [])
        if len(slot) < 2:
            slot.append(_photo(annotation, user, exact))
    return [(str(label), grouped[value]) for value, label in Viewpoint.choices if value in grouped]


def gallery(individual: Individual, *, user: Any, exact: bool, limit: int = 12) -> list[Photo]:
    """The latest photos of the individual the viewer may see."""
    rows = (
        individual.annotations.filter(media__file__isnull=False)
        .select_related("media__deployment__station", "taxon")
        .order_by("-media__timestamp", "-id")
    )
    photos: list[Photo] = []
    for annotation in rows[: limit * 4]:
        if chips.may_view_chip(user, annotation):
            photos.append(_photo(annotation, user, exact))
        if len(photos) >= limit:
            break
    return photos


def sightings_chart(view: sightings.SightingsView) -> str:
    """Sightings per year, camera events and occurrence records stacked (SVG)."""
    years = view.by_year()
    if not years:
        return ""
    import matplotlib.pyplot as plt

    labels = [y for y, _counts in years]
    camera = [c.get("camera", 0) for _y, c in years]
    records = [c.get("record", 0) for _y, c in years]
    with plt.rc_context({"svg.fonttype": "none"}):
        return _draw_sightings(plt, labels, camera, records)


def _draw_sightings(plt: Any, labels: list[int], camera: list[int], records: list[int]) -> str:
    figure, axes = plt.subplots(figsize=(6.4, 2.4))
    axes.bar(labels, camera, color=charts.PALETTE[0], label=_("camera events"))
    axes.bar(labels, records, bottom=camera, color=charts.PALETTE[1], label=_("records"))
    axes.set_ylabel(_("sightings"))
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_xticks(labels)
    axes.set_xticklabels([str(y) for y in labels], rotation=45 if len(labels) > 8 else 0)
    axes.spines[["top", "right"]].set_visible(False)
    axes.grid(axis="y", alpha=0.3)
    axes.legend(fontsize=8, frameon=False)
    return charts.svg_of(figure)


def build(individual: Individual, *, user: Any, surface: str = "passport page") -> Passport:
    """Everything the passport page shows, as ``user`` may see it."""
    view = sightings.present(individual, user=user, surface=surface)
    exact = (
        view.exact
        if view.sightings
        else sensitivity.may_see_exact(user, individual.scope_codes)
        or individual.taxon.sensitivity_category is None
    )
    first, last = sightings.seen_text(individual, exact=exact)
    return Passport(
        individual=individual,
        exact=exact,
        first_seen=first,
        last_seen=last,
        view=view,
        references=reference_photos(individual, user=user, exact=exact),
        photos=gallery(individual, user=user, exact=exact),
        offspring=list(individual.offspring.order_by("birth_year", "code")),
        litters=list(individual.litters.prefetch_related("cubs").order_by("year")),
        litters_as_cub=list(individual.litters_as_cub.select_related("mother").order_by("year")),
        merged_from=list(individual.merged_from.order_by("code")),
        chart_svg=sightings_chart(view),
        can_edit=passports.can_edit(user, individual),
    )
