"""Closed-population capture–recapture as log-linear Poisson models.

The frequencies of the ``2**t - 1`` observable capture histories of a closed population are
modelled as independent Poisson counts with ``log E[n_w] = x_w' beta`` (Cormack 1989; Rivest &
Lévesque 2001; Baillargeon & Rivest 2007, *Rcapture: loglinear models for capture-recapture in
R*, Journal of Statistical Software 19(5)). The unobserved history ``00…0`` has a design row of
zeros, so its expected frequency is ``exp(intercept)`` and ``N-hat = n + exp(intercept)``.

Models (the names used by Rcapture's ``closedp``):

* ``M0``: one column, the number of captures of the history.
* ``Mt``: one column per occasion.
* ``Mb``: occasions before the first capture and captures after the first (behavioural
  response, Otis et al. 1978); ``N-hat`` comes from the geometric series of first captures.
* ``Mbh``: ``Mb`` with a separate term for animals first caught after occasion 1.
* ``Mh Chao`` (Chao's lower bound, Rivest & Baillargeon 2007): columns ``(k - j + 1)+`` for
  ``j = 3..t`` (``k`` = number of captures); negative ``eta`` parameters are dropped one at a
  time and the model is refitted, as Rcapture does with ``neg = TRUE``.
* ``Mh Poisson2``: column ``2**k - 1``; ``Mh Darroch``: ``k**2 / 2``; ``Mh Gamma3.5``:
  ``-log(3.5 + k) + log(3.5)``.
* ``Mth …``: the ``Mt`` columns plus the heterogeneity column(s) above.

Standard error (Rcapture): ``sqrt(mu0 + mu0**2 * V[0, 0])`` with ``mu0 = exp(intercept)`` and
``V`` the unscaled covariance of the Poisson fit; for ``Mb``/``Mbh`` the delta method on
``N(beta)`` minus ``N``. Confidence intervals: the multinomial profile likelihood of Cormack
(1992) with his correction term (``ci="profile"``, as Rcapture's ``closedpCI``) or the
log-normal interval of Chao (1987) (``ci="lognormal"``).
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import optimize, special, stats

logger = logging.getLogger(__name__)

__all__ = [
    "MODELS",
    "ClosedFit",
    "ModelComparison",
    "PoissonFit",
    "capture_frequencies",
    "fit_all",
    "fit_closed",
    "observable_histories",
]

MODELS: tuple[str, ...] = (
    "M0",
    "Mt",
    "Mh Chao",
    "Mh Poisson2",
    "Mh Darroch",
    "Mh Gamma3.5",
    "Mth Chao",
    "Mth Poisson2",
    "Mth Darroch",
    "Mth Gamma3.5",
    "Mb",
    "Mbh",
)
"""Model names accepted by :func:`fit_closed`, in Rcapture's ``closedp`` order."""

MAX_OCCASIONS = 20
CiMethod = Literal["profile", "lognormal", "none"]


@dataclass(frozen=True)
class PoissonFit:
    """A fitted Poisson log-linear model of capture-history frequencies."""

    coef: NDArray[np.float64]
    """Coefficients; the first is the intercept (log expected frequency of ``00…0``)."""
    cov_unscaled: NDArray[np.float64]
    """Inverse Fisher information ``(X' W X)^-1``."""
    fitted: NDArray[np.float64]
    deviance: float
    df: int
    aic: float
    column_names: tuple[str, ...]
    converged: bool


@dataclass(frozen=True)
class ClosedFit:
    """Abundance estimate of one closed-population model (animals in the population)."""

    model: str
    n_captured: int
    n_hat: float
    """Poisson estimate of population size N (Rcapture's ``abundance``)."""
    se: float
    """Standard error of ``n_hat``."""
    lcl: float
    """Lower confidence limit for N (method in ``ci_method``)."""
    ucl: float
    """Upper confidence limit for N (``inf`` where the profile never drops far enough)."""
    deviance: float
    df: int
    aic: float
    ci_method: str
    n_hat_multinomial: float | None = None
    """Maximum of the multinomial profile likelihood (``ci="profile"`` only)."""
    coefficients: dict[str, float] = field(default_factory=dict)
    dropped_eta: tuple[str, ...] = ()
    """Chao ``eta`` columns dropped because their estimates were negative."""
    converged: bool = True


