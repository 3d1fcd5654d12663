"""The SECR log-likelihood (Borchers & Efford 2008, Biometrics 64:377-385), vectorised.

Detection is described by a hazard ``h(d)`` per unit of usage at distance ``d`` (metres)
between an activity centre and a detector:

* ``HN`` (halfnormal): ``g(d) = g0 exp(-d^2 / (2 sigma^2))`` is the probability of detection
  per occasion at unit usage, and ``h = -log(1 - g)``;
* ``HHN`` (hazard halfnormal): ``h(d) = lambda0 exp(-d^2 / (2 sigma^2))``.

With usage ``u`` (effort) on an occasion, a count detector records Poisson(``u h``)
detections, a proximity detector records a detection with probability ``1 - exp(-u h)``, and a
multi-catch trap catches the animal with probability ``1 - exp(-H)`` (``H`` the hazard summed
over traps), at trap ``k`` with probability ``u_k h_k / H`` (competing hazards).

The full likelihood with a Poisson number of animals (secr's default) is

``log L = n log D - D a(theta) + sum_i log( sum_m Pr(w_i | x_m) A ) - sum_w log(n_w!) + C``

where ``a(theta) = A sum_m p.(x_m)`` is the effective sampling area (``A`` the mask cell area
in hectares, so D is animals per hectare), ``n_w`` the number of animals sharing history
``w`` (the multinomial constant) and ``C`` the data constants (``-sum log y!`` for Poisson
counts). Maximising over D gives ``D-hat = n / a(theta)``.

Parameters are handled on the link scale: ``beta = (log D, link(g0 or lambda0), log sigma)``
with the logit link for g0 and the log link otherwise (secr's defaults). Gradients with respect
to ``beta`` are analytic.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import NDArray
from scipy import sparse, special

from barys.analytics.secr.capthist import CaptureHistory
from barys.analytics.secr.mask import Mask

__all__ = ["DetectFn", "SecrData", "baseline_from_link", "hazard", "prepare"]

DetectFn = Literal["HN", "HHN"]
FloatArray = NDArray[np.float64]


def baseline_from_link(detectfn: DetectFn, beta: float) -> float:
    """g0 (inverse logit, HN) or lambda0 (exp, HHN) from its link-scale value."""
    return float(special.expit(beta)) if detectfn == "HN" else math.exp(beta)


def hazard(d: FloatArray, detectfn: DetectFn, baseline: float, sigma: float) -> FloatArray:
    """Hazard per unit usage at distances ``d`` (metres); baseline is g0 (HN) or lambda0."""
    shape = np.exp(-np.square(d) / (2.0 * sigma * sigma))
    if detectfn == "HHN":
        return baseline * shape
    if detectfn == "HN":
        return -np.log1p(-baseline * shape)
    raise ValueError(f"detectfn must be 'HN' or 'HHN', got {detectfn!r}")


def _rho(z: FloatArray) -> FloatArray:
    """``log(1 - exp(-z)) - log(z)`` for ``z >= 0``, accurate for tiny ``z``."""
    small = z < 1e-8
    safe = np.where(small, 1.0, z)
    return np.where(small, -z / 2.0, np.log(-np.expm1(-safe)) - np.log(safe))


def _psi(z: FloatArray) -> FloatArray:
    """Derivative of ``z + rho(z)``: ``1 / (1 - exp(-z)) - 1 / z``."""
    small = z < 1e-6
    safe = np.where(small, 1.0, z)
    return np.where(small, 0.5 + z / 12.0, 1.0 / -np.expm1(-safe) - 1.0 / safe)


def _rho_into(z: FloatArray, out: FloatArray) -> None:
    """``out = log((1 - exp(-z)) / z)`` (0 where ``z == 0``), without temporaries."""
    np.negative(z, out=out)
    np.expm1(out, out=out)
    np.negative(out, out=out)
    positive = z > 0.0
    np.divide(out, z, out=out, where=positive)
    out[~positive] = 1.0
    np.log(out, out=out)


def _psi_into(z: FloatArray, out: FloatArray) -> None:
    """``out = 1 / (1 - exp(-z)) - 1 / z = (z - t) / (z t)`` with ``t = 1 - exp(-z)``."""
    t = -np.expm1(-z)
    np.subtract(z, t, out=out)
    t *= z
    positive = t > 0.0
    np.divide(out, t, out=out, where=positive)
    out[~positive] = 0.5


@dataclass(frozen=True)
class Evaluation:
    """Pieces of the likelihood at one value of the detection parameters."""

    esa: float
    """Effective sampling area a(theta), hectares."""
    sum_log: float
    """sum_i log( sum_m Pr(w_i | x_m) A )."""
    d_esa: FloatArray | None
    """Gradient of esa with respect to (baseline link, log sigma)."""
    d_sum_log: FloatArray | None


@dataclass(frozen=True, eq=False)
class SecrData:
    """Everything the likelihood needs that does not change with the parameters."""

    detector: str
    detectfn: DetectFn
    d2: FloatArray
    """(mask points x traps) squared distances, m^2."""
    usage: FloatArray
    """(traps x occasions) effort."""
    usage_total: FloatArray
    trap_animal: sparse.csr_matrix
    """(traps x animals): detections (count) or detection cells (multi, proximity)."""
    occasion_animal: FloatArray
    """(occasions x animals) 1 where a multi-catch animal was caught."""
    pair_trap: NDArray[np.int64]
    pair_usage: FloatArray
    pair_animal: sparse.csr_matrix
    """(trap-usage pairs x animals) proximity detections."""
    animal_log_usage: FloatArray
    n_animals: int
    cell_area: float
    constant: float
    mask_area: float
    work: dict[str, FloatArray] = field(default_factory=dict, repr=False)

    # --- the likelihood -------------------------------------------------------------

    def _buffer(self, name: str, shape: tuple[int, ...]) -> FloatArray:
        """A reusable work array (large fresh arrays cost page faults on every call)."""
        buf = self.work.get(name)
        if buf is None or buf.shape != shape:
            # column-major, like d2, so that transposes are C-contiguous for sparse products
            buf = np.empty(shape, order="F")
            self.work[name] = buf
        return buf

    def evaluate(
        self, beta_baseline: float, beta_sigma: float, gradient: bool = False
    ) -> Evaluation:
        """Effective area and summed log-probabilities of the histories (and gradients).

        Not thread-safe: the evaluation reuses work arrays held by this object.
        """
        m_points, n_traps = self.d2.shape
        sigma2 = math.exp(2.0 * beta_sigma)
        shape = self._buffer("shape", (m_points, n_traps))
        h = self._buffer("h", (m_points, n_traps))
        log_h = self._buffer("log_h", (m_points, n_traps))
        np.multiply(self.d2, -0.5 / sigma2, out=shape)
        g0 = 0.0
        if self.detectfn == "HHN":
            np.add(shape, beta_baseline, out=log_h)
            np.exp(log_h, out=h)
        else:
            g0 = float(special.expit(beta_baseline))
            g = self._buffer("g", (m_points, n_traps))
            np.exp(shape, out=g)
            g *= g0
            np.negative(g, out=h)
            np.log1p(h, out=h)
            np.negative(h, out=h)
            with np.errstate(divide="ignore"):
                np.log(h, out=log_h)
            underflow = h == 0.0
            if underflow.any():
                log_h[underflow] = math.log(g0) + shape[underflow]
        hazard_occ = h @ self.usage
        total = hazard_occ.sum(axis=1)
        esa = float(-np.expm1(-total).sum() * self.cell_area)

        per_animal = (self.trap_animal.T @ log_h.T).T
        per_animal += self.animal_log_usage
        per_animal -= total[:, None]
        if self.detector == "multi":
            per_animal += (hazard_occ + _rho(hazard_occ)) @ self.occasion_animal
        elif self.detector == "proximity":
            n_pairs = len(self.pair_trap)
            z = self._buffer("z", (m_points, n_pairs))
            np.take(h, self.pair_trap, axis=1, out=z)
            z *= self.pair_usage
            zr = self._buffer("zr", (m_points, n_pairs))
            _rho_into(z, zr)
            zr += z
            per_animal += (self.pair_animal.T @ zr.T).T
        peak = per_animal.max(axis=0)
        per_animal -= peak
        weights = np.exp(per_animal, out=per_animal)
        norm = weights.sum(axis=0)
        sum_log = float((np.log(norm) + peak).sum()) + self.n_animals * math.log(self.cell_area)
        if not gradient:
            return Evaluation(esa, sum_log, None, None)

        weights /= norm
        weights_t = weights.T  # (animals x mask points), C-contiguous
        weight_sum = weights.sum(axis=1)
        survive = np.exp(-total)
        wb = weights @ self.occasion_animal.T if self.detector == "multi" else None
        wp = None
        if self.detector == "proximity":
            wp = (self.pair_animal @ weights.T).T
            psi_z = self.work["zr"]
            _psi_into(self.work["z"], psi_z)
            psi_z *= self.pair_usage
        # d log h / d beta: slope[j] * factor, with factor = 1 (HHN) or g / ((1 - g) h) (HN)
        factor = None
        if self.detectfn == "HN":
            factor = self._buffer("factor", (m_points, n_traps))
            g = self.work["g"]
            np.subtract(1.0, g, out=factor)
            factor *= h
            with np.errstate(invalid="ignore", divide="ignore"):
                np.divide(g, factor, out=factor)
            factor[h == 0.0] = 1.0
        dh = self._buffer("dh", (m_points, n_traps))
        d_esa = np.empty(2)
        d_sum = np.empty(2)
        for j in range(2):
            # j = 0: baseline link; j = 1: log sigma (d log h / d log sigma = -2 shape)
            dlog = self._buffer("dlog", (m_points, n_traps))
            if j == 0:
                if factor is None:
                    np.copyto(dh, h)
                else:
                    np.multiply(factor, 1.0 - g0, out=dlog)
            else:
                np.multiply(shape, -2.0, out=dlog)
                if factor is not None:
                    dlog *= factor
            if not (j == 0 and factor is None):
                np.multiply(dlog, h, out=dh)
            d_total = dh @ self.usage_total
            d_esa[j] = float(survive @ d_total) * self.cell_area
            if j == 0 and factor is None:  # HHN: d log h / d log lambda0 = 1
                cells = float(self.trap_animal.sum())
            else:
                cells = float(np.vdot(self.trap_animal.T @ dlog.T, weights_t))
            value = cells - float(weight_sum @ d_total)
            if wb is not None:
                value += float(np.vdot(_psi(hazard_occ) * (dh @ self.usage), wb))
            elif wp is not None:
                dz = self._buffer("dz", wp.shape)
                np.take(dh, self.pair_trap, axis=1, out=dz)
                dz *= psi_z
                value += float(np.vdot(dz.T, wp.T))  # both column-major: compare transposes
            d_sum[j] = value
        return Evaluation(esa, sum_log, d_esa, d_sum)

    def log_likelihood(self, beta: FloatArray) -> float:
        """Full log-likelihood at ``beta = (log D, baseline link, log sigma)``."""
        ev = self.evaluate(float(beta[1]), float(beta[2]))
        density = math.exp(beta[0])
        return self.n_animals * float(beta[0]) - density * ev.esa + ev.sum_log + self.constant

    def log_likelihood_gradient(self, beta: FloatArray) -> tuple[float, FloatArray]:
        """Full log-likelihood and its gradient with respect to ``beta``."""
        ev = self.evaluate(float(beta[1]), float(beta[2]), gradient=True)
        assert ev.d_esa is not None and ev.d_sum_log is not None
        density = math.exp(beta[0])
        value = self.n_animals * float(beta[0]) - density * ev.esa + ev.sum_log + self.constant
        grad = np.empty(3)
        grad[0] = self.n_animals - density * ev.esa
        grad[1:] = -density * ev.d_esa + ev.d_sum_log
        return value, grad

    def profile(self, theta: FloatArray, gradient: bool = False) -> tuple[float, FloatArray | None]:
        """Log-likelihood maximised over D, at ``theta = (baseline link, log sigma)``."""
        ev = self.evaluate(float(theta[0]), float(theta[1]), gradient)
        if not (ev.esa > 0 and math.isfinite(ev.sum_log)):
            return -math.inf, (np.full(2, np.nan) if gradient else None)
        n = self.n_animals
        value = n * (math.log(n / ev.esa) - 1.0) + ev.sum_log + self.constant
        if not gradient:
            return value, None
        assert ev.d_esa is not None and ev.d_sum_log is not None
        return value, -n * ev.d_esa / ev.esa + ev.d_sum_log

    def density_hat(self, theta: FloatArray) -> float:
        """D-hat = n / a(theta), animals per hectare."""
        return self.n_animals / self.evaluate(float(theta[0]), float(theta[1])).esa


def _history_multiplicity_constant(capthist: CaptureHistory) -> float:
    """``-sum log(n_w!)`` over groups of animals with identical spatial histories."""
    flat = capthist.counts.reshape(capthist.n_animals, -1)
    _, multiplicity = np.unique(flat, axis=0, return_counts=True)
    return -float(special.gammaln(multiplicity + 1.0).sum())


def prepare(
    capthist: CaptureHistory,
    mask: Mask,
    detectfn: DetectFn,
    usage: FloatArray | None = None,
) -> SecrData:
    """Precompute distances and the detection structure of a capture history on a mask."""
    if detectfn not in ("HN", "HHN"):
        raise ValueError(f"detectfn must be 'HN' or 'HHN', got {detectfn!r}")
    effort = capthist.usage() if usage is None else np.asarray(usage, dtype=np.float64)
    n_traps, n_occ, n = capthist.traps.n_traps, capthist.n_occasions, capthist.n_animals
    if effort.shape != (n_traps, n_occ):
        raise ValueError("usage must be a (traps x occasions) array")
    if (effort < 0).any() or not np.isfinite(effort).all():
        raise ValueError("usage must be finite and non-negative")
    animal, occasion, trap = np.nonzero(capthist.counts)
    count = capthist.counts[animal, occasion, trap].astype(np.float64)
    cell_usage = effort[trap, occasion]
    if (cell_usage <= 0).any():
        raise ValueError("detections at a detector with zero usage on that occasion")
    log_u = np.log(cell_usage)
    is_count = capthist.detector == "count"
    weight = count if is_count else np.ones_like(count)
    trap_animal = sparse.csr_matrix((weight, (trap, animal)), shape=(n_traps, n))
    animal_log_usage = np.bincount(animal, weights=weight * log_u, minlength=n).astype(np.float64)
    occasion_animal = np.zeros((n_occ, n))
    if capthist.detector == "multi":
        occasion_animal[occasion, animal] = 1.0
    pairs, pair_index = np.unique(np.column_stack([trap, cell_usage]), axis=0, return_inverse=True)
    pair_animal = sparse.csr_matrix(
        (np.ones(len(animal)), (pair_index.ravel(), animal)), shape=(len(pairs), n)
    )
    dx = mask.x[:, None] - capthist.traps.x[None, :]
    dy = mask.y[:, None] - capthist.traps.y[None, :]
    constant = _history_multiplicity_constant(capthist)
    if is_count:
        constant -= float(special.gammaln(count + 1.0).sum())
    return SecrData(
        detector=capthist.detector,
        detectfn=detectfn,
        d2=np.asfortranarray(dx * dx + dy * dy),
        usage=effort,
        usage_total=effort.sum(axis=1),
        trap_animal=trap_animal,
        occasion_animal=occasion_animal,
        pair_trap=pairs[:, 0].astype(np.int64),
        pair_usage=pairs[:, 1].astype(np.float64),
        pair_animal=pair_animal,
        animal_log_usage=animal_log_usage,
        n_animals=n,
        cell_area=mask.cell_area_ha,
        constant=constant,
        mask_area=mask.area_ha,
    )
