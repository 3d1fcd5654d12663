"""The camera-trap survey report on a large survey: 100 stations, one year, 1 million media.

The survey is written into its own SQLite database in ``benchmarks/.cache/camtrap-report-<N>/``
once per size and reused: stations and deployments (two or three service periods per station
over 2024, some with outages; ``camtrap_analytics.make_deployments``) through the ORM, then
events, media (no files) and observations with raw ``executemany`` — about 3 media per event,
30% of the events with an animal observation of one of 8 taxa, each with its own diel pattern
and stations; no media fall in outages. Times are UTC, deployments in ``Asia/Almaty``.

Then ``survey_report(...)`` runs as a researcher of the park (positions through the policy),
twice (the first run pays for imports and caches), split into its parts: loading (queries to
arrays), positions, effort, RAI (independent detections and RAI), activity, occupancy,
charts. Target: under 10 s in total. The PDF is timed on its own.

Usage: ``cd benchmarks && ../.venv/bin/python camtrap_report.py [--media 1000000]``
"""

from __future__ import annotations

import argparse
import os
import time
from datetime import UTC, datetime
from typing import Any

os.environ.setdefault("OMP_NUM_THREADS", "1")

import _django  # noqa: E402
import numpy as np  # noqa: E402
from _common import peak_rss_mb, write_results  # noqa: E402
from camtrap_analytics import N_STATIONS, make_deployments  # noqa: E402

SEED = 20240611
SCOPE = "bench-park"
SURVEY = "bench-report"
MEDIA_PER_EVENT = 3.0
ANIMAL_SHARE = 0.30
ALMATY_CHANGE = int(datetime(2024, 2, 29, 18, tzinfo=UTC).timestamp())  # +06:00 -> +05:00
# taxon: (English name, sensitivity category, share of animal events, occupancy,
#         diel peaks in local hours, von Mises concentration)
TAXA: dict[str, tuple[str, int | None, float, float, tuple[float, ...], float]] = {
    "Panthera uncia": ("Snow leopard", 2, 0.10, 0.55, (6.0, 19.0), 3.0),
    "Capra sibirica": ("Siberian ibex", None, 0.30, 0.80, (9.0, 16.0), 2.5),
    "Canis lupus": ("Grey wolf", None, 0.08, 0.45, (1.0, 22.0), 2.0),
    "Vulpes vulpes": ("Red fox", None, 0.17, 0.70, (0.0,), 1.5),
    "Marmota baibacina": ("Grey marmot", None, 0.20, 0.40, (12.0,), 2.0),
    "Ovis ammon": ("Argali", 2, 0.06, 0.25, (8.0, 17.0), 2.5),
    "Martes foina": ("Beech marten", None, 0.05, 0.35, (23.0,), 2.0),
    "Ursus arctos": ("Brown bear", 2, 0.04, 0.20, (7.0, 20.0), 1.5),
}


def _stamp(seconds: np.ndarray, *, aware: bool) -> list[str]:
    """UTC seconds as the text Django stores (SQLite: naive UTC with a space)."""
    text = np.char.replace(np.datetime_as_string(seconds.astype("datetime64[s]")), "T", " ")
    suffix = "+00:00" if aware else ""
    return [t + suffix for t in text.tolist()]


