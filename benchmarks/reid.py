"""Snow-leopard re-identification benchmark on procedural camera-trap renders.

Run as ``cd benchmarks && ../.venv/bin/python reid.py [--quick]``; writes
``results/reid.json`` (``results/reid_quick.json`` with ``--quick``). Two parts:

1. **Accuracy.** A population of individuals (250; 60 with ``--quick``), 15 % of them cubs
   sharing 40 % of their mother's rosettes, each with a home range of 2-3 of 40 camera
   stations. Encounters are split by time: the gallery holds the encounters before the split,
   the queries come from later encounters. 20 % of the individuals appear only after the
   split (open set). Gallery encounters photograph both flanks with probability 0.6 (paired
   cameras), otherwise one. Every image draws yaw from U(-30, 30) degrees, scale from
   U(0.35, 1.15) (the animal spans 22-71 % of a 1024 x 768 frame), is an infrared night
   frame with probability 0.4 (half of them with a 2-10 px motion blur), is out of focus
   (Gaussian sigma 0.3-1.2 px) with probability 0.3 and is stored as JPEG (quality 70-92);
   queries are occluded by a boulder or shrub hiding U(0, 0.2) of the animal. The engine is calibrated on the
   gallery's own leave-one-encounter-out queries, then queried once per query image.
   Figures: rank-1, rank-5, mAP, BAKS, BAUS (definitions in ``docs/reid.md``).
2. **Query time** on one core against galleries of 1,000, 5,000 and 20,000 annotations of
   one viewpoint, built from cached descriptors of the rendered chips (each synthetic
   annotation is a rendered chip's strongest ``--timing-features`` descriptors with +-1
   jitter so that no two are identical). The index grows incrementally; each size is timed
   on 20 queries (spatial verification included, feature extraction timed separately).

Descriptors of the rendered chips are cached in ``benchmarks/.cache/`` (``--no-cache`` to
recompute).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import cv2
import faiss
import numpy as np
from _common import peak_rss_mb, percentile, write_results

from barys.demo.coats import Coat, crop_chip, render_with_box
from barys.individuals.reid import ChipFeatures, IndexConfig, ReidEngine
from barys.individuals.reid.features import extract_features

cv2.setNumThreads(1)  # one core per process: the query timings are single-threaded
CACHE = Path(__file__).resolve().parent / ".cache"
N_STATIONS = 40


@dataclass(frozen=True)
class Shot:
    """One planned image: who, which flank, when, where, and how it looks."""

    key: str
    individual: str
    encounter: str
    side: str
    time: float
    station: int
    yaw: float
    scale: float
    night: bool
    occlusion: float
    motion_blur: float
    defocus: float
    jpeg_quality: int
    shot_seed: int
    gallery: bool


def plan(n_individuals: int, seed: int) -> tuple[dict[str, Coat], list[Shot]]:
    """The population's coats and every image of the gallery and query periods."""
    rng = np.random.default_rng(seed)
    coats: dict[str, Coat] = {}
    names = [f"SL-{i:04d}" for i in range(n_individuals)]
    n_new = int(round(0.2 * n_individuals))
    new = set(rng.choice(names, size=n_new, replace=False).tolist())
    for i, name in enumerate(names):
        mother = None
        if i > 10 and rng.random() < 0.15:
            mother = coats[names[int(rng.integers(0, i))]]
        coats[name] = Coat.for_individual(10_000 + i, parent=mother, inherit=0.4)
    shots: list[Shot] = []
    counter = 0

    def image(name: str, encounter: str, side: str, t: float, station: int, gallery: bool) -> None:
        nonlocal counter
        counter += 1
        night = bool(rng.random() < 0.4)
        shots.append(
            Shot(
                key=f"img-{counter:06d}",
                individual=name,
                encounter=encounter,
                side=side,
                time=t,
                station=station,
                yaw=float(rng.uniform(-30.0, 30.0)),
                scale=float(rng.uniform(0.35, 1.15)),
                night=night,
                occlusion=0.0 if gallery else float(rng.uniform(0.0, 0.2)),
                motion_blur=float(rng.uniform(2.0, 10.0)) if night and rng.random() < 0.5 else 0.0,
                defocus=float(rng.uniform(0.3, 1.2)) if rng.random() < 0.3 else 0.0,
                jpeg_quality=int(rng.integers(70, 93)),
                shot_seed=int(rng.integers(1 << 30)),
                gallery=gallery,
            )
        )

    for name in names:
        home = int(rng.integers(N_STATIONS))
        stations = [(home + d) % N_STATIONS for d in range(int(rng.integers(2, 4)))]
        if name not in new:
            for e in range(int(rng.integers(1, 4))):
                encounter = f"{name}-g{e}"
                t = float(rng.uniform(0.0, 1.0))
                station = int(rng.choice(stations))
                sides = (
                    ["left", "right"]
                    if rng.random() < 0.6
                    else [str(rng.choice(["left", "right"]))]
                )
                for side in sides:
                    image(name, encounter, side, t, station, True)
        if name in new or rng.random() < 0.75:
            for e in range(int(rng.integers(1, 3))):
                t = float(rng.uniform(1.0, 2.0))
                image(
                    name,
                    f"{name}-q{e}",
                    str(rng.choice(["left", "right"])),
                    t,
                    int(rng.choice(stations)),
                    False,
                )
    return coats, shots


