"""EOO and AOO services on hand-computed cases, read back from the stored results.

Points are placed in Kazakhstan Albers metres near the projection's origin (48° N, 67° E),
where the AOO grid lines lie at multiples of 2,000 m (the 16 origins are offset by 500 m).
"""

from __future__ import annotations

import numpy as np
import pytest

from barys.core.models import Job
from barys.places import areas
from barys.places import geometry as geo
from barys.places.models import AreaEstimate
from barys.records.models import Occurrence
from barys.records.quality import FLAGS
from tests.places.factories import add_records, latlon_of_xy, taxon

pytestmark = pytest.mark.django_db


def stored(of, period: str = "all") -> AreaEstimate:
    return AreaEstimate.objects.get(taxon=of, period=period)


def test_square_of_known_area() -> None:
    owl = taxon("Bubo bubo")
    # corners of a 10 km x 10 km square, each in its own 2 km cell, plus its centre
    lats, lons = latlon_of_xy(
        [1_000, 11_000, 11_000, 1_000, 6_000], [1_000, 1_000, 11_000, 11_000, 6_000]
    )
    add_records(owl, lats, lons)
    areas.recompute_areas([owl.pk])
    row = stored(owl)
    assert row.eoo_raw_km2 == pytest.approx(100.0, abs=1e-3)
    assert row.eoo_km2 == row.eoo_raw_km2
    assert (row.aoo_km2, row.n_cells, row.n_records, row.n_unique_points) == (20.0, 5, 5, 5)
    hull = geo.parse(row.hull)
    assert hull.geom_type == "Polygon" and len(hull.exterior.coords) > 5  # densified edges
    assert geo.parse(row.cells).geom_type == "MultiPolygon" and len(geo.parse(row.cells).geoms) == 5


def test_collinear_points_have_no_hull_so_eoo_is_aoo() -> None:
    crane = taxon("Grus virgo")
    lats, lons = latlon_of_xy([1_000, 5_000, 9_000], [1_000, 1_000, 1_000])
    add_records(crane, lats, lons)
    areas.recompute_areas([crane.pk])
    row = stored(crane)
    assert row.eoo_raw_km2 == 0.0
    assert (row.aoo_km2, row.eoo_km2) == (12.0, 12.0)  # 3 cells; EOO raised to the AOO
    assert geo.parse(row.hull).geom_type == "LineString"


def test_points_straddling_a_grid_line_share_a_cell_at_the_best_origin() -> None:
    bustard = taxon("Otis tarda")
    lats, lons = latlon_of_xy([1_950, 2_050], [1_000, 1_000])  # 100 m apart across x = 2 km
    add_records(bustard, lats, lons)
    areas.recompute_areas([bustard.pk])
    row = stored(bustard)
    assert (row.n_cells, row.aoo_km2, row.eoo_km2, row.eoo_raw_km2) == (1, 4.0, 4.0, 0.0)


def test_single_point_and_duplicates() -> None:
    falcon = taxon("Falco cherrug")
    lats, lons = latlon_of_xy([3_000, 3_000, 3_000], [3_000, 3_000, 3_000])
    add_records(falcon, lats, lons)
    areas.recompute_areas([falcon.pk])
    row = stored(falcon)
    assert (row.n_records, row.n_unique_points, row.aoo_km2, row.eoo_km2) == (3, 1, 4.0, 4.0)
    assert geo.parse(row.hull).geom_type == "Point"


def test_only_usable_records_count() -> None:
    ibex = taxon("Capra sibirica")
    lats, lons = latlon_of_xy([1_000, 11_000, 11_000, 1_000], [1_000, 1_000, 11_000, 11_000])
    add_records(ibex, lats, lons)
    far_lat, far_lon = latlon_of_xy([500_000], [500_000])
    add_records(ibex, far_lat, far_lon, flags=FLAGS["COUNTRY_COORDINATE_MISMATCH"])
    add_records(ibex, far_lat, far_lon, occurrence_status="absent")
    add_records(ibex, [], [])
    # a quality flag about something else keeps the record
    add_records(ibex, *latlon_of_xy([6_000], [6_000]), flags=FLAGS["DUPLICATE_ACROSS_SOURCES"])
    areas.recompute_areas([ibex.pk])
    row = stored(ibex)
    assert (row.n_records, row.n_cells) == (5, 5)
    assert row.eoo_raw_km2 == pytest.approx(100.0, abs=1e-3)