@dataclass(frozen=True)
class ModelComparison:
    """Results of :func:`fit_all`, in Rcapture's order, with AIC differences."""

    n_captured: int
    occasions: int
    fits: tuple[ClosedFit, ...]

    @property
    def best(self) -> ClosedFit:
        """The model with the smallest AIC."""
        return min(self.fits, key=lambda f: f.aic)

    def rows(self) -> list[dict[str, float | int | str]]:
        """One dictionary per model: model, n_hat, se, deviance, df, aic, delta_aic."""
        best_aic = self.best.aic
        return [
            {
                "model": f.model,
                "n_hat": f.n_hat,
                "se": f.se,
                "lcl": f.lcl,
                "ucl": f.ucl,
                "deviance": f.deviance,
                "df": f.df,
                "aic": f.aic,
                "delta_aic": f.aic - best_aic,
            }
            for f in self.fits
        ]

    def __str__(self) -> str:
        lines = [f"{'model':<14}{'N-hat':>9}{'SE':>8}{'deviance':>10}{'df':>5}{'AIC':>10}"]
        for f in self.fits:
            lines.append(
                f"{f.model:<14}{f.n_hat:>9.1f}{f.se:>8.1f}{f.deviance:>10.3f}{f.df:>5d}{f.aic:>10.3f}"
            )
        return "\n".join(lines)


def observable_histories(occasions: int) -> NDArray[np.int64]:
    """All ``2**t - 1`` non-empty capture histories, as rows of 0/1 (first row ``11…1``)."""
    if occasions < 2 or occasions > MAX_OCCASIONS:
        raise ValueError(f"occasions must be between 2 and {MAX_OCCASIONS}, got {occasions}")
    codes = np.arange(2**occasions - 1, 0, -1)
    shifts = np.arange(occasions - 1, -1, -1)
    return ((codes[:, None] >> shifts[None, :]) & 1).astype(np.int64)


def _validate_histories(histories: ArrayLike) -> NDArray[np.int64]:
    array = np.asarray(histories)
    if array.ndim != 2:
        raise ValueError(f"histories must be a 2-D (animals x occasions) array, got {array.ndim}-D")
    if array.shape[0] == 0:
        raise ValueError("histories has no animals")
    if not np.isin(array, (0, 1)).all():
        raise ValueError("histories must contain only 0 and 1")
    array = array.astype(np.int64)
    if (array.sum(axis=1) == 0).any():
        raise ValueError("every animal must be caught at least once (rows of zeros found)")
    if array.shape[1] < 2 or array.shape[1] > MAX_OCCASIONS:
        raise ValueError(f"between 2 and {MAX_OCCASIONS} occasions are supported")
    return array


def capture_frequencies(histories: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.float64]]:
    """Observable histories and their observed frequencies for an (animals x t) 0/1 array."""
    array = _validate_histories(histories)
    t = array.shape[1]
    cells = observable_histories(t)
    weights = 1 << np.arange(t - 1, -1, -1)
    codes = array @ weights
    counts = np.bincount(codes, minlength=2**t).astype(np.float64)
    cell_codes = cells @ weights
    return cells, counts[cell_codes]


def _first_capture(cells: NDArray[np.int64]) -> NDArray[np.int64]:
    """Occasion (1-based) of the first capture of each history."""
    return np.argmax(cells == 1, axis=1).astype(np.int64) + 1


def _heterogeneity(kind: str, k: NDArray[np.float64]) -> tuple[NDArray[np.float64], list[str]]:
    t = int(k.max())
    if kind == "Chao":
        cols = [np.maximum(k - j + 1, 0.0) for j in range(3, t + 1)]
        return np.column_stack(cols), [f"eta{j}" for j in range(3, t + 1)]
    if kind == "Poisson2":
        return (2.0**k - 1.0)[:, None], ["tau"]
    if kind == "Darroch":
        return (k**2 / 2.0)[:, None], ["tau"]
    if kind == "Gamma3.5":
        return (-np.log(3.5 + k) + math.log(3.5))[:, None], ["tau"]
    raise ValueError(f"unknown heterogeneity form {kind!r}")


