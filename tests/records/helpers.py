"""Writing small occurrence files for the tests."""

from __future__ import annotations

import csv
from pathlib import Path

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
]


def write_csv(path: Path, rows: list[dict[str, str]], header: list[str] | None = None) -> Path:
    header = header or HEADER
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=header)
        writer.writeheader()
        for row in rows:
            writer.writerow({k: row.get(k, "") for k in header})
    return path


def row(
    n: int,
    name: str = "Panthera uncia",
    lat: str = "43.1234",
    lon: str = "77.0561",
    date: str = "2021-03-14",
    **extra: str,
) -> dict[str, str]:
    values = {
        "occurrenceID": f"urn:test:{n}",
        "basisOfRecord": "HumanObservation",
        "eventDate": date,
        "scientificName": name,
        "decimalLatitude": lat,
        "decimalLongitude": lon,
        "coordinateUncertaintyInMeters": "30",
        "locality": f"gorge {n}",
        "individualCount": "1",
        "occurrenceStatus": "present",
        "recordedBy": "ranger",
    }
    values.update(extra)
    return values
