"""Importing places: GeoJSON, GeoPackage, zipped Shapefile; reprojection, repair, refusal of bad
files and features with nothing half-imported; the shipped oblasts."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import numpy as np
import pyogrio.raw
import pytest
import shapely
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyproj import Transformer
from shapely.geometry import Polygon

from barys.core.models import AuditEntry, Scope
from barys.places import builtin, importing
from barys.places import geometry as geo
from barys.places.cli import import_places as cli_import
from barys.places.models import Place, PlaceKind
from tests.places.factories import square, taxon

pytestmark = pytest.mark.django_db


def feature(name: str, geometry: dict, **props: object) -> dict:
    return {"type": "Feature", "properties": {"name": name, **props}, "geometry": geometry}


def write_geojson(path: Path, *features: dict) -> Path:
    path.write_text(json.dumps({"type": "FeatureCollection", "features": list(features)}))
    return path


UTM43 = "EPSG:32643"


def write_utm_layer(path: Path, driver: str, names: list[str], polygons: list[Polygon]) -> Path:
    """A layer in UTM zone 43N (metres), as field teams deliver them."""
    wkb = np.array([shapely.to_wkb(p) for p in polygons], dtype=object)
    pyogrio.raw.write(
        str(path),
        geometry=wkb,
        field_data=[np.array(names, dtype=object)],
        fields=["name"],
        crs=UTM43,
        geometry_type="Polygon",
        driver=driver,
    )
    return path


def utm_square(x0: float, y0: float, side: float) -> Polygon:
    return Polygon([(x0, y0), (x0 + side, y0), (x0 + side, y0 + side), (x0, y0 + side)])


def test_geojson_import_creates_places_with_bbox_area_and_audit(tmp_path: Path) -> None:
    path = write_geojson(
        tmp_path / "areas.geojson",
        feature(
            "Aksu-Zhabagly Nature Reserve",
            square(70.0, 42.0, 70.5, 42.5),
            name_ru="Аксу-Жабаглинский заповедник",
            iucn_cat="Ia",
            STATUS_YR=1926,
            designation="nature_reserve",
        ),
        feature("Altyn-Emel", square(78.0, 43.8, 79.0, 44.4)),
    )
    summary = importing.import_places(path, kind="protected_area")
    assert (summary.created, summary.updated, summary.unchanged) == (2, 0, 0)
    reserve = Place.objects.get(kind="protected_area", code="aksu-zhabagly-nature-reserve")
    assert (reserve.west, reserve.south, reserve.east, reserve.north) == (70.0, 42.0, 70.5, 42.5)
    assert (reserve.iucn_category, reserve.established_year, reserve.designation) == (
        "Ia",
        1926,
        "nature_reserve",
    )
    assert reserve.name_ru == "Аксу-Жабаглинский заповедник"
    # 0.5° x 0.5° at 42.25° N: 55.66 km x 41.2 km on the ellipsoid (geodesic check below).
    from barys.analytics.projections import geodesic_area_km2

    expected = geodesic_area_km2(shapely.segmentize(geo.parse(reserve.geometry), 0.01))
    assert reserve.area_km2 == pytest.approx(expected, rel=1e-3)
    assert AuditEntry.objects.filter(object_type="places.place", action="create").count() == 2
    again = importing.import_places(path, kind="protected_area")
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)


def test_protected_area_links_to_the_scope_of_the_same_code(tmp_path: Path) -> None:
    Scope.objects.create(code="ile-alatau", name_en="Ile-Alatau National Park")
    path = write_geojson(
        tmp_path / "p.geojson",
        feature("Ile-Alatau", square(76.6, 43.0, 77.9, 43.3), code="ile-alatau"),
    )
    importing.import_places(path, kind="protected_area")
    assert Place.objects.get(code="ile-alatau").scope.code == "ile-alatau"


def test_geopackage_in_utm_is_reprojected_to_wgs84(tmp_path: Path) -> None:
    path = write_utm_layer(
        tmp_path / "sites.gpkg", "GPKG", ["Plot 1"], [utm_square(500_000, 4_800_000, 10_000)]
    )
    summary = importing.import_places(path, kind="site")
    assert summary.crs == UTM43
    place = Place.objects.get(kind="site", code="plot-1")
    to_wgs84 = Transformer.from_crs(UTM43, "EPSG:4326", always_xy=True)
    lons, lats = to_wgs84.transform(
        [500_000, 510_000, 510_000, 500_000], [4_800_000, 4_800_000, 4_810_000, 4_810_000]
    )
    assert (place.west, place.south, place.east, place.north) == pytest.approx(
        (min(lons), min(lats), max(lons), max(lats)), abs=1e-6
    )
    # 10 km x 10 km in UTM (scale factor 0.9996 on the central meridian: 100.08 km²)
    assert place.area_km2 == pytest.approx(100.0 / 0.9996**2, rel=2e-3)


def test_zipped_shapefile(tmp_path: Path) -> None:
    folder = tmp_path / "shp"
    folder.mkdir()
    write_utm_layer(
        folder / "parks.shp",
        "ESRI Shapefile",
        ["Sairam-Ugam", "Karatau"],
        [utm_square(600_000, 4_680_000, 20_000), utm_square(400_000, 4_800_000, 5_000)],
    )
    archive = tmp_path / "parks.zip"
    with zipfile.ZipFile(archive, "w") as out:
        for part in folder.iterdir():
            out.write(part, part.name)
    summary = importing.import_places(archive, kind="protected_area")
    assert summary.created == 2
    assert sorted(Place.objects.values_list("code", flat=True)) == ["karatau", "sairam-ugam"]


def test_shapefile_with_unknown_projection_is_refused(tmp_path: Path) -> None:
    write_utm_layer(tmp_path / "x.shp", "ESRI Shapefile", ["A"], [utm_square(5e5, 4.8e6, 1e3)])
    (tmp_path / "x.prj").write_text("GARBAGE[not a projection]")
    with pytest.raises(importing.PlaceImportError, match=r"x\.shp: unknown projection"):
        importing.import_places(tmp_path / "x.shp", kind="site")
    (tmp_path / "x.prj").unlink()
    with pytest.raises(importing.PlaceImportError, match="no coordinate reference system"):
        importing.import_places(tmp_path / "x.shp", kind="site")
    with pytest.raises(importing.PlaceImportError, match="unknown coordinate reference system"):
        importing.import_places(tmp_path / "x.shp", kind="site", crs="EPSG:999999")
    summary = importing.import_places(tmp_path / "x.shp", kind="site", crs=UTM43)
    assert summary.created == 1
    assert Place.objects.count() == 1


def test_empty_layer_and_broken_files_are_refused(tmp_path: Path) -> None:
    empty = write_geojson(tmp_path / "empty.geojson")
    with pytest.raises(importing.PlaceImportError, match="empty.geojson: .*has no features"):
        importing.import_places(empty, kind="oblast")
    broken = tmp_path / "broken.geojson"
    broken.write_text('{"type": "FeatureCollection", "features": [{"type": "Feat')
    with pytest.raises(importing.PlaceImportError, match="broken.geojson: cannot be read"):
        importing.import_places(broken, kind="oblast")
    noise = tmp_path / "noise.gpkg"
    noise.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(importing.PlaceImportError, match="noise.gpkg: cannot be read"):
        importing.import_places(noise, kind="oblast")
    bad_zip = tmp_path / "bad.zip"
    bad_zip.write_bytes(b"PK not really")
    with pytest.raises(importing.PlaceImportError, match="bad.zip: not a readable zip"):
        importing.import_places(bad_zip, kind="oblast")
    assert Place.objects.count() == 0


def test_self_intersecting_polygon_is_repaired_and_reported(tmp_path: Path) -> None:
    bowtie = {
        "type": "Polygon",
        "coordinates": [[[70, 45], [71, 46], [71, 45], [70, 46], [70, 45]]],
    }
    path = write_geojson(tmp_path / "ranges.geojson", feature("Bowtie", bowtie))
    summary = importing.import_places(path, kind="protected_area")
    assert summary.notes == ["feature 1 (Bowtie): repaired: Self-intersection[70.5 45.5]"]
    repaired = geo.parse(Place.objects.get().geometry)
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == pytest.approx(0.5)  # two triangles of 0.25 square degrees


def test_one_bad_feature_refuses_the_whole_file(tmp_path: Path) -> None:
    flat = {"type": "Polygon", "coordinates": [[[70, 45], [71, 45], [72, 45], [70, 45]]]}
    point = {"type": "Point", "coordinates": [70, 45]}
    path = write_geojson(
        tmp_path / "mixed.geojson",
        feature("Good", square(70, 45, 71, 46)),
        feature("Flat", flat),
        feature("", square(72, 45, 73, 46)),
        feature("Dot", point),
        feature("Good", square(74, 45, 75, 46)),
        {"type": "Feature", "properties": {"name": "Nothing"}, "geometry": None},
    )
    with pytest.raises(importing.PlaceImportError) as caught:
        importing.import_places(path, kind="oblast")
    assert caught.value.problems == [
        "feature 2 (Flat): invalid geometry (Self-intersection[71 45]) that cannot be repaired "
        "into a polygon",
        "feature 3: no name (field 'name' is empty)",
        "feature 4 (Dot): a Point is not a polygon",
        "feature 5 (Good): code 'good' is also used by feature 1",
        "feature 6 (Nothing): the feature has no geometry",
    ]
    assert Place.objects.count() == 0 and AuditEntry.objects.count() == 0


def test_ranges_need_a_taxon_and_get_codes_per_kind(tmp_path: Path) -> None:
    uncia = taxon("Panthera uncia")
    path = write_geojson(
        tmp_path / "uncia.geojson",
        feature("Tien Shan", square(76, 42.5, 80, 43.5)),
        feature("Altai", square(84, 48.8, 87, 49.6)),
        feature("Former", square(70, 42, 71, 43), range_kind="historical"),
    )
    with pytest.raises(importing.PlaceImportError, match="needs its taxon"):
        importing.import_places(path, kind="range")
    with pytest.raises(importing.PlaceImportError, match="no taxon with the slug 'nobody'"):
        importing.import_places(path, kind="range", taxon="nobody")
    importing.import_places(path, kind="range", taxon="panthera-uncia")
    assert sorted(uncia.ranges.values_list("code", "range_kind")) == [
        ("panthera-uncia-current", "current"),
        ("panthera-uncia-current-2", "current"),
        ("panthera-uncia-historical", "historical"),
    ]
    smaller = write_geojson(
        tmp_path / "one.geojson", feature("Tien Shan", square(76, 42.5, 80, 43.4))
    )
    summary = importing.import_places(smaller, kind="range", taxon=uncia, replace=True)
    assert (summary.updated, summary.deleted) == (1, 2)
    assert uncia.ranges.get().north == 43.4


def test_cli_reports_every_problem_and_fails(tmp_path: Path, capsys) -> None:
    from barys.core.commands import CommandFailed

    path = write_geojson(
        tmp_path / "two.geojson",
        feature("", square(70, 45, 71, 46)),
        feature("B", {"type": "Point", "coordinates": [1, 2]}),
    )
    with pytest.raises(CommandFailed, match="2 problem"):
        cli_import([str(path), "--kind", "oblast"])
    out = capsys.readouterr().out
    assert "feature 1: no name" in out and "feature 2 (B): a Point is not a polygon" in out
    assert cli_import(["--builtin-oblasts"]) == 0
    assert Place.objects.filter(kind=PlaceKind.OBLAST).count() == 16


def test_builtin_oblasts_cover_kazakhstan() -> None:
    counts = builtin.load_oblasts()
    assert counts == {"created": 16, "updated": 0, "unchanged": 0}
    assert builtin.load_oblasts() == {"created": 0, "updated": 0, "unchanged": 16}
    almaty = Place.objects.get(kind="oblast", code="almaty-region")
    assert (almaty.name_ru, almaty.name_kk) == ("Алматинская область", "Алматы облысы")
    total = sum(Place.objects.filter(kind="oblast").values_list("area_km2", flat=True))
    # Kazakhstan: 2,724,900 km² in official figures; Natural Earth 1:10m outlines without
    # the small island give within 0.5 %.
    assert total == pytest.approx(2_724_900, rel=5e-3)


# Hypothesis: whatever bytes or JSON arrive, the import either succeeds or refuses with a
# PlaceImportError naming the file; it never crashes and never half-imports.

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.floats(allow_nan=False, allow_infinity=False, width=32)
    | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4)
        | st.dictionaries(
            st.sampled_from(["type", "coordinates", "geometry", "features", "properties", "name"]),
            children,
            max_size=4,
        )
    ),
    max_leaves=20,
)
coordinates = st.lists(
    st.tuples(st.floats(-200, 200), st.floats(-100, 100)), min_size=0, max_size=6
)


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.binary(max_size=300))
def test_random_bytes_never_crash(tmp_path: Path, data: bytes) -> None:
    path = tmp_path / "random.geojson"
    path.write_bytes(data)
    with pytest.raises(importing.PlaceImportError, match=r"random\.geojson"):
        importing.import_places(path, kind="oblast")
    assert Place.objects.count() == 0


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(value=json_values, ring=coordinates)
def test_random_geojson_never_crashes(tmp_path: Path, value: object, ring: list) -> None:
    path = tmp_path / "random.geojson"
    polygon = {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
    document = {
        "type": "FeatureCollection",
        "features": [
            {"type": "Feature", "properties": {"name": "X"}, "geometry": polygon},
            {"type": "Feature", "properties": {"name": "Y"}, "geometry": value},
        ],
    }
    path.write_text(json.dumps(document))
    before = Place.objects.count()
    try:
        importing.import_places(path, kind="protected_area")
    except importing.PlaceImportError as exc:
        assert str(exc).startswith("random.geojson: ")
        assert Place.objects.count() == before
    else:
        assert Place.objects.filter(kind="protected_area").count() >= 1
