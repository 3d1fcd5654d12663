"""Home ranges from telemetry fixes: minimum convex polygon, kernel density and Gaussian ranges.

All areas are in km2. Fixes go in as latitude and longitude arrays (decimal degrees, WGS84) and
are projected with a Lambert azimuthal equal-area projection centred on the fixes
(:func:`barys.analytics.projections.centred_laea`) unless a projection is given; polygons come
back in (lon, lat) degrees, as shapely geometries and as GeoJSON dicts.

* :func:`mcp` -- minimum convex polygon of the ``percent`` of fixes closest to a centre
  (Mohr 1947). Fixes are kept when their distance to the centre is at most the ``percent``-th
  percentile of all distances (linear interpolation between order statistics, as R's default
  ``quantile``; the rule of adehabitatHR's ``mcp``). The centre is the arithmetic mean of the
  projected coordinates by default, or the spatial median (Weiszfeld's algorithm) or the
  harmonic-mean centre (Dixon & Chapman 1980: the grid node minimising the harmonic mean
  distance to the fixes).
* :func:`kde` -- fixed-kernel density estimate with a bivariate normal kernel (Worton 1989). The
  default bandwidth is the reference bandwidth ``h_ref = sqrt(0.5 * (var_x + var_y)) * n^(-1/6)``
  (variances with n - 1 in metres^2, as adehabitatHR's ``href``). The density is evaluated on a
  regular grid in the projection, either exactly (sum over fixes; separable Gaussian as a matrix
  product) or binned: fixes are linearly binned to the grid nodes and convolved with the sampled
  kernel by FFT (``scipy.signal.fftconvolve``), which is O(n + G log G) and handles 100,000
  fixes in well under a second. On a 500-fix sample the binned density differs from the exact
  one by less than 0.1 % of its maximum and the 50 % and 95 % isopleth areas by less than 0.1 %
  (tests/analytics/test_homerange.py). The ``p`` % isopleth bounds the highest-density region
  holding ``p`` % of the volume on the grid; it is traced with contourpy (matplotlib's contour
  generator), may have several parts and holes, and its area is that of the traced polygons.
* :func:`gaussian_range` -- the ``p`` % ellipse of a bivariate normal fitted to the fixes (the
  "IID" range of ctmm): area ``pi * chi2_p(2) * sqrt(det(Sigma))``.
* :func:`by_season` -- any of these per season (months of the year).

Fixes are treated as independent; autocorrelated data give ranges that are too small
(Fleming et al. 2015) -- use AKDE in ctmm for such data.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

import contourpy
import numpy as np
import shapely
import shapely.affinity
from numpy.typing import ArrayLike
from scipy.signal import fftconvolve
from scipy.spatial import ConvexHull, QhullError
from scipy.stats import chi2
from shapely.geometry import MultiPolygon, Polygon, mapping
from shapely.geometry.base import BaseGeometry

from barys.analytics.projections import EqualAreaProjection, FloatArray, projected_points

__all__ = [
    "GaussianRange",
    "Isopleth",
    "KdeHomeRange",
    "McpHomeRange",
    "by_season",
    "gaussian_range",
    "kde",
    "mcp",
    "reference_bandwidth",
]

logger = logging.getLogger(__name__)

Centre = Literal["mean", "median", "harmonic"]
MAX_GRID_SIDE = 4096
"""Largest number of grid nodes along one side of a KDE grid."""


def _geojson(geometry: BaseGeometry, **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "geometry": mapping(geometry), "properties": properties}


@dataclass(frozen=True)
class McpHomeRange:
    """A minimum convex polygon home range.

    ``polygon`` is in (lon, lat) degrees, ``area_km2`` in km2. ``n_used`` of ``n_fixes`` fixes
    were within the ``percent`` % distance cut-off from the centre (``centre_lat``,
    ``centre_lon`` in degrees, found by ``centre_method``).
    """

    percent: float
    polygon: BaseGeometry
    area_km2: float
    n_fixes: int
    n_used: int
    centre_lat: float
    centre_lon: float
    centre_method: str
    projection: str

    @property
    def geojson(self) -> dict[str, Any]:
        """The polygon as a GeoJSON Feature with the area (km2) in its properties."""
        return _geojson(
            self.polygon,
            method="mcp",
            percent=self.percent,
            area_km2=self.area_km2,
            n_used=self.n_used,
        )


@dataclass(frozen=True)
class Isopleth:
    """The ``level`` % isopleth of a kernel density: (multi)polygon in (lon, lat), area in km2.

    ``density_threshold`` is the density (per m2) on its boundary.
    """

    level: float
    polygon: BaseGeometry
    area_km2: float
    density_threshold: float

    @property
    def geojson(self) -> dict[str, Any]:
        """The isopleth as a GeoJSON Feature with level and area (km2) in its properties."""
        return _geojson(self.polygon, method="kde", level=self.level, area_km2=self.area_km2)


@dataclass(frozen=True)
class KdeHomeRange:
    """A kernel density home range.

    ``isopleths`` maps each level (percent) to its :class:`Isopleth`. ``bandwidth`` is
    ``"href"``, ``"href-sphered"`` or ``"fixed"``; ``bandwidth_m`` the kernel standard deviation
    in metres (for the sphered kernel the geometric mean of its two axes, ``det(H)^(1/4)``);
    ``cell_m`` the grid spacing in metres (likewise a geometric mean when sphered). ``x``, ``y``
    and ``density`` (shape ``(len(y), len(x))``) hold the grid for plotting: grid coordinates map
    to projected metres by the shapely affine parameters ``grid_affine`` (``a, b, d, e, xoff,
    yoff``; the identity for isotropic kernels, where ``x``/``y`` are metres and ``density`` is
    per m2).
    """

    isopleths: dict[float, Isopleth]
    bandwidth: str
    bandwidth_m: float
    cell_m: float
    n_fixes: int
    method: str
    projection: str
    x: FloatArray = field(repr=False)
    y: FloatArray = field(repr=False)
    density: FloatArray = field(repr=False)
    grid_affine: tuple[float, float, float, float, float, float] = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)

    def area_km2(self, level: float) -> float:
        """Area in km2 of the ``level`` % isopleth."""
        return self.isopleths[float(level)].area_km2

    @property
    def geojson(self) -> dict[str, Any]:
        """All isopleths as a GeoJSON FeatureCollection."""
        return {
            "type": "FeatureCollection",
            "features": [iso.geojson for _, iso in sorted(self.isopleths.items())],
        }


@dataclass(frozen=True)
class GaussianRange:
    """The ``level`` % ellipse of a bivariate normal fitted to the fixes; area in km2.

    ``sigma_m2`` is the 2 x 2 covariance matrix in m2 (n - 1 denominator).
    """

    level: float
    polygon: BaseGeometry
    area_km2: float
    sigma_m2: FloatArray
    n_fixes: int
    projection: str

    @property
    def geojson(self) -> dict[str, Any]:
        """The ellipse as a GeoJSON Feature with level and area (km2) in its properties."""
        return _geojson(self.polygon, method="gaussian", level=self.level, area_km2=self.area_km2)


def reference_bandwidth(x: ArrayLike, y: ArrayLike) -> float:
    """Reference bandwidth h_ref in the units of ``x``/``y``: sqrt(0.5 (var x + var y)) n^(-1/6).

    Variances use the n - 1 denominator (Worton 1989; adehabitatHR ``href``).
    """
    xa = np.asarray(x, dtype=np.float64)
    ya = np.asarray(y, dtype=np.float64)
    n = xa.size
    if n < 2:
        raise ValueError("the reference bandwidth needs at least two fixes")
    sd = math.sqrt(0.5 * (float(np.var(xa, ddof=1)) + float(np.var(ya, ddof=1))))
    return sd * n ** (-1.0 / 6.0)


# --------------------------------------------------------------------------------------------
# Minimum convex polygon


def _centre(x: FloatArray, y: FloatArray, method: str) -> tuple[float, float]:
    if method == "mean":
        return float(x.mean()), float(y.mean())
    if method == "median":
        return _spatial_median(x, y)
    if method == "harmonic":
        return _harmonic_mean_centre(x, y)
    raise ValueError(f"centre must be 'mean', 'median' or 'harmonic' (got {method!r})")


def _spatial_median(x: FloatArray, y: FloatArray, tol_m: float = 1e-3) -> tuple[float, float]:
    """Geometric median by Weiszfeld's algorithm (metres)."""
    cx, cy = float(np.median(x)), float(np.median(y))
    for _ in range(200):
        d = np.hypot(x - cx, y - cy)
        w = 1.0 / np.maximum(d, 1e-9)
        nx, ny = float((w * x).sum() / w.sum()), float((w * y).sum() / w.sum())
        if math.hypot(nx - cx, ny - cy) < tol_m:
            return nx, ny
        cx, cy = nx, ny
    return cx, cy


