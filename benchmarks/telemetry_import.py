"""Import of millions of GPS fixes, and home ranges of an individual with 100,000 fixes.

Run as ``cd benchmarks && ../.venv/bin/python telemetry_import.py [--fixes N]
[--per-individual K] [--database-url URL]``.

* A synthetic Movebank CSV (gzip) of ``N`` fixes (default 5,000,000) is generated once into
  ``.cache/telemetry_import/`` and reused: ``N / K`` individuals (``K`` = 100,000 by
  default), hourly fixes, a correlated random walk in the Ile-Alatau with altitude, HDOP,
  satellites, temperature and battery columns (11 columns, Movebank names).
* The import runs through ``barys.telemetry.importing.import_fixes`` (streaming reader,
  batches of 10,000, one transaction and one bulk insert per batch, duplicate check) into a
  fresh database (SQLite in ``.cache/telemetry_import/``, or ``--database-url``), without the
  cleaning and home ranges; reported: wall-clock seconds and fixes per second, the same per
  second of this process's CPU time (steadier on a shared machine; the load average is
  recorded too), peak RSS, and the RSS at 10 %, 50 % and 100 % of the file (flat memory).
* Then, for one individual with ``K`` fixes: the cleaning (``services.clean_individual``),
  loading its track (``tracks.load_track``), MCP 95 % and 100 % and KDE 50/95 % through
  ``barys.analytics.homerange`` as the service calls them, and the whole
  ``ranges.compute_home_ranges`` (5 seasons x MCP 95/100 + KDE 50/95 + the public range).
* Re-importing the same file (a different name, so it is read again) adds nothing: the
  duplicate check over all ``N`` fixes is timed too (only with ``--reimport``).
"""

from __future__ import annotations

import argparse
import csv
import gzip
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")

import numpy as np
from _common import RESULTS_DIR, peak_rss_mb, write_results
from _django import CACHE, setup

NAME = "telemetry_import"
HEADER = [
    "event-id",
    "timestamp",
    "location-long",
    "location-lat",
    "height-above-ellipsoid",
    "gps:hdop",
    "gps:satellite-count",
    "external-temperature",
    "tag-voltage",
    "tag-local-identifier",
    "individual-local-identifier",
]
START = datetime(2020, 1, 1, tzinfo=UTC).timestamp()


