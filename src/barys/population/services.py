"""Population services: analyses as background jobs, secr files, Red Book estimates, design.

Services take keyword arguments, raise :class:`PopulationError` (bad input) or
:class:`barys.core.roles.PermissionDenied`, audit every change and never import HTTP code.
"""

from __future__ import annotations

import io
import json
import math
import re
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from django.db import transaction
from django.utils import timezone

from barys.analytics.projections import centred_laea
from barys.analytics.secr import (
    DETECTOR_TYPES,
    CapthistFormatError,
    CaptureHistory,
    read_capthist,
    write_capthist,
)
from barys.analytics.survey_design import ExpectedCaptures, camera_grid, expected_captures
from barys.camtrap.models import Survey
from barys.core import audit, jobs, roles
from barys.core.models import Job, User
from barys.population import analysis as compute
from barys.population.errors import PopulationError
from barys.population.history import (
    HistoryParams,
    history_from_json,
    history_to_json,
    survey_capture_history,
)
from barys.population.models import PopulationAnalysis

JOB_KIND = "population-analysis"

#: Defaults of the design helper: the Namkha snow-leopard estimates (count detectors, HHN;
#: docs/analytics/population.md): sigma 6,073 m, lambda0 0.00256 per camera-day, D 1.63/100 km².
NAMKHA_SIGMA_M = 6073.0
NAMKHA_LAMBDA0_PER_DAY = 0.00256
NAMKHA_DENSITY_PER_100KM2 = 1.63


def _float(params: dict[str, Any], name: str, default: float | None) -> float | None:
    value = params.get(name, default)
    if value is None or value == "":
        return default
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise PopulationError(f"{name}: {value!r} is not a number") from None
    if not math.isfinite(number) or number <= 0:
        raise PopulationError(f"{name} must be a positive number")
    return number


def _mask_params(params: dict[str, Any]) -> tuple[float, float | None]:
    buffer_m = _float(params, "buffer_m", compute.DEFAULT_BUFFER_M)
    spacing_m = _float(params, "spacing_m", compute.DEFAULT_SPACING_M)
    assert buffer_m is not None
    if spacing_m is not None and buffer_m / spacing_m > 200:
        raise PopulationError("the mask spacing is too fine for this buffer")
    return buffer_m, spacing_m


def require_researcher(user: Any, survey: Survey) -> None:
    """Researchers (and higher) in the survey's scope, or nationally."""
    roles.require_role(user, "researcher", survey.scope_code or None)


@transaction.atomic
def start_analysis(
    *,
    survey: Survey,
    actor: User | None,
    params: dict[str, Any] | None = None,
    enqueue: bool = True,
) -> PopulationAnalysis:
    """Build the survey's capture history now and queue the fits as a background job.

    ``params``: ``start``/``end`` (ISO dates), ``occasion_days``, ``detector``,
    ``independence_hours``, ``source`` (see :class:`HistoryParams`), ``buffer_m`` and
    ``spacing_m`` of the habitat mask (metres).
    """
    params = dict(params or {})
    try:
        history_params = HistoryParams.from_json(params)
    except (TypeError, ValueError) as exc:
        raise PopulationError(f"bad parameters: {exc}") from None
    buffer_m, spacing_m = _mask_params(params)
    built = survey_capture_history(survey=survey, params=history_params)
    stored = {**history_params.as_json(), "buffer_m": buffer_m, "spacing_m": spacing_m}
    if params.get("demo"):
        stored["demo"] = True  # made by the demo step
    return _create(
        survey=survey,
        actor=actor,
        params=stored,
        history=history_to_json(built),
        source=str(PopulationAnalysis.Source.SURVEY),
        enqueue=enqueue,
    )