def _harmonic_mean_centre(
    x: FloatArray, y: FloatArray, nodes: int = 40, max_fixes: int = 20_000
) -> tuple[float, float]:
    """Grid node (``nodes`` x ``nodes`` over the fixes' extent) with the least harmonic mean
    distance to the fixes (a deterministic subsample of ``max_fixes`` fixes when more)."""
    if x.size > max_fixes:
        step = int(math.ceil(x.size / max_fixes))
        x, y = x[::step], y[::step]
    # Node positions offset by half a step so that no node sits exactly on a fix.
    gx = np.linspace(x.min(), x.max(), nodes + 1)
    gy = np.linspace(y.min(), y.max(), nodes + 1)
    gx = 0.5 * (gx[1:] + gx[:-1])
    gy = 0.5 * (gy[1:] + gy[:-1])
    floor = 1e-6 * max(float(np.ptp(x)), float(np.ptp(y)), 1.0)
    best = (math.inf, float(x.mean()), float(y.mean()))
    for node_y in gy:
        d = np.hypot(x[None, :] - gx[:, None], y[None, :] - node_y)
        inv = (1.0 / np.maximum(d, floor)).mean(axis=1)
        i = int(np.argmax(inv))
        hm = 1.0 / inv[i]
        if hm < best[0]:
            best = (hm, float(gx[i]), float(node_y))
    return best[1], best[2]