def _describe(job: tuple[Coat, list[Shot]]) -> list[tuple[str, ChipFeatures]]:
    """Render and describe the shots of one individual (runs in a worker process)."""
    coat, shots = job
    out = []
    for shot in shots:
        rendering = render_with_box(
            coat,
            shot.side,
            shot.yaw,
            shot.scale,
            shot.occlusion,
            shot.night,
            shot.station,
            shot_seed=shot.shot_seed,
            motion_blur=shot.motion_blur,
            defocus=shot.defocus,
            jpeg_quality=shot.jpeg_quality,
        )
        out.append((shot.key, extract_features(crop_chip(rendering.image, rendering.box))))
    return out


def describe_all(
    coats: dict[str, Coat], shots: list[Shot], use_cache: bool, tag: str, workers: int
) -> dict[str, ChipFeatures]:
    """Render every shot and extract its features (cached on disk)."""
    path = CACHE / f"reid-{tag}.npz"
    if use_cache and path.exists():
        with np.load(path, allow_pickle=False) as data:
            out = {}
            for shot in shots:
                k = shot.key
                meta = data[f"{k}/meta"]
                out[k] = ChipFeatures(
                    data[f"{k}/xy"],
                    data[f"{k}/chip_xy"],
                    data[f"{k}/size"],
                    data[f"{k}/desc"],
                    (int(meta[0]), int(meta[1])),
                    float(meta[2]),
                )
            return out
    jobs: dict[str, list[Shot]] = {}
    for shot in shots:
        jobs.setdefault(shot.individual, []).append(shot)
    out = {}
    with ProcessPoolExecutor(max_workers=workers) as pool:
        for done, pairs in enumerate(
            pool.map(_describe, [(coats[n], s) for n, s in jobs.items()], chunksize=4)
        ):
            out.update(pairs)
            if (done + 1) % 50 == 0:
                print(f"  described {len(out)}/{len(shots)} chips", flush=True)
    CACHE.mkdir(parents=True, exist_ok=True)
    arrays: dict[str, np.ndarray] = {}
    for k, f in out.items():
        arrays[f"{k}/xy"], arrays[f"{k}/chip_xy"], arrays[f"{k}/size"] = f.xy, f.chip_xy, f.size
        arrays[f"{k}/desc"] = f.descriptors
        arrays[f"{k}/meta"] = np.array([f.image_shape[0], f.image_shape[1], f.factor])
    np.savez(path, **arrays)  # type: ignore[arg-type]
    return out


def render_timing(coats: dict[str, Coat], shots: list[Shot]) -> dict[str, float]:
    """Milliseconds per 1024 x 768 render (first render of a coat builds its texture)."""
    first: list[float] = []
    repeat: list[float] = []
    for shot in shots[:40]:
        coat = Coat.for_individual(shot.shot_seed % 100_000 + 900_000)  # a coat not yet cached
        for bucket in (first, repeat):
            t0 = time.perf_counter()
            render_with_box(
                coat,
                shot.side,
                shot.yaw,
                shot.scale,
                0.2,
                shot.night,
                shot.station,
                shot_seed=shot.shot_seed,
                motion_blur=shot.motion_blur,
                defocus=shot.defocus,
            )
            bucket.append(1000.0 * (time.perf_counter() - t0))
    return {
        "render_ms_median_new_coat": round(percentile(first, 50), 1),
        "render_ms_median_cached_coat": round(percentile(repeat, 50), 1),
    }


