"""What a person may see of collared animals, for the pages, the API and the passport panel.

The rules (DESIGN rule 2 and issue 10):

* Exact fixes, daily and monthly paths, deployment places, exact home-range polygons and
  detections with coordinates are shown only to people whom
  :func:`barys.core.sensitivity.may_see_exact` allows for the individual's protected area;
  every such response is written to the access log with the number of fixes shown.
* Everyone else -- the public and researchers of other areas -- never sees a fix, live or
  old: at most the generalised seasonal ranges (:mod:`barys.telemetry.ranges`), built only from
  fixes older than ``BARYS_LIVE_POSITION_DAYS``, and none at all for category-1 taxa unless
  the installation shows category 1 on a 1° grid. Charts and counts shown to them use only
  fixes older than the live window, and contain no coordinates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from django.conf import settings
from django.db.models import Count, Max, Min
from django.utils.dates import MONTHS
from django.utils.translation import gettext as _

from barys.core import sensitivity
from barys.core.access_log import log_access
from barys.individuals.models import Individual
from barys.telemetry import charts, cleaning, hooks, ranges, tracks
from barys.telemetry.models import Fix, HomeRange, Tag, TagDeployment
from barys.telemetry.services import NotAllowed, TelemetryError

#: Most fix points in one track response; beyond it every k-th unflagged fix is sent.
MAX_POINTS = 20_000
TRACK_LAYERS = ("fixes", "daily", "monthly", "detections")


class NotFound(TelemetryError):
    """No such individual (or it has no collar)."""


@dataclass(frozen=True)
class Access:
    """What one person may see of one individual's telemetry."""

    exact: bool
    cutoff: datetime
    public_cell_deg: float | None

    @property
    def withheld_message(self) -> str:
        if self.public_cell_deg is None:
            return _(
                "GPS positions of this animal are not public: its species is in the "
                "most sensitive category, so even its generalised range is withheld."
            )
        return _(
            "GPS positions of collared animals are not public. The map shows only "
            "generalised seasonal ranges on a %(cell)s° grid, from positions older than "
            "the protection window."
        ) % {"cell": f"{self.public_cell_deg:g}"}


def individual_by_code(code: str) -> Individual:
    found = Individual.objects.select_related("taxon", "scope").filter(code=code).first()
    if found is None:
        raise NotFound(f"no individual {code!r}")
    return found


def access_for(*, user: Any, individual: Individual) -> Access:
    return Access(
        exact=sensitivity.may_see_exact(user, individual.scope_codes),
        cutoff=ranges.live_cutoff(),
        public_cell_deg=ranges.public_cell_deg(individual.taxon),
    )


def _log(user: Any, surface: str, individual: Individual, count: int) -> None:
    log_access(
        actor=user,
        surface=surface,
        object_type="telemetry.individual",
        object_id=individual.code,
        count=count,
    )


def flag_reasons(flags: int, values: dict[str, Any] | None) -> list[str]:
    """The cleaning flags of a fix in words, with their numbers."""
    values = values or {}
    texts = {
        cleaning.IMPOSSIBLE: _("impossible coordinates"),
        cleaning.DUPLICATE_TIME: _("another fix has the same time"),
        cleaning.SPIKE: _(
            "out-and-back spike: %(din)s m out and %(dout)s m back at %(a)s "
            "and %(b)s km/h, turning %(t)s°"
        )
        % {
            "din": values.get("distance_in_m"),
            "dout": values.get("distance_out_m"),
            "a": values.get("speed_in_kmh"),
            "b": values.get("speed_out_kmh"),
            "t": values.get("turn_deg"),
        },
        cleaning.TOO_FAST: _("too fast: %(v)s km/h above the limit of %(l)s km/h")
        % {"v": values.get("speed_kmh"), "l": values.get("limit_kmh")},
        cleaning.POOR_DOP: _("poor precision (DOP %(d)s)") % {"d": values.get("hdop")},
        cleaning.SOURCE_OUTLIER: _("marked as an outlier in the imported file"),
        cleaning.OUTSIDE_DEPLOYMENT: _("outside the deployment of the collar"),
    }
    return [text for bit, text in texts.items() if flags & bit]


# ---------------------------------------------------------------------------- collars