def _create(
    *,
    survey: Survey,
    actor: User | None,
    params: dict[str, Any],
    history: dict[str, Any],
    source: str,
    enqueue: bool,
) -> PopulationAnalysis:
    title = f"{survey.code}: {params.get('detector', '')} {params.get('start') or ''}".strip()
    item = PopulationAnalysis.objects.create(
        survey=survey,
        title=title[:300],
        source=source,
        params=params,
        history=history,
        created_by=actor if actor is not None and actor.is_authenticated else None,
    )
    job = jobs.create_job(
        kind=JOB_KIND,
        params={"analysis": item.pk},
        title=f"Population analysis {title}",
        user=actor,
        enqueue=enqueue,
    )
    item.job = job
    item.save(update_fields=["job"])
    audit.record_create(item, actor=actor)
    return item


@jobs.job_handler(JOB_KIND)
def run_analysis_job(job: Job, report: jobs.Reporter) -> dict[str, Any]:
    """Job handler: fit the closed models and SECR (HN, HHN) and store the results."""
    item = PopulationAnalysis.objects.get(pk=job.params["analysis"])
    return run_analysis(analysis=item, report=report)


def run_analysis(
    *, analysis: PopulationAnalysis, report: jobs.Reporter | None = None
) -> dict[str, Any]:
    """Run (or re-run) one analysis now; results are stored on it (a failure too)."""
    PopulationAnalysis.objects.filter(pk=analysis.pk).update(state=PopulationAnalysis.State.RUNNING)
    try:
        capthist = history_from_json(analysis.history)
        buffer_m, spacing_m = _mask_params(analysis.params)
        results = compute.run(capthist, buffer_m=buffer_m, spacing_m=spacing_m, report=report)
    except Exception as exc:  # stored for the page; the job records it too
        PopulationAnalysis.objects.filter(pk=analysis.pk).update(
            state=PopulationAnalysis.State.FAILED, message=str(exc)[:2000]
        )
        _audit_state(analysis, "failed", str(exc)[:2000])
        raise
    analysis.results = results
    analysis.state = PopulationAnalysis.State.DONE
    analysis.message = ""
    analysis.finished_at = timezone.now()
    analysis.save(update_fields=["results", "state", "message", "finished_at"])
    _audit_state(analysis, "done", "")
    return {"analysis": analysis.pk, "n_animals": results["n_animals"]}


def _audit_state(analysis: PopulationAnalysis, state: str, message: str) -> None:
    """An audit entry for a finished run (the results themselves are in the record)."""
    audit.record(
        action="update",
        instance=analysis,
        before={"state": str(PopulationAnalysis.State.QUEUED)},
        after={"state": str(state), "message": message},
        actor=JOB_KIND,
    )


def analysis_capthist(analysis: PopulationAnalysis) -> CaptureHistory:
    """The capture history an analysis was run on."""
    return history_from_json(analysis.history)


# --- secr text files -----------------------------------------------------------------------


def export_secr_files(*, analysis: PopulationAnalysis, fmt: str = "XY") -> bytes:
    """A zip with ``capt.txt`` and ``trap.txt`` (secr formats; x/y in metres) and a README.

    The caller must have checked that the reader may see exact detector positions.
    """
    if fmt not in ("XY", "trapID"):
        raise PopulationError(f"unknown capture file layout {fmt!r}")
    capthist = analysis_capthist(analysis)
    binary = capthist.traps.usage is None or bool(np.isin(capthist.traps.usage, (0.0, 1.0)).all())
    with tempfile.TemporaryDirectory() as folder:
        capture, trap = Path(folder) / "capt.txt", Path(folder) / "trap.txt"
        try:
            write_capthist(capthist, capture, trap, fmt=fmt)  # type: ignore[arg-type]
        except ValueError as exc:
            raise PopulationError(str(exc)) from None
        note = (
            f"Capture history of survey {analysis.survey.code}, analysis {analysis.pk}.\n"
            f"Detector type: {capthist.detector}; occasions: {capthist.n_occasions}; "
            f"occasion length: {analysis.params.get('occasion_days', '?')} days.\n"
            f"Coordinates: metres, {analysis.history.get('proj4') or 'as imported'}.\n"
            "Usage: "
            + (
                "0/1 per occasion (secr binary usage).\n"
                if binary
                else "days of camera effort per occasion; read with binary usage off.\n"
            )
            + "R: read.capthist('capt.txt', 'trap.txt', fmt = "
            + ("'XY'" if fmt == "XY" else "'trapID'")
            + f", detector = '{capthist.detector}'"
            + ("" if binary else ", binary.usage = FALSE")
            + ")\n"
        )
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.write(capture, "capt.txt")
            archive.write(trap, "trap.txt")
            archive.writestr("README.txt", note)
    return buffer.getvalue()