def accuracy(
    engine: ReidEngine, shots: list[Shot], features: dict[str, ChipFeatures]
) -> dict[str, Any]:
    """Rank-1/5, mAP, BAKS, BAUS over the query shots (open-set decision at p = 0.5)."""
    gallery_sides = {(s.individual, s.side) for s in shots if s.gallery}
    per_individual_known: dict[str, list[float]] = {}
    per_individual_unknown: dict[str, list[float]] = {}
    ranks: list[int] = []
    conditions: dict[str, list[int]] = {
        "day": [],
        "night": [],
        "occluded>=10%": [],
        "|yaw|>=20": [],
    }
    bands: dict[str, dict[str, int]] = {"known": {}, "unknown": {}}
    times: list[float] = []
    for shot in (s for s in shots if not s.gallery):
        started = time.perf_counter()
        result = engine.query_description(
            features[shot.key], shot.side, top=12, event=shot.encounter
        )
        times.append(time.perf_counter() - started)
        names = [c.individual for c in result]
        known = (shot.individual, shot.side) in gallery_sides
        predicted_known = bool(result.candidates) and result.candidates[0].probability >= 0.5
        kind = "known" if known else "unknown"
        bands[kind][result.band] = bands[kind].get(result.band, 0) + 1
        if known:
            rank = names.index(shot.individual) + 1 if shot.individual in names else 0
            ranks.append(rank)
            correct = predicted_known and rank == 1
            per_individual_known.setdefault(shot.individual, []).append(float(correct))
            hit = int(rank == 1)
            conditions["night" if shot.night else "day"].append(hit)
            if shot.occlusion >= 0.1:
                conditions["occluded>=10%"].append(hit)
            if abs(shot.yaw) >= 20.0:
                conditions["|yaw|>=20"].append(hit)
        else:
            per_individual_unknown.setdefault(shot.individual, []).append(
                float(not predicted_known)
            )
    r = np.array(ranks)
    baks = float(np.mean([np.mean(v) for v in per_individual_known.values()]))
    baus = float(np.mean([np.mean(v) for v in per_individual_unknown.values()]))
    return {
        "queries_known": len(ranks),
        "queries_unknown": sum(len(v) for v in per_individual_unknown.values()),
        "query_individuals_known": len(per_individual_known),
        "query_individuals_unknown": len(per_individual_unknown),
        "rank1": round(float(np.mean(r == 1)), 4),
        "rank5": round(float(np.mean((r >= 1) & (r <= 5))), 4),
        "mAP": round(float(np.mean(np.where(r > 0, 1.0 / np.maximum(r, 1), 0.0))), 4),
        "BAKS": round(baks, 4),
        "BAUS": round(baus, 4),
        "open_set_geometric_mean": round(float(np.sqrt(baks * baus)), 4),
        "rank1_by_condition": {
            k: round(float(np.mean(v)), 4) if v else None for k, v in conditions.items()
        },
        "bands": bands,
        "query_time_s_median_excluding_features": round(percentile(times, 50), 3),
    }


