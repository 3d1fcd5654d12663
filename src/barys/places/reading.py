"""Reading place layers from GeoJSON, GeoPackage and (zipped) Shapefiles with pyogrio.

:func:`read_layer` returns every feature reprojected to WGS84 longitude/latitude degrees,
with its attributes, or raises :class:`LayerError` with one clear message about the file
(unreadable, several layers and none chosen, empty, unknown coordinate reference system).
Problems with single features are returned per feature, never raised.
"""

from __future__ import annotations

import logging
import math
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pyogrio
import pyogrio.errors
import shapely
from pyproj import CRS, Transformer
from pyproj.exceptions import CRSError, ProjError
from shapely.geometry.base import BaseGeometry

log = logging.getLogger(__name__)

SUFFIXES = (".geojson", ".json", ".gpkg", ".shp", ".zip")
WGS84 = CRS.from_epsg(4326)


class LayerError(ValueError):
    """The file or layer cannot be read as a whole; the message names the file."""


@dataclass
class Feature:
    """One feature: its position in the layer (1-based), geometry in degrees (None when it
    could not be read or reprojected) and attributes; ``problem`` says what went wrong."""

    number: int
    geometry: BaseGeometry | None
    attributes: dict[str, Any]
    problem: str = ""


@dataclass
class Layer:
    path: Path
    name: str
    crs: str
    features: list[Feature] = field(default_factory=list)

    @property
    def field_names(self) -> list[str]:
        return list(self.features[0].attributes) if self.features else []


def _dataset_path(path: Path) -> str:
    if path.suffix.lower() == ".zip":
        try:
            with zipfile.ZipFile(path) as archive:
                names = archive.namelist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise LayerError(f"{path.name}: not a readable zip archive ({exc})") from None
        shapefiles = [n for n in names if n.lower().endswith(".shp")]
        if not shapefiles:
            raise LayerError(f"{path.name}: the zip archive holds no .shp file")
        if len(shapefiles) > 1:
            raise LayerError(
                f"{path.name}: the zip archive holds several shapefiles "
                f"({', '.join(sorted(shapefiles))}); zip one per file"
            )
        return f"/vsizip/{path}/{shapefiles[0]}"
    return str(path)


def _choose_layer(path: Path, dataset: str, layer: str | None) -> str | None:
    try:
        layers = pyogrio.list_layers(dataset)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        RuntimeError,
        OSError,
        ValueError,
    ) as exc:
        raise LayerError(
            f"{path.name}: cannot be read as GeoJSON, GeoPackage or Shapefile ({_first_line(exc)})"
        ) from None
    names = [str(row[0]) for row in layers]
    if layer is not None:
        if layer not in names:
            raise LayerError(f"{path.name}: no layer {layer!r} (layers: {', '.join(names)})")
        return layer
    if len(names) > 1:
        raise LayerError(
            f"{path.name}: holds {len(names)} layers ({', '.join(names)}); choose one with --layer"
        )
    if not names:
        raise LayerError(f"{path.name}: holds no layer")
    return None


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def _has_prj(path: Path) -> bool:
    if path.suffix.lower() == ".shp":
        return path.with_suffix(".prj").exists() or path.with_suffix(".PRJ").exists()
    if path.suffix.lower() == ".zip":
        with zipfile.ZipFile(path) as archive:
            return any(n.lower().endswith(".prj") for n in archive.namelist())
    return False


def source_crs(path: Path, declared: str | None, override: str | None) -> CRS:
    """The layer's coordinate reference system (``override`` wins); LayerError when unknown."""
    text = override or declared
    if not text and _has_prj(path):
        raise LayerError(
            f"{path.name}: unknown projection: the .prj file is not a coordinate "
            "reference system GDAL understands; give it with --crs, e.g. --crs "
            "EPSG:32643"
        )
    if not text:
        raise LayerError(
            f"{path.name}: the layer has no coordinate reference system (a "
            "shapefile without its .prj?); give it with --crs, e.g. --crs "
            "EPSG:32643"
        )
    try:
        crs = CRS.from_user_input(text)
    except CRSError as exc:
        raise LayerError(
            f"{path.name}: unknown coordinate reference system {text[:80]!r} ({_first_line(exc)})"
        ) from None
    if not (crs.is_geographic or crs.is_projected):
        raise LayerError(
            f"{path.name}: the coordinate reference system {crs.name!r} is "
            "neither geographic nor projected and cannot be converted to WGS84"
        )
    return crs