@dataclass
class DeploymentRow:
    deployment: TagDeployment
    fixes: int
    first: datetime | None
    last: datetime | None
    recent: bool  # the last fix is inside the live window


@dataclass
class CollarRow:
    tag: Tag
    deployments: list[DeploymentRow] = field(default_factory=list)


def collar_list(*, user: Any) -> list[CollarRow]:
    """Every tag with its deployments and fix counts (no locations)."""
    cutoff = ranges.live_cutoff()
    stats = {
        row["deployment_id"]: row
        for row in Fix.objects.filter(deployment__isnull=False)
        .values("deployment_id")
        .annotate(n=Count("timestamp"), first=Min("timestamp"), last=Max("timestamp"))
        .order_by()
    }
    rows = []
    tags = Tag.objects.prefetch_related("deployments__individual__taxon").order_by(
        "local_identifier"
    )
    for tag in tags:
        row = CollarRow(tag)
        for deployment in tag.deployments.all():
            s = stats.get(deployment.pk, {})
            last = s.get("last")
            row.deployments.append(
                DeploymentRow(
                    deployment, s.get("n", 0), s.get("first"), last, bool(last and last >= cutoff)
                )
            )
        rows.append(row)
    return rows


# ---------------------------------------------------------------------------- track data


def track_geojson(
    *,
    code: str,
    user: Any,
    layer: str = "fixes",
    start: datetime | None = None,
    end: datetime | None = None,
    include_outliers: bool = True,
    surface: str = "api telemetry track",
) -> dict[str, Any]:
    """The individual's track as GeoJSON for ``user``: fixes (points with their flags), daily
    or monthly paths (lines, outliers left out) or detections by other methods. People who may
    not see exact locations get an empty collection with the reason."""
    if layer not in TRACK_LAYERS:
        raise TelemetryError(f"layer must be one of {', '.join(TRACK_LAYERS)}")
    individual = individual_by_code(code)
    access = access_for(user=user, individual=individual)
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": [],
        "individual": individual.code,
        "layer": layer,
        "exact": access.exact,
    }
    if not access.exact:
        collection["information_withheld"] = access.withheld_message
        return collection
    if layer == "detections":
        found = hooks.detections_for(individual=individual, start=start, end=end)
        shown = [
            d
            for d in found
            if d.latitude is not None
            and sensitivity.may_see_exact(user, d.scope_codes or individual.scope_codes)
        ]
        collection["features"] = [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [d.longitude, d.latitude]},
                "properties": {
                    "time": d.timestamp.isoformat(),
                    "kind": d.kind,
                    "label": d.label,
                    "url": d.url,
                },
            }
            for d in shown
        ]
        _log(user, surface + " detections", individual, len(shown))
        return collection
    track = tracks.load_track(
        individual, start=start, end=end, include_outliers=include_outliers or layer != "fixes"
    )
    if layer == "fixes":
        collection["features"], collection["thinned"] = _fix_features(track, individual)
        _log(user, surface, individual, len(collection["features"]))
        return collection
    lines = tracks.paths(track.valid(), "day" if layer == "daily" else "month")
    collection["features"] = [
        {
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(c) for c in p.coordinates]},
            "properties": {
                "key": p.key,
                "month": p.month,
                "season": p.season,
                "fixes": p.fixes,
                "km": round(p.km, 2),
            },
        }
        for p in lines
    ]
    _log(user, surface, individual, sum(p.fixes for p in lines))
    return collection


def _fix_features(track: tracks.Track, individual: Individual) -> tuple[list[dict[str, Any]], int]:
    keep = np.ones(len(track), dtype=bool)
    step = 1
    if len(track) > MAX_POINTS:
        step = int(np.ceil(len(track) / MAX_POINTS))
        keep = (np.arange(len(track)) % step == 0) | (track.flags != 0)
    chosen = np.flatnonzero(keep)
    details = dict(  # the numbers behind the flags (few fixes: one indexed query)
        Fix.objects.filter(individual=individual).exclude(flags=0).values_list("id", "flag_values")
    )
    overrides = dict(
        Fix.objects.filter(individual=individual).exclude(override="").values_list("id", "override")
    )
    months = track.months
    features = []
    for i in chosen:
        fix_id = int(track.ids[i])
        flags = int(track.flags[i])
        month = int(months[i])
        features.append(
            {
                "type": "Feature",
                "id": fix_id,
                "geometry": {
                    "type": "Point",
                    "coordinates": [float(track.lon[i]), float(track.lat[i])],
                },
                "properties": {
                    "time": str(track.t[i].astype("datetime64[s]")) + "Z",
                    "month": month,
                    "season": tracks.SEASON_OF_MONTH[month],
                    "altitude_m": None if np.isnan(track.alt[i]) else float(track.alt[i]),
                    "outlier": bool(track.outlier[i]),
                    "flags": cleaning.flag_names(flags),
                    "reasons": flag_reasons(flags, details.get(fix_id)),
                    "override": overrides.get(fix_id, ""),
                },
            }
        )
    return features, step