def rss_mb() -> float:
    """Current resident set size (MiB)."""
    with open("/proc/self/statm") as stream:
        return int(stream.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def timing(
    features: dict[str, ChipFeatures],
    sizes: list[int],
    per_annotation: int,
    seed: int,
    build_threads: int,
) -> dict[str, Any]:
    """Query time (one thread) against galleries of the given sizes, grown incrementally
    (graph construction uses ``build_threads``)."""
    rng = np.random.default_rng(seed)
    pool = list(features.values())
    engine = ReidEngine(index=IndexConfig().as_dict())
    queries = [pool[int(i)] for i in rng.choice(len(pool), size=20, replace=False)]
    out: dict[str, Any] = {
        "descriptors_per_annotation": per_annotation,
        "build_threads": build_threads,
        "query_threads": 1,
        "galleries": {},
    }
    added = 0
    baseline = rss_mb()
    for size in sizes:
        faiss.omp_set_num_threads(build_threads)
        started = time.perf_counter()
        while added < size:
            f = pool[added % len(pool)]
            keep = min(per_annotation, len(f))
            jitter = rng.integers(-1, 2, (keep, f.descriptors.shape[1]))
            desc = np.clip(f.descriptors[:keep].astype(np.int16) + jitter, 0, 255).astype(np.uint8)
            synthetic = ChipFeatures(
                f.xy[:keep], f.chip_xy[:keep], f.size[:keep], desc, f.image_shape, f.factor
            )
            engine.add_description(
                f"syn-{added}", f"ind-{added // 3}", synthetic, "left", event=f"ev-{added}"
            )
            added += 1
        engine.query_description(queries[0], "left")  # builds / extends the index
        build = time.perf_counter() - started
        faiss.omp_set_num_threads(1)
        times = []
        for q in queries:
            t0 = time.perf_counter()
            engine.query_description(q, "left")
            times.append(time.perf_counter() - t0)
        backend = engine.backend
        rows = backend.index_rows()["left"]  # type: ignore[attr-defined]
        out["galleries"][str(size)] = {
            "annotations": size,
            "descriptor_rows": rows,
            "search": backend.index_kinds()["left"],  # type: ignore[attr-defined]
            "build_or_extend_s": round(build, 1),
            "query_s_median": round(percentile(times, 50), 3),
            "query_s_p95": round(percentile(times, 95), 3),
            "process_rss_growth_mb": round(rss_mb() - baseline, 0),
            "index_memory_mb": round(backend.index_memory()["left"] / 2**20, 1),  # type: ignore[attr-defined]
            "machine_load_average_1min": round(os.getloadavg()[0], 1),
        }
        print(f"  gallery {size}: {json.dumps(out['galleries'][str(size)])}", flush=True)
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--quick", action="store_true", help="60 individuals, galleries of 1,000 only"
    )
    parser.add_argument("--individuals", type=int, default=None)
    parser.add_argument("--timing-features", type=int, default=300)
    parser.add_argument(
        "--workers", type=int, default=2, help="processes rendering chips; threads building graphs"
    )
    parser.add_argument("--sizes", type=str, default=None, help="comma-separated gallery sizes")
    parser.add_argument("--no-cache", action="store_true")
    parser.add_argument("--seed", type=int, default=2023)
    args = parser.parse_args(argv)
    n = args.individuals or (60 if args.quick else 250)
    sizes = (
        [int(s) for s in args.sizes.split(",")]
        if args.sizes
        else ([1000] if args.quick else [1000, 5000, 20000])
    )
    started = time.perf_counter()
    coats, shots = plan(n, args.seed)
    tag = hashlib.sha1(json.dumps([n, args.seed, len(shots)]).encode()).hexdigest()[:10]
    print(
        f"{n} individuals, {sum(s.gallery for s in shots)} gallery and {sum(not s.gallery for s in shots)} query images",
        flush=True,
    )
    t0 = time.perf_counter()
    features = describe_all(coats, shots, not args.no_cache, tag, args.workers)
    describe_s = time.perf_counter() - t0
    extract_times = []
    for shot in shots[:10]:
        r = render_with_box(
            coats[shot.individual], shot.side, shot.yaw, shot.scale, 0.0, shot.night, shot.station
        )
        chip = crop_chip(r.image, r.box)
        t1 = time.perf_counter()
        extract_features(chip)
        extract_times.append(time.perf_counter() - t1)
    engine = ReidEngine()
    faiss.omp_set_num_threads(args.workers)
    t0 = time.perf_counter()
    for shot in (s for s in shots if s.gallery):
        engine.add_description(
            shot.key, shot.individual, features[shot.key], shot.side, event=shot.encounter
        )
    engine.query_description(next(iter(features.values())), "left")
    engine.query_description(next(iter(features.values())), "right")
    build_s = time.perf_counter() - t0
    faiss.omp_set_num_threads(1)
    t0 = time.perf_counter()
    calibration = engine.calibrate(max_queries=300 if not args.quick else 120)
    calibrate_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    figures: dict[str, Any] = {
        "individuals": n,
        "gallery_annotations": len(engine),
        "gallery_index": engine.backend.index_kinds(),  # type: ignore[attr-defined]
        "descriptors_per_chip_mean": round(float(np.mean([len(f) for f in features.values()])), 1),
    }
    figures.update(accuracy(engine, shots, features))
    accuracy_s = time.perf_counter() - t0
    figures["calibration"] = calibration.to_dict()
    figures["feature_extraction_s_median"] = round(percentile(extract_times, 50), 3)
    figures.update(render_timing(coats, shots))
    figures["timing"] = timing(features, sizes, args.timing_features, args.seed, args.workers)
    figures["stage_seconds"] = {
        "render_and_describe": round(describe_s, 1),
        "gallery_build": round(build_s, 1),
        "calibrate": round(calibrate_s, 1),
        "queries": round(accuracy_s, 1),
        "total": round(time.perf_counter() - started, 1),
    }
    figures["peak_rss_mb"] = round(peak_rss_mb(), 0)
    figures["published_anchors"] = {
        "hotspotter_rank1_real_snow_leopards": 0.74,
        "hotspotter_fused_with_deep_model_rank1": 0.85,
        "source": "Bohnett et al. 2023",
    }
    write_results("reid_quick" if args.quick else "reid", figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
