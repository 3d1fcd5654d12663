"""Single-season site occupancy model by maximum likelihood.

MacKenzie, D. I., Nichols, J. D., Lachman, G. B., Droege, S., Royle, J. A. & Langtimm, C. A.
(2002) Estimating site occupancy rates when detection probabilities are less than one.
Ecology 83:2248-2255.

For site ``i`` with detection history ``y_i`` over its surveyed occasions,

    L_i = psi_i * prod_j p_ij^y_ij (1 - p_ij)^(1 - y_ij) + (1 - psi_i) * [no detection at i]

with ``logit(psi_i) = x_i' beta`` and ``logit(p_ij) = v_ij' alpha``. The negative
log-likelihood is minimised with BFGS and an analytic gradient, polished with Newton steps;
standard errors come from the inverse of the observed information (the Hessian, by central
differences of the analytic gradient). This is the model of unmarked's ``occu`` (Fiske &
Chandler 2011, J. Stat. Softw. 43(10)), whose results it reproduces.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special, stats

from barys.analytics.occupancy.formula import Formula, design_matrix, parse_formula

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Estimate:
    """A coefficient on the logit (link) scale with its standard error."""

    estimate: float
    se: float

    @property
    def z(self) -> float:
        return self.estimate / self.se if self.se > 0 else float("nan")

    @property
    def p_value(self) -> float:
        """Two-sided Wald test of a zero coefficient."""
        return float(2 * stats.norm.sf(abs(self.z)))


@dataclass(frozen=True)
class Prediction:
    """Predicted probabilities (natural scale) with delta-method SE and a Wald interval.

    The interval is computed on the logit scale and back-transformed.
    """

    estimate: NDArray[np.float64]
    se: NDArray[np.float64]
    lower: NDArray[np.float64]
    upper: NDArray[np.float64]


@dataclass(frozen=True)
class OccupancyFit:
    """Result of :func:`fit_occupancy`. Sites not used in the fit carry ``NaN`` values."""

    psi_formula: Formula
    p_formula: Formula
    psi_coefficients: dict[str, Estimate]
    p_coefficients: dict[str, Estimate]
    covariance: NDArray[np.float64]
    log_likelihood: float
    n_parameters: int
    sites_used: NDArray[np.bool_]
    psi: Prediction
    p: NDArray[np.float64]
    conditional_occupancy: NDArray[np.float64]
    converged: bool
    levels: dict[str, tuple[str, ...]] = field(default_factory=dict)

    @property
    def aic(self) -> float:
        return -2.0 * self.log_likelihood + 2.0 * self.n_parameters

    @property
    def n_sites(self) -> int:
        return int(self.sites_used.sum())

    @property
    def estimates(self) -> dict[str, Estimate]:
        """All coefficients named like unmarked: ``"psi((Intercept))"``, ``"p(Temperature)"``."""
        out = {f"psi({k})": v for k, v in self.psi_coefficients.items()}
        out.update({f"p({k})": v for k, v in self.p_coefficients.items()})
        return out

    def _predict(
        self,
        formula: Formula,
        coefs: dict[str, Estimate],
        offset: int,
        covariates: Mapping[str, ArrayLike],
        n: int,
    ) -> Prediction:
        arrays = {k: np.asarray(v) for k, v in covariates.items()}
        names, design, _ = design_matrix(
            formula, arrays, (n,), submodel="prediction", levels=self.levels
        )
        if tuple(coefs) != names:
            raise ValueError(
                f"prediction design {names} differs from the fitted one {tuple(coefs)}"
            )
        beta = np.array([c.estimate for c in coefs.values()])
        cov = self.covariance[offset : offset + len(beta), offset : offset + len(beta)]
        return _prediction(design @ beta, np.einsum("ij,jk,ik->i", design, cov, design))

    def predict_psi(
        self, site_covariates: Mapping[str, ArrayLike] | None = None, *, n: int = 1
    ) -> Prediction:
        """Occupancy probability for new covariate values (1-D arrays of equal length)."""
        covariates = dict(site_covariates or {})
        length = len(np.asarray(next(iter(covariates.values())))) if covariates else n
        return self._predict(self.psi_formula, self.psi_coefficients, 0, covariates, length)

    def predict_p(
        self, covariates: Mapping[str, ArrayLike] | None = None, *, n: int = 1
    ) -> Prediction:
        """Detection probability for new covariate values (1-D arrays of equal length)."""
        values = dict(covariates or {})
        length = len(np.asarray(next(iter(values.values())))) if values else n
        return self._predict(
            self.p_formula, self.p_coefficients, len(self.psi_coefficients), values, length
        )


def _prediction(eta: NDArray[np.float64], variance: NDArray[np.float64]) -> Prediction:
    se_link = np.sqrt(np.maximum(variance, 0.0))
    prob = special.expit(eta)
    z = stats.norm.ppf(0.975)
    return Prediction(
        estimate=prob,
        se=prob * (1 - prob) * se_link,
        lower=special.expit(eta - z * se_link),
        upper=special.expit(eta + z * se_link),
    )


class _Likelihood:
    """Negative log-likelihood and gradient for sites with at least one surveyed occasion."""

    def __init__(
        self, y: NDArray[np.float64], x: NDArray[np.float64], v: NDArray[np.float64]
    ) -> None:
        self.observed = ~np.isnan(y)
        self.y = np.where(self.observed, y, 0.0)
        self.x = x
        self.v = np.where(self.observed[..., None], v, 0.0)
        self.detected = (self.y > 0).any(axis=1)
        self.k_psi = x.shape[1]

    def parts(self, theta: NDArray[np.float64]) -> tuple[NDArray[np.float64], ...]:
        eta_psi = self.x @ theta[: self.k_psi]
        eta_p = self.v @ theta[self.k_psi :]
        log_p = -np.logaddexp(0.0, -eta_p)
        log_q = -np.logaddexp(0.0, eta_p)
        log_psi, log_not_psi = -np.logaddexp(0.0, -eta_psi), -np.logaddexp(0.0, eta_psi)
        history = np.where(self.observed, self.y * log_p + (1 - self.y) * log_q, 0.0).sum(axis=1)
        occupied = log_psi + history
        site_ll = np.where(self.detected, occupied, np.logaddexp(occupied, log_not_psi))
        weight = np.exp(occupied - site_ll)  # P(occupied | data): 1 where detected
        return site_ll, weight, special.expit(eta_psi), special.expit(eta_p)

    def __call__(self, theta: NDArray[np.float64]) -> tuple[float, NDArray[np.float64]]:
        site_ll, weight, psi, p = self.parts(theta)
        grad_beta = self.x.T @ (weight - psi)
        resid = np.where(self.observed, self.y - weight[:, None] * p, 0.0)
        grad_alpha = np.einsum("ij,ijk->k", resid, self.v)
        return -float(site_ll.sum()), -np.concatenate([grad_beta, grad_alpha])

    def hessian(self, theta: NDArray[np.float64]) -> NDArray[np.float64]:
        k = theta.size
        hess = np.empty((k, k))
        for i in range(k):
            step = 1e-5 * max(1.0, abs(theta[i]))
            up, down = theta.copy(), theta.copy()
            up[i] += step
            down[i] -= step
            hess[:, i] = (self(up)[1] - self(down)[1]) / (2 * step)
        return (hess + hess.T) / 2


def _prepare_y(y: ArrayLike) -> NDArray[np.float64]:
    values = np.array(y, dtype=np.float64)
    if values.ndim != 2:
        raise ValueError(f"y must be sites x occasions (2-D), got shape {values.shape}")
    finite = values[~np.isnan(values)]
    if np.any(finite < 0) or np.any(finite != np.round(finite)):
        raise ValueError(
            "y must hold non-negative whole numbers (or NaN for occasions not surveyed)"
        )
    if np.any(finite > 1):
        logger.info("fit_occupancy: %d counts above 1 truncated to 1", int((finite > 1).sum()))
    return np.where(np.isnan(values), np.nan, np.minimum(values, 1.0))


def fit_occupancy(
    y: ArrayLike,
    *,
    site_covariates: Mapping[str, ArrayLike] | None = None,
    observation_covariates: Mapping[str, ArrayLike] | None = None,
    psi: str | Sequence[str] = "~ 1",
    p: str | Sequence[str] = "~ 1",
) -> OccupancyFit:
    """Fit a single-season occupancy model (MacKenzie et al. 2002) by maximum likelihood.

    Parameters
    ----------
    y
        Sites x occasions detections: 1/0 (counts above 1 are truncated to 1), ``NaN`` where
        the occasion was not surveyed.
    site_covariates
        Name -> 1-D array (one value per site); usable in both ``psi`` and ``p``.
    observation_covariates
        Name -> 2-D array (sites x occasions); usable in ``p``.
    psi, p
        Formulas such as ``"~ MinAfterSunset + Temperature"`` or ``"~ 1"``, or lists of names.

    Sites without any surveyed occasion, or with a missing site covariate that the model uses,
    are left out; an observation with a missing observation covariate is treated as not
    surveyed (both as unmarked does). Covariates are used as given (standardise them first).
    """
    detections = _prepare_y(y)
    n_sites, n_occasions = detections.shape
    site_covs = {k: np.asarray(v) for k, v in (site_covariates or {}).items()}
    obs_covs = {k: np.asarray(v) for k, v in (observation_covariates or {}).items()}
    for name, values in site_covs.items():
        if values.shape != (n_sites,):
            raise ValueError(
                f"site covariate {name!r} has shape {values.shape}, expected ({n_sites},)"
            )
    for name, values in obs_covs.items():
        if values.shape != (n_sites, n_occasions):
            raise ValueError(
                f"observation covariate {name!r} has shape {values.shape}, expected {(n_sites, n_occasions)}"
            )
        if name in site_covs:
            raise ValueError(f"covariate {name!r} is given both per site and per observation")
    psi_formula, p_formula = parse_formula(psi), parse_formula(p)
    psi_names, x, psi_levels = design_matrix(psi_formula, site_covs, (n_sites,), submodel="psi")
    p_covs: dict[str, NDArray[np.generic]] = {
        **{k: v[:, None] for k, v in site_covs.items()},
        **obs_covs,
    }
    p_names, v, p_levels = design_matrix(p_formula, p_covs, (n_sites, n_occasions), submodel="p")

    missing_obs = ~np.isnan(detections) & np.isnan(v).any(axis=2)
    if missing_obs.any():
        logger.warning(
            "fit_occupancy: %d observations with missing covariates treated as not surveyed",
            int(missing_obs.sum()),
        )
        detections = np.where(missing_obs, np.nan, detections)
    used = np.asarray(~np.isnan(detections).all(axis=1) & ~np.isnan(x).any(axis=1), dtype=bool)
    if not used.any():
        raise ValueError(
            "fit_occupancy: no site has both a surveyed occasion and complete covariates"
        )
    if (~used).any():
        logger.warning(
            "fit_occupancy: %d of %d sites left out (no surveyed occasion or missing site covariate)",
            int((~used).sum()),
            n_sites,
        )
    lik = _Likelihood(detections[used], x[used], v[used])
    k = len(psi_names) + len(p_names)
    result = optimize.minimize(
        lik, np.zeros(k), jac=True, method="BFGS", options={"gtol": 1e-9, "maxiter": 2000}
    )
    theta = np.asarray(result.x, dtype=np.float64)
    for _ in range(5):  # Newton polish: tightens the optimum for reproducible SEs and AIC
        hess = lik.hessian(theta)
        grad = lik(theta)[1]
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        candidate = theta - step
        if not lik(candidate)[0] <= lik(theta)[0] + 1e-12:
            break
        theta = candidate
        if np.max(np.abs(step)) < 1e-10:
            break
    hess = lik.hessian(theta)
    try:
        covariance = np.asarray(np.linalg.inv(hess), dtype=np.float64)
        converged = bool(np.all(np.isfinite(covariance)) and np.all(np.diag(covariance) > 0))
    except np.linalg.LinAlgError:
        covariance = np.full((k, k), np.nan)
        converged = False
    converged = converged and bool(np.max(np.abs(lik(theta)[1])) < 1e-4)
    if not converged:
        logger.warning(
            "fit_occupancy: optimiser did not converge cleanly (%s); check for boundary estimates",
            result.message,
        )
    se = np.sqrt(np.where(np.diag(covariance) > 0, np.diag(covariance), np.nan))
    coefs = [Estimate(float(t), float(s)) for t, s in zip(theta, se, strict=True)]
    n_psi = len(psi_names)

    psi_pred = _prediction(
        x @ theta[:n_psi], np.einsum("ij,jk,ik->i", x, covariance[:n_psi, :n_psi], x)
    )
    site_ll, weight, _, p_used = lik.parts(theta)
    psi_full = Prediction(
        *(
            np.where(used, arr, np.nan)
            for arr in (psi_pred.estimate, psi_pred.se, psi_pred.lower, psi_pred.upper)
        )
    )
    p_full = np.full((n_sites, n_occasions), np.nan)
    p_full[used] = np.where(lik.observed, p_used, np.nan)
    conditional = np.full(n_sites, np.nan)
    conditional[used] = weight
    return OccupancyFit(
        psi_formula=psi_formula,
        p_formula=p_formula,
        psi_coefficients=dict(zip(psi_names, coefs[:n_psi], strict=True)),
        p_coefficients=dict(zip(p_names, coefs[n_psi:], strict=True)),
        covariance=covariance,
        log_likelihood=float(site_ll.sum()),
        n_parameters=k,
        sites_used=used,
        psi=psi_full,
        p=p_full,
        conditional_occupancy=conditional,
        converged=converged,
        levels={**psi_levels, **p_levels},
    )
