"""The public map cells of a view: every cell whose hexagon holds a point of the view is
returned, at every resolution, and cells far outside are not read."""

from __future__ import annotations

import h3
import numpy as np
import pytest

from barys.core.geo import H3_RESOLUTIONS
from barys.records import cells, maps
from barys.taxa.models import Taxon

pytestmark = pytest.mark.django_db

PARK = (76.75, 43.05, 77.55, 43.25)  # west, south, east, north: a park-sized view


def _store(taxon: Taxon, points: list[tuple[float, float]]) -> None:
    deltas: dict[cells.CellKey, cells.CellDelta] = {}
    for lat, lon in points:
        keys = [
            (taxon.pk, res, int(h3.str_to_int(h3.latlng_to_cell(lat, lon, res))))
            for res in H3_RESOLUTIONS
        ]
        cells.accumulate(deltas, keys, 1, 2020)
    cells.apply(deltas)


def test_every_cell_under_the_view_is_returned_and_far_cells_are_not() -> None:
    taxon = Taxon.objects.create(
        scientific_name="Capra sibirica", rank="species", slug="capra-sibirica"
    )
    rng = np.random.default_rng(7)
    west, south, east, north = PARK
    # points along the edges of the view (their cells' centres often lie outside it)
    inside = [
        (float(lat), float(lon))
        for lat, lon in zip(
            rng.choice([south + 1e-4, north - 1e-4], 40), rng.uniform(west, east, 40), strict=True
        )
    ] + [
        (float(lat), float(lon))
        for lat, lon in zip(
            rng.uniform(south, north, 40), rng.choice([west + 1e-4, east - 1e-4], 40), strict=True
        )
    ]
    far = [(43.15, 77.9), (42.8, 77.0)]  # 0.35° east and 0.25° south of the view
    _store(taxon, inside + far)
    for res in H3_RESOLUTIONS:
        shown = {c.cell for c in maps.public_cells(resolution=res, bbox=PARK, taxon_ids=[taxon.pk])}
        wanted = {int(h3.str_to_int(h3.latlng_to_cell(lat, lon, res))) for lat, lon in inside}
        assert wanted <= shown, res
        if res >= 7:
            far_cells = {int(h3.str_to_int(h3.latlng_to_cell(lat, lon, res))) for lat, lon in far}
            assert not far_cells & shown, res
