"""Camera-trap review: server time to the next event (target p95 ≤ 50 ms).

Builds once, in a throwaway SQLite database under ``benchmarks/.cache/camtrap-review/``, a
survey of 100 stations with one deployment holding ``--events`` events (default 100,000; three
media each, no files) of which the first half is reviewed (with observations of eight taxa);
then a researcher goes through the unreviewed events as on the review page: save the labels
(POST, answered by a redirect to the next event) and open the next event (GET). Both are
measured in-process with Django's test client (no network), ``--steps`` times after warm-up.

Run: ``cd benchmarks && ../.venv/bin/python camtrap_review.py [--events N] [--steps N]``.
Writes ``results/camtrap_review.json``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from datetime import UTC, datetime, timedelta

os.environ.setdefault("BARYS_ALLOWED_HOSTS", "testserver")
from _common import peak_rss_mb, percentile, write_results  # noqa: E402
from _django import setup  # noqa: E402

TAXA = [
    "Panthera uncia",
    "Capra sibirica",
    "Cervus canadensis",
    "Sus scrofa",
    "Capreolus pygargus",
    "Martes foina",
    "Ursus arctos",
    "Canis lupus",
]
T0 = datetime(2024, 1, 1, tzinfo=UTC)


def build(n_events: int) -> None:
    from django.db import connection, transaction

    from barys.camtrap import services
    from barys.camtrap.models import Deployment, Event, Media, Observation
    from barys.taxa.models import Taxon

    if Deployment.objects.filter(code="BENCH-REVIEW").exists():
        if Event.objects.filter(deployment__code="BENCH-REVIEW").count() == n_events:
            return
        sys.exit("the cached database holds another size: remove benchmarks/.cache/camtrap-review")
    taxa = [
        Taxon.objects.get_or_create(
            scientific_name=name,
            defaults={"rank": "species", "slug": name.lower().replace(" ", "-")},
        )[0]
        for name in TAXA
    ]
    survey = services.create_survey(
        code="bench-review", title="Review benchmark", scope_code="bench"
    )
    survey.target_taxa.add(taxa[0])
    stations = [
        services.create_station(
            survey=survey, code=f"S{i:03d}", latitude=43.0 + i / 1000, longitude=77.0 + i / 1000
        )
        for i in range(100)
    ]
    deployment = services.create_deployment(
        code="BENCH-REVIEW", station=stations[0], start=T0, end=T0 + timedelta(days=366)
    )
    step = 366 * 86400 / n_events
    started = time.perf_counter()
    with transaction.atomic():
        Event.objects.bulk_create(
            [
                Event(
                    event_id=f"bench-e{i:07d}",
                    deployment=deployment,
                    start=T0 + timedelta(seconds=i * step),
                    end=T0 + timedelta(seconds=i * step + 20),
                    media_count=3,
                    review_state="reviewed" if i < n_events // 2 else "unreviewed",
                )
                for i in range(n_events)
            ],
            batch_size=5000,
        )
        ids = dict(Event.objects.filter(deployment=deployment).values_list("event_id", "pk"))
        media_table = Media._meta.db_table
        with connection.cursor() as cursor:
            rows = []
            for i in range(n_events):
                for k in range(3):
                    moment = T0 + timedelta(seconds=i * step + 10 * k)
                    rows.append(
                        (
                            f"bench-m{i:07d}-{k}",
                            deployment.pk,
                            f"IMG_{i:07d}_{k}.JPG",
                            f"card/IMG_{i:07d}_{k}.JPG",
                            moment.isoformat(),
                            ids[f"bench-e{i:07d}"],
                        )
                    )
                if len(rows) >= 30000:
                    _insert_media(cursor, media_table, rows)
                    rows = []
            _insert_media(cursor, media_table, rows)
        Observation.objects.bulk_create(
            [
                Observation(
                    deployment=deployment,
                    event_id=ids[f"bench-e{i:07d}"],
                    event_ref=f"bench-e{i:07d}",
                    level="event",
                    event_start=T0 + timedelta(seconds=i * step),
                    event_end=T0 + timedelta(seconds=i * step + 20),
                    observation_type="animal",
                    taxon=taxa[i % len(taxa)],
                    scientific_name=taxa[i % len(taxa)].scientific_name,
                    count=1,
                    classification_method="human",
                    tags="barys:review",
                )
                for i in range(n_events // 2)
            ],
            batch_size=5000,
        )
    print(f"built {n_events} events in {time.perf_counter() - started:.1f} s")


def _insert_media(cursor, table: str, rows: list[tuple]) -> None:  # type: ignore[no-untyped-def]
    if rows:
        cursor.executemany(
            f"INSERT INTO {table} (media_id, deployment_id, file_name, file_path, timestamp, "
            "event_id, file_public, media_type, capture_method, timestamp_local, time_zone, "
            "clock_correction_s, exif_make, exif_model, exif_serial, out_of_window, "
            "serial_mismatch, implausible_time, no_timestamp, damaged, problems, "
            "person_present, favourite, comments, created_at) VALUES (%s, %s, %s, %s, %s, %s, "
            "0, 'image/jpeg', 'activityDetection', '', 'Asia/Almaty', 0, '', '', '', 0, 0, 0, "
            "0, 0, '', 0, 0, '', '2024-01-01T00:00:00')",
            rows,
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--events", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    setup("camtrap-review")
    os.environ.setdefault("BARYS_ALLOWED_HOSTS", "testserver")
    from django.conf import settings
    from django.test import Client

    from barys.camtrap.models import Event
    from barys.core.people import add_user

    settings.ALLOWED_HOSTS = ["testserver"]
    build(args.events)
    user = add_user(
        username="bench-reviewer", role="researcher", password="x" * 16, actor="bench"
    ).user
    client = Client()
    client.force_login(user)
    url = client.get("/en/camtrap/deployments/BENCH-REVIEW/review/")["Location"]
    gets: list[float] = []
    posts: list[float] = []
    for step in range(args.steps + 5):
        started = time.perf_counter()
        page = client.get(url)
        got = time.perf_counter() - started
        assert page.status_code == 200, page.status_code
        started = time.perf_counter()
        saved = client.post(
            url,
            {
                "queue": "unreviewed",
                "type": ["animal"],
                "species": [TAXA[step % 3]],
                "count": ["1"],
            },
        )
        post = time.perf_counter() - started
        assert saved.status_code == 302, saved.content[:500]
        url = saved["Location"]
        if step >= 5:
            gets.append(got * 1000)
            posts.append(post * 1000)
    total = [a + b for a, b in zip(gets, posts, strict=True)]
    write_results(
        "camtrap_review",
        {
            "events": args.events,
            "media": 3 * args.events,
            "steps": args.steps,
            "next_event_page_ms_p50": round(percentile(gets, 50), 1),
            "next_event_page_ms_p95": round(percentile(gets, 95), 1),
            "save_and_redirect_ms_p50": round(percentile(posts, 50), 1),
            "save_and_redirect_ms_p95": round(percentile(posts, 95), 1),
            "save_plus_next_page_ms_p95": round(percentile(total, 95), 1),
            "reviewed_after": Event.objects.filter(review_state="reviewed").count(),
            "peak_rss_mb": round(peak_rss_mb(), 1),
            "load_average": [round(x, 2) for x in os.getloadavg()],
            "target_next_event_p95_ms": 50,
        },
    )


if __name__ == "__main__":
    main()