def design_matrix(model: str, occasions: int) -> tuple[NDArray[np.float64], list[str]]:
    """Design columns (without intercept) of ``model`` for the observable histories."""
    cells = observable_histories(occasions).astype(np.float64)
    k = cells.sum(axis=1)
    first = _first_capture(cells.astype(np.int64)).astype(np.float64)
    if model == "M0":
        return k[:, None], ["beta"]
    if model == "Mt":
        return cells, [f"beta{i}" for i in range(1, occasions + 1)]
    if model == "Mb":
        return np.column_stack([first - 1.0, k - 1.0]), ["beta1", "beta2"]
    if model == "Mbh":
        return np.column_stack([1.0 - cells[:, 0], first - 1.0, k - 1.0]), [
            "eta",
            "beta1",
            "beta2",
        ]
    for prefix, base, base_names in (
        ("Mth ", cells, [f"beta{i}" for i in range(1, occasions + 1)]),
        ("Mh ", k[:, None], ["beta"]),
    ):
        if model.startswith(prefix):
            if occasions < 3:
                raise ValueError(f"model {model!r} needs at least 3 occasions")
            het, het_names = _heterogeneity(model[len(prefix) :], k)
            return np.column_stack([base, het]), base_names + het_names
    raise ValueError(f"unknown model {model!r}; choose one of {', '.join(MODELS)}")


def fit_poisson(
    y: NDArray[np.float64],
    columns: NDArray[np.float64],
    names: Sequence[str],
    *,
    max_iter: int = 100,
    tol: float = 1e-10,
) -> PoissonFit:
    """Fit a Poisson log-linear model with an intercept by iteratively reweighted least squares."""
    x = np.column_stack([np.ones(len(y)), columns])
    mu = y + 0.5
    eta = np.log(mu)
    beta = np.zeros(x.shape[1])
    deviance = math.inf
    converged = False
    for _ in range(max_iter):
        z = eta + (y - mu) / mu
        w = np.sqrt(mu)
        beta, *_ = np.linalg.lstsq(x * w[:, None], z * w, rcond=None)
        eta = np.clip(x @ beta, -700.0, 700.0)
        mu = np.exp(eta)
        new_deviance = _poisson_deviance(y, mu)
        if abs(new_deviance - deviance) / (abs(new_deviance) + 0.1) < tol:
            deviance = new_deviance
            converged = True
            break
        deviance = new_deviance
    info = x.T @ (x * mu[:, None])
    cov = np.asarray(np.linalg.pinv(info), dtype=np.float64)
    loglik = float(np.sum(special.xlogy(y, mu) - mu - special.gammaln(y + 1.0)))
    return PoissonFit(
        coef=beta,
        cov_unscaled=cov,
        fitted=mu,
        deviance=float(deviance),
        df=int(len(y) - np.linalg.matrix_rank(x)),
        aic=-2.0 * loglik + 2.0 * x.shape[1],
        column_names=("(Intercept)", *names),
        converged=converged,
    )


def _poisson_deviance(y: NDArray[np.float64], mu: NDArray[np.float64]) -> float:
    return float(2.0 * np.sum(special.xlogy(y, y) - special.xlogy(y, mu) - (y - mu)))


def _fit_dropping_negative_eta(
    y: NDArray[np.float64], columns: NDArray[np.float64], names: list[str], n_base: int
) -> tuple[PoissonFit, NDArray[np.float64], list[str], tuple[str, ...]]:
    """Refit without the first negative Chao ``eta`` until none is negative (Rcapture ``neg``)."""
    dropped: list[str] = []
    fit = fit_poisson(y, columns, names)
    while True:
        negative = [
            i
            for i, name in enumerate(names)
            if i >= n_base and name.startswith("eta") and fit.coef[1 + i] < 0
        ]
        if not negative:
            return fit, columns, names, tuple(dropped)
        drop = negative[0]
        dropped.append(names[drop])
        columns = np.delete(columns, drop, axis=1)
        names = names[:drop] + names[drop + 1 :]
        fit = fit_poisson(y, columns, names)


