"""Camera-trap analytics on a synthetic survey: 100 stations, one year, 1 million media records.

Times the whole chain on plain numpy arrays: camera operation matrix and trap-nights,
independent detections (30 min per station and species), RAI by species, station and season,
diel activity density, activity level and overlap for the main species, a 7-day detection
history and an occupancy fit with effort as a detection covariate. Target: under 10 s in
total. The survey is generated with a seeded RNG (generation is not part of the timing).

Run: ``cd benchmarks && ../.venv/bin/python camtrap_analytics.py``
"""

from __future__ import annotations

import os
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np  # noqa: E402
from _common import peak_rss_mb, write_results  # noqa: E402

from barys.analytics.activity import activity_level, bootstrap_ci, clock_time, density, overlap  # noqa: E402
from barys.analytics.effort import (  # noqa: E402
    Deployment,
    camera_operation,
    independent_detections,
    relative_abundance,
    trap_nights,
)
from barys.analytics.occupancy import detection_history, fit_occupancy  # noqa: E402

SEED = 20240601
N_STATIONS = 100
N_MEDIA = 1_000_000
YEAR_START = datetime(2024, 1, 1, tzinfo=UTC)
UTC_OFFSET = timedelta(hours=5)  # Kazakhstan
SEASONS = {"winter": (12, 1, 2), "spring": (3, 4, 5), "summer": (6, 7, 8), "autumn": (9, 10, 11)}
# species: (share of events, occupancy, diel peaks in hours, von Mises concentration)
SPECIES = {
    "Panthera uncia": (0.10, 0.55, (6.0, 19.0), 3.0),
    "Capra sibirica": (0.30, 0.80, (9.0, 16.0), 2.5),
    "Canis lupus": (0.08, 0.45, (1.0, 22.0), 2.0),
    "Vulpes vulpes": (0.17, 0.70, (0.0,), 1.5),
    "Marmota baibacina": (0.20, 0.40, (12.0,), 2.0),
    "Ovis ammon": (0.06, 0.25, (8.0, 17.0), 2.5),
    "Martes foina": (0.05, 0.35, (23.0,), 2.0),
    "Homo sapiens": (0.04, 0.60, (13.0,), 3.0),
}


def make_deployments(rng: np.random.Generator) -> list[Deployment]:
    """Two or three service periods per station over 2024, some with outages."""
    deployments = []
    for k in range(N_STATIONS):
        station = f"KZ-{k + 1:03d}"
        cursor = YEAR_START + timedelta(
            days=int(rng.integers(0, 20)), hours=float(rng.uniform(9, 15))
        )
        for _ in range(int(rng.integers(2, 4))):
            length = timedelta(days=float(rng.uniform(90, 150)))
            end = min(cursor + length, YEAR_START + timedelta(days=365))
            outages: tuple[tuple[datetime, datetime], ...] = ()
            if rng.random() < 0.3:  # battery or card full: a few days without pictures
                start = cursor + (end - cursor) * float(rng.uniform(0.3, 0.8))
                outages = ((start, min(start + timedelta(days=float(rng.uniform(1, 12))), end)),)
            deployments.append(Deployment(station, cursor, end, outages, survey="2024"))
            cursor = end + timedelta(hours=float(rng.uniform(0.5, 72)))
            if cursor >= YEAR_START + timedelta(days=364):
                break
    return deployments


