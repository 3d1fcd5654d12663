"""Demo step: occurrence records from several simulated sources for about 30 Red Book taxa.

The files are generated deterministically (a seeded random generator) and imported through
the real import path, so running the demo again adds nothing.
"""

from __future__ import annotations

import csv
import random
import tempfile
from pathlib import Path

import numpy as np

from barys.core.geo import in_kazakhstan
from barys.demo.scenario import SIMULATED, DemoContext, step
from barys.records import importer, sources
from barys.records.models import Occurrence
from barys.taxa.models import Taxon

# Where each group of taxa lives (south, west, north, east) — coarse, for simulation only.
MOUNTAINS = (42.6, 75.5, 45.3, 81.0)
STEPPE = (46.0, 50.0, 51.5, 72.0)
DESERT = (41.5, 52.0, 46.5, 75.0)
WETLANDS = (43.5, 49.0, 47.5, 80.0)
EVERYWHERE = (41.0, 47.0, 54.5, 86.0)
HABITAT_BY_CLASS = {
    "Mammalia": EVERYWHERE,
    "Aves": WETLANDS,
    "Reptilia": DESERT,
    "Amphibia": MOUNTAINS,
    "Actinopterygii": WETLANDS,
}
HABITAT_BY_NAME = {
    "Panthera uncia": MOUNTAINS,
    "Saiga tatarica": STEPPE,
    "Ovis ammon": MOUNTAINS,
    "Felis chaus": DESERT,
    "Otocolobus manul": STEPPE,
    "Falco cherrug": STEPPE,
    "Chlamydotis macqueenii": DESERT,
    "Aegypius monachus": MOUNTAINS,
    "Gypaetus barbatus": MOUNTAINS,
    "Ursus arctos isabellinus": MOUNTAINS,
    "Marmota menzbieri": MOUNTAINS,
}
ILE_ALATAU = (43.05, 76.75, 43.25, 77.55)
SOURCES = (
    ("institute-survey-demo", "Institute of Zoology field surveys (simulated)", 0.5),
    ("ile-alatau-demo", "Ile-Alatau National Park observations (simulated)", 0.3),
    ("museum-demo", "Zoological museum specimens (simulated)", 0.2),
)
HEADER = [
    "occurrenceID",
    "basisOfRecord",
    "eventDate",
    "scientificName",
    "decimalLatitude",
    "decimalLongitude",
    "coordinateUncertaintyInMeters",
    "locality",
    "individualCount",
    "occurrenceStatus",
    "recordedBy",
    "occurrenceRemarks",
]


def _points(
    rng: np.random.Generator, box: tuple[float, float, float, float], n: int
) -> list[tuple[float, float]]:
    south, west, north, east = box
    found: list[tuple[float, float]] = []
    while len(found) < n:
        lats = rng.uniform(south, north, n * 3)
        lons = rng.uniform(west, east, n * 3)
        keep = in_kazakhstan(lats, lons)
        found += list(zip(lats[keep], lons[keep], strict=True))
    return [(round(float(a), 5), round(float(b), 5)) for a, b in found[:n]]


def build_files(
    directory: Path, *, seed: int = 2025, records: int = 1200
) -> list[tuple[str, str, Path]]:
    """Write one CSV per simulated source; returns (code, title, path)."""
    rng = np.random.default_rng(seed)
    pick = random.Random(seed)
    listed = Taxon.objects.filter(in_red_book=True, rank__in=("species", "subspecies")).exclude(
        class_name=""
    )
    preferred = list(listed.filter(scientific_name__in=HABITAT_BY_NAME))
    others = list(
        listed.exclude(scientific_name__in=HABITAT_BY_NAME).order_by(
            "class_name", "scientific_name"
        )
    )
    taxa = (preferred + others)[:30]
    if not taxa:
        return []
    rows: dict[str, list[list[str]]] = {code: [] for code, _t, _w in SOURCES}
    for index in range(records):
        taxon = taxa[index % len(taxa)]
        box = HABITAT_BY_NAME.get(taxon.scientific_name) or HABITAT_BY_CLASS.get(
            taxon.class_name, EVERYWHERE
        )
        code = pick.choices([c for c, _t, _w in SOURCES], [w for _c, _t, w in SOURCES])[0]
        if code == "ile-alatau-demo":
            box = ILE_ALATAU
        lat, lon = _points(rng, box, 1)[0]
        year = int(rng.integers(1975, 2025))
        date = f"{year}-{int(rng.integers(1, 13)):02d}-{int(rng.integers(1, 29)):02d}"
        name = taxon.scientific_name
        remark = SIMULATED
        if index % 97 == 0:  # swapped coordinates
            lat, lon = lon, lat
        elif index % 89 == 0:  # a far-off future date
            date = "2091-05-01"
        elif index % 83 == 0:  # a misspelt name
            name = name[:-1] + ("a" if name[-1] != "a" else "e")
        elif index % 79 == 0:  # a vernacular name
            name = taxon.name_ru or name
        basis = "PreservedSpecimen" if code == "museum-demo" else "HumanObservation"
        row = [
            f"urn:barys-demo:{code}:{index}",
            basis,
            date,
            name,
            str(lat),
            str(lon),
            str(int(rng.choice([30, 100, 250, 1000]))),
            f"site {index % 50}",
            str(int(rng.integers(1, 6))),
            "present",
            "demo observer",
            remark,
        ]
        rows[code].append(row)
        if index % 101 == 0:  # the same sighting reported by another source
            other = next(c for c, _t, _w in SOURCES if c != code)
            rows[other].append([f"urn:barys-demo:{other}:dup{index}", *row[1:]])
    result = []
    for code, title, _weight in SOURCES:
        path = directory / f"{code}.csv"
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADER)
            writer.writerows(rows[code])
        result.append((code, title, path))
    return result


@step("occurrence records (simulated)")
def load_records(context: DemoContext) -> None:
    with tempfile.TemporaryDirectory(prefix="barys-demo-records-") as tmp:
        for code, title, path in build_files(Path(tmp)):
            source = sources.get_or_create_source(
                title=title, code=code, licence="CC-BY 4.0 (simulated data)", actor="demo"
            )
            importer.import_occurrences(path, source=source, actor="demo")
    context.summary["occurrence records"] = Occurrence.objects.count()
