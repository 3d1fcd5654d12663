"""Places and distribution maps: EOO/AOO recompute for a taxon with 1 million records (target
< 5 s) and the p95 latency of the map-page data endpoints.

Run as ``cd benchmarks && ../.venv/bin/python maps.py [n_records]``. The records are built once
with ``bulk_create`` into a throwaway SQLite database under ``benchmarks/.cache/maps/`` (kept
for later runs): 300 clusters of sightings over Kazakhstan, years 1990-2024, 1 % with a
coordinate flag and 1 % recorded absent (both excluded from EOO/AOO). The places are the 16
shipped oblasts, 120 synthetic protected areas and 6 ranges of the taxon. Endpoint latencies
are measured in-process with Django's test client (no network), 200 requests each after 5
warm-up requests. The records are read from the index that covers them (taxon, year,
source, occurrenceStatus, flags, latitude, longitude). Writes ``results/maps.json``.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache" / "maps"
os.environ["BARYS_DATA_DIR"] = str(CACHE)
os.environ.setdefault("BARYS_ALLOWED_HOSTS", "testserver")
os.environ.setdefault("BARYS_LOG_LEVEL", "WARNING")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ["DJANGO_SETTINGS_MODULE"] = "barys.settings"

import django  # noqa: E402

django.setup()

import numpy as np  # noqa: E402
from _common import peak_rss_mb, write_results  # noqa: E402
from _mappage import build_places, map_page_latencies  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import transaction  # noqa: E402
from django.test import Client  # noqa: E402

from barys.places import areas, mapdata  # noqa: E402
from barys.places.models import AreaEstimate, Place  # noqa: E402
from barys.records.models import Occurrence, Source  # noqa: E402
from barys.records.quality import FLAGS  # noqa: E402
from barys.taxa.models import Taxon  # noqa: E402

SLUG = "bench-species"
BATCH = 50_000


def build_records(n: int, seed: int = 20240601) -> Taxon:
    """The benchmark taxon with ``n`` records (built once, then reused)."""
    taxon, _ = Taxon.objects.get_or_create(
        slug=SLUG, defaults={"scientific_name": "Benchmarkia maxima", "rank": "species"}
    )
    have = Occurrence.objects.filter(taxon=taxon).count()
    if have == n:
        return taxon
    Occurrence.objects.filter(taxon=taxon).delete()
    source, _ = Source.objects.get_or_create(code="bench", defaults={"title": "Benchmark"})
    rng = np.random.default_rng(seed)
    n_sites = 300
    site_lat = rng.uniform(41.0, 54.0, n_sites)
    site_lon = rng.uniform(48.0, 86.0, n_sites)
    spread = rng.uniform(0.05, 0.3, n_sites)
    started = time.perf_counter()
    for start in range(0, n, BATCH):
        size = min(BATCH, n - start)
        site = rng.integers(0, n_sites, size)
        lat = np.round(site_lat[site] + rng.normal(0, 1, size) * spread[site], 4)
        lon = np.round(site_lon[site] + rng.normal(0, 1, size) * spread[site] * 1.4, 4)
        year = rng.integers(1990, 2025, size)
        flagged = rng.random(size) < 0.01
        absent = rng.random(size) < 0.01
        rows = [
            Occurrence(
                source=source,
                taxon=taxon,
                latitude=float(lat[i]),
                longitude=float(lon[i]),
                year=int(year[i]),
                occurrence_status="absent" if absent[i] else "present",
                flags=FLAGS["COUNTRY_COORDINATE_MISMATCH"] if flagged[i] else 0,
            )
            for i in range(size)
        ]
        with transaction.atomic():
            Occurrence.objects.bulk_create(rows, batch_size=5000)
        print(f"  records: {start + size:,} of {n:,} ({time.perf_counter() - started:.0f} s)")
    return taxon


def timed(func: Any, runs: int) -> tuple[list[float], Any]:
    times, value = [], None
    for _ in range(runs):
        start = time.perf_counter()
        value = func()
        times.append(time.perf_counter() - start)
    return times, value


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    CACHE.mkdir(parents=True, exist_ok=True)
    call_command("migrate", verbosity=0)
    taxon = build_records(n)
    build_places(taxon)
    fetch_times, (lats, lons, _years) = timed(lambda: areas.usable_records(taxon.pk), 3)
    assess_times, _ = timed(lambda: areas.assess(lats, lons), 3)
    all_only_times, _ = timed(lambda: areas.recompute_areas([taxon.pk], every_period=False), 3)
    recompute_times, done = timed(lambda: areas.recompute_areas([taxon.pk]), 3)
    rows = {r.period: r for r in done[taxon.pk]}
    whole = rows["all"]
    client = Client()
    latencies = map_page_latencies(client, SLUG)
    mapdata.invalidate()
    svg_render_s = timed(lambda: client.get(f"/en/species/{SLUG}/map.png?size=page&x=1"), 1)[0]
    figures: dict[str, Any] = {
        "n_records": Occurrence.objects.filter(taxon=taxon).count(),
        "n_records_used": int(lats.size),
        "eoo_km2": round(whole.eoo_km2, 1),
        "aoo_km2": whole.aoo_km2,
        "aoo_cells": whole.n_cells,
        "cells_geojson_stored": bool(whole.cells),
        "periods": sorted(rows),
        "fetch_records_seconds_best": round(min(fetch_times), 3),
        "eoo_aoo_all_records_seconds_best": round(min(assess_times), 3),
        "recompute_period_all_seconds_best": round(min(all_only_times), 3),
        "recompute_period_all_seconds_median": round(statistics.median(all_only_times), 3),
        "recompute_all_periods_seconds_best": round(min(recompute_times), 3),
        "recompute_all_periods_seconds_median": round(statistics.median(recompute_times), 3),
        "target_seconds": 5.0,
        "endpoints": latencies,
        "map_png_first_render_seconds": round(svg_render_s[0], 3),
        "n_protected_areas": Place.objects.filter(kind="protected_area").count(),
        "n_area_rows": AreaEstimate.objects.filter(taxon=taxon).count(),
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "load_average_1min_at_end": round(os.getloadavg()[0], 2),
        "cpu_cores": os.cpu_count(),
    }
    write_results("maps", figures)


if __name__ == "__main__":
    main()
