"""Simulation of spatial capture histories from known SECR parameters (seeded, reproducible).

Activity centres form a Poisson process of intensity D (animals per hectare) over the mask:
the number of animals is Poisson(D x mask area) and each centre is uniform within a randomly
chosen mask cell. Detections follow the detector model of :mod:`.likelihood`.
"""

from __future__ import annotations

import math

import numpy as np

from barys.analytics.secr.capthist import CaptureHistory, Traps
from barys.analytics.secr.likelihood import DetectFn, hazard
from barys.analytics.secr.mask import Mask

__all__ = ["simulate_capthist", "simulate_centres"]


def simulate_centres(mask: Mask, density: float, rng: np.random.Generator) -> np.ndarray:
    """Activity centres (n x 2, metres) for D animals per hectare spread over the mask."""
    if not (math.isfinite(density) and density >= 0):
        raise ValueError("density must be a non-negative number of animals per hectare")
    n = int(rng.poisson(density * mask.area_ha))
    cells = rng.integers(0, mask.n_points, size=n)
    jitter = rng.uniform(-0.5, 0.5, size=(n, 2)) * mask.spacing
    return np.column_stack([mask.x[cells], mask.y[cells]]) + jitter


def simulate_capthist(
    traps: Traps,
    mask: Mask,
    *,
    density: float,
    sigma: float,
    baseline: float,
    detectfn: DetectFn = "HHN",
    n_occasions: int = 1,
    rng: np.random.Generator,
) -> CaptureHistory:
    """Simulate detections of a population on a detector layout.

    ``density`` in animals per hectare, ``sigma`` in metres, ``baseline`` is g0 (HN) or
    lambda0 per unit usage (HHN). Usage comes from ``traps.usage`` (ones when absent) and
    must then cover ``n_occasions``. Raises ``ValueError`` when no animal is detected.
    """
    if n_occasions < 1:
        raise ValueError("n_occasions must be at least 1")
    if not (sigma > 0 and baseline > 0):
        raise ValueError("sigma and baseline must be positive")
    if detectfn == "HN" and baseline >= 1:
        raise ValueError("g0 must be below 1")
    usage = traps.usage_matrix(n_occasions)
    centres = simulate_centres(mask, density, rng)
    d = np.hypot(centres[:, :1] - traps.x[None, :], centres[:, 1:] - traps.y[None, :])
    h = hazard(d, detectfn, baseline, sigma)  # animals x traps
    n_animals, n_traps = h.shape
    counts = np.zeros((n_animals, n_occasions, n_traps), dtype=np.int64)
    for s in range(n_occasions):
        rate = h * usage[:, s][None, :]
        if traps.detector == "count":
            counts[:, s, :] = rng.poisson(rate)
        elif traps.detector == "proximity":
            counts[:, s, :] = rng.random(rate.shape) < -np.expm1(-rate)
        else:
            total = rate.sum(axis=1)
            caught = rng.random(n_animals) < -np.expm1(-total)
            for i in np.flatnonzero(caught):
                k = rng.choice(n_traps, p=rate[i] / total[i])
                counts[i, s, k] = 1
    detected = counts.sum(axis=(1, 2)) > 0
    if not detected.any():
        raise ValueError("no animal was detected in this simulation")
    kept = counts[detected]
    ids = tuple(f"A{i + 1:04d}" for i in range(kept.shape[0]))
    return CaptureHistory(traps, ids, kept)