def mcp(
    lats: ArrayLike,
    lons: ArrayLike,
    percent: float = 95.0,
    *,
    centre: Centre = "mean",
    projection: EqualAreaProjection | None = None,
) -> McpHomeRange:
    """Minimum convex polygon of the ``percent`` % of fixes closest to the centre; area in km2.

    ``lats``/``lons`` in degrees; ``percent`` in (0, 100]; ``centre`` is ``"mean"`` (arithmetic
    mean of projected coordinates), ``"median"`` (spatial median) or ``"harmonic"``
    (harmonic-mean centre). Needs at least three fixes; collinear fixes give area 0.
    """
    if not 0.0 < percent <= 100.0:
        raise ValueError(f"percent must be in (0, 100] (got {percent!r})")
    proj, x, y = projected_points(lats, lons, projection, default="local")
    if x.size < 3:
        raise ValueError(f"an MCP needs at least 3 fixes (got {x.size})")
    cx, cy = _centre(x, y, centre)
    d = np.hypot(x - cx, y - cy)
    keep = d <= np.percentile(d, percent) if percent < 100.0 else np.ones(x.size, dtype=bool)
    pts = np.column_stack([x[keep], y[keep]])
    area_m2 = 0.0
    try:
        hull = ConvexHull(pts)
    except QhullError:
        geom: BaseGeometry = shapely.MultiPoint(pts).convex_hull
    else:
        area_m2 = float(hull.volume)
        geom = Polygon(pts[hull.vertices])
    lat_c, lon_c = proj.to_latlon(np.array([cx]), np.array([cy]))
    return McpHomeRange(
        percent=float(percent),
        polygon=proj.geometry_to_lonlat(shapely.segmentize(geom, 1_000.0)),
        area_km2=area_m2 / 1e6,
        n_fixes=int(x.size),
        n_used=int(keep.sum()),
        centre_lat=float(lat_c[0]),
        centre_lon=float(lon_c[0]),
        centre_method=centre,
        projection=proj.proj4,
    )


# --------------------------------------------------------------------------------------------
# Kernel density


def _gauss(u: FloatArray, h: float) -> FloatArray:
    return np.exp(-0.5 * (u / h) ** 2) / (h * math.sqrt(2.0 * math.pi))  # type: ignore[no-any-return]


def _kde_exact(
    x: FloatArray, y: FloatArray, gx: FloatArray, gy: FloatArray, h: float
) -> FloatArray:
    """Exact KDE at the grid nodes: (1/n) sum_i phi_h(gx - x_i) phi_h(gy - y_i), per m2."""
    out = np.zeros((gy.size, gx.size))
    for start in range(0, x.size, 4096):
        kx = _gauss(gx[None, :] - x[start : start + 4096, None], h)
        ky = _gauss(gy[None, :] - y[start : start + 4096, None], h)
        out += ky.T @ kx
    return out / x.size  # type: ignore[no-any-return]


