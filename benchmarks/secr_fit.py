"""SECR fitting speed and recovery: captdata, a snow-leopard-sized count survey, scaling.

Run as ``cd benchmarks && ../.venv/bin/python secr_fit.py``. Everything runs on one core
(thread pools pinned to 1). Figures:

* ``captdata_fit_s_median`` - fit of secr's captdata (multi-catch, HN, 3,936-point mask);
  target < 0.5 s;
* ``snowleopard_*`` - 55 cameras with usage in days (the Namkha layout), the 2,966-point
  Namkha mask, HHN count detector, populations simulated from known parameters (seeded);
  fit time and whether the estimates recover the truth over replicate surveys;
* ``scaling_mask`` / ``scaling_animals`` - fit time against mask size and number of animals.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"

import csv  # noqa: E402
import logging  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402
from _common import peak_rss_mb, write_results  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from barys.analytics.capture_recapture import fit_all  # noqa: E402
from barys.analytics.secr import (  # noqa: E402
    Traps,
    fit_secr,
    make_mask,
    read_capthist,
    read_mask_csv,
)
from barys.analytics.secr.simulate import simulate_capthist  # noqa: E402

logging.disable(logging.WARNING)
DATA = Path(os.environ.get("BARYS_REFERENCE_DATA", ROOT.parent / "shared" / "reference-data"))

TRUTH = {"D_per_100km2": 1.6, "lambda0": 0.0026, "sigma": 6000.0}
"""Snow-leopard-like parameters (close to the Namkha m0 fit): per 100 km^2, per day, metres."""


CPU_TIMES: list[float] = []


def timed(func, repeats: int) -> tuple[list[float], object]:  # type: ignore[no-untyped-def]
    """Wall-clock seconds of each run (process CPU seconds go to CPU_TIMES)."""
    times = []
    result = None
    CPU_TIMES.clear()
    for _ in range(repeats):
        began, began_cpu = time.perf_counter(), time.process_time()
        result = func()
        times.append(time.perf_counter() - began)
        CPU_TIMES.append(time.process_time() - began_cpu)
    return times, result


def namkha_traps() -> Traps:
    with open(DATA / "snowleopard_namkha" / "namkha_traps.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return Traps(
        tuple(r["trapID"] for r in rows),
        np.array([float(r["x"]) for r in rows]),
        np.array([float(r["y"]) for r in rows]),
        "count",
        np.array([[float(r["usage_days"])] for r in rows]),
    )


def simulate(traps: Traps, mask, density_per_100km2: float, seed: int):  # type: ignore[no-untyped-def]
    return simulate_capthist(
        traps,
        mask,
        density=density_per_100km2 / 10_000,
        sigma=TRUTH["sigma"],
        baseline=TRUTH["lambda0"],
        detectfn="HHN",
        n_occasions=1,
        rng=np.random.default_rng(seed),
    )


def main() -> None:
    figures: dict[str, object] = {"load_average_1min": round(os.getloadavg()[0], 2)}

    # 1. captdata
    captdata = read_capthist(
        DATA / "secr_captdata" / "capt.txt", DATA / "secr_captdata" / "trap.txt", "multi"
    )
    fit_secr(captdata)  # warm-up (imports, allocations)
    times, fit = timed(lambda: fit_secr(captdata), 9)
    figures["captdata_fit_s_median"] = round(statistics.median(times), 4)
    figures["captdata_fit_cpu_s_median"] = round(statistics.median(CPU_TIMES), 4)
    figures["captdata_fit_s_all"] = [round(t, 4) for t in times]
    figures["captdata_target_met"] = statistics.median(times) < 0.5
    figures["captdata_estimates"] = {
        name: round(e.estimate, 5)
        for name, e in fit.estimates.items()  # type: ignore[attr-defined]
    }
    figures["captdata_loglik"] = round(fit.loglik, 4)  # type: ignore[attr-defined]

    # 2. snow-leopard-sized survey: 55 cameras, 2,966-point mask, count detector, HHN
    traps = namkha_traps()
    mask = read_mask_csv(DATA / "snowleopard_namkha" / "namkha_mask.csv")
    replicates = []
    fit_times = []
    for seed in range(30):
        ch = simulate(traps, mask, TRUTH["D_per_100km2"], seed)
        began = time.perf_counter()
        rep = fit_secr(ch, mask, detectfn="HHN")
        fit_times.append(time.perf_counter() - began)
        d = rep.density_per_100km2
        replicates.append(
            {
                "n": ch.n_animals,
                "D": d.estimate,
                "D_in_ci": d.lcl < TRUTH["D_per_100km2"] < d.ucl,
                "sigma": rep.estimates["sigma"].estimate,
                "sigma_in_ci": rep.estimates["sigma"].lcl
                < TRUTH["sigma"]
                < rep.estimates["sigma"].ucl,
                "lambda0_in_ci": rep.estimates["lambda0"].lcl
                < TRUTH["lambda0"]
                < rep.estimates["lambda0"].ucl,
                "converged": rep.converged,
            }
        )
    figures["snowleopard_cameras"] = traps.n_traps
    figures["snowleopard_mask_points"] = mask.n_points
    figures["snowleopard_truth"] = TRUTH
    figures["snowleopard_replicates"] = len(replicates)
    figures["snowleopard_fit_s_median"] = round(statistics.median(fit_times), 4)
    figures["snowleopard_mean_animals_detected"] = round(
        statistics.mean(r["n"] for r in replicates),
        2,  # type: ignore[misc]
    )
    mean_d = statistics.mean(r["D"] for r in replicates)  # type: ignore[misc]
    median_sigma = statistics.median(r["sigma"] for r in replicates)  # type: ignore[misc]
    figures["snowleopard_mean_D_per_100km2"] = round(mean_d, 4)
    figures["snowleopard_D_relative_bias"] = round(mean_d / TRUTH["D_per_100km2"] - 1, 4)
    figures["snowleopard_median_sigma_m"] = round(median_sigma, 1)
    for key in ("D_in_ci", "sigma_in_ci", "lambda0_in_ci"):
        figures[f"snowleopard_coverage_{key[:-6]}"] = round(
            sum(bool(r[key]) for r in replicates) / len(replicates), 3
        )
    figures["snowleopard_all_converged"] = all(bool(r["converged"]) for r in replicates)
    first = replicates[0]
    figures["snowleopard_replicate0"] = {
        k: (round(v, 5) if isinstance(v, float) else v) for k, v in first.items()
    }

    # 3. scaling with mask size (same survey, masks of about 1k, 3k, 10k points)
    ch = simulate(traps, mask, TRUTH["D_per_100km2"], 0)
    scaling_mask = []
    for spacing in (2600.0, 1500.0, 820.0):
        sized = make_mask(traps, buffer=25_000.0, spacing=spacing)
        times, _ = timed(lambda sized=sized: fit_secr(ch, sized, detectfn="HHN"), 3)
        scaling_mask.append(
            {"mask_points": sized.n_points, "fit_s_median": round(statistics.median(times), 4)}
        )
    figures["scaling_mask"] = scaling_mask

    # 4. scaling with the number of animals (density raised on the same layout and mask)
    scaling_animals = []
    for density in (1.6, 4.0, 8.0, 16.0):
        sim = simulate(traps, mask, density, 1)
        times, _ = timed(lambda sim=sim: fit_secr(sim, mask, detectfn="HHN"), 3)
        scaling_animals.append(
            {
                "animals": sim.n_animals,
                "detections": sim.n_detections,
                "fit_s_median": round(statistics.median(times), 4),
            }
        )
    figures["scaling_animals"] = scaling_animals

    # closed-population models for comparison (Rcapture's hare data, 12 models)
    hare = np.loadtxt(DATA / "rcapture_hare" / "hare.csv", delimiter=",", skiprows=1)
    times, _ = timed(lambda: fit_all(hare), 5)
    figures["closed_fit_all_hare_s_median"] = round(statistics.median(times), 4)
    figures["peak_rss_mb"] = round(peak_rss_mb(), 1)
    write_results("secr_fit", figures)


if __name__ == "__main__":
    main()