def _abundance_function(
    model: str, occasions: int, n_captured: int
) -> Callable[[NDArray[np.float64]], float]:
    """N as a function of the coefficient vector."""
    t = occasions
    if model in ("Mb", "Mbh"):
        # First captures at occasion j >= 2 decline geometrically with ratio
        # r = exp(beta1) / (1 + exp(beta2)); N sums that series to infinity.
        def n_removal(beta: NDArray[np.float64]) -> float:
            b0 = beta[0]
            eta = beta[1] if model == "Mbh" else 0.0
            b1, b2 = beta[-2], beta[-1]
            scale = math.exp(b0) * (1.0 + math.exp(b2)) ** (t - 1)
            return scale * (1.0 + math.exp(eta + b1) / (1.0 + math.exp(b2) - math.exp(b1)))

        return n_removal

    def n_standard(beta: NDArray[np.float64]) -> float:
        return n_captured + math.exp(beta[0])

    return n_standard


def _gradient(
    func: Callable[[NDArray[np.float64]], float], beta: NDArray[np.float64]
) -> NDArray[np.float64]:
    grad = np.empty_like(beta)
    for i in range(len(beta)):
        step = 1e-6 * max(1.0, abs(beta[i]))
        up, down = beta.copy(), beta.copy()
        up[i] += step
        down[i] -= step
        grad[i] = (func(up) - func(down)) / (2.0 * step)
    return grad


def _profile_interval(
    y: NDArray[np.float64],
    columns: NDArray[np.float64],
    names: list[str],
    n_base: int,
    chao: bool,
    n_captured: int,
    n_hat: float,
    alpha: float,
    upper_factor: float,
) -> tuple[float, float, float]:
    """Cormack's (1992) multinomial profile likelihood: (N-hat, lower, upper)."""
    aug_columns = np.vstack([columns, np.zeros((1, columns.shape[1]))])

    def loglik(n_total: float) -> float:
        n0 = max(n_total - n_captured, 0.0)
        aug_y = np.append(y, n0)
        if chao:
            fit, *_ = _fit_dropping_negative_eta(aug_y, aug_columns, list(names), n_base)
        else:
            fit = fit_poisson(aug_y, aug_columns, names)
        total = float(aug_y.sum())
        correction = (
            special.xlogy(n0, n0)
            + special.gammaln(total + 1.0)
            - special.xlogy(total, total)
            - special.gammaln(n0 + 1.0)
        )
        return -(fit.deviance - 2.0 * correction) / 2.0

    res = optimize.minimize_scalar(
        lambda v: -loglik(v),
        bounds=(n_captured, max(1.5 * n_hat, n_captured + 1.0)),
        method="bounded",
        options={"xatol": 1e-5},
    )
    n_max = float(res.x)
    target = -float(res.fun) - stats.chi2.ppf(1.0 - alpha, 1) / 2.0

    def excess(v: float) -> float:
        return loglik(v) - target

    lower = (
        float(optimize.brentq(excess, n_captured, n_max, xtol=1e-6))
        if excess(n_captured) < 0
        else float(n_captured)
    )
    top = upper_factor * n_hat
    upper = float(optimize.brentq(excess, n_max, top, xtol=1e-6)) if excess(top) < 0 else math.inf
    return n_max, lower, upper


def _lognormal_interval(
    n_captured: int, n_hat: float, se: float, alpha: float
) -> tuple[float, float]:
    """Chao's (1987) log-normal interval: ``n + f0 / C`` to ``n + f0 * C``."""
    f0 = n_hat - n_captured
    if f0 <= 0 or not math.isfinite(se):
        return float(n_captured), float(n_captured)
    z = stats.norm.ppf(1.0 - alpha / 2.0)
    c = math.exp(z * math.sqrt(math.log(1.0 + (se / f0) ** 2)))
    return n_captured + f0 / c, n_captured + f0 * c


