"""Fixtures of the telemetry tests: taxa, a protected area and individuals for the real files."""

from __future__ import annotations

import csv
import gzip
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.reference import reference_path

CTMM_MAP = {
    "timestamp": "timestamp_utc",
    "lat": "latitude",
    "lon": "longitude",
    "individual": "identity",
}


@pytest.fixture
def scope(db: None) -> object:
    from barys.core.models import Scope

    return Scope.objects.get_or_create(
        code="ile-alatau", defaults={"name_en": "Ile-Alatau National Park"}
    )[0]


@pytest.fixture
def taxon(db: None) -> Callable[..., object]:
    from barys.taxa.models import Taxon
    from barys.taxa.names import slugify_scientific

    def make(name: str, category: int | None = 2) -> object:
        return Taxon.objects.get_or_create(
            scientific_name=name,
            defaults={
                "rank": "species",
                "slug": slugify_scientific(name),
                "sensitivity_category": category,
            },
        )[0]

    return make


@pytest.fixture
def individual(taxon: Callable[..., object], scope: object) -> Callable[..., object]:
    from barys.individuals.models import Individual

    def make(
        code: str,
        species: str = "Pekania pennanti",
        category: int | None = 2,
        in_scope: bool = True,
    ) -> object:
        return Individual.objects.get_or_create(
            code=code,
            defaults={"taxon": taxon(species, category), "scope": scope if in_scope else None},
        )[0]

    return make


def shifted_movebank(
    source: Path,
    target: Path,
    *,
    end: datetime,
    individual: str,
    tag: str = "T1",
    limit: int | None = None,
) -> list[tuple[datetime, float, float]]:
    """Write the real ctmm track of ``individual`` as a Movebank CSV whose last fix is at
    ``end`` (the real steps and timing, shifted in time only). Returns (time, lat, lon)."""
    rows = [r for r in csv.DictReader(source.open(encoding="utf-8")) if r["identity"] == individual]
    if limit:
        rows = rows[:limit]
    last = datetime.fromtimestamp(float(rows[-1]["timestamp"]), UTC)
    shift = end - last
    written = []
    with gzip.open(target, "wt", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(
            [
                "timestamp",
                "location-long",
                "location-lat",
                "tag-local-identifier",
                "individual-local-identifier",
            ]
        )
        for r in rows:
            when = datetime.fromtimestamp(float(r["timestamp"]), UTC) + shift
            out.writerow(
                [
                    when.strftime("%Y-%m-%d %H:%M:%S.000"),
                    r["longitude"],
                    r["latitude"],
                    tag,
                    individual,
                ]
            )
            written.append((when, float(r["latitude"]), float(r["longitude"])))
    return written


@pytest.fixture
def recent_track(tmp_path: Path) -> Callable[..., tuple[Path, list]]:
    def make(
        individual: str = "Pepper", limit: int | None = None, end: datetime | None = None
    ) -> tuple[Path, list]:
        target = tmp_path / f"{individual}-recent.csv.gz"
        fixes = shifted_movebank(
            reference_path("telemetry", "ctmm_buffalo.csv"),
            target,
            end=end or datetime.now(UTC) - timedelta(hours=2),
            individual=individual,
            limit=limit,
        )
        return target, fixes

    return make
