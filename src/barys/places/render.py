"""Species distribution maps for the printed Red Book, rendered on the server (SVG and PNG).

The map shows Kazakhstan's outline and oblasts, the species' ranges, its public occurrence
cells (the H3 aggregate the public may see, never finer than the sensitivity policy allows)
and the protected areas, drawn in the Kazakhstan Albers equal-area projection.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field

import h3
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import shapely  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.patches import Patch, PathPatch  # noqa: E402
from matplotlib.path import Path as MplPath  # noqa: E402
from shapely.geometry import Polygon  # noqa: E402
from shapely.geometry.base import BaseGeometry  # noqa: E402

from barys.places.geometry import albers  # noqa: E402

RANGE_STYLE: dict[str, tuple[str, str]] = {
    # range kind -> (face colour, hatch)
    "current": ("#e3a33b", ""),
    "historical": ("#b9b9b9", "///"),
    "breeding": ("#6aa84f", ""),
    "wintering": ("#6fa8dc", ""),
    "reintroduction": ("#b07cc6", "\\\\"),
}
CELL_COLOUR = "#a1261d"
AREA_COLOUR = "#1d5e2f"
SIZES = {"small": (4.2, 2.6), "page": (10.0, 6.2)}
#: Extra simplification of the outlines on the small map, degrees (about 3 km).
SMALL_SIMPLIFY_DEG = 0.03


@dataclass
class MapLayers:
    """What one map shows; geometries in longitude/latitude degrees."""

    title: str
    subtitle: str
    country: BaseGeometry
    oblasts: Sequence[BaseGeometry] = ()
    ranges: Sequence[tuple[str, BaseGeometry]] = ()  # (range kind, geometry)
    cells: Sequence[int] = ()  # H3 cell ids (integers)
    protected_areas: Sequence[BaseGeometry] = ()
    labels: dict[str, str] = field(default_factory=dict)  # legend texts by key
    footnote: str = ""


def _path_of(geometry: BaseGeometry) -> MplPath | None:
    """A matplotlib path (with holes) of a projected (multi)polygon."""
    vertices: list[np.ndarray] = []
    codes: list[np.ndarray] = []
    for polygon in shapely.get_parts(geometry):
        if not isinstance(polygon, Polygon) or polygon.is_empty:
            continue
        for ring in (polygon.exterior, *polygon.interiors):
            xy = np.asarray(ring.coords)
            ring_codes = np.full(len(xy), MplPath.LINETO, dtype=np.uint8)
            ring_codes[0] = MplPath.MOVETO
            ring_codes[-1] = MplPath.CLOSEPOLY
            vertices.append(xy)
            codes.append(ring_codes)
    if not vertices:
        return None
    return MplPath(np.concatenate(vertices), np.concatenate(codes))


def _draw(
    axes: Axes, geometry: BaseGeometry, *, simplify_deg: float = 0.0, **style: object
) -> None:
    if simplify_deg > 0:
        geometry = shapely.simplify(geometry, simplify_deg, preserve_topology=True)
    projected = albers().geometry_to_xy(geometry)
    path = _path_of(projected)
    if path is not None:
        axes.add_patch(PathPatch(path, **style))  # type: ignore[arg-type]


def _cell_polygon(cell: int) -> Polygon:
    boundary = h3.cell_to_boundary(h3.int_to_str(cell))
    return Polygon([(lon, lat) for lat, lon in boundary])


def render(layers: MapLayers, *, fmt: str = "svg", size: str = "page", dpi: int = 200) -> bytes:
    """The map as SVG text (UTF-8) or PNG bytes. ``size`` is ``page`` (10 x 6.2 in) or
    ``small`` (4.2 x 2.6 in, no legend); ``dpi`` applies to PNG."""
    if fmt not in {"svg", "png"}:
        raise ValueError(f"format {fmt!r} is neither svg nor png")
    small = size == "small"
    coarse = SMALL_SIMPLIFY_DEG if small else 0.0
    figure, axes = plt.subplots(figsize=SIZES["small" if small else "page"])
    axes.set_aspect("equal")
    axes.set_axis_off()
    _draw(
        axes, layers.country, simplify_deg=coarse, facecolor="#f7f5ef", edgecolor="none", zorder=0
    )
    for oblast in layers.oblasts:
        _draw(
            axes,
            oblast,
            simplify_deg=coarse,
            facecolor="none",
            edgecolor="#9a968c",
            linewidth=0.4,
            zorder=1,
        )
    for kind, geometry in layers.ranges:
        colour, hatch = RANGE_STYLE.get(kind, ("#e3a33b", ""))
        _draw(
            axes,
            geometry,
            facecolor=colour,
            edgecolor=colour,
            alpha=0.55,
            hatch=hatch,
            linewidth=0.6,
            zorder=2,
        )
    for area in layers.protected_areas:
        _draw(
            axes,
            area,
            facecolor="none",
            edgecolor=AREA_COLOUR,
            linewidth=0.9,
            hatch="....",
            zorder=3,
        )
    if layers.cells:
        cells = shapely.union_all([_cell_polygon(c) for c in layers.cells])
        _draw(
            axes,
            cells,
            facecolor=CELL_COLOUR,
            edgecolor=CELL_COLOUR,
            alpha=0.85,
            linewidth=0.2,
            zorder=4,
        )
    _draw(
        axes,
        layers.country,
        simplify_deg=coarse,
        facecolor="none",
        edgecolor="#4a4740",
        linewidth=0.9,
        zorder=5,
    )
    x0, y0, x1, y1 = albers().geometry_to_xy(layers.country).bounds
    pad = 0.02 * (x1 - x0)
    axes.set_xlim(x0 - pad, x1 + pad)
    axes.set_ylim(y0 - pad, y1 + pad)
    if not small:
        axes.set_title(layers.title, fontsize=13, loc="left", pad=20)
        if layers.subtitle:
            axes.text(
                0.0,
                1.01,
                layers.subtitle,
                transform=axes.transAxes,
                fontsize=9.5,
                style="italic",
                va="bottom",
                ha="left",
                color="#4a4740",
            )
        _legend(axes, layers)
        if layers.footnote:
            figure.text(
                0.01,
                0.005,
                layers.footnote,
                fontsize=6.5,
                color="#6b675f",
                ha="left",
                va="bottom",
                wrap=True,
            )
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format=fmt,
        bbox_inches="tight",
        dpi=dpi,
        metadata={"Date": None} if fmt == "svg" else {"Software": None},
    )
    plt.close(figure)
    return buffer.getvalue()


def _legend(axes: Axes, layers: MapLayers) -> None:
    handles: list[Patch] = []
    labels = layers.labels
    for kind in dict.fromkeys(k for k, _g in layers.ranges):
        colour, hatch = RANGE_STYLE.get(kind, ("#e3a33b", ""))
        handles.append(
            Patch(
                facecolor=colour,
                edgecolor=colour,
                alpha=0.55,
                hatch=hatch,
                label=labels.get(f"range:{kind}", kind),
            )
        )
    if layers.cells:
        handles.append(
            Patch(
                facecolor=CELL_COLOUR,
                edgecolor=CELL_COLOUR,
                alpha=0.85,
                label=labels.get("cells", "records"),
            )
        )
    if layers.protected_areas:
        handles.append(
            Patch(
                facecolor="none",
                edgecolor=AREA_COLOUR,
                hatch="....",
                label=labels.get("protected_areas", "protected areas"),
            )
        )
    if handles:
        axes.legend(
            handles=handles,
            loc="upper left",
            bbox_to_anchor=(0.0, 0.0),
            ncol=min(4, len(handles)),
            fontsize=7.5,
            frameon=False,
        )
