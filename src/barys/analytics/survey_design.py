"""Camera-trap survey design from the SECR model: expected detections of a proposed layout.

For a density D, detection scale sigma and baseline encounter rate lambda0, the expected
numbers of distinct animals detected, of detections, of recaptures and of animals detected
at two or more cameras ("spatial recaptures", which carry the information about sigma) follow
from the SECR detection model (Borchers & Efford 2008; Efford & Boulanger 2019, *Fast
evaluation of study designs for spatially explicit capture–recapture*, Methods in Ecology and
Evolution 10:1529–1535). Efford & Boulanger's rule of thumb ``RSE(D-hat) ~ 1 /
sqrt(min(E[n], E[r]))`` is reported as a rough precision guide. Micro-level designs for snow
leopards (the PAWS guidelines, Population Assessment of the World's Snow Leopards) place
cameras 3-5 km apart so that an individual meets several cameras: :func:`camera_grid` lays out
such a grid.

Units: density per 100 km^2, distances in metres, lambda0 per occasion and unit of usage.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import shapely

from barys.analytics.secr.capthist import DetectorType, Traps
from barys.analytics.secr.likelihood import DetectFn, hazard
from barys.analytics.secr.mask import Mask, make_mask

__all__ = ["ExpectedCaptures", "camera_grid", "expected_captures"]

HA_PER_100KM2 = 10_000.0


@dataclass(frozen=True)
class ExpectedCaptures:
    """Expected outcome of a survey (all values are expectations over populations)."""

    n_animals: float
    """Distinct individuals detected, E[n]."""
    n_detections: float
    """Detections (animal x detector x occasion events), E[detections]."""
    recaptures: float
    """Detections after each animal's first, E[r] = E[detections] - E[n]."""
    spatial_recaptures: float
    """Individuals detected at two or more different detectors."""
    population: float
    """Animals with activity centres in the mask, D x mask area."""
    esa_km2: float
    """Effective sampling area in km^2 (integral of the detection probability; E[n] / D)."""
    mask_area_km2: float

    @property
    def rse_rule_of_thumb(self) -> float:
        """Rough relative SE of D-hat, ``1 / sqrt(min(E[n], E[r]))`` (Efford & Boulanger 2019)."""
        smallest = min(self.n_animals, self.recaptures)
        return 1.0 / math.sqrt(smallest) if smallest > 0 else math.inf


def expected_captures(
    traps: Traps,
    density_per_100km2: float,
    sigma_m: float,
    lambda0: float,
    occasions: int,
    mask: Mask | None = None,
    *,
    detectfn: DetectFn = "HHN",
    detector: DetectorType | None = None,
) -> ExpectedCaptures:
    """Expected individuals, detections, recaptures and spatial recaptures of a layout.

    ``lambda0`` is the encounter rate at distance 0 per occasion and unit of usage (g0, a
    probability, when ``detectfn="HN"``); usage comes from ``traps.usage`` when it covers
    ``occasions``, else one per occasion. ``detector`` defaults to the traps' type. ``mask``
    defaults to a trap-buffer mask of buffer ``4 sigma`` and spacing ``sigma / 2``.
    """
    if occasions < 1:
        raise ValueError("occasions must be at least 1")
    if not (density_per_100km2 >= 0 and sigma_m > 0 and lambda0 > 0):
        raise ValueError("density must be >= 0; sigma and lambda0 must be positive")
    kind = detector or traps.detector
    if mask is None:
        mask = make_mask(traps, buffer=4.0 * sigma_m, spacing=sigma_m / 2.0)
    usage = (
        traps.usage
        if traps.usage is not None and traps.usage.shape[1] == occasions
        else np.ones((traps.n_traps, occasions))
    )
    d = np.hypot(mask.x[:, None] - traps.x[None, :], mask.y[:, None] - traps.y[None, :])
    h = hazard(d, detectfn, lambda0, sigma_m)  # mask x traps
    per_trap = h * usage.sum(axis=1)[None, :]  # cumulative hazard per detector
    total = per_trap.sum(axis=1)
    pdot = -np.expm1(-total)
    if kind == "count":
        detections = total
    elif kind == "proximity":
        detections = (-np.expm1(-h[:, :, None] * usage[None, :, :])).sum(axis=(1, 2))
    elif kind == "multi":
        detections = (-np.expm1(-(h @ usage))).sum(axis=1)
    else:
        raise ValueError(f"unknown detector type {kind!r}")
    spatial = pdot - _one_detector_only(h, usage, kind)
    weight = density_per_100km2 / HA_PER_100KM2 * mask.cell_area_ha
    n = float(pdot.sum() * weight)
    det = float(detections.sum() * weight)
    density_ha = density_per_100km2 / HA_PER_100KM2
    return ExpectedCaptures(
        n_animals=n,
        n_detections=det,
        recaptures=det - n,
        spatial_recaptures=float(np.clip(spatial, 0.0, None).sum() * weight),
        population=density_ha * mask.area_ha,
        esa_km2=float(pdot.sum() * mask.cell_area_ha / 100.0),
        mask_area_km2=mask.area_km2,
    )