def home_ranges_geojson(
    *, code: str, user: Any, surface: str = "api telemetry home ranges"
) -> dict[str, Any]:
    """Home ranges as GeoJSON: the exact polygons of every season and method for people
    allowed exact locations (logged), otherwise only the generalised seasonal ranges."""
    individual = individual_by_code(code)
    access = access_for(user=user, individual=individual)
    rows = list(HomeRange.objects.filter(individual=individual))
    features = []
    for row in rows:
        properties = {
            "season": row.season,
            "method": row.method,
            "level": row.level,
            "area_km2": round(row.area_km2, 2),
            "fixes": row.n_fixes,
        }
        if access.exact:
            features.append(
                {
                    "type": "Feature",
                    "geometry": row.geometry,
                    "properties": {**properties, "generalised": False},
                }
            )
        elif row.public_geometry is not None:
            features.append(
                {
                    "type": "Feature",
                    "geometry": row.public_geometry,
                    "properties": {
                        **properties,
                        "generalised": True,
                        "cell_deg": row.public_cell_deg,
                        "until": f"{row.public_until:%Y-%m}" if row.public_until else "",
                    },
                }
            )
    collection: dict[str, Any] = {
        "type": "FeatureCollection",
        "features": features,
        "individual": individual.code,
        "exact": access.exact,
    }
    if access.exact:
        _log(user, surface, individual, len(features))
    else:
        collection["information_withheld"] = access.withheld_message
    return collection


# ---------------------------------------------------------------------------- pages


@dataclass
class RangeRow:
    season: str
    fixes: int
    areas: dict[str, float]  # "mcp95", "mcp100", "kde50", "kde95" -> km²
    public: bool


@dataclass
class DeploymentView:
    deployment: TagDeployment
    on_place: sensitivity.LocationView | None
    off_place: sensitivity.LocationView | None


@dataclass
class TrackPage:
    individual: Individual
    access: Access
    deployments: list[DeploymentView]
    ranges: list[RangeRow]
    stats: dict[str, Any]
    distance_svg: str
    altitude_svg: str
    timeline_svg: str
    monthly_altitude: list[tuple[str, tracks.MonthlyAltitude]]  # (month name, figures)
    detections: int


def home_range_rows(individual: Individual) -> list[RangeRow]:
    """Areas (km²) per season: MCP 95/100 %, KDE 50/95 %."""
    by_season: dict[str, RangeRow] = {}
    for row in HomeRange.objects.filter(individual=individual):
        entry = by_season.setdefault(row.season, RangeRow(row.season, row.n_fixes, {}, False))
        entry.areas[f"{row.method}{row.level:g}"] = round(row.area_km2, 1)
        entry.public |= row.public_geometry is not None
    return [by_season[s] for s in ranges.SEASON_ORDER if s in by_season]


def _place(
    user: Any,
    deployment: TagDeployment,
    lat: float | None,
    lon: float | None,
    exact: bool,
    which: str,
) -> sensitivity.LocationView | None:
    if lat is None or lon is None:
        return None
    individual = deployment.individual
    if not exact:
        return sensitivity.generalise(
            latitude=lat,
            longitude=lon,
            uncertainty_m=None,
            locality="",
            event_date="",
            category=None,
            withhold_entirely=True,
        )
    return sensitivity.view_location(
        user=user,
        scope_codes=individual.scope_codes,
        surface=f"telemetry deployment {which}",
        object_type="telemetry.tagdeployment",
        object_id=str(deployment.pk),
        latitude=lat,
        longitude=lon,
        uncertainty_m=None,
        locality="",
        event_date="",
        category=None,
        withhold_entirely=True,
    )