def fit_closed(
    histories: ArrayLike,
    model: str = "M0",
    *,
    indicator_histories: Sequence[Sequence[int]] = (),
    ci: CiMethod = "profile",
    alpha: float = 0.05,
    drop_negative_eta: bool = True,
    upper_factor: float = 3.0,
) -> ClosedFit:
    """Fit one closed-population log-linear model and estimate the population size N.

    ``histories`` is an (animals x occasions) array of 0/1, one row per animal caught at least
    once. ``indicator_histories`` adds one indicator column per listed history (e.g.
    ``[(1, 1, 1, 1, 1, 1)]`` to give the animals caught every time their own parameter, as in
    the Rcapture ``hare`` example). ``ci`` chooses the confidence interval for N: ``"profile"``
    (Cormack's multinomial profile likelihood; the upper limit is ``inf`` when it exceeds
    ``upper_factor * n_hat``), ``"lognormal"`` (Chao 1987) or ``"none"``.
    """
    model = model.replace(" (LB)", "")  # Rcapture's printed names are accepted too
    array = _validate_histories(histories)
    n_captured, t = array.shape
    cells, y = capture_frequencies(array)
    columns, names = design_matrix(model, t)
    if indicator_histories:
        weights = 1 << np.arange(t - 1, -1, -1)
        cell_codes = cells @ weights
        extra = []
        for i, history in enumerate(indicator_histories):
            h = np.asarray(history, dtype=np.int64)
            if h.shape != (t,) or not np.isin(h, (0, 1)).all() or h.sum() == 0:
                raise ValueError(
                    f"indicator history {i} must be a non-empty 0/1 sequence of length {t}"
                )
            extra.append((cell_codes == int(h @ weights)).astype(np.float64))
            names = [*names, "history_" + "".join(map(str, h))]
        columns = np.column_stack([columns, *extra])
    chao = model.endswith("Chao") and drop_negative_eta
    n_base = 1 if model.startswith("Mh ") else t
    dropped: tuple[str, ...] = ()
    if chao:
        fit, columns, names, dropped = _fit_dropping_negative_eta(y, columns, names, n_base)
    else:
        fit = fit_poisson(y, columns, names)
    if not fit.converged:
        logger.warning("Poisson fit of model %s did not converge", model)

    n_of_beta = _abundance_function(model, t, n_captured)
    n_hat = n_of_beta(fit.coef)
    if model in ("Mb", "Mbh"):
        grad = _gradient(n_of_beta, fit.coef)
        variance = float(grad @ fit.cov_unscaled @ grad) - n_hat
    else:
        mu0 = math.exp(fit.coef[0])
        variance = mu0 + mu0**2 * float(fit.cov_unscaled[0, 0])
    se = math.sqrt(variance) if variance > 0 else math.nan

    n_multinomial: float | None = None
    if ci == "profile" and model not in ("Mb", "Mbh"):
        n_multinomial, lcl, ucl = _profile_interval(
            y, columns, names, n_base, chao, n_captured, n_hat, alpha, upper_factor
        )
    elif ci in ("profile", "lognormal"):
        lcl, ucl = _lognormal_interval(n_captured, n_hat, se, alpha)
    elif ci == "none":
        lcl, ucl = math.nan, math.nan
    else:
        raise ValueError(f"unknown ci method {ci!r}")
    method = "profile" if n_multinomial is not None else ("none" if ci == "none" else "lognormal")
    return ClosedFit(
        model=model,
        n_captured=n_captured,
        n_hat=n_hat,
        se=se,
        lcl=lcl,
        ucl=ucl,
        deviance=fit.deviance,
        df=fit.df,
        aic=fit.aic,
        ci_method=method,
        n_hat_multinomial=n_multinomial,
        coefficients=dict(zip(fit.column_names, map(float, fit.coef), strict=True)),
        dropped_eta=dropped,
        converged=fit.converged,
    )


def fit_all(
    histories: ArrayLike,
    models: Sequence[str] = MODELS,
    *,
    ci: CiMethod = "lognormal",
    alpha: float = 0.05,
) -> ModelComparison:
    """Fit several closed-population models (default: all of :data:`MODELS`) for comparison.

    With 2 occasions only ``M0``, ``Mt`` and ``Mb`` can be fitted; others are skipped.
    """
    array = _validate_histories(histories)
    t = array.shape[1]
    chosen = [m for m in models if t > 2 or m in ("M0", "Mt", "Mb")]
    fits = tuple(fit_closed(array, m, ci=ci, alpha=alpha) for m in chosen)
    return ModelComparison(n_captured=array.shape[0], occasions=t, fits=fits)
