"""Maximum-likelihood fitting of SECR models (Borchers & Efford 2008) and their results.

Density ``D`` is in animals per hectare (as secr reports it); ``sigma`` in metres; ``g0`` is a
probability per occasion, ``lambda0`` a hazard per unit of usage (e.g. per camera-day).
Standard errors come from the inverse of the observed information (the Hessian of the full
log-likelihood on the link scale, ``beta = (log D, logit g0 | log lambda0, log sigma)``) and are
back-transformed as secr does; intervals are Wald intervals on the link scale, back-transformed.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray
from scipy import optimize, special, stats

from barys.analytics.secr.capthist import CaptureHistory
from barys.analytics.secr.likelihood import (
    DetectFn,
    SecrData,
    baseline_from_link,
    hazard,
    prepare,
)
from barys.analytics.secr.mask import Mask, make_mask

logger = logging.getLogger(__name__)

__all__ = ["Estimate", "SecrFit", "fit_secr"]

HA_PER_100KM2 = 10_000.0
HA_PER_KM2 = 100.0
EDGE_PDOT_WARNING = 0.1
"""Detection probability at the mask edge above which a too-small buffer is reported."""


@dataclass(frozen=True)
class Estimate:
    """A parameter estimate with standard error and confidence limits (natural scale)."""

    estimate: float
    se: float
    lcl: float
    ucl: float
    link: str = "identity"
    beta: float = math.nan
    """Value on the link scale."""
    se_beta: float = math.nan

    def scaled(self, factor: float) -> Estimate:
        """The same estimate in other units (e.g. per 100 km^2 from per hectare)."""
        return Estimate(
            self.estimate * factor,
            self.se * factor,
            self.lcl * factor,
            self.ucl * factor,
            self.link,
            self.beta,
            self.se_beta,
        )

    @property
    def cv(self) -> float:
        """Coefficient of variation, se / estimate."""
        return self.se / self.estimate if self.estimate else math.nan


def _wald(beta: float, se_beta: float, link: str, z: float) -> Estimate:
    """Back-transform a link-scale estimate as secr does (Lebreton et al. 1992, p. 77).

    Log link: ``SE = exp(beta) * sqrt(exp(se_beta**2) - 1)`` (the log-normal SE); logit
    link: ``SE = p (1 - p) se_beta``. Limits are ``beta -/+ z se_beta`` back-transformed.
    """
    inverse = special.expit if link == "logit" else math.exp
    value = float(inverse(beta))
    if link == "logit":
        se = value * (1.0 - value) * se_beta
    else:
        se = value * math.sqrt(math.expm1(se_beta * se_beta))
    if math.isfinite(se_beta):
        lcl, ucl = float(inverse(beta - z * se_beta)), float(inverse(beta + z * se_beta))
    else:
        lcl = ucl = math.nan
    return Estimate(value, se, lcl, ucl, link, beta, se_beta)


@dataclass(frozen=True, eq=False)
class SecrFit:
    """A fitted SECR model: estimates, log-likelihood (secr's constants included), AIC/AICc."""

    detectfn: str
    detector: str
    estimates: dict[str, Estimate]
    """``D`` (animals/ha), ``g0`` or ``lambda0``, ``sigma`` (m)."""
    beta: NDArray[np.float64]
    beta_names: tuple[str, ...]
    vcov: NDArray[np.float64]
    """Covariance of ``beta`` (link scale)."""
    loglik: float
    n_parameters: int
    n_animals: int
    n_detections: int
    n_occasions: int
    mask: Mask = field(repr=False)
    esa_ha: float
    """Effective sampling area a(theta-hat), hectares."""
    edge_pdot: float
    """Largest detection probability at the mask's edge (large values: buffer too small)."""
    converged: bool
    message: str
    seconds: float
    alpha: float = 0.05

    @property
    def aic(self) -> float:
        """Akaike's information criterion, ``-2 log L + 2 K``."""
        return -2.0 * self.loglik + 2.0 * self.n_parameters

    @property
    def aicc(self) -> float:
        """Small-sample AIC with n = number of animals detected (as secr)."""
        k, n = self.n_parameters, self.n_animals
        return self.aic + (2.0 * k * (k + 1) / (n - k - 1) if n > k + 1 else math.inf)

    @property
    def density(self) -> Estimate:
        """Density in animals per hectare."""
        return self.estimates["D"]

    @property
    def density_per_100km2(self) -> Estimate:
        """Density in animals per 100 km^2 (the unit of snow-leopard surveys)."""
        return self.estimates["D"].scaled(HA_PER_100KM2)

    @property
    def density_per_km2(self) -> Estimate:
        """Density in animals per km^2."""
        return self.estimates["D"].scaled(HA_PER_KM2)

    def region_n(self, region: Mask | float | None = None) -> Estimate:
        """Expected number of animals in a region (secr's ``E.N``): ``D * area``.

        ``region`` is a mask or an area in hectares; default the fitting mask. The interval is
        log-normal, as secr's ``region.N``.
        """
        if region is None:
            area = self.mask.area_ha
        elif isinstance(region, Mask):
            area = region.area_ha
        else:
            area = float(region)
        d = self.estimates["D"]
        value, se = d.estimate * area, d.se * area
        z = stats.norm.ppf(1.0 - self.alpha / 2.0)
        if value > 0 and math.isfinite(se):
            c = math.exp(z * math.sqrt(math.log(1.0 + (se / value) ** 2)))
            return Estimate(value, se, value / c, value * c, "log")
        return Estimate(value, se, math.nan, math.nan, "log")

    def summary(self) -> str:
        """A short text summary of the fit."""
        lines = [
            f"SECR fit: detector {self.detector}, detection function {self.detectfn}",
            f"animals {self.n_animals}, detections {self.n_detections}, occasions "
            f"{self.n_occasions}, mask {self.mask.n_points} points at {self.mask.spacing:g} m",
            f"log-likelihood {self.loglik:.4f}  AIC {self.aic:.3f}  AICc {self.aicc:.3f}",
        ]
        for name, e in self.estimates.items():
            lines.append(
                f"  {name:<8}{e.estimate:>14.6g}  SE {e.se:<12.4g} CI {e.lcl:.6g} - {e.ucl:.6g}"
            )
        per100 = self.density_per_100km2
        lines.append(f"  D per 100 km2 {per100.estimate:.4g} ({per100.lcl:.4g} - {per100.ucl:.4g})")
        return "\n".join(lines)


def _start_values(
    data: SecrData, capthist: CaptureHistory, start: Mapping[str, float] | None
) -> NDArray[np.float64]:
    """Starting ``theta = (baseline link, log sigma)``: sigma from the data, baseline by grid."""
    baseline_name = "g0" if data.detectfn == "HN" else "lambda0"
    sigma = (start or {}).get("sigma", math.nan)
    if not (math.isfinite(sigma) and sigma > 0):
        sigma = capthist.rpsv()
    if not (math.isfinite(sigma) and sigma > 0):
        sigma = capthist.traps.spacing()
    if not (math.isfinite(sigma) and sigma > 0):
        sigma = math.sqrt(data.mask_area * 1e4) / 10.0
    log_sigma = math.log(sigma)
    given = (start or {}).get(baseline_name)
    if given is not None and given > 0:
        link = special.logit(given) if data.detectfn == "HN" else math.log(given)
        return np.array([float(link), log_sigma])
    grid = np.linspace(-5.0, 1.0, 7) if data.detectfn == "HN" else np.linspace(-16.0, 2.0, 13)
    values = [data.profile(np.array([b, log_sigma]))[0] for b in grid]
    return np.array([float(grid[int(np.nanargmax(values))]), log_sigma])


def _hessian(data: SecrData, beta: NDArray[np.float64], step: float = 1e-4) -> NDArray[np.float64]:
    """Hessian of the full log-likelihood by central differences of the analytic gradient."""
    k = len(beta)
    hess = np.empty((k, k))
    for j in range(k):
        offset = np.zeros(k)
        offset[j] = step
        _, up = data.log_likelihood_gradient(beta + offset)
        _, down = data.log_likelihood_gradient(beta - offset)
        hess[:, j] = (up - down) / (2.0 * step)
    return (hess + hess.T) / 2.0


def _edge_points(mask: Mask) -> NDArray[np.bool_]:
    """Mask points with at least one of their four grid neighbours missing."""
    ix = np.round((mask.x - mask.x.min()) / mask.spacing).astype(np.int64) + 1
    iy = np.round((mask.y - mask.y.min()) / mask.spacing).astype(np.int64) + 1
    if (ix.max() + 2) * (iy.max() + 2) > 50_000_000:  # very sparse mask: use a set
        present = set(zip(ix.tolist(), iy.tolist(), strict=True))
        return np.array(
            [
                any(
                    (a + da, b + db) not in present for da, db in ((1, 0), (-1, 0), (0, 1), (0, -1))
                )
                for a, b in zip(ix.tolist(), iy.tolist(), strict=True)
            ]
        )
    grid = np.zeros((ix.max() + 2, iy.max() + 2), dtype=bool)
    grid[ix, iy] = True
    inner = grid[ix + 1, iy] & grid[ix - 1, iy] & grid[ix, iy + 1] & grid[ix, iy - 1]
    return ~inner


def fit_secr(
    capthist: CaptureHistory,
    mask: Mask | None = None,
    *,
    detectfn: DetectFn = "HN",
    usage: NDArray[np.float64] | None = None,
    buffer: float = 100.0,
    start: Mapping[str, float] | None = None,
    alpha: float = 0.05,
) -> SecrFit:
    """Fit a single-session SECR model with constant D, g0 (or lambda0) and sigma.

    ``mask`` defaults to ``make_mask(capthist.traps, buffer)`` (secr.fit's default, buffer in
    metres). ``usage`` (traps x occasions) overrides the traps' usage. ``start`` may give
    starting values for ``g0``/``lambda0`` and ``sigma``. The full likelihood with a Poisson
    number of animals is maximised (secr's default); D is profiled out during the search.
    """
    began = time.perf_counter()
    if capthist.n_animals == 0:
        raise ValueError("no animals were detected")
    if mask is None:
        mask = make_mask(capthist.traps, buffer)
    data = prepare(capthist, mask, detectfn, usage)
    theta0 = _start_values(data, capthist, start)

    def objective(theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        value, grad = data.profile(theta, gradient=True)
        if not math.isfinite(value) or grad is None or not np.isfinite(grad).all():
            return 1e300, np.zeros(2)
        return -value, -grad

    result = optimize.minimize(
        objective, theta0, jac=True, method="BFGS", options={"gtol": 1e-6, "maxiter": 200}
    )
    theta = np.asarray(result.x, dtype=np.float64)
    final_grad = np.asarray(result.jac, dtype=np.float64)
    gradient_ok = bool(np.all(np.abs(final_grad) < 1e-3))
    converged = bool(result.success) or gradient_ok
    if not converged:
        logger.warning("SECR fit did not converge: %s", result.message)

    density = data.density_hat(theta)
    beta = np.array([math.log(density), theta[0], theta[1]])
    loglik = data.log_likelihood(beta)
    hess = _hessian(data, beta)
    try:
        vcov = np.asarray(np.linalg.inv(-hess), dtype=np.float64)
        if np.any(np.diag(vcov) <= 0):
            raise np.linalg.LinAlgError("information matrix not positive definite")
    except np.linalg.LinAlgError as exc:
        logger.warning("SECR standard errors unavailable: %s", exc)
        vcov = np.full((3, 3), np.nan)
    se_beta = np.sqrt(np.diag(vcov))
    z = float(stats.norm.ppf(1.0 - alpha / 2.0))
    baseline_name = "g0" if detectfn == "HN" else "lambda0"
    estimates = {
        "D": _wald(beta[0], se_beta[0], "log", z),
        baseline_name: _wald(beta[1], se_beta[1], "logit" if detectfn == "HN" else "log", z),
        "sigma": _wald(beta[2], se_beta[2], "log", z),
    }
    baseline = baseline_from_link(detectfn, float(beta[1]))
    edge = _edge_points(mask)
    pdot_edge = 0.0
    if edge.any():
        d = np.hypot(mask.x[edge, None] - capthist.traps.x, mask.y[edge, None] - capthist.traps.y)
        total = hazard(d, detectfn, baseline, math.exp(beta[2])) @ data.usage_total
        pdot_edge = float((-np.expm1(-total)).max())
    if pdot_edge > EDGE_PDOT_WARNING:
        logger.warning(
            "detection probability at the mask edge reaches %.3f: the buffer may be too small",
            pdot_edge,
        )
    return SecrFit(
        detectfn=detectfn,
        detector=capthist.detector,
        estimates=estimates,
        beta=beta,
        beta_names=("D", baseline_name, "sigma"),
        vcov=vcov,
        loglik=loglik,
        n_parameters=3,
        n_animals=capthist.n_animals,
        n_detections=capthist.n_detections,
        n_occasions=capthist.n_occasions,
        mask=mask,
        esa_ha=capthist.n_animals / density,
        edge_pdot=pdot_edge,
        converged=converged,
        message=str(result.message),
        seconds=time.perf_counter() - began,
        alpha=alpha,
    )