def _kde_binned(
    x: FloatArray, y: FloatArray, gx: FloatArray, gy: FloatArray, h: float
) -> FloatArray:
    """Linear binning to the grid nodes, then FFT convolution with the sampled kernel."""
    cell = gx[1] - gx[0]
    fx = (x - gx[0]) / cell
    fy = (y - gy[0]) / cell
    ix = np.clip(np.floor(fx).astype(np.int64), 0, gx.size - 2)
    iy = np.clip(np.floor(fy).astype(np.int64), 0, gy.size - 2)
    wx = fx - ix
    wy = fy - iy
    counts = np.zeros(gx.size * gy.size)
    for dx, dy, w in (
        (0, 0, (1 - wx) * (1 - wy)),
        (1, 0, wx * (1 - wy)),
        (0, 1, (1 - wx) * wy),
        (1, 1, wx * wy),
    ):
        counts += np.bincount((iy + dy) * gx.size + ix + dx, weights=w, minlength=counts.size)
    grid = counts.reshape(gy.size, gx.size)
    m = int(math.ceil(5.0 * h / cell))
    offsets = np.arange(-m, m + 1) * cell
    k1 = _gauss(offsets, h)
    kernel = np.outer(k1, k1)
    dens = fftconvolve(grid, kernel, mode="same") / x.size
    return np.clip(dens, 0.0, None)  # type: ignore[no-any-return]


def _density_threshold(density: FloatArray, level: float) -> float:
    """Density whose upper set holds ``level`` % of the grid volume."""
    flat = np.sort(density.ravel())[::-1]
    cum = np.cumsum(flat)
    total = cum[-1]
    i = int(np.searchsorted(cum, level / 100.0 * total))
    return float(flat[min(i, flat.size - 1)])


def _isopleth_xy(
    gx: FloatArray, gy: FloatArray, density: FloatArray, threshold: float
) -> BaseGeometry:
    gen = contourpy.contour_generator(gx, gy, density, fill_type=contourpy.FillType.OuterOffset)
    filled: Any = gen.filled(threshold, math.inf)
    points: list[FloatArray] = list(filled[0])
    offsets: list[np.ndarray] = list(filled[1])
    polygons = []
    for pts, offs in zip(points, offsets, strict=True):
        rings = [pts[offs[j] : offs[j + 1]] for j in range(len(offs) - 1)]
        polygons.append(Polygon(rings[0], rings[1:]))
    if not polygons:
        return Polygon()
    if len(polygons) == 1:
        return polygons[0]
    return MultiPolygon(polygons)


def _kde_grid(
    x: FloatArray, y: FloatArray, h: float, grid: int, cell_m: float | None
) -> tuple[FloatArray, FloatArray, float]:
    pad = 5.0 * h
    x0, x1 = float(x.min()) - pad, float(x.max()) + pad
    y0, y1 = float(y.min()) - pad, float(y.max()) + pad
    if cell_m is None:
        cell_m = min(max(x1 - x0, y1 - y0) / grid, h / 3.0)
    if not (math.isfinite(cell_m) and cell_m > 0):
        raise ValueError(f"cell_m must be a positive number of metres (got {cell_m!r})")
    side = max(x1 - x0, y1 - y0) / cell_m
    if side > MAX_GRID_SIDE:
        cell_m = max(x1 - x0, y1 - y0) / MAX_GRID_SIDE
        logger.warning(
            "KDE grid limited to %d nodes per side: cell %.1f m for bandwidth %.1f m",
            MAX_GRID_SIDE,
            cell_m,
            h,
        )
    nx = int(math.ceil((x1 - x0) / cell_m)) + 1
    ny = int(math.ceil((y1 - y0) / cell_m)) + 1
    gx = x0 + cell_m * np.arange(nx, dtype=np.float64)
    gy = y0 + cell_m * np.arange(ny, dtype=np.float64)
    return gx, gy, cell_m