def _insert(model: Any, given: dict[str, list[Any]], *, batch: int = 50_000) -> None:
    """Rows of ``model`` by raw executemany: ``given`` columns, the model defaults elsewhere."""
    from django.db import connection
    from django.utils import timezone

    fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in given]
    columns, constants = [], {}
    for f in fields:
        columns.append(f.column)
        if f.attname in given:
            continue
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = timezone.now()
        else:
            value = f.get_default()
        constants[f.attname] = f.get_db_prep_save(value, connection)
    n = len(next(iter(given.values())))
    table = connection.ops.quote_name(model._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    sql = f"INSERT INTO {table} ({names}) VALUES ({', '.join(['%s'] * len(columns))})"
    series = [given.get(f.attname) for f in fields]
    with connection.cursor() as cursor:
        for start in range(0, n, batch):
            stop = min(start + batch, n)
            parts = [
                s[start:stop] if s is not None else [constants[f.attname]] * (stop - start)
                for s, f in zip(series, fields, strict=True)
            ]
            cursor.executemany(sql, list(zip(*parts, strict=True)))


def build(n_media: int) -> None:
    """Write the survey, its stations, deployments, outages, events, media and observations."""
    from django.core.management.color import no_style
    from django.db import connection, transaction

    from barys.camtrap import services
    from barys.camtrap.models import Deployment, Event, Media, Observation, Outage, Station
    from barys.taxa.models import Taxon

    rng = np.random.default_rng(SEED)
    aware = connection.vendor != "sqlite"
    started = time.perf_counter()
    with transaction.atomic():
        taxa = [
            Taxon.objects.get_or_create(
                scientific_name=name,
                defaults={
                    "rank": "species",
                    "slug": name.lower().replace(" ", "-"),
                    "name_en": english,
                    "sensitivity_category": category,
                },
            )[0]
            for name, (english, category, *_rest) in TAXA.items()
        ]
        survey = services.create_survey(
            code=SURVEY,
            title="Benchmark survey: 100 stations, 2024 (simulated)",
            scope_code=SCOPE,
            start_date=datetime(2024, 1, 1).date(),
            end_date=datetime(2024, 12, 31).date(),
            package_metadata={"bench_media": n_media},
            target_taxa=[taxa[0]],
        )
        lat = 43.0 + 0.3 * rng.random(N_STATIONS)
        lon = 76.7 + 0.9 * rng.random(N_STATIONS)
        stations = Station.objects.bulk_create(
            Station(
                survey=survey,
                code=f"KZ-{k + 1:03d}",
                latitude=round(float(lat[k]), 6),
                longitude=round(float(lon[k]), 6),
                scope_code=SCOPE,
            )
            for k in range(N_STATIONS)
        )
        spans = make_deployments(rng)
        deployments = Deployment.objects.bulk_create(
            Deployment(
                code=f"{d.station}-{k:03d}",
                station=stations[int(d.station[3:]) - 1],
                start=d.start,
                end=d.end,
                time_zone="Asia/Almaty",
            )
            for k, d in enumerate(spans)
        )
        Outage.objects.bulk_create(
            Outage(deployment=dep, start=a, end=b, reason="battery")
            for dep, d in zip(deployments, spans, strict=True)
            for a, b in d.outages
        )
    print(f"registry: {len(stations)} stations, {len(deployments)} deployments", flush=True)

    # Events: animal visits at occupied stations with a diel pattern, other triggers at random.
    names = list(TAXA)
    share = np.array([TAXA[s][2] for s in names])
    occupied = rng.random((N_STATIONS, len(names))) < np.array([TAXA[s][3] for s in names])
    weight = (occupied * share * rng.gamma(2.0, 0.5, size=occupied.shape)).ravel()
    n_events = int(n_media / MEDIA_PER_EVENT * 1.08)  # some fall in outages or are cut
    animal = rng.random(n_events) < ANIMAL_SHARE
    species = np.full(n_events, -1)
    station = rng.integers(0, N_STATIONS, n_events)
    cell = rng.choice(weight.size, size=int(animal.sum()), p=weight / weight.sum())
    station[animal], species[animal] = np.divmod(cell, len(names))
    bounds = np.array([d.interval_seconds() for d in spans])
    dep_station = np.array([int(d.station[3:]) - 1 for d in spans])
    dep = np.empty(n_events, dtype=np.int64)
    for s in range(N_STATIONS):
        mine = np.flatnonzero(station == s)
        options = np.flatnonzero(dep_station == s)
        length = bounds[options, 1] - bounds[options, 0]
        dep[mine] = rng.choice(options, size=mine.size, p=length / length.sum())
    start, end = bounds[dep, 0], bounds[dep, 1]
    day = start + (rng.random(n_events) * (end - start - 86_400)).astype(np.int64)
    offset = np.where(day < ALMATY_CHANGE, 6 * 3600, 5 * 3600)
    day -= (day + offset) % 86_400  # local midnight
    peaks = np.array([(TAXA[s][4] * 2)[:2] for s in names]) * (2 * np.pi / 24)
    n_peaks = np.array([len(TAXA[s][4]) for s in names])
    kappa = np.array([TAXA[s][5] for s in names])
    clock = rng.random(n_events) * 2 * np.pi  # false triggers, people, blanks: any time
    sp = species[animal]
    centre = peaks[sp, (rng.random(sp.size) * n_peaks[sp]).astype(np.int64)]
    clock[animal] = np.mod(rng.vonmises(centre - np.pi, kappa[sp]) + np.pi, 2 * np.pi)
    event_t = day + (clock / (2 * np.pi) * 86_400).astype(np.int64)
    burst = rng.geometric(1 / MEDIA_PER_EVENT, size=n_events)
    ok = (event_t >= start) & (event_t + 120 < end)
    for k, d in enumerate(spans):  # nothing is recorded during an outage
        for a, b in d.outage_seconds():
            ok &= ~((dep == k) & (event_t >= a - 120) & (event_t < b))
    order = np.flatnonzero(ok)
    cut = np.searchsorted(np.cumsum(burst[order]), n_media, side="right")
    order = order[:cut]
    dep, event_t, burst, species = dep[order], event_t[order], burst[order], species[order]
    n_events = order.size
    media_event = np.repeat(np.arange(n_events), burst)
    first = np.concatenate([[0], np.cumsum(burst)[:-1]])
    steps = np.rint(rng.exponential(2.0, media_event.size)).astype(np.int64)
    steps[first] = 0
    cumulative = np.cumsum(steps)
    media_t = event_t[media_event] + cumulative - np.repeat(cumulative[first], burst)
    last_t = media_t[np.cumsum(burst) - 1]
    dep_ids = np.array([d.pk for d in deployments])
    taxon_ids = np.array([t.pk for t in taxa])
    first_event = (Event.objects.order_by("-pk").values_list("pk", flat=True).first() or 0) + 1
    event_ids = first_event + np.arange(n_events)
    print(f"generated {media_t.size} media in {n_events} events", flush=True)

    with transaction.atomic():
        _insert(
            Event,
            {
                "id": event_ids.tolist(),
                "event_id": [f"{SURVEY}-e{k:08d}" for k in range(n_events)],
                "deployment_id": dep_ids[dep].tolist(),
                "start": _stamp(event_t, aware=aware),
                "end": _stamp(last_t, aware=aware),
                "media_count": burst.tolist(),
            },
        )
        local_offset = np.where(media_t < ALMATY_CHANGE, 6 * 3600, 5 * 3600)
        local = np.datetime_as_string((media_t + local_offset).astype("datetime64[s]"))
        _insert(
            Media,
            {
                "media_id": [f"{SURVEY}-m{k:08d}" for k in range(media_t.size)],
                "deployment_id": dep_ids[dep[media_event]].tolist(),
                "file_name": [f"IMG_{k % 100000:05d}.JPG" for k in range(media_t.size)],
                "capture_method": ["activityDetection"] * media_t.size,
                "timestamp": _stamp(media_t, aware=aware),
                "timestamp_local": local.tolist(),
                "time_zone": ["Asia/Almaty"] * media_t.size,
                "event_id": event_ids[media_event].tolist(),
            },
        )
        seen = np.flatnonzero(species >= 0)
        _insert(
            Observation,
            {
                "observation_id": [f"{SURVEY}-o{k:08d}" for k in range(seen.size)],
                "deployment_id": dep_ids[dep[seen]].tolist(),
                "event_id": event_ids[seen].tolist(),
                "level": ["event"] * seen.size,
                "event_start": _stamp(event_t[seen], aware=aware),
                "event_end": _stamp(last_t[seen], aware=aware),
                "observation_type": ["animal"] * seen.size,
                "taxon_id": taxon_ids[species[seen]].tolist(),
                "scientific_name": np.array(names)[species[seen]].tolist(),
                "count": [1] * seen.size,
                "classification_method": ["human"] * seen.size,
            },
        )
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("ANALYZE")
        else:
            for sql in connection.ops.sequence_reset_sql(no_style(), [Event]):
                cursor.execute(sql)
            cursor.execute("ANALYZE")
    print(
        f"written: {n_events} events, {media_t.size} media, {seen.size} observations "
        f"in {time.perf_counter() - started:.0f} s",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--media", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None, help="PostgreSQL instead of SQLite")
    args = parser.parse_args()
    _django.setup(f"camtrap-report-{args.media}", args.database_url)

    from barys.camtrap.models import Event, Media, Observation, Survey
    from barys.camtrap.report import report_pdf, survey_report
    from barys.core.people import add_user

    survey = Survey.objects.filter(code=SURVEY).first()
    if survey is None or survey.package_metadata.get("bench_media") != args.media:
        if survey is not None:
            raise SystemExit(f"{SURVEY} exists with another size; remove the cache folder")
        started = time.perf_counter()
        build(args.media)
        survey = Survey.objects.get(code=SURVEY)
        survey.package_metadata["bench_generation_s"] = round(time.perf_counter() - started, 1)
        survey.save(update_fields=["package_metadata"])
    else:
        print("reusing the survey in the cache", flush=True)
    generation_s = survey.package_metadata.get("bench_generation_s")
    user = add_user(username="bench-researcher", role="researcher", scopes=[SCOPE]).user

    runs = []
    for _ in range(2):
        started = time.perf_counter()
        report = survey_report(survey, user=user)
        runs.append((time.perf_counter() - started, report))
    first_s, _first = runs[0]
    total_s, report = runs[1]
    started = time.perf_counter()
    pdf_report = survey_report(survey, user=user, charts=False)
    pdf = report_pdf(pdf_report)
    pdf_s = time.perf_counter() - started
    leopard = next((a for a in report.activity if a.scientific_name == "Panthera uncia"), None)
    figures: dict[str, Any] = {
        "database": _connection_vendor(),
        "stations": len(report.stations),
        "deployments": report.n_deployments,
        "media": Media.objects.filter(deployment__station__survey=survey).count(),
        "events": Event.objects.filter(deployment__station__survey=survey).count(),
        "animal_observations": Observation.objects.filter(
            deployment__station__survey=survey
        ).count(),
        "independent_detections": report.n_detections,
        "species": len(report.species),
        "trap_nights": round(report.trap_nights, 1),
        "seasons": report.seasons,
        "generation_s": generation_s,
        **{f"part_{k}": v for k, v in report.timings.items() if k != "total_s"},
        "report_total_s": round(total_s, 3),
        "report_first_run_s": round(first_s, 3),
        "target_total_s": 10.0,
        "pdf_s": round(pdf_s, 3),
        "pdf_kb": round(len(pdf) / 1024, 1),
        "html_charts_kb": round(
            sum(
                len(s)
                for s in [
                    report.charts.operation,
                    report.charts.rai,
                    report.charts.effort_map,
                    report.charts.activity,
                    *(svg for _o, svg in report.charts.overlaps),
                    *(svg for _s, svg in report.charts.detection_maps),
                ]
            )
            / 1024,
            1,
        )
        if report.charts
        else None,
        "activity_species": len(report.activity),
        "overlaps": len(report.overlaps),
        "occupancy_models": sum(1 for o in report.occupancy if not o.error),
        "snow_leopard_rai": round(
            next(s.rai for s in report.species if s.scientific_name == "Panthera uncia"), 3
        ),
        "snow_leopard_activity_level": round(leopard.level, 4) if leopard else None,
        "excluded_detections": report.excluded_detections,
        "peak_rss_mb": round(peak_rss_mb(), 1),
        "cpu_cores": os.cpu_count(),
    }
    name = "camtrap_report" if args.media == 1_000_000 else f"camtrap_report_{args.media}"
    write_results(name, figures)


def _connection_vendor() -> str:
    from django.db import connection

    return connection.vendor


if __name__ == "__main__":
    main()
