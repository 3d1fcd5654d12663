"""EOO and AOO for a taxon with 1 million occurrence records (target: each well under 5 s).

Run as ``cd benchmarks && ../.venv/bin/python iucn_areas.py [n_records]``. The records are
synthetic: 300 clusters of sightings over Kazakhstan (mountain-like sites with 5-30 km spread),
coordinates rounded to 1e-4 degree as GPS records are, so many duplicates occur. Timings are the
best of three runs. Writes ``results/iucn_areas.json``.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from _common import peak_rss_mb, write_results

from barys.analytics.iucn import AssessmentInputs, aoo_km2, assess_areas, eoo_km2, pre_assess


def records(n: int, seed: int = 20240601) -> tuple[np.ndarray, np.ndarray]:
    """``n`` clustered occurrence records (latitudes, longitudes in degrees) over Kazakhstan."""
    rng = np.random.default_rng(seed)
    n_sites = 300
    site_lat = rng.uniform(41.0, 54.0, n_sites)
    site_lon = rng.uniform(48.0, 86.0, n_sites)
    spread_deg = rng.uniform(0.05, 0.3, n_sites)
    site = rng.integers(0, n_sites, n)
    lat = site_lat[site] + rng.normal(0.0, 1.0, n) * spread_deg[site]
    lon = site_lon[site] + rng.normal(0.0, 1.0, n) * spread_deg[site] * 1.4
    return np.round(lat, 4), np.round(lon, 4)


def best_of(runs: int, func: Callable[[], Any]) -> tuple[float, Any]:
    best = float("inf")
    value: Any = None
    for _ in range(runs):
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return best, value


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    lat, lon = records(n)
    eoo_s, eoo = best_of(3, lambda: eoo_km2(lat, lon))
    aoo_s, aoo = best_of(3, lambda: aoo_km2(lat, lon))
    full_s, full = best_of(3, lambda: assess_areas(lat, lon))
    lean_s, _ = best_of(3, lambda: assess_areas(lat, lon, include_geometry=False))
    single_grid_s, single = best_of(3, lambda: aoo_km2(lat, lon, shifts=1))
    pre_s, pre = best_of(
        3,
        lambda: pre_assess(
            AssessmentInputs(eoo_km2=full.eoo_km2, aoo_km2=full.aoo_km2, number_of_locations=12)
        ),
    )
    write_results(
        "iucn_areas",
        {
            "n_records": n,
            "n_unique_points": full.n_unique_points,
            "eoo_km2": round(eoo, 1),
            "aoo_km2": aoo,
            "aoo_cells": full.n_cells,
            "aoo_single_grid_km2": single,
            "eoo_seconds": round(eoo_s, 3),
            "aoo_seconds_16_origins": round(aoo_s, 3),
            "aoo_seconds_single_origin": round(single_grid_s, 3),
            "assess_areas_seconds_with_geometry": round(full_s, 3),
            "assess_areas_seconds_without_geometry": round(lean_s, 3),
            "pre_assess_seconds": round(pre_s, 6),
            "pre_assess_label": pre.label,
            "target_seconds": 5.0,
            "peak_rss_mb": round(peak_rss_mb(), 1),
        },
    )


if __name__ == "__main__":
    main()