def kde(
    lats: ArrayLike,
    lons: ArrayLike,
    levels: Collection[float] = (50.0, 95.0),
    bandwidth: Literal["href", "href-sphered"] | float = "href",
    grid: int = 256,
    *,
    cell_m: float | None = None,
    method: Literal["binned", "exact"] = "binned",
    projection: EqualAreaProjection | None = None,
) -> KdeHomeRange:
    """Kernel density home range with isopleths at ``levels`` (percent); areas in km2.

    ``bandwidth``:

    * ``"href"`` -- isotropic kernel, standard deviation h_ref in metres (adehabitatHR);
    * ``"href-sphered"`` -- kernel covariance ``Sigma * n^(-1/3)`` with ``Sigma`` the sample
      covariance (the Gaussian reference rule with a kernel shaped like the data, as ctmm's IID
      KDE): computed on whitened coordinates, where it is h_ref, and mapped back;
    * a number -- isotropic kernel with that standard deviation in metres.

    The grid covers the fixes plus 5 bandwidths on each side with square cells, by default the
    smaller of (longest side / ``grid``) and a third of the bandwidth; ``cell_m`` (metres, for
    isotropic kernels) overrides it. ``method`` is ``"binned"`` (linear binning + FFT
    convolution) or ``"exact"``.
    """
    proj, x, y = projected_points(lats, lons, projection, default="local")
    if x.size < 3:
        raise ValueError(f"a kernel home range needs at least 3 fixes (got {x.size})")
    levels_f = sorted({float(v) for v in levels})
    if not levels_f or any(not 0.0 < v < 100.0 for v in levels_f):
        raise ValueError(f"levels must be percentages in (0, 100) (got {list(levels)!r})")
    if int(grid) != grid or grid < 16:
        raise ValueError(f"grid must be an integer >= 16 (got {grid!r})")
    affine = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    scale = 1.0  # metres per grid unit (geometric mean)
    if bandwidth == "href-sphered":
        sigma = np.cov(np.vstack([x, y]), ddof=1)
        evals, evecs = np.linalg.eigh(sigma)
        if not evals.min() > 0:
            raise ValueError("the fixes are collinear: no sphered bandwidth")
        root = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
        white = evecs @ np.diag(1.0 / np.sqrt(evals)) @ evecs.T
        mx, my = float(x.mean()), float(y.mean())
        u = np.column_stack([x - mx, y - my]) @ white.T
        gx_pts, gy_pts = u[:, 0], u[:, 1]
        affine = (root[0, 0], root[0, 1], root[1, 0], root[1, 1], mx, my)
        scale = float(np.linalg.det(sigma)) ** 0.25
        h = reference_bandwidth(gx_pts, gy_pts)
        cell_m = None if cell_m is None else cell_m / scale
        label = "href-sphered"
    else:
        gx_pts, gy_pts = x, y
        h = reference_bandwidth(x, y) if bandwidth == "href" else float(bandwidth)
        label = "href" if bandwidth == "href" else "fixed"
    if not (math.isfinite(h) and h > 0):
        raise ValueError(f"bandwidth must be positive metres (got {h!r}); are all fixes equal?")
    gx, gy, cell = _kde_grid(gx_pts, gy_pts, h, int(grid), cell_m)
    if method == "exact":
        density = _kde_exact(gx_pts, gy_pts, gx, gy, h)
    elif method == "binned":
        density = _kde_binned(gx_pts, gy_pts, gx, gy, h)
    else:
        raise ValueError(f"method must be 'binned' or 'exact' (got {method!r})")
    isopleths: dict[float, Isopleth] = {}
    for level in levels_f:
        threshold = _density_threshold(density, level)
        poly_xy = shapely.affinity.affine_transform(
            _isopleth_xy(gx, gy, density, threshold), affine
        )
        isopleths[level] = Isopleth(
            level=level,
            polygon=proj.geometry_to_lonlat(poly_xy),
            area_km2=float(poly_xy.area) / 1e6,
            density_threshold=threshold / scale**2,
        )
    return KdeHomeRange(
        isopleths=isopleths,
        bandwidth=label,
        bandwidth_m=h * scale,
        cell_m=cell * scale,
        n_fixes=int(x.size),
        method=method,
        projection=proj.proj4,
        x=gx,
        y=gy,
        density=density,
        grid_affine=affine,
    )


# --------------------------------------------------------------------------------------------
# Gaussian (IID) range