def rss_mb() -> float:
    """Current resident set size in MiB."""
    with open("/proc/self/statm") as handle:
        pages = int(handle.read().split()[1])
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def generate(path: Path, n: int, per_individual: int, seed: int = 11) -> None:
    """Write ``n`` synthetic fixes as a gzip Movebank CSV, one individual after another."""
    rng = np.random.default_rng(seed)
    tmp = path.with_suffix(".part")
    event = 0
    with gzip.open(tmp, "wt", encoding="utf-8", newline="", compresslevel=3) as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        individual = 0
        while event < n:
            individual += 1
            count = min(per_individual, n - event)
            code, tag = f"BM-{individual:04d}", f"BT-{individual:04d}"
            for start in range(0, count, 50_000):
                m = min(50_000, count - start)
                heading = np.cumsum(rng.normal(0, 0.6, m))
                step = rng.gamma(1.2, 150.0, m)
                lat = (
                    43.08
                    + (individual % 7) * 0.01
                    + np.cumsum(step * np.sin(heading)) / 111_195 * 0.05
                )
                lon = (
                    77.0
                    + (individual % 11) * 0.02
                    + np.cumsum(step * np.cos(heading)) / 81_000 * 0.05
                )
                t = START + (start + np.arange(m)) * 3600.0
                alt = 2500 + 800 * np.sin(2 * np.pi * (t - START) / (365.25 * 86400))
                hdop = np.round(1 + rng.gamma(1.5, 0.6, m), 1)
                rows = []
                for j in range(m):
                    event += 1
                    stamp = time.strftime("%Y-%m-%d %H:%M:%S.000", time.gmtime(t[j]))
                    rows.append(
                        (
                            event,
                            stamp,
                            f"{lon[j]:.7f}",
                            f"{lat[j]:.7f}",
                            f"{alt[j]:.1f}",
                            hdop[j],
                            int(12 - min(hdop[j], 8)),
                            f"{5 + 10 * np.sin(j / 500):.1f}",
                            3800 - j // 1000,
                            tag,
                            code,
                        )
                    )
                writer.writerows(rows)
    tmp.replace(path)


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fixes", type=int, default=5_000_000)
    parser.add_argument("--per-individual", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--reimport", action="store_true")
    parser.add_argument(
        "--analyses-only",
        action="store_true",
        help="reuse the imported database and the import figures of the last run",
    )
    args = parser.parse_args()
    n, k = args.fixes, min(args.per_individual, args.fixes)
    folder = CACHE / NAME
    folder.mkdir(parents=True, exist_ok=True)
    source = folder / f"fixes-{n}-{k}.csv.gz"
    if not source.exists():
        print(f"generating {n:,} fixes into {source} …", flush=True)
        started = time.perf_counter()
        generate(source, n, k)
        print(f"  {time.perf_counter() - started:.0f} s, {source.stat().st_size / 2**20:.0f} MiB")
    database = folder / "barys.sqlite3"  # the default database of the data directory
    name = (NAME if n == 5_000_000 else f"{NAME}_{n}") + (
        "_postgresql" if args.database_url else ""
    )
    if args.database_url is None and not args.analyses_only:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{database}{suffix}").unlink(missing_ok=True)
    setup(NAME, args.database_url)

    from barys.core.models import Scope
    from barys.individuals.models import Individual
    from barys.taxa.models import Taxon
    from barys.telemetry import ranges, services, tracks
    from barys.telemetry.importing import ImportOptions, import_fixes
    from barys.telemetry.models import Fix

    if args.database_url and not args.analyses_only:
        Fix.objects.all().delete()
    scope, _ = Scope.objects.get_or_create(code="ile-alatau")
    taxon, _ = Taxon.objects.get_or_create(
        scientific_name="Panthera uncia",
        defaults={"rank": "species", "slug": "panthera-uncia", "sensitivity_category": 1},
    )
    individuals = (n + k - 1) // k
    for i in range(1, individuals + 1):
        Individual.objects.get_or_create(
            code=f"BM-{i:04d}", defaults={"taxon": taxon, "scope": scope}
        )
    figures: dict[str, object] = {}
    if args.analyses_only:
        previous = json.loads((RESULTS_DIR / f"{name}.json").read_text(encoding="utf-8"))
        figures = {
            k: v
            for k, v in previous["figures"].items()
            if k.startswith(
                ("database", "fixes_in", "individuals", "import", "rss", "peak", "load_average")
            )
        }
    else:
        samples: dict[str, float] = {}
        marks = {int(n * 0.1): "rss_at_10pct_mb", int(n * 0.5): "rss_at_50pct_mb"}
        baseline = rss_mb()

        def progress(rows_done: int) -> None:
            for mark, key in marks.items():
                if key not in samples and rows_done - 1 >= mark:
                    samples[key] = round(rss_mb(), 1)
            print(f"\r  {rows_done - 1:>12,} rows", end="", file=sys.stderr, flush=True)

        started, cpu = time.perf_counter(), time.process_time()
        result = import_fixes(
            source, options=ImportOptions(), actor="benchmark", progress=progress, analyse=False
        )
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(file=sys.stderr)
        samples["rss_at_100pct_mb"] = round(rss_mb(), 1)
        figures = {
            "database": "PostgreSQL" if args.database_url else "SQLite (WAL)",
            "fixes_in_file": n,
            "individuals": individuals,
            "import_created": result.run.created,
            "import_rejected": result.run.rejected,
            "import_seconds": round(seconds, 1),
            "import_fixes_per_second": round(result.run.created / seconds),
            "import_cpu_seconds": round(cpu, 1),
            "import_fixes_per_cpu_second": round(result.run.created / cpu),
            "load_average_1min": round(os.getloadavg()[0], 1),
            "rss_before_import_mb": round(baseline, 1),
            **samples,
            "peak_rss_mb": round(peak_rss_mb(), 1),
        }
    if args.reimport and not args.analyses_only:
        copy = folder / "again.csv.gz"
        copy.write_bytes(source.read_bytes())
        started = time.perf_counter()
        again = import_fixes(copy, options=ImportOptions(), analyse=False)
        figures["reimport_seconds"] = round(time.perf_counter() - started, 1)
        figures["reimport_created"] = again.run.created
        copy.unlink()
    one = Individual.objects.get(code="BM-0001")
    figures["fixes_of_the_individual"] = Fix.objects.filter(individual=one).count()
    started = time.perf_counter()
    summary = services.clean_individual(individual=one, actor="benchmark")
    figures["cleaning_seconds"] = round(time.perf_counter() - started, 2)
    figures["cleaning_flagged"] = summary.flagged_now

    from barys.analytics import homerange
    from barys.analytics.projections import centred_laea

    timings: dict[str, list[float]] = {"load": [], "mcp95": [], "mcp100": [], "kde": []}
    for _ in range(3):
        t0 = time.perf_counter()
        track = tracks.load_track(one, include_outliers=False)
        t1 = time.perf_counter()
        projection = centred_laea(track.lat, track.lon)
        m95 = homerange.mcp(track.lat, track.lon, 95, projection=projection)
        t2 = time.perf_counter()
        homerange.mcp(track.lat, track.lon, 100, projection=projection)
        t3 = time.perf_counter()
        k_range = homerange.kde(track.lat, track.lon, (50, 95), projection=projection)
        t4 = time.perf_counter()
        for key, value in zip(timings, (t1 - t0, t2 - t1, t3 - t2, t4 - t3), strict=True):
            timings[key].append(value)
    figures.update(
        {
            "home_range_fixes": len(track),
            "load_track_seconds": round(min(timings["load"]), 3),
            "mcp95_seconds": round(min(timings["mcp95"]), 3),
            "mcp100_seconds": round(min(timings["mcp100"]), 3),
            "kde_50_95_seconds": round(min(timings["kde"]), 3),
            "mcp95_area_km2": round(m95.area_km2, 1),
            "kde95_area_km2": round(k_range.area_km2(95), 1),
        }
    )
    started = time.perf_counter()
    rows = ranges.compute_home_ranges(individual=one)
    figures["compute_home_ranges_seconds"] = round(time.perf_counter() - started, 2)
    figures["home_range_rows"] = len(rows)
    write_results(name, figures)
    return 0


if __name__ == "__main__":
    sys.exit(main())