def _to_wgs84(crs: CRS) -> Transformer | None:
    if crs.equals(WGS84, ignore_axis_order=True):
        return None
    try:
        return Transformer.from_crs(crs, WGS84, always_xy=True)
    except (CRSError, ProjError) as exc:
        raise LayerError(
            f"no transformation from {crs.name!r} to WGS84 ({_first_line(exc)})"
        ) from None


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    return value


def read_layer(path: Path | str, *, layer: str | None = None, crs: str | None = None) -> Layer:
    """All features of one layer, reprojected to WGS84 degrees (see the module docstring)."""
    path = Path(path)
    if not path.exists():
        raise LayerError(f"{path}: no such file")
    if path.is_dir():
        raise LayerError(f"{path}: is a folder; give a .geojson, .gpkg, .shp or .zip file")
    dataset = _dataset_path(path)
    chosen = _choose_layer(path, dataset, layer)
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", RuntimeWarning)
            meta, _fids, wkb, field_data = pyogrio.raw.read(dataset, layer=chosen, return_fids=True)
        for warning in caught:
            log.debug("%s: %s", path.name, warning.message)
    except (
        pyogrio.errors.DataSourceError,
        pyogrio.errors.DataLayerError,
        pyogrio.errors.FieldError,
        pyogrio.errors.GeometryError,
        RuntimeError,
        OSError,
        ValueError,
        UnicodeDecodeError,
    ) as exc:
        raise LayerError(f"{path.name}: cannot be read ({_first_line(exc)})") from None
    name = str(chosen or (meta.get("layer_name") if isinstance(meta, dict) else "") or path.stem)
    if wkb is None or len(wkb) == 0:
        raise LayerError(f"{path.name}: the layer {name!r} has no features")
    source = source_crs(path, meta.get("crs"), crs)
    transformer = _to_wgs84(source)
    fields = [str(f) for f in meta.get("fields", [])]
    result = Layer(path=path, name=name, crs=source.to_string())
    for index, blob in enumerate(wkb):
        attributes = {
            f: _plain(values[index]) for f, values in zip(fields, field_data, strict=True)
        }
        feature = Feature(number=index + 1, geometry=None, attributes=attributes)
        result.features.append(feature)
        if blob is None:
            feature.problem = "the feature has no geometry"
            continue
        try:
            geometry = shapely.from_wkb(blob)
        except (shapely.errors.GEOSException, ValueError) as exc:
            feature.problem = f"unreadable geometry ({_first_line(exc)})"
            continue
        if geometry is None or geometry.is_empty:
            feature.problem = "the geometry is empty"
            continue
        if shapely.has_z(geometry):
            geometry = shapely.force_2d(geometry)
        if transformer is not None:
            geometry = _reproject(geometry, transformer)
            if geometry is None:
                feature.problem = (
                    f"coordinates cannot be converted from {source.name} to "
                    "WGS84 (outside the projection's area?)"
                )
                continue
        feature.geometry = geometry
    log.debug("read %d features from %s (%s)", len(result.features), path, result.crs)
    return result


def _reproject(geometry: BaseGeometry, transformer: Transformer) -> BaseGeometry | None:
    def apply(xy: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([x, y])

    try:
        result = shapely.transform(geometry, apply)
    except (ProjError, ValueError) as exc:
        log.debug("reprojection failed: %s", exc)
        return None
    if not np.all(np.isfinite(shapely.get_coordinates(result))):
        return None
    return result