def gaussian_range(
    lats: ArrayLike,
    lons: ArrayLike,
    level: float = 95.0,
    *,
    projection: EqualAreaProjection | None = None,
) -> GaussianRange:
    """The ``level`` % ellipse of a bivariate normal fitted to the fixes; area in km2.

    Area = pi * chi2_level(2 df) * sqrt(det Sigma), Sigma the sample covariance (n - 1).
    """
    if not 0.0 < level < 100.0:
        raise ValueError(f"level must be in (0, 100) (got {level!r})")
    proj, x, y = projected_points(lats, lons, projection, default="local")
    if x.size < 3:
        raise ValueError(f"a Gaussian range needs at least 3 fixes (got {x.size})")
    sigma = np.cov(np.vstack([x, y]), ddof=1)
    q = float(chi2.ppf(level / 100.0, 2))
    det = max(float(np.linalg.det(sigma)), 0.0)
    area_m2 = math.pi * q * math.sqrt(det)
    evals, evecs = np.linalg.eigh(sigma)
    t = np.linspace(0.0, 2.0 * math.pi, 129)
    axes = np.sqrt(np.clip(evals, 0.0, None) * q)
    ring = (evecs @ np.vstack([axes[0] * np.cos(t), axes[1] * np.sin(t)])).T
    ring += [x.mean(), y.mean()]
    ellipse = Polygon(ring) if area_m2 > 0 else Polygon()
    return GaussianRange(
        level=float(level),
        polygon=proj.geometry_to_lonlat(ellipse),
        area_km2=area_m2 / 1e6,
        sigma_m2=sigma,
        n_fixes=int(x.size),
        projection=proj.proj4,
    )


# --------------------------------------------------------------------------------------------
# Seasons


def _months(times: ArrayLike | Sequence[datetime]) -> np.ndarray:
    """Month (1-12, UTC) of each time; timezone-aware datetimes are converted to UTC."""
    arr = np.asarray(times)
    if arr.dtype.kind == "M":
        months = arr.astype("datetime64[M]").astype(np.int64) % 12 + 1
        if np.isnat(arr).any():
            i = int(np.flatnonzero(np.isnat(arr))[0])
            raise ValueError(f"time at index {i} is missing (NaT)")
        return months  # type: ignore[no-any-return]
    out = np.empty(arr.size, dtype=np.int64)
    for i, t in enumerate(arr.ravel()):
        if not isinstance(t, datetime):
            raise ValueError(f"time at index {i} is {t!r}; expected a datetime or datetime64")
        out[i] = (t.astimezone(UTC) if t.tzinfo is not None else t).month
    return out


def by_season(
    lats: ArrayLike,
    lons: ArrayLike,
    times: ArrayLike | Sequence[datetime],
    seasons: Mapping[str, Collection[int]],
    *,
    method: Literal["mcp", "kde", "gaussian"] = "kde",
    percent: float = 95.0,
    levels: Collection[float] = (50.0, 95.0),
    min_fixes: int = 5,
    projection: EqualAreaProjection | None = None,
) -> dict[str, McpHomeRange | KdeHomeRange | GaussianRange | None]:
    """Home range per season. ``seasons`` maps a name to its months (1-12), e.g.
    ``{"winter": (12, 1, 2), "summer": (6, 7, 8)}``; ``times`` are UTC datetimes or
    datetime64 values, one per fix. A season with fewer than ``min_fixes`` fixes maps to
    ``None``. ``percent`` is used for MCP and Gaussian ranges, ``levels`` for KDE. All seasons
    share one projection (centred on all fixes) so that their areas compare.
    """
    proj, x, _ = projected_points(lats, lons, projection, default="local")
    lat = np.asarray(lats, dtype=np.float64)
    lon = np.asarray(lons, dtype=np.float64)
    months = _months(times)
    if months.size != x.size:
        raise ValueError(f"{months.size} times given for {x.size} fixes")
    result: dict[str, McpHomeRange | KdeHomeRange | GaussianRange | None] = {}
    for name, season_months in seasons.items():
        wanted = {int(m) for m in season_months}
        if not wanted or any(m < 1 or m > 12 for m in wanted):
            raise ValueError(f"season {name!r}: months must be 1-12 (got {sorted(wanted)})")
        mask = np.isin(months, sorted(wanted))
        if int(mask.sum()) < max(min_fixes, 3):
            logger.info("season %s has %d fixes: no home range", name, int(mask.sum()))
            result[name] = None
            continue
        if method == "mcp":
            result[name] = mcp(lat[mask], lon[mask], percent, projection=proj)
        elif method == "kde":
            result[name] = kde(lat[mask], lon[mask], levels, projection=proj)
        elif method == "gaussian":
            result[name] = gaussian_range(lat[mask], lon[mask], percent, projection=proj)
        else:
            raise ValueError(f"method must be 'mcp', 'kde' or 'gaussian' (got {method!r})")
    return result
