"""Diel activity from camera-trap times: kernel densities, overlap, activity level, sun time.

Times of day are angles in radians in ``[0, 2*pi)`` (midnight = 0, noon = pi).

* Densities are von Mises kernel densities; the kernel concentration (the "bandwidth" of the
  R package ``overlap``, larger = less smoothing) follows Ridout & Linkie (2009, J. Agric.
  Biol. Environ. Stat. 14:322): Taylor's (2008) rule of thumb with the concentration
  ``kappa`` of a von Mises fitted by matching the largest of the first ``kmax`` trigonometric
  moments.
* Overlap: the estimators Dhat1, Dhat4 and Dhat5 of Ridout & Linkie (2009) with overlap's
  bandwidth adjustments (0.8, 1, 4) and grid conventions; smoothed-bootstrap confidence
  intervals as in Meredith & Ridout's ``overlap`` (percentile, normal-interpolated as in
  Davison & Hinkley 1997, and the bias-corrected "basic0" interval).
* Activity level: Rowcliffe et al. (2014, Methods Ecol. Evol. 5:1170), the proportion of the
  day an animal is active, ``1 / (2 pi max f)``, with a bootstrap standard error.
* Sun time: double anchoring to sunrise and sunset (Nouvellet et al. 2012; "average
  anchoring" of Vazquez et al. 2019, Methods Ecol. Evol. 10:2057), with sunrise and sunset from
  the NOAA solar calculator equations (Meeus 1998, Astronomical Algorithms).

Internally densities are evaluated from the exact Fourier series of the von Mises kernel
density, ``f(t) = (1 + 2 sum_k A_k(kappa) Re(conj(m_k) e^{ikt})) / (2 pi)`` with
``A_k = I_k / I_0`` and ``m_k`` the k-th trigonometric moment of the data, truncated where
``A_k`` falls below 1e-16; this makes bootstraps cheap.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy import special, stats

from barys.analytics.effort import SECONDS_PER_DAY, as_utc_seconds

TWO_PI = 2.0 * math.pi
_KAPPA_MIN, _KAPPA_MAX = 1e-4, 345.0  # overlap's root-search interval for kappa
_ADJUST_DEFAULT = (0.8, 1.0, 4.0)
_CHUNK = 1 << 21  # complex entries per chunk when summing moments


def _as_times(times: ArrayLike, name: str = "times") -> NDArray[np.float64]:
    values = np.asarray(times, dtype=np.float64).ravel()
    if values.size < 2:
        raise ValueError(f"{name}: at least two observations are needed, got {values.size}")
    if not np.all(np.isfinite(values)):
        raise ValueError(f"{name}: contains NaN or infinite values")
    if values.min() < 0 or values.max() > TWO_PI:
        raise ValueError(
            f"{name}: values must be radians in [0, 2*pi] (did you pass hours or fractions of a day?)"
        )
    return np.mod(values, TWO_PI)


def _powers(points: NDArray[np.float64], n_terms: int) -> NDArray[np.complex128]:
    """``exp(i k x)`` for k = 1..n_terms (leading axis), by repeated multiplication."""
    base = np.exp(1j * points)
    return np.cumprod(np.broadcast_to(base, (n_terms, *base.shape)), axis=0)


def _moments(
    points: NDArray[np.float64], weights: NDArray[np.float64] | None, n_terms: int
) -> NDArray[np.complex128]:
    """Trigonometric moments ``m_k``, k = 1..n_terms (rows), one column per replicate.

    With 1-D ``points`` the replicate ``b`` weights point ``j`` by ``weights[j, b]``; with
    2-D ``points`` (observations x replicates) each column is its own equally weighted sample.
    """
    if points.ndim == 2:
        total = np.zeros((n_terms, points.shape[1]), dtype=np.complex128)
        step = max(1, _CHUNK // (n_terms * points.shape[1]))
        for start in range(0, points.shape[0], step):
            total += _powers(points[start : start + step], n_terms).sum(axis=1)
        return total / points.shape[0]
    assert weights is not None
    total = np.zeros((n_terms, weights.shape[1]), dtype=np.complex128)
    step = max(1, _CHUNK // n_terms)
    for start in range(0, points.size, step):
        total += _powers(points[start : start + step], n_terms) @ weights[start : start + step]
    return total / weights.sum(axis=0)


def _ratio_bessel(orders: NDArray[np.int64], kappa: NDArray[np.float64]) -> NDArray[np.float64]:
    """``A_k(kappa) = I_k(kappa) / I_0(kappa)`` for orders (rows) and kappas (columns)."""
    kappa = np.asarray(kappa, dtype=np.float64)
    return special.ive(orders[:, None], kappa[None, :]) / special.ive(0, kappa)[None, :]


def _n_terms(kappa: float) -> int:
    """Number of Fourier terms after which ``A_k(kappa)`` is below 1e-16."""
    k = int(math.ceil(math.sqrt(2.0 * max(kappa, 1.0) * 37.0))) + 8
    while _ratio_bessel(np.array([k]), np.array([kappa]))[0, 0] > 1e-16:
        k = int(k * 1.25) + 1
    return k


def _kappa_from_moments(rho: NDArray[np.float64]) -> NDArray[np.float64]:
    """Largest kappa with ``A_k(kappa) = rho_k`` over k (rows); 0 where no k has a root.

    Vectorised bisection on [1e-4, 345] (overlap's interval), to machine precision.
    """
    orders = np.arange(1, rho.shape[0] + 1)[:, None]
    lo = np.full(rho.shape, _KAPPA_MIN)
    hi = np.full(rho.shape, _KAPPA_MAX)
    f_lo = special.ive(orders, lo) / special.ive(0, lo) - rho
    f_hi = special.ive(orders, hi) / special.ive(0, hi) - rho
    has_root = f_lo * f_hi <= 0
    for _ in range(80):
        mid = 0.5 * (lo + hi)
        f_mid = special.ive(orders, mid) / special.ive(0, mid) - rho
        below = f_mid < 0
        lo = np.where(below, mid, lo)
        hi = np.where(below, hi, mid)
    return np.where(has_root, 0.5 * (lo + hi), 0.0).max(axis=0)


def _bandwidth_from_kappa(kappa: NDArray[np.float64], n: float) -> NDArray[np.float64]:
    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = special.ive(2, 2 * kappa) / special.ive(0, kappa) ** 2
        value = (3.0 * n * kappa**2 * ratio / (4.0 * math.sqrt(math.pi))) ** 0.4
    return np.where(kappa > 0, value, np.nan)


def bandwidth(times: ArrayLike, kmax: int = 3) -> float:
    """Kernel concentration for von Mises densities (``overlap::getBandWidth``).

    Returns Taylor's rule ``(3 n kappa^2 I_2(2 kappa) / (4 sqrt(pi) I_0(kappa)^2))^(2/5)``
    where ``kappa`` is the largest of the estimates from the first ``kmax`` trigonometric
    moments (Ridout & Linkie 2009). Concentration-type: divide by an adjustment to smooth more.
    """
    x = _as_times(times)
    rho = np.abs(_moments(x, np.ones((x.size, 1)), kmax))
    value = float(_bandwidth_from_kappa(_kappa_from_moments(rho), x.size)[0])
    if not np.isfinite(value):
        raise ValueError(
            "bandwidth: no trigonometric moment gives a von Mises concentration in [1e-4, 345]"
        )
    return value


def _density_from_moments(
    at: NDArray[np.float64], moments: NDArray[np.complex128], kappa: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Densities at ``at`` (rows) for each column of ``moments`` with its own ``kappa``."""
    orders = np.arange(1, moments.shape[0] + 1)
    coef = _ratio_bessel(orders, kappa) * np.conj(moments)
    series = np.real(np.exp(1j * np.outer(at, orders)) @ coef)
    return np.maximum((1.0 + 2.0 * series) / TWO_PI, 0.0)  # the series may dip to -1e-17


def density(
    times: ArrayLike,
    at: ArrayLike | None = None,
    *,
    kappa: float | None = None,
    adjust: float = 1.0,
) -> NDArray[np.float64]:
    """Von Mises kernel density of ``times`` evaluated at ``at`` (radians; per radian).

    ``kappa`` defaults to :func:`bandwidth` of the data divided by ``adjust``; ``at``
    defaults to 512 points from 0 to 2*pi inclusive.
    """
    x = _as_times(times)
    points = (
        np.linspace(0.0, TWO_PI, 512) if at is None else np.asarray(at, dtype=np.float64).ravel()
    )
    conc = (bandwidth(x) if kappa is None else float(kappa)) / adjust
    moments = _moments(x, np.ones((x.size, 1)), _n_terms(conc))
    return _density_from_moments(points, moments, np.array([conc]))[:, 0]


# --------------------------------------------------------------------------- overlap


@dataclass(frozen=True)
class OverlapEstimate:
    """Coefficients of overlapping (Ridout & Linkie 2009), each in [0, 1]."""

    dhat1: float
    dhat4: float
    dhat5: float
    n_a: int
    n_b: int

    @property
    def recommended(self) -> float:
        """Dhat4 when the smaller sample has at least 75 observations, else Dhat1 (overlap's advice)."""
        return self.dhat4 if min(self.n_a, self.n_b) >= 75 else self.dhat1


def _interp_matrix(points: NDArray[np.float64], grid: NDArray[np.float64]) -> NDArray[np.float64]:
    """Linear-interpolation weights from a regular ``grid`` to ``points`` (rows)."""
    step = grid[1] - grid[0]
    left = np.clip(np.floor(points / step).astype(np.int64), 0, grid.size - 2)
    frac = (points - grid[left]) / step
    out = np.zeros((points.size, grid.size))
    rows = np.arange(points.size)
    out[rows, left] = 1 - frac
    out[rows, left + 1] += frac
    return out


class _Sample:
    """Observations as support points with per-replicate counts (columns)."""

    def __init__(
        self, points: NDArray[np.float64], counts: NDArray[np.float64] | None, kmax: int
    ) -> None:
        self.points = points
        self.counts = counts if counts is not None else np.ones((points.shape[0], 1))
        self.n = float(self.counts[:, 0].sum())
        rho = np.abs(_moments(points, counts, kmax))
        self.bw = _bandwidth_from_kappa(_kappa_from_moments(rho), self.n)
        self._moments: NDArray[np.complex128] | None = None

    def moments(self, n_terms: int) -> NDArray[np.complex128]:
        if self._moments is None or self._moments.shape[0] < n_terms:
            self._moments = _moments(self.points, self.counts, n_terms)
        return self._moments[:n_terms]

    def density(self, at: NDArray[np.float64], adjust: float) -> NDArray[np.float64]:
        kappa = np.nan_to_num(self.bw / adjust, nan=1.0)
        return _density_from_moments(at, self.moments(_n_terms(float(kappa.max()))), kappa)


def _dhats(
    a: _Sample, b: _Sample, adjust: Sequence[float | None], n_grid: int
) -> NDArray[np.float64]:
    """Dhat1, Dhat4, Dhat5 for each replicate (rows), following ``overlap::overlapEst``."""
    replicates = a.counts.shape[1]
    out = np.full((replicates, 3), np.nan)
    grid = np.linspace(0.0, TWO_PI, n_grid)
    interpolate = (a.n + b.n) > 1.1 * n_grid
    for slot, adj in enumerate(adjust):
        if adj is None or not np.isfinite(adj):
            continue
        if slot == 0:
            da, db = a.density(grid, adj)[1:], b.density(grid, adj)[1:]
            out[:, 0] = np.minimum(da / da.sum(axis=0), db / db.sum(axis=0)).sum(axis=0)
            continue
        if interpolate:
            ga, gb = a.density(grid, adj), b.density(grid, adj)
            ia, ib = _interp_matrix(a.points, grid), _interp_matrix(b.points, grid)
            da_at_a, db_at_a, da_at_b, db_at_b = ia @ ga, ia @ gb, ib @ ga, ib @ gb
        else:
            da_at_a, db_at_a = a.density(a.points, adj), b.density(a.points, adj)
            da_at_b, db_at_b = a.density(b.points, adj), b.density(b.points, adj)
        if slot == 1:
            with np.errstate(divide="ignore", invalid="ignore"):
                ratio_a = np.where(a.counts > 0, np.minimum(1.0, db_at_a / da_at_a), 0.0)
                ratio_b = np.where(b.counts > 0, np.minimum(1.0, da_at_b / db_at_b), 0.0)
            out[:, 1] = (
                (a.counts * ratio_a).sum(axis=0) / a.n + (b.counts * ratio_b).sum(axis=0) / b.n
            ) / 2
        else:
            above_a = (a.counts * (db_at_a > da_at_a)).sum(axis=0) / a.n
            out[:, 2] = above_a + (b.counts * (da_at_b >= db_at_b)).sum(axis=0) / b.n
    out[~(np.isfinite(a.bw) & np.isfinite(b.bw))] = np.nan  # as overlapEst: NA without bandwidth
    return out


def _check_adjust(adjust: float | Sequence[float | None]) -> tuple[float | None, ...]:
    values = (adjust,) * 3 if isinstance(adjust, int | float) else tuple(adjust)
    if len(values) != 3:
        raise ValueError(
            f"adjust needs one value or three (Dhat1, Dhat4, Dhat5), got {len(values)}"
        )
    for v in values:
        if v is not None and not v > 0:
            raise ValueError(f"adjust values must be positive (or None to skip), got {v}")
    return values


def overlap(
    times_a: ArrayLike,
    times_b: ArrayLike,
    adjust: float | Sequence[float | None] = _ADJUST_DEFAULT,
    *,
    kmax: int = 3,
    n_grid: int = 128,
) -> OverlapEstimate:
    """Overlap of two diel activity patterns (``overlap::overlapEst``).

    Each species' kernel concentration is :func:`bandwidth` divided by the matching
    ``adjust`` value (Dhat1, Dhat4, Dhat5); ``None`` skips an estimator (its value is NaN).
    """
    xa, xb = _as_times(times_a, "times_a"), _as_times(times_b, "times_b")
    sa = _Sample(xa, np.ones((xa.size, 1)), kmax)
    sb = _Sample(xb, np.ones((xb.size, 1)), kmax)
    if not (np.isfinite(sa.bw[0]) and np.isfinite(sb.bw[0])):
        raise ValueError("overlap: bandwidth could not be estimated for one of the samples")
    d1, d4, d5 = _dhats(sa, sb, _check_adjust(adjust), n_grid)[0]
    return OverlapEstimate(float(d1), float(d4), float(d5), xa.size, xb.size)


@dataclass(frozen=True)
class Interval:
    lower: float
    upper: float


@dataclass(frozen=True)
class OverlapBootstrap:
    """Bootstrap of the overlap estimators.

    ``samples`` holds one row per replicate (Dhat1, Dhat4, Dhat5). ``percentile`` is the
    normal-interpolated percentile interval; ``bias_corrected`` is overlap's "basic0"
    (percentile interval minus the bootstrap bias), suited to the uncorrected estimate.
    """

    estimate: OverlapEstimate
    samples: NDArray[np.float64]
    conf: float
    percentile: dict[str, Interval]
    bias_corrected: dict[str, Interval]

    @property
    def bias(self) -> dict[str, float]:
        point = (self.estimate.dhat1, self.estimate.dhat4, self.estimate.dhat5)
        return {
            name: float(np.nanmean(self.samples[:, i]) - point[i])
            for i, name in enumerate(("dhat1", "dhat4", "dhat5"))
        }


def percentile_interval(values: ArrayLike, conf: float = 0.95) -> Interval:
    """Percentile interval with normal-quantile interpolation (Davison & Hinkley 1997, eq. 5.8).

    NaN when there are too few values for the requested level.
    """
    bt = np.sort(
        np.asarray(values, dtype=np.float64)[np.isfinite(np.asarray(values, dtype=np.float64))]
    )
    r = bt.size
    alpha = np.array([(1 - conf) / 2, (1 + conf) / 2])
    rank = (r + 1) * alpha
    if not np.all((rank > 1) & (rank < r)):
        return Interval(float("nan"), float("nan"))
    k = np.trunc(rank).astype(np.int64)
    lo, hi = bt[k - 1], bt[k]
    if np.all(k == rank):
        return Interval(float(lo[0]), float(lo[1]))
    z_k, z_k1 = stats.norm.ppf(k / (r + 1)), stats.norm.ppf((k + 1) / (r + 1))
    out = lo + (stats.norm.ppf(alpha) - z_k) / (z_k1 - z_k) * (hi - lo)
    return Interval(float(out[0]), float(out[1]))


def bootstrap_ci(
    times_a: ArrayLike,
    times_b: ArrayLike,
    n: int = 1000,
    *,
    seed: int | np.random.Generator | None = None,
    smooth: bool = True,
    conf: float = 0.95,
    adjust: float | Sequence[float | None] = _ADJUST_DEFAULT,
    kmax: int = 3,
    n_grid: int = 128,
) -> OverlapBootstrap:
    """Bootstrap confidence intervals for :func:`overlap` (``overlap::bootstrap`` and ``bootCI``).

    With ``smooth=True`` each replicate draws from the fitted kernel density on a 511-point
    circular grid (overlap's smoothed bootstrap); otherwise it resamples the observations.
    Bandwidths are re-estimated for every replicate. ``seed`` makes the result reproducible.
    """
    if n < 2:
        raise ValueError(f"bootstrap_ci: n must be at least 2, got {n}")
    rng = np.random.default_rng(seed)
    adj = _check_adjust(adjust)
    xa, xb = _as_times(times_a, "times_a"), _as_times(times_b, "times_b")
    estimate = overlap(xa, xb, adj, kmax=kmax, n_grid=n_grid)
    samples = []
    for x in (xa, xb):
        if smooth:
            support = np.linspace(0.0, TWO_PI, 512)[1:]
            prob = density(x, support)
        else:
            support, counts = np.unique(x, return_counts=True)
            prob = counts.astype(np.float64)
        samples.append((support, prob / prob.sum(), x.size))
    batch = max(1, 4_000_000 // max(len(samples[0][0]), len(samples[1][0])))
    results = []
    for start in range(0, n, batch):
        size = min(batch, n - start)
        a, b = (
            _Sample(s, rng.multinomial(m, p, size=size).T.astype(np.float64), kmax)
            for s, p, m in samples
        )
        results.append(_dhats(a, b, adj, n_grid))
    boot = np.vstack(results)
    point = (estimate.dhat1, estimate.dhat4, estimate.dhat5)
    perc, basic0 = {}, {}
    for i, name in enumerate(("dhat1", "dhat4", "dhat5")):
        interval = percentile_interval(boot[:, i], conf)
        bias = float(np.nanmean(boot[:, i]) - point[i])
        perc[name] = interval
        basic0[name] = Interval(interval.lower - bias, interval.upper - bias)
    return OverlapBootstrap(
        estimate=estimate, samples=boot, conf=conf, percentile=perc, bias_corrected=basic0
    )


# --------------------------------------------------------------------------- activity level


@dataclass(frozen=True)
class ActivityLevel:
    """Proportion of the day active (Rowcliffe et al. 2014) with bootstrap SE and interval."""

    level: float
    se: float
    lower: float
    upper: float
    bandwidth: float
    n: int
    n_boot: int


def activity_level(
    times: ArrayLike,
    *,
    n_boot: int = 200,
    seed: int | np.random.Generator | None = None,
    sample: Literal["data", "model"] = "data",
    adjust: float = 1.0,
    conf: float = 0.95,
) -> ActivityLevel:
    """Activity level ``1 / (2 pi max f)`` from a von Mises kernel density (``activity::fitact``).

    The density is evaluated at 513 points from 0 to 2*pi; the bootstrap (``n_boot``
    replicates, bandwidth re-estimated each time) resamples the data (``"data"``) or draws
    from the fitted density (``"model"``). The interval is the percentile interval.
    """
    if sample not in ("data", "model"):
        raise ValueError(f"sample must be 'data' or 'model', got {sample!r}")
    x = _as_times(times)
    grid = np.linspace(0.0, TWO_PI, 513)
    base = _Sample(x, np.ones((x.size, 1)), 3)
    if not np.isfinite(base.bw[0]):
        raise ValueError("activity_level: bandwidth could not be estimated")
    pdf = base.density(grid, adjust)[:, 0]
    level = float(1.0 / (TWO_PI * pdf.max()))
    se = lower = upper = float("nan")
    if n_boot > 1:
        rng = np.random.default_rng(seed)
        if sample == "data":
            support, counts = np.unique(x, return_counts=True)
            prob = counts / counts.sum()
        else:
            cells = (pdf[1:] + pdf[:-1]) / 2
            cdf = np.concatenate([[0.0], np.cumsum(cells) / cells.sum()])
            support, prob = None, None
        levels = []
        batch = max(1, 2_000_000 // x.size)
        for start in range(0, n_boot, batch):
            size = min(batch, n_boot - start)
            if support is not None and prob is not None:
                rep = _Sample(
                    support, rng.multinomial(x.size, prob, size=size).T.astype(np.float64), 3
                )
            else:
                rep = _Sample(np.interp(rng.random((x.size, size)), cdf, grid), None, 3)
            level_b = 1.0 / (TWO_PI * rep.density(grid, adjust).max(axis=0))
            levels.append(np.where(np.isfinite(rep.bw), level_b, np.nan))
        values = np.concatenate(levels)
        values = values[np.isfinite(values)]
        if values.size > 1:
            se = float(np.std(values, ddof=1))
            lower, upper = (float(v) for v in np.quantile(values, [(1 - conf) / 2, (1 + conf) / 2]))
    return ActivityLevel(level, se, lower, upper, float(base.bw[0]), x.size, max(n_boot, 0))


# --------------------------------------------------------------------------- clock and sun time


def clock_time(
    timestamps: ArrayLike | Sequence[datetime], utc_offset: timedelta = timedelta(0)
) -> NDArray[np.float64]:
    """Local clock time of day in radians (local = UTC + ``utc_offset``)."""
    seconds = as_utc_seconds(timestamps) + int(utc_offset.total_seconds())
    return np.mod(seconds, SECONDS_PER_DAY) * (TWO_PI / SECONDS_PER_DAY)


def _solar(julian_day: NDArray[np.float64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Declination (radians) and equation of time (minutes), NOAA spreadsheet equations."""
    jc = (julian_day - 2451545.0) / 36525.0
    mean_long = np.deg2rad(np.mod(280.46646 + jc * (36000.76983 + jc * 0.0003032), 360.0))
    anomaly = np.deg2rad(357.52911 + jc * (35999.05029 - 0.0001537 * jc))
    ecc = 0.016708634 - jc * (0.000042037 + 0.0000001267 * jc)
    centre = (
        np.sin(anomaly) * (1.914602 - jc * (0.004817 + 0.000014 * jc))
        + np.sin(2 * anomaly) * (0.019993 - 0.000101 * jc)
        + np.sin(3 * anomaly) * 0.000289
    )
    omega = np.deg2rad(125.04 - 1934.136 * jc)
    apparent_long = np.deg2rad(np.rad2deg(mean_long) + centre - 0.00569 - 0.00478 * np.sin(omega))
    obliquity = np.deg2rad(
        23.0
        + (26.0 + (21.448 - jc * (46.815 + jc * (0.00059 - jc * 0.001813))) / 60.0) / 60.0
        + 0.00256 * np.cos(omega)
    )
    declination = np.arcsin(np.sin(obliquity) * np.sin(apparent_long))
    y = np.tan(obliquity / 2) ** 2
    eq_time = 4 * np.rad2deg(
        y * np.sin(2 * mean_long)
        - 2 * ecc * np.sin(anomaly)
        + 4 * ecc * y * np.sin(anomaly) * np.cos(2 * mean_long)
        - 0.5 * y * y * np.sin(4 * mean_long)
        - 1.25 * ecc * ecc * np.sin(2 * anomaly)
    )
    return declination, eq_time


def sunrise_sunset(
    days: ArrayLike, lat: float, lon: float
) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
    """Sunrise and sunset on UTC calendar ``days`` (``datetime64[D]``), in UTC hours of that day.

    NOAA algorithm (apparent sunrise: centre of the sun 0.833 degrees below the horizon),
    refined once at the event time; accurate to about a minute between +-72 degrees latitude.
    NaN where the sun does not rise or set (polar day or night). ``lon`` is east-positive.
    """
    day_number = np.asarray(days, dtype="datetime64[D]").astype(np.int64).astype(np.float64)
    phi = math.radians(lat)

    def event(sign: float, minutes_guess: NDArray[np.float64]) -> NDArray[np.float64]:
        declination, eq_time = _solar(2440587.5 + day_number + minutes_guess / 1440.0)
        with np.errstate(invalid="ignore"):
            cos_h = math.cos(math.radians(90.833)) / (
                math.cos(phi) * np.cos(declination)
            ) - math.tan(phi) * np.tan(declination)
            hour_angle = np.rad2deg(np.arccos(np.where(np.abs(cos_h) <= 1, cos_h, np.nan)))
        return 720.0 - 4.0 * (lon + sign * hour_angle) - eq_time

    noon = np.full(day_number.shape, 720.0 - 4.0 * lon)
    rise, set_ = event(1.0, noon), event(-1.0, noon)
    rise, set_ = (
        event(1.0, np.nan_to_num(rise, nan=720.0)),
        event(-1.0, np.nan_to_num(set_, nan=720.0)),
    )
    return rise / 60.0, set_ / 60.0


def sun_time(
    timestamps_utc: ArrayLike | Sequence[datetime],
    lat: float,
    lon: float,
    *,
    anchoring: Literal["average", "equinoctial"] = "average",
    utc_offset: timedelta = timedelta(0),
) -> NDArray[np.float64]:
    """Times of day double-anchored to sunrise and sunset, in radians.

    Day (sunrise to sunset) and night (sunset to the next sunrise) are each stretched
    linearly onto fixed reference spans: sunrise -> ``r``, sunset -> ``s``. With
    ``"equinoctial"`` anchoring ``r = pi/2`` (06:00) and ``s = 3 pi/2`` (18:00); with
    ``"average"`` anchoring (Vazquez et al. 2019) they are the mean sunrise and sunset local
    clock times (local = UTC + ``utc_offset``) over the observations. The same day's sunrise
    and sunset bound the night on either side. NaN during polar day or night.
    """
    seconds = as_utc_seconds(timestamps_utc, name="timestamps_utc")
    offset = int(utc_offset.total_seconds())
    local = seconds + offset
    day = np.floor_divide(local, SECONDS_PER_DAY)
    rise_h, set_h = sunrise_sunset(day.astype("datetime64[D]"), lat, lon)
    to_rad = TWO_PI / 24.0
    rise = np.mod((rise_h + offset / 3600.0) * to_rad, TWO_PI)
    sunset = np.mod((set_h + offset / 3600.0) * to_rad, TWO_PI)
    sunset = np.where(sunset <= rise, sunset + TWO_PI, sunset)
    clock = np.mod(local, SECONDS_PER_DAY) * (TWO_PI / SECONDS_PER_DAY)
    if anchoring == "equinoctial":
        ref_rise, ref_set = math.pi / 2, 3 * math.pi / 2
    elif anchoring == "average":
        ref_rise = float(np.angle(np.nanmean(np.exp(1j * rise)))) % TWO_PI
        ref_set = float(np.angle(np.nanmean(np.exp(1j * sunset)))) % TWO_PI
        ref_set = ref_set + TWO_PI if ref_set <= ref_rise else ref_set
    else:
        raise ValueError(f"anchoring must be 'average' or 'equinoctial', got {anchoring!r}")
    clock = np.where(clock < rise, clock + TWO_PI, clock)  # before sunrise: end of the night
    in_day = clock <= sunset
    day_part = ref_rise + (clock - rise) * (ref_set - ref_rise) / (sunset - rise)
    night_part = ref_set + (clock - sunset) * (ref_rise + TWO_PI - ref_set) / (
        rise + TWO_PI - sunset
    )
    return np.mod(np.where(in_day, day_part, night_part), TWO_PI)
