"""Places test data: taxa, occurrence records placed in projected metres, simple polygons."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from barys.analytics.projections import kazakhstan_albers
from barys.core.geo import h3_cells
from barys.records.models import Occurrence, Source
from barys.records.policy import record_public_res
from barys.taxa.models import Taxon
from barys.taxa.names import slugify_scientific


def taxon(
    name: str,
    *,
    category: int | None = None,
    rank: str = "species",
    parent: Taxon | None = None,
    **names: str,
) -> Taxon:
    return Taxon.objects.create(
        scientific_name=name,
        rank=rank,
        parent=parent,
        slug=slugify_scientific(name),
        sensitivity_category=category,
        **names,
    )


def latlon_of_xy(xs: Sequence[float], ys: Sequence[float]) -> tuple[np.ndarray, np.ndarray]:
    """Latitudes and longitudes of points given in Kazakhstan Albers metres."""
    return kazakhstan_albers().to_latlon(np.asarray(xs, float), np.asarray(ys, float))


def add_records(
    of: Taxon | None,
    lats: Sequence[float],
    lons: Sequence[float],
    *,
    years: Sequence[int | None] | None = None,
    **fields: Any,
) -> list[Occurrence]:
    """Occurrence records with their H3 cells and public resolution filled as the importer
    would."""
    import datetime as dt

    source, _ = Source.objects.get_or_create(code="test", defaults={"title": "Test records"})
    records = []
    for i, (lat, lon) in enumerate(zip(lats, lons, strict=True)):
        year = years[i] if years is not None else 2020
        values: dict[str, Any] = {
            "source": source,
            "taxon": of,
            "latitude": float(lat),
            "longitude": float(lon),
            "year": year,
            "event_date_start": dt.datetime(year, 6, 15, 10, 30, tzinfo=dt.UTC) if year else None,
            "event_date_precision": "day" if year else "",
        }
        values.update({f"h3_{res}": cell for res, cell in h3_cells(lat, lon).items()})
        values["public_h3_res"] = record_public_res(
            taxon_category=of.sensitivity_category if of else None,
            taxon_known=of is not None,
            override=None,
            withhold=False,
        )
        values.update(fields)
        records.append(Occurrence(**values))
    return Occurrence.objects.bulk_create(records)


def square(west: float, south: float, east: float, north: float) -> dict[str, Any]:
    return {
        "type": "Polygon",
        "coordinates": [
            [[west, south], [east, south], [east, north], [west, north], [west, south]]
        ],
    }
