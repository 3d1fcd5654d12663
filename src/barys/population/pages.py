"""What the population pages show to one person (no HTTP; views render these dicts).

Detector positions follow :mod:`barys.core.sensitivity`: people allowed exact locations of
all the survey's stations (:func:`barys.core.sensitivity.may_see_exact`, access-logged) see
the mask, detectors and density surface in metres; everybody else sees detectors at their
generalised positions (the mask redrawn around those) and a density surface coarsened to
10-km blocks without coordinates or detectors. Category-1 stations are left out.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from django.db.models import Q
from django.utils.translation import gettext as _

from barys.analytics.projections import centred_laea
from barys.analytics.secr import Traps, make_mask
from barys.camtrap import access as camtrap_access
from barys.camtrap.models import Observation, Station, Survey
from barys.core import roles, sensitivity
from barys.core.access_log import log_access
from barys.individuals.models import Annotation
from barys.population import analysis as compute
from barys.population import plots
from barys.population.errors import PopulationError
from barys.population.history import history_from_json
from barys.population.models import PopulationAnalysis
from barys.population.services import ESTIMATE_CHOICES, require_researcher

COARSE_BLOCK_M = 10000.0


def survey_by_key(key: str) -> Survey | None:
    """A survey by numeric id or code."""
    if key.isdigit():
        found = Survey.objects.filter(pk=int(key)).first()
        if found is not None:
            return found
    return Survey.objects.filter(code=key).first()


def exact_allowed(*, user: Any, survey: Survey) -> tuple[bool, dict[str, int | None]]:
    """May ``user`` see the exact positions of every station; category per station code."""
    stations = list(Station.objects.filter(survey=survey))
    categories = camtrap_access.station_categories(stations)
    by_code = {s.code: categories[s.pk] for s in stations}
    allowed = all(
        sensitivity.may_see_exact(user, station.scope_codes or (survey.scope_code,))
        for station in stations
        if categories[station.pk] is not None
    )
    return allowed, by_code


def known_alive(survey: Survey) -> int:
    """Individuals identified on the survey's cameras (minimum number known alive)."""
    observed = set(
        Observation.objects.filter(deployment__station__survey=survey, individual__isnull=False)
        .values_list("individual__code", flat=True)
        .distinct()
    )
    annotated = set(
        Annotation.objects.filter(
            Q(media__deployment__station__survey=survey), individual__isnull=False
        )
        .values_list("individual__code", flat=True)
        .distinct()
    )
    return len(observed | annotated)


def _generalised_traps(
    analysis: PopulationAnalysis, categories: dict[str, int | None]
) -> np.ndarray | None:
    """Detectors at their public positions, projected around their own centre (metres)."""
    if analysis.source != PopulationAnalysis.Source.SURVEY:
        return None
    stations = {
        s.code: s
        for s in Station.objects.filter(
            survey=analysis.survey, code__in=analysis.history["trap_ids"]
        )
    }
    lats, lons = [], []
    for code in analysis.history["trap_ids"]:
        station = stations.get(code)
        if station is None:
            continue
        view = camtrap_access.public_station_location(station, categories.get(code))
        if view.latitude is None or view.longitude is None:
            continue
        lats.append(view.latitude)
        lons.append(view.longitude)
    if not lats:
        return None
    projection = centred_laea(lats, lons)
    x, y = projection.to_xy(lats, lons)
    return np.unique(np.column_stack([x, y]), axis=0)