def track_page(*, code: str, user: Any) -> TrackPage:
    """Everything on the individual's track page, as ``user`` may see it."""
    individual = individual_by_code(code)
    access = access_for(user=user, individual=individual)
    deployments = list(
        TagDeployment.objects.filter(individual=individual).select_related(
            "tag", "individual__scope"
        )
    )
    if not deployments:
        raise NotFound(f"{code} has no collar")
    views = [
        DeploymentView(
            d,
            _place(user, d, d.deploy_on_latitude, d.deploy_on_longitude, access.exact, "on"),
            _place(user, d, d.deploy_off_latitude, d.deploy_off_longitude, access.exact, "off"),
        )
        for d in deployments
    ]
    track = tracks.load_track(individual, include_outliers=True)
    if not access.exact:
        track = track.before(access.cutoff)
    valid = track.valid()
    days, km = tracks.distance_per_day(valid)
    all_days, per_day = (
        np.unique(track.days, return_counts=True)
        if len(track)
        else (np.array([], dtype="datetime64[D]"), np.array([], dtype=np.int64))
    )
    found = hooks.detections_for(
        individual=individual, start=None, end=None if access.exact else access.cutoff
    )
    stats = {
        "fixes": len(track),
        "outliers": int(track.outlier.sum()),
        "first": track.t[0].astype(datetime) if len(track) else None,
        "last": track.t[-1].astype(datetime) if len(track) else None,
        "km": round(float(km.sum()), 1),
        "days": int(days.size),
        "km_per_day": round(float(km.mean()), 2) if km.size else None,
        "window_days": int(getattr(settings, "BARYS_LIVE_POSITION_DAYS", 30)),
    }
    name = individual.name or individual.code
    return TrackPage(
        individual=individual,
        access=access,
        deployments=views,
        ranges=home_range_rows(individual),
        stats=stats,
        distance_svg=charts.distance_chart(
            days=days, km=km, title=_("Distance per day, %(name)s") % {"name": name}
        ),
        altitude_svg=charts.altitude_chart(
            day_of_year=tracks.day_of_year(valid),
            altitude_m=valid.alt,
            months=valid.months,
            title=_("Altitude over the year, %(name)s") % {"name": name},
        ),
        timeline_svg=charts.timeline_chart(
            days=all_days,
            fixes_per_day=per_day,
            detections=[(d.timestamp, d.kind) for d in found],
            title=_("Timeline"),
        ),
        monthly_altitude=[(str(MONTHS[m.month]), m) for m in tracks.altitude_by_month(valid)],
        detections=len(found),
    )


@dataclass
class FlaggedFix:
    fix: Fix
    reasons: list[str]


def flagged_fixes(
    *, code: str, user: Any, offset: int = 0, limit: int = 100
) -> tuple[Individual, list[FlaggedFix], int]:
    """Flagged or overridden fixes of the individual, for review (exact viewers only)."""
    individual = individual_by_code(code)
    if not access_for(user=user, individual=individual).exact:
        raise NotAllowed(
            _("Only people allowed to see exact locations in this area may review the fixes.")
        )
    fixes = (
        Fix.objects.filter(individual=individual)
        .exclude(flags=0, override="")
        .select_related("override_by")
        .order_by("timestamp", "location_key")
    )
    total = fixes.count()
    page = list(fixes[offset : offset + limit])
    _log(user, "telemetry flagged fixes", individual, len(page))
    return individual, [FlaggedFix(f, flag_reasons(f.flags, f.flag_values)) for f in page], total


def individual_panel(
    *, individual: Individual, request: Any = None, user: Any = None, **_: Any
) -> dict[str, Any] | None:
    """Context of the collar panel on the passport page; ``None`` without a collar."""
    person = user if user is not None else getattr(request, "user", None)
    deployments = list(
        TagDeployment.objects.filter(individual=individual)
        .select_related("tag")
        .order_by("-deploy_on")
    )
    if not deployments:
        return None
    access = access_for(user=person, individual=individual)
    counts = Fix.objects.filter(individual=individual).aggregate(n=Count("id"))
    return {
        "individual": individual,
        "deployments": deployments,
        "access": access,
        "ranges": home_range_rows(individual),
        "fixes": counts["n"],
    }
