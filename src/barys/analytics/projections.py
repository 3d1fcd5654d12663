"""Equal-area and local projections shared by the IUCN area and home-range analyses.

All areas in Barys analytics are computed in metres on a plane obtained with an equal-area map
projection of the WGS84 ellipsoid, never in degrees.

Two projections are provided:

* :func:`kazakhstan_albers` -- an Albers equal-area conic fitted to Kazakhstan
  (40.6-55.4 deg N, 46.5-87.3 deg E). Standard parallels 43 deg N and 53 deg N follow the
  "one-sixth rule" (each standard parallel one sixth of the latitude range inside the
  extent), the central meridian 67 deg E and latitude of origin 48 deg N sit in the middle of the
  country. Scale distortion along meridians and parallels stays below about 1 % over the whole
  country, and areas are exact up to floating point. It is the default for occurrence data
  that lie within the wider Kazakhstan region, so that the AOO grid is the same for every taxon.
* :func:`local_laea` / :func:`centred_laea` -- a Lambert azimuthal equal-area projection centred
  on the data; used for home ranges (where shapes must be preserved locally) and for data
  outside the Kazakhstan region.

Coordinates go in as latitude and longitude arrays in decimal degrees (WGS84) and come out as
``x`` (easting) and ``y`` (northing) in metres; all transforms are vectorised with pyproj.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from functools import cached_property
from typing import TypeVar

import numpy as np
import shapely
from numpy.typing import ArrayLike, NDArray
from pyproj import CRS, Geod, Transformer
from shapely.geometry.base import BaseGeometry

logger = logging.getLogger(__name__)

FloatArray = NDArray[np.float64]
G = TypeVar("G", bound=BaseGeometry)

KAZAKHSTAN_ALBERS_PROJ4 = (
    "+proj=aea +lat_0=48 +lon_0=67 +lat_1=43 +lat_2=53 +x_0=0 +y_0=0 +ellps=WGS84 +units=m +no_defs"
)
"""PROJ definition of the Kazakhstan Albers equal-area conic (metres, WGS84 ellipsoid)."""

KAZAKHSTAN_REGION = (35.0, 60.0, 40.0, 95.0)
"""(min lat, max lat, min lon, max lon) in degrees within which Kazakhstan Albers is used by
:func:`equal_area_for`; outside it a Lambert azimuthal equal-area projection centred on the data
is chosen."""

_WGS84 = CRS.from_epsg(4326)


class CoordinateError(ValueError):
    """Raised for coordinate arrays that are not usable (wrong shape, NaN, out of range)."""


def as_latlon(lats: ArrayLike, lons: ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Validate latitude and longitude arrays (decimal degrees, WGS84) and return float64 copies.

    Raises :class:`CoordinateError` naming the first offending index and value when the arrays
    are not one-dimensional, differ in length, hold non-finite values, or lie outside
    [-90, 90] (latitude) or [-180, 180] (longitude).
    """
    try:
        lat = np.asarray(lats, dtype=np.float64)
        lon = np.asarray(lons, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise CoordinateError(f"coordinates must be numbers: {exc}") from exc
    lat = np.atleast_1d(lat)
    lon = np.atleast_1d(lon)
    if lat.ndim != 1 or lon.ndim != 1:
        raise CoordinateError(
            f"lats and lons must be one-dimensional (got shapes {lat.shape} and {lon.shape})"
        )
    if lat.shape != lon.shape:
        raise CoordinateError(
            f"lats and lons differ in length ({lat.shape[0]} latitudes, {lon.shape[0]} longitudes)"
        )
    bad_lat = ~(np.isfinite(lat) & (np.abs(lat) <= 90.0))
    if bad_lat.any():
        i = int(np.flatnonzero(bad_lat)[0])
        raise CoordinateError(f"latitude at index {i} is {lat[i]!r}; expected -90..90 degrees")
    bad_lon = ~(np.isfinite(lon) & (np.abs(lon) <= 180.0))
    if bad_lon.any():
        i = int(np.flatnonzero(bad_lon)[0])
        raise CoordinateError(f"longitude at index {i} is {lon[i]!r}; expected -180..180 degrees")
    return lat, lon


@dataclass(frozen=True)
class EqualAreaProjection:
    """An equal-area projection of WGS84 coordinates to a plane in metres.

    ``name`` is a short label for reports; ``proj4`` the PROJ definition string.
    """

    name: str
    proj4: str
    _transformers: dict[str, Transformer] = field(
        default_factory=dict, repr=False, compare=False, hash=False
    )

    @cached_property
    def crs(self) -> CRS:
        """The projected coordinate reference system (metres)."""
        return CRS.from_proj4(self.proj4)

    def _transformer(self, direction: str) -> Transformer:
        cached = self._transformers.get(direction)
        if cached is None:
            if direction == "forward":
                cached = Transformer.from_crs(_WGS84, self.crs, always_xy=True)
            else:
                cached = Transformer.from_crs(self.crs, _WGS84, always_xy=True)
            self._transformers[direction] = cached
        return cached

    def to_xy(self, lats: ArrayLike, lons: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Project latitudes and longitudes (degrees) to easting ``x`` and northing ``y`` (metres)."""
        lat, lon = as_latlon(lats, lons)
        x, y = self._transformer("forward").transform(lon, lat)
        return np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)

    def to_latlon(self, x: ArrayLike, y: ArrayLike) -> tuple[FloatArray, FloatArray]:
        """Unproject easting and northing (metres) back to latitudes and longitudes (degrees)."""
        xa = np.asarray(x, dtype=np.float64)
        ya = np.asarray(y, dtype=np.float64)
        lon, lat = self._transformer("inverse").transform(xa, ya)
        return np.asarray(lat, dtype=np.float64), np.asarray(lon, dtype=np.float64)

    def geometry_to_xy(self, geometry: G) -> G:
        """Project a shapely geometry given in (lon, lat) degrees to (x, y) metres."""
        forward = self._transformer("forward")

        def _apply(coords: FloatArray) -> FloatArray:
            x, y = forward.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([x, y])

        return shapely.transform(geometry, _apply)  # type: ignore[no-any-return]

    def geometry_to_lonlat(self, geometry: G) -> G:
        """Unproject a shapely geometry in (x, y) metres to (lon, lat) degrees."""
        inverse = self._transformer("inverse")

        def _apply(coords: FloatArray) -> FloatArray:
            lon, lat = inverse.transform(coords[:, 0], coords[:, 1])
            return np.column_stack([lon, lat])

        return shapely.transform(geometry, _apply)  # type: ignore[no-any-return]


def kazakhstan_albers() -> EqualAreaProjection:
    """The Albers equal-area conic for Kazakhstan (see the module docstring for the parameters)."""
    return EqualAreaProjection(name="Kazakhstan Albers equal-area", proj4=KAZAKHSTAN_ALBERS_PROJ4)


def local_laea(lat0: float, lon0: float) -> EqualAreaProjection:
    """A Lambert azimuthal equal-area projection centred on (``lat0``, ``lon0``) in degrees."""
    if not (np.isfinite(lat0) and np.isfinite(lon0) and abs(lat0) <= 90 and abs(lon0) <= 180):
        raise CoordinateError(f"projection centre ({lat0!r}, {lon0!r}) is not a valid lat/lon")
    proj4 = (
        f"+proj=laea +lat_0={lat0:.10g} +lon_0={lon0:.10g} +x_0=0 +y_0=0 "
        "+ellps=WGS84 +units=m +no_defs"
    )
    return EqualAreaProjection(
        name=f"Lambert azimuthal equal-area at {lat0:.4f}, {lon0:.4f}", proj4=proj4
    )


def data_centre(lats: ArrayLike, lons: ArrayLike) -> tuple[float, float]:
    """Centre of a set of points in degrees: the mean of the 3-D unit vectors on the sphere.

    Unlike the arithmetic mean of longitudes this is correct across the antimeridian.
    """
    lat, lon = as_latlon(lats, lons)
    if lat.size == 0:
        raise CoordinateError("no coordinates given")
    phi = np.radians(lat)
    lam = np.radians(lon)
    cx = float(np.mean(np.cos(phi) * np.cos(lam)))
    cy = float(np.mean(np.cos(phi) * np.sin(lam)))
    cz = float(np.mean(np.sin(phi)))
    lon0 = float(np.degrees(np.arctan2(cy, cx)))
    lat0 = float(np.degrees(np.arctan2(cz, np.hypot(cx, cy))))
    return lat0, lon0


def centred_laea(lats: ArrayLike, lons: ArrayLike) -> EqualAreaProjection:
    """A Lambert azimuthal equal-area projection centred on the data (see :func:`data_centre`)."""
    lat0, lon0 = data_centre(lats, lons)
    return local_laea(round(lat0, 6), round(lon0, 6))


def in_kazakhstan_region(lats: ArrayLike, lons: ArrayLike) -> bool:
    """Whether every point lies inside :data:`KAZAKHSTAN_REGION`."""
    lat, lon = as_latlon(lats, lons)
    if lat.size == 0:
        return True
    lat_min, lat_max, lon_min, lon_max = KAZAKHSTAN_REGION
    return bool(
        lat.min() >= lat_min
        and lat.max() <= lat_max
        and lon.min() >= lon_min
        and lon.max() <= lon_max
    )


def equal_area_for(lats: ArrayLike, lons: ArrayLike) -> EqualAreaProjection:
    """The default equal-area projection for a set of occurrences.

    Kazakhstan Albers when all points lie within :data:`KAZAKHSTAN_REGION`, otherwise a Lambert
    azimuthal equal-area projection centred on the data.
    """
    if in_kazakhstan_region(lats, lons):
        return kazakhstan_albers()
    return centred_laea(lats, lons)


def polygon_area_km2(
    polygon: BaseGeometry,
    projection: EqualAreaProjection | None = None,
    *,
    max_segment_deg: float | None = 0.01,
) -> float:
    """Area in km2 of a (multi)polygon given in (lon, lat) degrees.

    The geometry is first densified so that no edge is longer than ``max_segment_deg`` degrees
    (edges are taken as straight in lon/lat, as in GeoJSON), then projected with ``projection``
    (default: :func:`equal_area_for` its vertices) and measured on the plane. ``None`` skips the
    densification.
    """
    if polygon.is_empty:
        return 0.0
    if max_segment_deg is not None:
        if max_segment_deg <= 0:
            raise ValueError("max_segment_deg must be positive")
        polygon = shapely.segmentize(polygon, max_segment_deg)
    if projection is None:
        coords = shapely.get_coordinates(polygon)
        projection = equal_area_for(coords[:, 1], coords[:, 0])
    return float(projection.geometry_to_xy(polygon).area) / 1e6


def geodesic_area_km2(polygon: BaseGeometry) -> float:
    """Area in km2 of a (lon, lat) polygon on the WGS84 ellipsoid with geodesic edges (pyproj.Geod).

    Used to cross-check :func:`polygon_area_km2`.
    """
    area, _ = Geod(ellps="WGS84").geometry_area_perimeter(polygon)
    return abs(float(area)) / 1e6


def projected_points(
    lats: ArrayLike,
    lons: ArrayLike,
    projection: EqualAreaProjection | None,
    default: str = "auto",
) -> tuple[EqualAreaProjection, FloatArray, FloatArray]:
    """Validate and project points, choosing a projection when none is given.

    ``default`` is ``"auto"`` (:func:`equal_area_for`) or ``"local"`` (:func:`centred_laea`).
    Returns the projection and the ``x``, ``y`` arrays in metres.
    """
    lat, lon = as_latlon(lats, lons)
    if projection is None:
        if lat.size == 0:
            projection = kazakhstan_albers()
        elif default == "local":
            projection = centred_laea(lat, lon)
        else:
            projection = equal_area_for(lat, lon)
    x, y = projection.to_xy(lat, lon)
    return projection, x, y
