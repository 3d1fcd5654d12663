"""The computations of a population analysis (pure: capture history in, JSON-able dict out).

Closed capture–recapture (:func:`barys.analytics.capture_recapture.fit_all`) on the
non-spatial histories, and SECR (:func:`barys.analytics.secr.fit_secr`) with the halfnormal
(HN) and hazard-halfnormal (HHN) detection functions on one habitat mask. Density is
reported per hectare (as secr) and per 100 km²; distances in metres.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from barys.analytics.capture_recapture import fit_all
from barys.analytics.secr import CaptureHistory, Mask, SecrFit, fit_secr, hazard, make_mask

#: Default mask buffer (m) and spacing (m) for snow-leopard surveys (sigma of several km).
DEFAULT_BUFFER_M = 15000.0
DEFAULT_SPACING_M = 1500.0
DETECTFNS = ("HN", "HHN")


def _number(value: float) -> float | None:
    return float(value) if value is not None and math.isfinite(value) else None


def make_survey_mask(capthist: CaptureHistory, *, buffer_m: float, spacing_m: float | None) -> Mask:
    """The habitat mask: points within ``buffer_m`` of a detector, ``spacing_m`` apart."""
    return make_mask(capthist.traps, buffer=buffer_m, spacing=spacing_m)


def closed_results(capthist: CaptureHistory) -> dict[str, Any]:
    """The ``fit_all`` table as rows (model, N, SE, limits, deviance, df, AIC)."""
    if capthist.n_occasions < 2:
        return {"rows": [], "note": "closed models need at least two occasions"}
    try:
        table = fit_all(capthist.histories())
    except ValueError as exc:
        return {"rows": [], "note": str(exc)}
    rows = []
    for fit in table.fits:
        rows.append(
            {
                "model": fit.model,
                "n_hat": _number(fit.n_hat),
                "se": _number(fit.se),
                "lcl": _number(fit.lcl),
                "ucl": _number(fit.ucl),
                "deviance": _number(fit.deviance),
                "df": int(fit.df),
                "aic": _number(fit.aic),
            }
        )
    best = table.best.model if rows else None
    return {"rows": rows, "best": best, "note": ""}


def secr_results(fit: SecrFit) -> dict[str, Any]:
    """One SECR fit as a dict (estimates on the natural scale; D also per 100 km²)."""
    estimates = {
        name: {
            "estimate": _number(e.estimate),
            "se": _number(e.se),
            "lcl": _number(e.lcl),
            "ucl": _number(e.ucl),
        }
        for name, e in fit.estimates.items()
    }
    d100 = fit.density_per_100km2
    n = fit.region_n()
    return {
        "detectfn": fit.detectfn,
        "detector": fit.detector,
        "estimates": estimates,
        "density_per_100km2": {
            "estimate": _number(d100.estimate),
            "se": _number(d100.se),
            "lcl": _number(d100.lcl),
            "ucl": _number(d100.ucl),
        },
        "region_n": {
            "estimate": _number(n.estimate),
            "se": _number(n.se),
            "lcl": _number(n.lcl),
            "ucl": _number(n.ucl),
        },
        "loglik": _number(fit.loglik),
        "aic": _number(fit.aic),
        "aicc": _number(fit.aicc),
        "n_parameters": fit.n_parameters,
        "esa_ha": _number(fit.esa_ha),
        "edge_pdot": _number(fit.edge_pdot),
        "converged": bool(fit.converged),
        "seconds": round(fit.seconds, 3),
    }


def run(
    capthist: CaptureHistory,
    *,
    buffer_m: float = DEFAULT_BUFFER_M,
    spacing_m: float | None = DEFAULT_SPACING_M,
    report: Callable[[float, str], None] | None = None,
) -> dict[str, Any]:
    """Closed models and SECR (HN, HHN) on ``capthist``; a JSON-able dict of the results."""

    def say(progress: float, message: str) -> None:
        if report is not None:
            report(progress, message)

    say(5, "closed capture–recapture models")
    results: dict[str, Any] = {
        "n_animals": capthist.n_animals,
        "n_detections": capthist.n_detections,
        "n_occasions": capthist.n_occasions,
        "n_detectors": capthist.traps.n_traps,
        "detector": capthist.detector,
        "effort_days": float(capthist.usage().sum()),
        "closed": closed_results(capthist),
    }
    mask = make_survey_mask(capthist, buffer_m=buffer_m, spacing_m=spacing_m)
    results["mask"] = {
        "buffer_m": buffer_m,
        "spacing_m": float(mask.spacing),
        "n_points": mask.n_points,
        "area_km2": float(mask.area_km2),
    }
    fits: dict[str, Any] = {}
    for number, detectfn in enumerate(DETECTFNS):
        say(20 + 35 * number, f"SECR, detection function {detectfn}")
        try:
            fit = fit_secr(capthist, mask=mask, detectfn=detectfn)  # type: ignore[arg-type]
        except (ValueError, ArithmeticError, np.linalg.LinAlgError) as exc:
            # too few recaptures can make the fit degenerate (e.g. an infinite SE)
            fits[detectfn] = {"error": str(exc)}
            continue
        fits[detectfn] = secr_results(fit)
    results["secr"] = fits
    say(95, "done")
    return results


def detection_curve(
    detectfn: str, baseline: float, sigma: float, distances: np.ndarray
) -> np.ndarray:
    """Probability of at least one detection per occasion and unit of usage at distance d."""
    return -np.expm1(-hazard(distances, detectfn, baseline, sigma))  # type: ignore[arg-type]


def density_surface(
    capthist: CaptureHistory, mask: Mask, detectfn: str, estimates: dict[str, Any]
) -> np.ndarray:
    """Expected activity centres per mask cell (secr's ``fxTotal`` times the cell area).

    Detected animals contribute their posterior distribution of activity centres given
    their capture histories; undetected ones ``D (1 − p.(x))`` per cell. Sums to the expected
    number of animals in the mask.
    """
    baseline_name = "g0" if detectfn == "HN" else "lambda0"
    baseline = float(estimates[baseline_name]["estimate"])
    sigma = float(estimates["sigma"]["estimate"])
    density_ha = float(estimates["D"]["estimate"])
    traps = capthist.traps
    d = np.hypot(mask.x[:, None] - traps.x[None, :], mask.y[:, None] - traps.y[None, :])
    h = np.asarray(hazard(d, detectfn, baseline, sigma), dtype=np.float64)  # type: ignore[arg-type]
    usage = capthist.usage()  # traps x occasions
    total_hazard = h @ usage.sum(axis=1)
    pdot = -np.expm1(-total_hazard)
    counts = capthist.counts  # animals x occasions x traps
    tiny = 1e-300
    if capthist.detector == "count":
        y = counts.sum(axis=1)  # animals x traps
        with np.errstate(divide="ignore"):
            loglik = y @ np.log(np.maximum(h, tiny)).T - total_hazard[None, :]
    elif capthist.detector == "proximity":
        loglik = np.zeros((capthist.n_animals, mask.n_points))
        for s in range(capthist.n_occasions):
            uh = h * usage[:, s][None, :]
            caught = np.log(np.maximum(-np.expm1(-uh), tiny))
            loglik += counts[:, s, :] @ caught.T - (1 - counts[:, s, :]) @ uh.T
    else:
        loglik = np.zeros((capthist.n_animals, mask.n_points))
        for s in range(capthist.n_occasions):
            uh = h * usage[:, s][None, :]
            big_h = np.maximum(uh.sum(axis=1), tiny)
            caught = np.log(np.maximum(-np.expm1(-big_h), tiny))[:, None] + np.log(
                np.maximum(uh, tiny) / big_h[:, None]
            )
            seen = counts[:, s, :].sum(axis=1) > 0
            loglik += counts[:, s, :] @ caught.T
            loglik[~seen] -= big_h[None, :]
    loglik -= loglik.max(axis=1, keepdims=True)
    posterior = np.exp(loglik)
    posterior /= posterior.sum(axis=1, keepdims=True)
    return posterior.sum(axis=0) + density_ha * mask.cell_area_ha * (1.0 - pdot)
