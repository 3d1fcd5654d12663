"""MCP and KDE home ranges for one individual with 100,000 fixes, and the real-data comparison.

Run as ``cd benchmarks && ../.venv/bin/python homerange.py [n_fixes]``. The fixes are
synthetic: an Ornstein-Uhlenbeck-like walk (AR(1) positions, 20 % of steps a 5 km excursion)
around a centre in the Ile-Alatau (43.05 N, 77.05 E), spread about 4 km x 2.5 km. Timings are the
best of three runs. The buffalo of ctmm's vignettes are measured as well when the reference
data are found (``BARYS_REFERENCE_DATA`` or ``../../shared/reference-data``). Writes
``results/homerange.json``.
"""

from __future__ import annotations

import csv
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from _common import peak_rss_mb, write_results
from scipy.signal import lfilter

from barys.analytics.homerange import gaussian_range, kde, mcp
from barys.analytics.projections import local_laea


def fixes(n: int, seed: int = 7) -> tuple[np.ndarray, np.ndarray]:
    """``n`` fixes (latitudes, longitudes in degrees) of a simulated resident animal."""
    rng = np.random.default_rng(seed)
    phi = 0.98
    scale = np.array([4000.0, 2500.0]) * np.sqrt(1 - phi * phi)
    noise = rng.normal(0.0, 1.0, (n, 2)) * scale
    jumps = rng.random(n) < 0.2
    noise[jumps] += rng.normal(0.0, 5000.0, (int(jumps.sum()), 2)) * np.sqrt(1 - phi * phi)
    xy = lfilter([1.0], [1.0, -phi], noise, axis=0)  # x[i] = phi x[i-1] + noise[i]
    return local_laea(43.05, 77.05).to_latlon(xy[:, 0], xy[:, 1])


def best_of(runs: int, func: Callable[[], Any]) -> tuple[float, Any]:
    best = float("inf")
    value: Any = None
    for _ in range(runs):
        start = time.perf_counter()
        value = func()
        best = min(best, time.perf_counter() - start)
    return best, value


def reference_figures() -> dict[str, Any]:
    root = Path(
        os.environ.get("BARYS_REFERENCE_DATA")
        or Path(__file__).resolve().parents[2] / "shared" / "reference-data"
    )
    path = root / "telemetry" / "ctmm_buffalo.csv"
    if not path.exists():
        return {"reference_data": f"not found: {path}"}
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    out: dict[str, Any] = {}
    for name in ("Cilla", "Pepper"):
        lat = np.array([float(r["latitude"]) for r in rows if r["identity"] == name])
        lon = np.array([float(r["longitude"]) for r in rows if r["identity"] == name])
        out[name] = {
            "n_fixes": int(lat.size),
            "gaussian95_km2": round(gaussian_range(lat, lon).area_km2, 1),
            "mcp100_km2": round(mcp(lat, lon, 100).area_km2, 1),
            "mcp95_km2": round(mcp(lat, lon, 95).area_km2, 1),
            "kde95_href_km2": round(kde(lat, lon).area_km2(95), 1),
            "kde95_href_sphered_km2": round(
                kde(lat, lon, bandwidth="href-sphered").area_km2(95), 1
            ),
        }
    out["published"] = {
        "Cilla_IID_gaussian95_km2": 369.0,
        "Pepper_IID_KDE95_km2": 458.1,
        "source": "ctmm 1.3.0 vignettes (see reference-data SOURCES.md)",
    }
    return out


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    lat, lon = fixes(n)
    mcp_s, m95 = best_of(3, lambda: mcp(lat, lon, 95))
    mcp_h_s, _ = best_of(3, lambda: mcp(lat, lon, 95, centre="harmonic"))
    kde_s, k = best_of(3, lambda: kde(lat, lon, levels=(50, 95)))
    kde_sph_s, ks = best_of(3, lambda: kde(lat, lon, levels=(50, 95), bandwidth="href-sphered"))
    gauss_s, g = best_of(3, lambda: gaussian_range(lat, lon))
    # Accuracy of the binned KDE against the exact sum on a 5,000-fix subsample.
    sub_lat, sub_lon = lat[:: max(1, n // 5000)], lon[:: max(1, n // 5000)]
    binned = kde(sub_lat, sub_lon)
    exact_s, exact = best_of(1, lambda: kde(sub_lat, sub_lon, method="exact"))
    max_err = float(np.abs(binned.density - exact.density).max() / exact.density.max())
    write_results(
        "homerange",
        {
            "n_fixes": n,
            "mcp95_km2": round(m95.area_km2, 2),
            "mcp95_seconds": round(mcp_s, 3),
            "mcp95_harmonic_centre_seconds": round(mcp_h_s, 3),
            "kde_href_50_km2": round(k.area_km2(50), 2),
            "kde_href_95_km2": round(k.area_km2(95), 2),
            "kde_href_seconds": round(kde_s, 3),
            "kde_grid": list(k.density.shape),
            "kde_bandwidth_m": round(k.bandwidth_m, 1),
            "kde_href_sphered_95_km2": round(ks.area_km2(95), 2),
            "kde_href_sphered_seconds": round(kde_sph_s, 3),
            "gaussian95_km2": round(g.area_km2, 2),
            "gaussian_seconds": round(gauss_s, 3),
            "exact_kde_subsample_fixes": int(sub_lat.size),
            "exact_kde_subsample_seconds": round(exact_s, 3),
            "binned_vs_exact_max_density_error": float(f"{max_err:.2e}"),
            "binned_vs_exact_kde95_area_error": float(
                f"{binned.area_km2(95) / exact.area_km2(95) - 1:.2e}"
            ),
            "reference": reference_figures(),
            "peak_rss_mb": round(peak_rss_mb(), 1),
        },
    )


if __name__ == "__main__":
    main()
