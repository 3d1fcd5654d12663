"""Search over 50,000 synthetic taxa with three vernacular names each: median and p95 latency
of the search endpoint, in-process, on SQLite and (when BARYS_BENCH_PG_URL is set or the local
server answers) on PostgreSQL. Target p95 <= 20 ms.

Usage: python taxa_search.py [--taxa 50000] [--queries 400] [--pg postgresql://…]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import time
from pathlib import Path

from _common import percentile, write_results

HERE = Path(__file__).resolve().parent
SYLLABLES_LA = [
    "pan",
    "the",
    "ra",
    "un",
    "ci",
    "sai",
    "ga",
    "ta",
    "fe",
    "lis",
    "ur",
    "sus",
    "mar",
    "mo",
    "ta",
    "ca",
    "pra",
    "vul",
    "pes",
    "co",
    "lum",
    "ba",
    "fal",
    "co",
]
SYLLABLES_RU = [
    "бар",
    "ирб",
    "сай",
    "гак",
    "кот",
    "мед",
    "вед",
    "лис",
    "вол",
    "орё",
    "сок",
    "гри",
    "жур",
    "ав",
    "ль",
    "ка",
    "ра",
    "со",
    "ба",
    "ко",
]
SYLLABLES_KK = [
    "бар",
    "ақ",
    "бөк",
    "ен",
    "қас",
    "қыр",
    "ғы",
    "тау",
    "теке",
    "құр",
    "ұл",
    "үй",
    "ір",
    "һа",
    "ең",
    "өз",
    "сі",
    "ыс",
]
SYLLABLES_EN = [
    "snow",
    "leo",
    "pard",
    "cat",
    "bear",
    "wolf",
    "fal",
    "con",
    "eagle",
    "vul",
    "ture",
    "crane",
    "saiga",
    "ibex",
    "lynx",
    "otter",
    "mar",
    "mot",
]


def word(rng: random.Random, syllables: list[str], n: int) -> str:
    return "".join(rng.choice(syllables) for _ in range(n))


def steady_state() -> None:
    """Measure the tables as a running installation has them: on PostgreSQL after the
    VACUUM ANALYZE autovacuum does (visibility map set, so prefix lookups read only the
    index), on SQLite after ANALYZE."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in ("taxa_searchtoken", "taxa_taxon"):
            if connection.vendor == "postgresql":
                cursor.execute(f"VACUUM ANALYZE {table}")
            else:
                cursor.execute(f"ANALYZE {table}")


def run(database_url: str | None, label: str, n_taxa: int, n_queries: int) -> dict:
    """Runs in a child process so each database gets its own Django setup."""
    import _django

    _django.setup(f"taxa-search-{label}", database_url)
    from django.test import Client

    from barys.taxa import search
    from barys.taxa.models import Taxon, VernacularName

    rng = random.Random(7)
    if Taxon.objects.filter(rank="species").count() < n_taxa:
        Taxon.objects.all().delete()
        root = Taxon.objects.create(scientific_name="Animalia", rank="kingdom", slug="animalia")
        genera = [
            Taxon(scientific_name=f"Genus{i}", rank="genus", slug=f"genus{i}", parent=root)
            for i in range(500)
        ]
        Taxon.objects.bulk_create(genera)
        genera = list(Taxon.objects.filter(rank="genus"))
        species = []
        names = set()
        for i in range(n_taxa):
            latin = f"{word(rng, SYLLABLES_LA, 2).capitalize()} {word(rng, SYLLABLES_LA, 3)}{i}"
            names.add(latin)
            species.append(
                Taxon(
                    scientific_name=latin,
                    rank="species",
                    slug=f"sp-{i}",
                    parent=rng.choice(genera),
                    name_kk=word(rng, SYLLABLES_KK, 3),
                    name_ru=word(rng, SYLLABLES_RU, 3) + " " + word(rng, SYLLABLES_RU, 2),
                    name_en=word(rng, SYLLABLES_EN, 2) + " " + word(rng, SYLLABLES_EN, 2),
                )
            )
        Taxon.objects.bulk_create(species, batch_size=5000)
        extra = [
            VernacularName(taxon=t, language="ru", name=word(rng, SYLLABLES_RU, 4))
            for t in Taxon.objects.filter(rank="species").only("pk")
        ]
        VernacularName.objects.bulk_create(extra, batch_size=5000)
        search.reindex()
    taxa = list(
        Taxon.objects.filter(rank="species").values_list(
            "name_kk", "name_ru", "name_en", "scientific_name"
        )
    )
    queries = []
    for _ in range(n_queries):
        kk, ru, en, la = rng.choice(taxa)
        source = rng.choice([kk, ru, en, la])
        part = rng.choice(source.split())
        queries.append(part[: rng.randint(3, max(3, len(part)))])
    steady_state()
    client = Client(HTTP_HOST="localhost")
    client.get("/api/v1/taxa?q=warmup")
    times = []
    matched = 0
    for q in queries:
        start = time.perf_counter()
        response = client.get("/api/v1/taxa", {"q": q, "limit": 20})
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.content[:200]
        matched += response.json()["count"] > 0
    # every query is cut from a species' own name: each must find at least that species
    assert matched == len(queries), f"{len(queries) - matched} queries found nothing"
    return {
        "median_ms": round(percentile(times, 50), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "queries": len(times),
        "taxa": Taxon.objects.filter(rank="species").count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--taxa", type=int, default=50_000)
    parser.add_argument("--queries", type=int, default=400)
    parser.add_argument(
        "--pg",
        default=os.environ.get(
            "BARYS_BENCH_PG_URL", "postgresql://postgres@127.0.0.1:5432/barys_bench_taxa"
        ),
    )
    parser.add_argument("--child", nargs=2, metavar=("LABEL", "URL"))
    args = parser.parse_args()
    if args.child:
        label, url = args.child
        print(json.dumps(run(url or None, label, args.taxa, args.queries)))
        return
    figures = {}
    targets = [("sqlite", "")]
    if args.pg:
        db = args.pg.rsplit("/", 1)[-1]
        made = subprocess.run(
            ["createdb", "-h", "127.0.0.1", "-U", "postgres", db], capture_output=True, text=True
        )
        if made.returncode == 0 or "already exists" in made.stderr:
            targets.append(("postgresql", args.pg))
        else:
            figures["postgresql"] = f"not measured: {made.stderr.strip()[:200]}"
    for label, url in targets:
        out = subprocess.run(
            [
                sys.executable,
                __file__,
                "--taxa",
                str(args.taxa),
                "--queries",
                str(args.queries),
                "--child",
                label,
                url,
            ],
            capture_output=True,
            text=True,
            cwd=HERE,
        )
        if out.returncode != 0:
            figures[label] = f"failed: {out.stderr.strip()[-300:]}"
            continue
        result = json.loads(out.stdout.strip().splitlines()[-1])
        figures.update({f"{label}_{k}": v for k, v in result.items()})
    figures["target_p95_ms"] = 20
    write_results("taxa_search", figures)


if __name__ == "__main__":
    main()