_BINARY_USAGE = re.compile(r"^[01]+$")


def _usage_is_binary(trap_text: str) -> bool:
    """Guess secr's ``binary.usage``: one 0/1 string per detector line means binary."""
    for raw in trap_text.splitlines():
        line = raw.split("#", 1)[0].split("/", 1)[0].replace(",", " ").split()
        if len(line) > 4 or (len(line) == 4 and not _BINARY_USAGE.match(line[3])):
            return False
    return True


def read_secr_files(
    *,
    capture_text: str,
    trap_text: str,
    detector: str,
    usage: str = "auto",
    capture_name: str = "capt.txt",
    trap_name: str = "trap.txt",
) -> CaptureHistory:
    """Parse uploaded capture and trap files (:class:`PopulationError` names line and field).

    ``usage`` is ``"binary"`` (secr's 0/1 strings), ``"effort"`` (one number per occasion)
    or ``"auto"`` (binary when every detector line carries at most one 0/1 string).
    """
    if detector not in DETECTOR_TYPES:
        raise PopulationError(f"unknown detector type {detector!r}")
    if usage not in ("auto", "binary", "effort"):
        raise PopulationError(f"unknown usage kind {usage!r}")
    binary = _usage_is_binary(trap_text) if usage == "auto" else usage == "binary"
    suffix = lambda name: ".csv" if name.lower().endswith(".csv") else ".txt"  # noqa: E731
    with tempfile.TemporaryDirectory() as folder:
        capture = Path(folder) / f"capt{suffix(capture_name)}"
        trap = Path(folder) / f"trap{suffix(trap_name)}"
        capture.write_text(capture_text, encoding="utf-8")
        trap.write_text(trap_text, encoding="utf-8")
        try:
            capthist = read_capthist(capture, trap, detector, binary_usage=binary)  # type: ignore[arg-type]
        except CapthistFormatError as exc:
            names = {str(capture): capture_name, str(trap): trap_name}
            where = names.get(exc.path, Path(exc.path).name)
            if exc.line is not None:
                where += f", line {exc.line}"
            if exc.field is not None:
                where += f", field {exc.field!r}"
            raise PopulationError(f"{where}: {exc.reason}") from None
        except ValueError as exc:
            raise PopulationError(str(exc)) from None
    return capthist


def import_secr_files(
    *,
    survey: Survey,
    actor: User | None,
    capture_text: str,
    trap_text: str,
    detector: str,
    usage: str = "auto",
    buffer_m: float | None = None,
    spacing_m: float | None = None,
    capture_name: str = "capt.txt",
    trap_name: str = "trap.txt",
    enqueue: bool = True,
) -> PopulationAnalysis:
    """Start an analysis of a capture history uploaded as secr capture and trap files."""
    capthist = read_secr_files(
        capture_text=capture_text,
        trap_text=trap_text,
        detector=detector,
        usage=usage,
        capture_name=capture_name,
        trap_name=trap_name,
    )
    params: dict[str, Any] = {
        "detector": detector,
        "buffer_m": buffer_m or compute.DEFAULT_BUFFER_M,
        "spacing_m": spacing_m or compute.DEFAULT_SPACING_M,
        "files": [capture_name[:200], trap_name[:200]],
    }
    _mask_params(params)
    with transaction.atomic():
        return _create(
            survey=survey,
            actor=actor,
            params=params,
            history=history_to_json(capthist),
            source=str(PopulationAnalysis.Source.IMPORT),
            enqueue=enqueue,
        )