def make_media(
    rng: np.random.Generator, deployments: list[Deployment]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """About 1 million media: bursts of pictures at visits of 8 species (vectorised)."""
    names = list(SPECIES)
    share = np.array([SPECIES[s][0] for s in names])
    occupied = rng.random((N_STATIONS, len(names))) < np.array([SPECIES[s][1] for s in names])
    weight = occupied * share * rng.gamma(2.0, 0.5, size=(N_STATIONS, len(names)))
    spans = np.array([d.interval_seconds() for d in deployments])
    dep_station = np.array([int(d.station[3:]) - 1 for d in deployments])
    n_events = N_MEDIA // 7  # a few more than needed; the media list is cut at N_MEDIA
    cell = rng.choice(weight.size, size=n_events, p=(weight / weight.sum()).ravel())
    station, species = np.divmod(cell, len(names))
    dep = np.empty(n_events, dtype=np.int64)  # a random service period of the station
    for s in range(N_STATIONS):
        mine = np.flatnonzero(station == s)
        dep[mine] = rng.choice(np.flatnonzero(dep_station == s), size=mine.size)
    start, end = spans[dep, 0], spans[dep, 1]
    day = start + (rng.random(n_events) * (end - start - 86_400)).astype(np.int64)
    day -= (day + int(UTC_OFFSET.total_seconds())) % 86_400
    n_peaks = np.array([len(SPECIES[s][2]) for s in names])
    peaks = np.array([(SPECIES[s][2] * 2)[:2] for s in names]) / 24 * 2 * np.pi
    centre = peaks[species, (rng.random(n_events) * n_peaks[species]).astype(np.int64)]
    kappa = np.array([SPECIES[s][3] for s in names])[species]
    clock = np.mod(rng.vonmises(centre - np.pi, kappa) + np.pi, 2 * np.pi)
    event_t = day + (clock / (2 * np.pi) * 86_400).astype(np.int64)  # local clock time
    burst = 1 + rng.geometric(1 / 7.0, size=n_events)  # about 8 pictures per visit
    lingering = rng.random(n_events) < 0.04  # animals that stay: pictures every few minutes
    media_event = np.repeat(np.arange(n_events), burst)
    gaps = np.where(
        lingering[media_event],
        rng.exponential(300.0, media_event.size),
        rng.exponential(15.0, media_event.size),
    )
    first = np.concatenate([[0], np.cumsum(burst)[:-1]])
    gaps[first] = 0.0
    offsets = np.cumsum(gaps) - np.repeat(np.cumsum(gaps)[first], burst)
    media_t = event_t[media_event] + offsets.astype(np.int64)
    labels = np.array([f"KZ-{k + 1:03d}" for k in range(N_STATIONS)])
    keep = slice(0, N_MEDIA)
    return (
        labels[station[media_event[keep]]],
        np.array(names)[species[media_event[keep]]],
        media_t[keep].astype("datetime64[s]"),
    )


def main() -> None:
    rng = np.random.default_rng(SEED)
    t0 = time.perf_counter()
    deployments = make_deployments(rng)
    stations, species, stamps = make_media(rng, deployments)
    generation_s = time.perf_counter() - t0
    timings: dict[str, float] = {}

    def timed(name: str, started: float) -> None:
        timings[name] = round(time.perf_counter() - started, 3)

    t = time.perf_counter()
    operation = camera_operation(deployments, utc_offset=UTC_OFFSET)
    nights = trap_nights(operation, seasons=SEASONS)
    timed("effort_s", t)

    t = time.perf_counter()
    events = independent_detections(stations, species, stamps, window=timedelta(minutes=30))
    timed("independent_detections_s", t)

    t = time.perf_counter()
    rai = relative_abundance(events, operation, seasons=SEASONS)
    pooled = rai.by_species()
    timed("rai_s", t)

    t = time.perf_counter()
    leopard = clock_time(
        events.seconds[events.of_species("Panthera uncia")].astype("datetime64[s]"), UTC_OFFSET
    )
    ibex = clock_time(
        events.seconds[events.of_species("Capra sibirica")].astype("datetime64[s]"), UTC_OFFSET
    )
    curve = density(leopard)
    level = activity_level(leopard, n_boot=100, seed=SEED)
    overlap_est = overlap(leopard, ibex)
    timed("activity_overlap_s", t)

    t = time.perf_counter()
    history = detection_history(
        operation, events, "Panthera uncia", occasion_length=7, day1="survey"
    )
    effort = history.effort
    scaled = (effort - np.nanmean(effort)) / np.nanstd(effort, ddof=1)
    fit = fit_occupancy(
        history.detections, observation_covariates={"effort": scaled}, psi="~ 1", p="~ effort"
    )
    timed("occupancy_s", t)

    total = round(sum(timings.values()), 3)
    t = time.perf_counter()
    boot = bootstrap_ci(leopard, ibex, 200, seed=SEED)
    bootstrap_s = round(time.perf_counter() - t, 3)

    write_results(
        "camtrap_analytics",
        {
            "stations": N_STATIONS,
            "deployments": len(deployments),
            "media_records": int(stamps.size),
            "independent_detections": len(events),
            "station_days": int(np.count_nonzero(~np.isnan(operation.effort))),
            "trap_nights": round(nights.total, 1),
            "generation_s": round(generation_s, 3),
            **timings,
            "total_s": total,
            "target_total_s": 10.0,
            "bootstrap_200_overlap_s": bootstrap_s,
            "snow_leopard_events": int(leopard.size),
            "snow_leopard_rai": round(pooled["Panthera uncia"], 3),
            "snow_leopard_activity_level": round(level.level, 4),
            "snow_leopard_density_max_per_radian": round(float(curve.max()), 4),
            "overlap_leopard_ibex_dhat4": round(overlap_est.dhat4, 4),
            "overlap_dhat4_ci95_bias_corrected": [
                round(boot.bias_corrected["dhat4"].lower, 4),
                round(boot.bias_corrected["dhat4"].upper, 4),
            ],
            "occasions": history.n_occasions,
            "naive_occupancy": round(history.naive_occupancy, 3),
            "psi_hat": round(float(fit.predict_psi().estimate[0]), 3),
            "occupancy_converged": fit.converged,
            "excluded_detections": rai.excluded,
            "peak_rss_mb": round(peak_rss_mb(), 1),
        },
    )


if __name__ == "__main__":
    main()