def test_periods_are_all_and_decades_and_custom_periods_stay() -> None:
    argali = taxon("Ovis ammon")
    sub = taxon("Ovis ammon collium", rank="subspecies", parent=argali)
    lats, lons = latlon_of_xy([1_000, 5_000, 9_000, 13_000], [1_000, 1_000, 1_000, 1_000])
    add_records(argali, lats[:2], lons[:2], years=[1995, 1998])
    add_records(sub, lats[2:], lons[2:], years=[2005, None])
    areas.recompute_areas([sub.pk], extra_periods=["1995-2005"])  # the species is included
    rows = {r.period: (r.n_records, r.aoo_km2) for r in areas.stored_areas(argali)}
    assert rows == {
        "all": (4, 16.0),
        "1990-1999": (2, 8.0),
        "1995-2005": (3, 12.0),
        "2000-2009": (1, 4.0),
    }
    assert [r.period for r in areas.stored_areas(argali)] == [
        "all",
        "1990-1999",
        "1995-2005",
        "2000-2009",
    ]
    assert {r.period for r in areas.stored_areas(sub)} == {"all", "2000-2009", "1995-2005"}
    # records of the 1990s go: that decade's row goes, the custom period stays (now empty)
    argali.occurrences.filter(year__lt=2000).delete()
    areas.recompute_areas([argali.pk])
    rows = {r.period: r.n_records for r in areas.stored_areas(argali)}
    assert rows == {"all": 2, "1995-2005": 1, "2000-2009": 1}
    # only the period "all": the other rows stay as they are
    Occurrence.objects.all().delete()  # of the species and its subspecies
    done = areas.recompute_areas([argali.pk], every_period=False)
    assert [r.period for r in done[argali.pk]] == ["all"]
    rows = {r.period: r.n_records for r in areas.stored_areas(argali)}
    assert rows == {"all": 0, "1995-2005": 1, "2000-2009": 1}


def test_bad_period_is_refused() -> None:
    with pytest.raises(areas.AreaError, match="ends before it starts"):
        areas.Period.parse("2010-2000")
    with pytest.raises(areas.AreaError, match="neither 'all' nor"):
        areas.Period.parse("recent")


def test_background_job_recomputes_and_merges_waiting_requests() -> None:
    from barys.core.jobs import run_job

    saker = taxon("Falco cherrug")
    lats, lons = latlon_of_xy([1_000, 5_000], [1_000, 1_000])
    add_records(saker, lats, lons)
    first = areas.schedule_area_recompute([saker.pk])
    second = areas.schedule_area_recompute([saker.pk, 12345])
    assert first.pk == second.pk and second.params == {"taxa": [saker.pk, 12345]}
    job = run_job(first.pk)
    assert job.state == Job.State.DONE and job.result == {"taxa": 1, "periods": 2}  # all, 2020-2029
    assert stored(saker).aoo_km2 == 8.0


def test_many_cells_store_the_numbers_and_hull_but_not_the_grid(monkeypatch) -> None:
    owl = taxon("Bubo bubo")
    xs, ys = [1_000, 11_000, 11_000, 1_000, 6_000], [1_000, 1_000, 11_000, 11_000, 6_000]
    lats, lons = latlon_of_xy(xs * 2, ys * 2)  # every point twice
    add_records(owl, lats, lons)
    monkeypatch.setattr(areas, "MAX_STORED_CELLS", 4)
    areas.recompute_areas([owl.pk])
    row = stored(owl)
    assert (row.n_records, row.n_unique_points, row.n_cells, row.aoo_km2) == (10, 5, 5, 20.0)
    assert row.eoo_raw_km2 == pytest.approx(100.0, abs=1e-3)
    assert row.cells == "" and geo.parse(row.hull).geom_type == "Polygon"
    assert geo.parse(row.hull).bounds == pytest.approx(geo.parse(_full_hull(owl)).bounds, abs=1e-9)
    monkeypatch.setattr(areas, "MAX_STORED_CELLS", 5)  # 10 records, 5 cells: drawn
    areas.recompute_areas([owl.pk])
    assert len(geo.parse(stored(owl).cells).geoms) == 5


def _full_hull(of) -> str:
    """The hull computed the ordinary way (few records: each point once, in any order)."""
    lats, lons, _years = areas.usable_records(of.pk)
    points = sorted(set(zip(lats.tolist(), lons.tolist(), strict=True)))
    return areas.assess(np.array([p[0] for p in points]), np.array([p[1] for p in points]))[1]