# --- Red Book estimate ---------------------------------------------------------------------

ESTIMATE_CHOICES = ("secr-HN", "secr-HHN", "closed-best")


def estimate_values(analysis: PopulationAnalysis, choice: str) -> dict[str, Any]:
    """Value, limits and method text of one result of ``analysis`` (``ESTIMATE_CHOICES``)."""
    results = analysis.results or {}
    if analysis.state != PopulationAnalysis.State.DONE or not results:
        raise PopulationError("the analysis has no results yet")
    if choice.startswith("secr-"):
        fit = results.get("secr", {}).get(choice[5:], {})
        n = fit.get("region_n")
        if not n or n.get("estimate") is None:
            raise PopulationError(f"no SECR result for {choice[5:]}")
        d = fit["density_per_100km2"]
        method = (
            f"SECR ({fit['detectfn']}, {fit['detector']} detectors), maximum likelihood; "
            f"E(N) over a {results['mask']['area_km2']:.0f} km² mask"
        )
        notes = (
            f"D = {d['estimate']:.3g} per 100 km² ({d['lcl']:.3g}–{d['ucl']:.3g}); "
            f"AICc {fit['aicc']:.2f}; {results['n_animals']} animals, "
            f"{results['n_detections']} detections, {results['n_occasions']} occasions."
        )
        return {
            "value": n["estimate"],
            "lower": n["lcl"],
            "upper": n["ucl"],
            "method": method,
            "notes": notes,
        }
    if choice == "closed-best":
        closed = results.get("closed", {})
        rows = {r["model"]: r for r in closed.get("rows", [])}
        best = rows.get(closed.get("best") or "")
        if best is None or best.get("n_hat") is None:
            raise PopulationError("no closed capture–recapture result")
        return {
            "value": best["n_hat"],
            "lower": best["lcl"],
            "upper": best["ucl"],
            "method": f"closed capture–recapture, log-linear model {best['model']} (lowest AIC)",
            "notes": f"{results['n_animals']} animals, {results['n_occasions']} occasions.",
        }
    raise PopulationError(f"unknown estimate {choice!r}")


@transaction.atomic
def save_estimate(
    *,
    analysis: PopulationAnalysis,
    choice: str,
    actor: User,
    area: str,
    year_start: int,
    year_end: int | None = None,
    source: str = "",
) -> Any:
    """Save one result as a Red Book ``PopulationEstimate`` of the survey's target taxon.

    Curators only; the registry service audits the new estimate.
    """
    from barys.taxa.services import save_population_estimate

    roles.require_role(actor, "curator")
    taxa = list(analysis.survey.target_taxa.all())
    if len(taxa) != 1:
        raise PopulationError("the survey must have exactly one target taxon")
    values = estimate_values(analysis, choice)
    lower, upper = values["lower"], values["upper"]
    finite = lower is not None and upper is not None
    return save_population_estimate(
        taxon=taxa[0],
        actor=actor,
        area=area[:200],
        year_start=year_start,
        year_end=year_end,
        value=values["value"],
        lower=lower if finite else None,
        upper=upper if finite else None,
        unit="individuals",
        method=values["method"][:200],
        source=source
        or f"Barys population analysis {analysis.pk} of survey {analysis.survey.code}",
        notes=values["notes"],
        uncertain=False,
    )


# --- survey design -------------------------------------------------------------------------


@dataclass(frozen=True)
class DesignResult:
    """A proposed camera grid (x/y metres in ``proj4``) and its expected captures."""

    expected: ExpectedCaptures
    camera_xy: np.ndarray
    polygon_xy: Any
    n_cameras: int
    area_km2: float
    proj4: str


