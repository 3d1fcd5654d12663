"""Occurrence records at scale: CSV import rate and peak memory, map aggregation latency for
the national view and a park-sized view, the records API page latency, and every data
endpoint of a species' map page (with its EOO/AOO recompute) on the same database.

The synthetic CSV and the database are built once into ``benchmarks/.cache/`` (reused when
present). Targets: import memory flat (streaming); map aggregation p95 <= 150 ms on SQLite.

Usage: python occurrences.py [--records 10000000] [--requests 60]
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import resource
import time
from pathlib import Path

import _django
from _common import RESULTS_DIR, percentile, write_results
from _mappage import build_places, map_page_latencies

BOX = (40.6, 46.6, 55.4, 87.2)  # south, west, north, east
PARK = (43.05, 76.75, 43.25, 77.55)


def rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def make_csv(path: Path, n: int, names: list[str]) -> None:
    if path.exists() and path.stat().st_size > 0:
        return
    rng = random.Random(11)
    tmp = path.with_suffix(".partial")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "occurrenceID",
                "eventDate",
                "scientificName",
                "decimalLatitude",
                "decimalLongitude",
                "coordinateUncertaintyInMeters",
                "individualCount",
                "basisOfRecord",
            ]
        )
        for i in range(n):
            if i % 10 == 0:  # a tenth of the records in the park
                lat, lon = rng.uniform(PARK[0], PARK[2]), rng.uniform(PARK[1], PARK[3])
            else:
                lat, lon = rng.uniform(44.0, 52.0), rng.uniform(52.0, 82.0)
            writer.writerow(
                [
                    f"urn:bench:{i}",
                    f"{rng.randint(1970, 2024)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                    names[i % len(names)],
                    f"{lat:.5f}",
                    f"{lon:.5f}",
                    rng.choice((10, 30, 100, 1000)),
                    rng.randint(1, 5),
                    "HumanObservation",
                ]
            )
    tmp.replace(path)


def timed(client, url: str, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        response = client.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times


def earlier_import(name: str) -> dict[str, object]:
    """The import figures of the run that built the cached database (a later run against
    the cache measures the rest again and keeps these)."""
    path = RESULTS_DIR / f"{name}.json"
    if not path.exists():
        return {}
    earlier = json.loads(path.read_text(encoding="utf-8"))
    kept: dict[str, object] = {
        k: v for k, v in earlier["figures"].items() if k.startswith("import_")
    }
    if kept:
        kept.setdefault("import_measured_at", earlier["measured_at"])
    return kept


def map_page(client, requests: int) -> dict[str, object]:  # type: ignore[no-untyped-def]
    """A species' public map page on the whole database: places, EOO/AOO, endpoints. The
    species is one whose areas the public may see (not a sensitive one, whose area geometry
    is refused to anonymous visitors), the first by name."""
    from barys.places import areas
    from barys.records.models import Occurrence
    from barys.taxa.models import Taxon

    taxon = (
        Taxon.objects.filter(rank="species", sensitivity_category__isnull=True)
        .order_by("scientific_name")
        .first()
    )
    assert taxon is not None, "the registry has no species that is not sensitive"
    build_places(taxon)
    start = time.perf_counter()
    areas.recompute_areas([taxon.pk])
    recompute = time.perf_counter() - start
    return {
        "map_page_taxon": taxon.slug,
        "map_page_taxon_records": Occurrence.objects.filter(taxon=taxon).count(),
        "map_page_recompute_areas_seconds": round(recompute, 2),
        "map_page_endpoints": map_page_latencies(client, taxon.slug, requests),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, default=10_000_000)
    parser.add_argument("--requests", type=int, default=60)
    args = parser.parse_args()
    data_dir = _django.setup(f"occurrences-{args.records}")
    from django.test import Client

    from barys.records import importer, sources
    from barys.records.models import Occurrence, OccurrenceCell
    from barys.taxa import registry_io, seed_format
    from barys.taxa.models import Taxon

    name = f"occurrences_{args.records}" if args.records != 10_000_000 else "occurrences"
    figures: dict[str, object] = {"records": args.records}
    if not Taxon.objects.exists():
        registry_io.import_registry(seed_format.SEED_DIR)
    names = list(Taxon.objects.filter(rank="species").values_list("scientific_name", flat=True))
    csv_path = data_dir / f"occurrences-{args.records}.csv"
    make_csv(csv_path, args.records, names)
    source = sources.get_or_create_source(title="Benchmark records", code="bench")
    if Occurrence.objects.count() < args.records:
        rss_marks: list[float] = []
        start = time.perf_counter()
        last_mark = [0]

        def progress(done: int, total: int) -> None:
            if done - last_mark[0] >= max(1, args.records // 10):
                last_mark[0] = done
                rss_marks.append(round(rss_mb(), 1))
                print(
                    f"  {done:,} rows, {done / (time.perf_counter() - start):,.0f} rows/s, "
                    f"RSS {rss_marks[-1]} MB",
                    flush=True,
                )

        result = importer.import_occurrences(csv_path, source=source, progress=progress)
        elapsed = time.perf_counter() - start
        figures["import_rows_per_s"] = round(result.batch.rows_done / elapsed)
        figures["import_seconds"] = round(elapsed, 1)
        figures["import_rss_mb_at_each_tenth"] = rss_marks
        figures["import_peak_rss_mb"] = round(
            resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1
        )
    else:
        figures.update(earlier_import(name))
    figures["cells"] = OccurrenceCell.objects.count()
    client = Client(HTTP_HOST="localhost")
    national = "/api/v1/occurrences/cells?zoom=4&bbox=46.0,40.0,88.0,56.0"
    park = "/api/v1/occurrences/cells?zoom=10&bbox=76.75,43.05,77.55,43.25"
    snow = "/api/v1/occurrences/cells?zoom=10&bbox=76.75,43.05,77.55,43.25&taxon=panthera-uncia"
    client.get(national)
    for label, url in (
        ("map_national", national),
        ("map_park", park),
        ("map_park_one_taxon", snow),
        ("records_api_page", "/api/v1/occurrences?limit=50"),
        ("records_api_page_taxon", "/api/v1/occurrences?limit=50&taxon=panthera-uncia"),
        ("records_browser_page", "/en/records/"),
        ("species_page", "/en/species/panthera-uncia/"),
        ("home_page", "/en/"),
        ("statistics_page", "/en/statistics/"),
    ):
        times = timed(client, url, args.requests)
        figures[f"{label}_first_ms"] = round(times[0], 1)  # what a cache saves shows here
        figures[f"{label}_p50_ms"] = round(percentile(times, 50), 1)
        figures[f"{label}_p95_ms"] = round(percentile(times, 95), 1)
    # a source's data-quality page reads every record of the source (here all of them): a
    # handful of requests tells its cost
    times = timed(client, "/en/sources/bench/", 5)
    figures["source_quality_page_first_ms"] = round(times[0], 1)
    figures["source_quality_page_median_ms"] = round(percentile(times, 50), 1)
    figures["target_map_p95_ms"] = 150
    figures.update(map_page(client, args.requests))
    write_results(name, figures)


if __name__ == "__main__":
    main()