def _plots(
    analysis: PopulationAnalysis, *, exact: bool, categories: dict[str, int | None]
) -> dict[str, str]:
    results = analysis.results
    fits = {
        name: fit
        for name, fit in results.get("secr", {}).items()
        if "estimates" in fit and fit["estimates"]["sigma"]["estimate"]
    }
    out: dict[str, str] = {}
    if fits:
        curves = {
            name: (
                fit["estimates"]["g0" if name == "HN" else "lambda0"]["estimate"],
                fit["estimates"]["sigma"]["estimate"],
            )
            for name, fit in fits.items()
        }
        out["detection"] = plots.detection_function_svg(
            curves,
            xlabel=_("distance from the activity centre (km)"),
            ylabel=_("detection probability per occasion"),
        )
    capthist = history_from_json(analysis.history)
    buffer_m = float(analysis.params.get("buffer_m", compute.DEFAULT_BUFFER_M))
    spacing = analysis.params.get("spacing_m") or compute.DEFAULT_SPACING_M
    km = _("km")
    if exact:
        mask = compute.make_survey_mask(capthist, buffer_m=buffer_m, spacing_m=float(spacing))
        out["mask"] = plots.surface_svg(
            mask.xy,
            mask.distance_to_nearest(capthist.traps) / 1000.0,
            mask.spacing,
            traps=capthist.traps.xy,
            label=_("distance to the nearest camera (km)"),
            axis_label=km,
            cmap="Greens_r",
        )
    else:
        public = _generalised_traps(analysis, categories)
        if public is not None:
            layout = Traps.from_xy(public)
            spacing_public = max(float(spacing), buffer_m / 20.0)
            mask = make_mask(layout, buffer=buffer_m, spacing=spacing_public)
            out["mask"] = plots.surface_svg(
                mask.xy,
                mask.distance_to_nearest(layout) / 1000.0,
                mask.spacing,
                traps=layout.xy,
                label=_("distance to the nearest generalised camera position (km)"),
                axis_label=km,
                cmap="Greens_r",
            )
    chosen = "HHN" if "HHN" in fits else next(iter(fits), None)
    if chosen is not None:
        mask = compute.make_survey_mask(capthist, buffer_m=buffer_m, spacing_m=float(spacing))
        cells = compute.density_surface(capthist, mask, chosen, fits[chosen]["estimates"])
        label = _("animals per 100 km² (model %(model)s)") % {"model": chosen}
        if exact:
            per_100km2 = cells / mask.cell_area_ha * 10000.0
            out["density"] = plots.surface_svg(
                mask.xy,
                per_100km2,
                mask.spacing,
                traps=capthist.traps.xy,
                label=label,
                axis_label=km,
            )
        else:
            centres, sums, counts = plots.coarsen(mask.xy, cells, COARSE_BLOCK_M)
            # mean density of the mask cells in each block, per 100 km²
            per_100km2 = sums / (counts * mask.cell_area_ha) * 10000.0
            out["density"] = plots.surface_svg(
                centres,
                per_100km2,
                COARSE_BLOCK_M,
                traps=None,
                label=label,
                axis_label=km,
                show_axes=False,
            )
    return out


def population_page(*, survey: Survey, user: Any, analysis_id: int | None = None) -> dict[str, Any]:
    """Everything the survey's population page shows to ``user`` (researchers and above)."""
    require_researcher(user, survey)
    exact, categories = exact_allowed(user=user, survey=survey)
    analyses = list(
        PopulationAnalysis.objects.filter(survey=survey).select_related("job", "created_by")[:50]
    )
    selected = None
    if analysis_id is not None:
        selected = next((a for a in analyses if a.pk == analysis_id), None)
        if selected is None:
            raise PopulationError("no such analysis of this survey")
    else:
        selected = next((a for a in analyses if a.state == PopulationAnalysis.State.DONE), None)
    shown: dict[str, str] = {}
    if selected is not None and selected.state == PopulationAnalysis.State.DONE:
        if exact and any(c is not None for c in categories.values()):
            log_access(
                actor=user,
                surface="population.page",
                object_type="camtrap.survey",
                object_id=str(survey.pk),
                count=len(categories),
            )
        shown = _plots(selected, exact=exact, categories=categories)
    pending = [
        a
        for a in analyses
        if a.state in (PopulationAnalysis.State.QUEUED, PopulationAnalysis.State.RUNNING)
    ]
    return {
        "survey": survey,
        "analyses": analyses,
        "analysis": selected,
        "results": selected.results if selected is not None else {},
        "plots": shown,
        "pending": pending,
        "known_alive": known_alive(survey),
        "exact": exact,
        "can_export": exact,
        "can_save": roles.has_role(user, "curator"),
        "estimate_choices": ESTIMATE_CHOICES,
        "target_taxa": list(survey.target_taxa.all()),
    }


def export_allowed(*, user: Any, survey: Survey) -> bool:
    """Researchers of the survey who may also see its exact station positions."""
    require_researcher(user, survey)
    return exact_allowed(user=user, survey=survey)[0]


def design_plot(result: Any) -> str:
    """The design helper's map of the proposed grid (km)."""
    return plots.design_svg(result.polygon_xy, result.camera_xy, axis_label=_("km"))