def parse_polygon(text: str) -> Any:
    """A shapely (multi)polygon in lon/lat degrees from GeoJSON text (geometry or feature)."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PopulationError(f"GeoJSON: {exc.msg} at line {exc.lineno}") from None
    if isinstance(data, dict) and data.get("type") == "FeatureCollection":
        features = data.get("features") or []
        if not features:
            raise PopulationError("GeoJSON: the feature collection is empty")
        shapes = [parse_polygon(json.dumps(f)) for f in features]
        return shapely.union_all(shapes)
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    try:
        shape = shapely.geometry.shape(data)
    except Exception as exc:  # shapely raises several kinds for bad geometries
        raise PopulationError(f"GeoJSON: not a geometry ({exc})") from None
    if shape.geom_type not in ("Polygon", "MultiPolygon") or shape.is_empty:
        raise PopulationError("GeoJSON: a Polygon or MultiPolygon is needed")
    lon_min, lat_min, lon_max, lat_max = shape.bounds
    if not (-180 <= lon_min <= lon_max <= 180 and -90 <= lat_min <= lat_max <= 90):
        raise PopulationError("GeoJSON: coordinates must be longitude/latitude degrees")
    if not shape.is_valid:
        shape = shape.buffer(0)
    return shape


def design_survey(
    *,
    polygon: Any,
    spacing_m: float = 4000.0,
    density_per_100km2: float = NAMKHA_DENSITY_PER_100KM2,
    sigma_m: float = NAMKHA_SIGMA_M,
    lambda0: float = NAMKHA_LAMBDA0_PER_DAY,
    occasions: int = 90,
    detector: str = "count",
    max_cameras: int = 2000,
) -> DesignResult:
    """Cameras on a square grid over ``polygon`` (lon/lat) and what they should catch.

    ``lambda0`` is per camera-day (one occasion = one day), ``occasions`` the days each
    camera works; :func:`expected_captures` uses the HHN detection function.
    """
    if detector not in DETECTOR_TYPES:
        raise PopulationError(f"unknown detector type {detector!r}")
    if not (spacing_m > 0 and sigma_m > 0 and lambda0 > 0 and density_per_100km2 >= 0):
        raise PopulationError("spacing, sigma and lambda0 must be positive")
    if not 1 <= occasions <= 1000:
        raise PopulationError("occasions must be between 1 and 1000")
    centre = polygon.centroid
    projection = centred_laea([centre.y], [centre.x])
    area_xy = projection.geometry_to_xy(polygon)
    if area_xy.area / spacing_m**2 > max_cameras:
        raise PopulationError(
            f"more than {max_cameras} cameras at this spacing; choose a wider spacing"
        )
    try:
        cameras = camera_grid(area_xy, spacing_m, detector=detector)  # type: ignore[arg-type]
        expected = expected_captures(
            cameras,
            density_per_100km2=density_per_100km2,
            sigma_m=sigma_m,
            lambda0=lambda0,
            occasions=occasions,
        )
    except ValueError as exc:
        raise PopulationError(str(exc)) from None
    return DesignResult(
        expected=expected,
        camera_xy=cameras.xy,
        polygon_xy=area_xy,
        n_cameras=cameras.n_traps,
        area_km2=area_xy.area / 1e6,
        proj4=projection.proj4,
    )


def protected_area_choices() -> list[tuple[str, str]]:
    """(code, name) of the protected areas whose outline the design helper can use."""
    from barys.places.models import ProtectedArea

    return [(p.code, p.name_en) for p in ProtectedArea.objects.order_by("name_en")]


def design_area(*, place_code: str = "", geojson: str = "") -> Any:
    """The study area: a protected area's outline (by code) or a GeoJSON polygon (lon/lat)."""
    if place_code:
        from barys.places.models import ProtectedArea

        place = ProtectedArea.objects.filter(code=place_code).first()
        if place is None:
            raise PopulationError(f"no protected area {place_code!r}")
        return parse_polygon(place.geometry)
    return parse_polygon(geojson)