def _one_detector_only(h: np.ndarray, usage: np.ndarray, kind: str) -> np.ndarray:
    """Probability, per mask point, that all detections fall at one single detector."""
    if kind in ("count", "proximity"):
        # detectors are independent: P(only k) = (1 - exp(-Q_k)) * exp(-(T - Q_k))
        q = h * usage.sum(axis=1)[None, :]
        t = q.sum(axis=1, keepdims=True)
        return (-np.expm1(-q) * np.exp(-(t - q))).sum(axis=1)
    # multi-catch: on each occasion either not caught (exp(-H_s)) or caught at k (pi_ks)
    hazard_ks = h[:, :, None] * usage[None, :, :]  # mask x traps x occasions
    total_s = hazard_ks.sum(axis=1, keepdims=True)
    miss = np.exp(-total_s)
    with np.errstate(invalid="ignore", divide="ignore"):
        pi = np.where(total_s > 0, -np.expm1(-total_s) * hazard_ks / total_s, 0.0)
    only_k = np.prod(miss + pi, axis=2) - np.prod(miss, axis=2)
    return only_k.sum(axis=1)


def camera_grid(
    habitat: Any,
    spacing_m: float,
    *,
    origin: tuple[float, float] | None = None,
    detector: DetectorType = "count",
    prefix: str = "C",
    pattern: Literal["square", "hexagonal"] = "square",
) -> Traps:
    """Camera stations on a regular grid over a habitat polygon (same metres as the polygon).

    Stations lie ``spacing_m`` apart, on rows through ``origin`` (default: the polygon's
    lower-left bounding-box corner plus half a spacing); those inside (or on) the polygon are
    kept. ``pattern="hexagonal"`` offsets every other row by half a spacing with rows
    ``spacing_m * sqrt(3) / 2`` apart (equal distances to six neighbours). Ids run
    ``C001, C002, ...`` row by row from the south-west.
    """
    if not (math.isfinite(spacing_m) and spacing_m > 0):
        raise ValueError("spacing_m must be a positive number of metres")
    geometry = (
        habitat if isinstance(habitat, shapely.Geometry) else shapely.union_all(list(habitat))
    )
    if geometry.is_empty or geometry.geom_type not in ("Polygon", "MultiPolygon"):
        raise ValueError("habitat must be non-empty polygon(s)")
    min_x, min_y, max_x, max_y = geometry.bounds
    row_step = spacing_m * (math.sqrt(3.0) / 2.0 if pattern == "hexagonal" else 1.0)
    x0, y0 = origin if origin is not None else (min_x + spacing_m / 2.0, min_y + row_step / 2.0)
    first_row = math.ceil((min_y - y0) / row_step - 1e-9)
    last_row = math.floor((max_y - y0) / row_step + 1e-9)
    xs: list[float] = []
    ys: list[float] = []
    for row in range(first_row, last_row + 1):
        y = y0 + row * row_step
        shift = spacing_m / 2.0 if pattern == "hexagonal" and row % 2 else 0.0
        start = x0 + shift
        first_col = math.ceil((min_x - start) / spacing_m - 1e-9)
        last_col = math.floor((max_x - start) / spacing_m + 1e-9)
        cols = start + spacing_m * np.arange(first_col, last_col + 1)
        inside = shapely.intersects_xy(geometry, cols, np.full(cols.shape, y))
        xs.extend(cols[inside].tolist())
        ys.extend([y] * int(inside.sum()))
    if not xs:
        raise ValueError("no grid point falls inside the habitat; reduce the spacing")
    width = max(3, len(str(len(xs))))
    ids = tuple(f"{prefix}{i + 1:0{width}d}" for i in range(len(xs)))
    return Traps(ids, np.array(xs), np.array(ys), detector)
