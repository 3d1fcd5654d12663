"""Cleaning of GPS fixes: rules that flag, never delete (plain numpy, no ORM).

:func:`flag_fixes` takes the fixes of one individual sorted by time and returns a bit set of
flags per fix plus the numbers behind each flag. The rules, in the order they apply:

``IMPOSSIBLE``
    latitude outside ±90°, longitude outside ±180°, or exactly 0°/0° (a GPS receiver's
    "no position" value).
``OUTSIDE_DEPLOYMENT``
    the fix lies outside every deployment of a tag on the animal (e.g. the collar tested
    on a bench before it was put on).
``SOURCE_OUTLIER``
    the file marked it as an outlier (Movebank ``visible = false``).
``POOR_DOP``
    HDOP (or DOP when there is no HDOP) above ``max_hdop`` (10), or a 2-D fix (fix type 2)
    above ``max_hdop_2d`` (5) -- the usual thresholds after Lewis et al. (2007, J. Appl.
    Ecol. 44:663) and D'Eon & Delparte (2005, J. Appl. Ecol. 42:383).
``DUPLICATE_TIME``
    several located fixes of the animal share a timestamp: the best one (a fix a
    researcher marked valid, else the lowest DOP, else the first) is kept, the others
    flagged.
``SPIKE``
    an out-and-back spike (Bjørneraas et al. 2010, J. Wildl. Manage. 74:1361): the track
    turns back at the fix (cosine of the turning angle below ``spike_cos``, -0.97, about
    166°) and both the step into it and the step out of it are faster than
    ``spike_speed_kmh`` (default half the maximum speed) or longer than
    ``spike_distance_m`` (10 km; catches spikes between fixes hours apart).
``TOO_FAST``
    a step between consecutive retained fixes faster than ``max_speed_kmh`` (the taxon's
    maximum sustained speed), judged iteratively: a fix with a too-fast step on both sides is
    flagged and left out, and speeds recomputed. For a single too-fast step the next
    :data:`EXCURSION_FIXES` fixes are searched for the track's return: a fix within half the
    jump of the fix before the step and within reach of it at the limit; if it returns, the whole excursion is flagged; if not (the animal or the
    clock jumped), only the fix after the jump is flagged, once -- so a displacement never
    cascades through the rest of the track. A too-fast first step whose second fix agrees
    with the third flags the first fix.

Speeds allow for GPS error: a step's speed is ``max(0, d - 2 * gps_error_m) / dt``, so two
fixes a minute apart and 60 m apart are not "too fast". Distances are great-circle
(haversine, metres). Fixes that a researcher overrode as outliers are left out of the
neighbour computations; fixes overridden as valid are never chosen by the speed rules.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
from numpy.typing import NDArray

from barys.core.geo import EARTH_RADIUS_M

FloatArray = NDArray[np.float64]

IMPOSSIBLE = 1
DUPLICATE_TIME = 2
TOO_FAST = 4
SPIKE = 8
POOR_DOP = 16
SOURCE_OUTLIER = 32
OUTSIDE_DEPLOYMENT = 64

#: Flag name -> bit.
FLAGS: dict[str, int] = {
    "IMPOSSIBLE": IMPOSSIBLE,
    "DUPLICATE_TIME": DUPLICATE_TIME,
    "TOO_FAST": TOO_FAST,
    "SPIKE": SPIKE,
    "POOR_DOP": POOR_DOP,
    "SOURCE_OUTLIER": SOURCE_OUTLIER,
    "OUTSIDE_DEPLOYMENT": OUTSIDE_DEPLOYMENT,
}

#: How many fixes after a too-fast step are searched for the track's return (an excursion).
EXCURSION_FIXES = 10
#: Global default maximum sustained speed (km/h) for taxa without their own limit.
DEFAULT_MAX_SPEED_KMH = 50.0
#: Built-in per-taxon defaults (km/h) used until a curator sets a MovementLimit.
#: Snow leopard: a deliberately generous ceiling for the speed *between fixes* (hours apart);
#: hunting sprints are far faster but last seconds, and day ranges stay within tens of km.
TAXON_MAX_SPEED_KMH: dict[str, float] = {
    "Panthera uncia": 25.0,
}


@dataclass(frozen=True)
class CleaningRules:
    """Thresholds of the cleaning; speeds in km/h, distances in metres."""

    max_speed_kmh: float = DEFAULT_MAX_SPEED_KMH
    spike_speed_kmh: float | None = None  # None: half of max_speed_kmh
    spike_cos: float = -0.97
    spike_distance_m: float = 10_000.0
    max_hdop: float = 10.0
    max_hdop_2d: float = 5.0
    gps_error_m: float = 30.0
    max_iterations: int = 500

    @property
    def spike_threshold_kmh(self) -> float:
        return (
            self.spike_speed_kmh if self.spike_speed_kmh is not None else self.max_speed_kmh / 2.0
        )


@dataclass
class CleaningResult:
    """Flags (bit set per fix) and the numbers behind them (index -> {name: value})."""

    flags: NDArray[np.int64]
    values: dict[int, dict[str, Any]] = field(default_factory=dict)

    def value(self, index: int) -> dict[str, Any] | None:
        return self.values.get(index)


def haversine_m(
    lat1: FloatArray, lon1: FloatArray, lat2: FloatArray, lon2: FloatArray
) -> FloatArray:
    """Great-circle distances in metres between arrays of points (degrees)."""
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp = p2 - p1
    dl = np.radians(lon2 - lon1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_M * np.arcsin(np.minimum(1.0, np.sqrt(a)))  # type: ignore[no-any-return]


def step_speed_kmh(distance_m: FloatArray, dt_s: FloatArray, error_m: float) -> FloatArray:
    """Speed in km/h of steps of ``distance_m`` over ``dt_s`` seconds, less 2 GPS errors."""
    moved = np.maximum(distance_m - 2.0 * error_m, 0.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(
            dt_s > 0, moved / np.where(dt_s > 0, dt_s, 1.0) * 3.6, np.where(moved > 0, np.inf, 0.0)
        )
    return speed  # type: ignore[no-any-return]


def _turn_cos(
    lat: FloatArray, lon: FloatArray, a: NDArray[np.intp], b: NDArray[np.intp], c: NDArray[np.intp]
) -> FloatArray:
    """Cosine of the angle between the steps a->b and b->c (1 straight on, -1 straight back)."""
    scale = np.cos(np.radians(lat[b]))
    dlon1 = (lon[b] - lon[a] + 540.0) % 360.0 - 180.0
    dlon2 = (lon[c] - lon[b] + 540.0) % 360.0 - 180.0
    x1, y1 = dlon1 * scale, lat[b] - lat[a]
    x2, y2 = dlon2 * scale, lat[c] - lat[b]
    norm = np.hypot(x1, y1) * np.hypot(x2, y2)
    with np.errstate(divide="ignore", invalid="ignore"):
        cos = np.where(norm > 0, (x1 * x2 + y1 * y2) / np.where(norm > 0, norm, 1.0), 1.0)
    return cos  # type: ignore[no-any-return]


def _as(values: Any, dtype: Any, n: int, fill: Any) -> NDArray[Any]:
    if values is None:
        return np.full(n, fill, dtype=dtype)
    array = np.asarray(values, dtype=dtype)
    if array.shape != (n,):
        raise ValueError(f"expected {n} values, got shape {array.shape}")
    return array


def flag_fixes(
    *,
    t: Any,
    lat: Any,
    lon: Any,
    hdop: Any = None,
    dop: Any = None,
    fix_type: Any = None,
    visible: Any = None,
    inside: Any = None,
    override: Any = None,
    rules: CleaningRules | None = None,
) -> CleaningResult:
    """Flag the fixes of one individual, sorted by time (ties in a stable order).

    Args:
        t: times in seconds (any epoch), ascending.
        lat, lon: degrees; NaN for fix attempts without a location (never flagged).
        hdop, dop: dilution of precision (NaN when unknown).
        fix_type: fix type code (2 = 2-D), NaN when unknown.
        visible: 1 visible, 0 marked as an outlier in the file, -1 unknown.
        inside: True where the fix lies inside a deployment of a tag on the animal.
        override: 1 a researcher said "valid", -1 "outlier", 0 none.
        rules: thresholds (defaults: :class:`CleaningRules`).
    """
    rules = rules or CleaningRules()
    times = np.asarray(t, dtype=np.float64)
    n = times.size
    la = _as(lat, np.float64, n, np.nan)
    lo = _as(lon, np.float64, n, np.nan)
    if n > 1 and np.any(np.diff(times) < 0):
        raise ValueError("fixes must be sorted by time")
    precision = _as(hdop, np.float64, n, np.nan)
    dop_a = _as(dop, np.float64, n, np.nan)
    precision = np.where(np.isfinite(precision), precision, dop_a)
    kind = _as(fix_type, np.float64, n, np.nan)
    vis = _as(visible, np.int8, n, -1)
    inside_a = _as(inside, bool, n, True)
    forced = _as(override, np.int8, n, 0)

    result = CleaningResult(np.zeros(n, dtype=np.int64))
    flags = result.flags

    def note(index: int, **values: Any) -> None:
        result.values.setdefault(int(index), {}).update(values)

    located = np.isfinite(la) & np.isfinite(lo)
    impossible = located & ((np.abs(la) > 90) | (np.abs(lo) > 180) | ((la == 0) & (lo == 0)))
    flags[impossible] |= IMPOSSIBLE
    flags[located & ~inside_a] |= OUTSIDE_DEPLOYMENT
    flags[located & (vis == 0)] |= SOURCE_OUTLIER
    poor = (
        located
        & np.isfinite(precision)
        & ((precision > rules.max_hdop) | ((kind == 2) & (precision > rules.max_hdop_2d)))
    )
    flags[poor] |= POOR_DOP
    for i in np.flatnonzero(poor):
        note(int(i), hdop=round(float(precision[i]), 2))

    usable = located & ~impossible & (forced != -1)
    _flag_duplicate_times(times, precision, forced, usable, result, note)
    movable = usable & (flags & (DUPLICATE_TIME | OUTSIDE_DEPLOYMENT | SOURCE_OUTLIER) == 0)
    keep = np.flatnonzero(movable)
    keep = _flag_spikes(times, la, lo, forced, keep, rules, result, note)
    _flag_too_fast(times, la, lo, forced, keep, rules, result, note)
    return result


def _flag_duplicate_times(
    times: FloatArray,
    precision: FloatArray,
    forced: NDArray[np.int8],
    usable: NDArray[np.bool_],
    result: CleaningResult,
    note: Any,
) -> None:
    idx = np.flatnonzero(usable)
    if idx.size < 2:
        return
    ts = times[idx]
    same = np.flatnonzero(ts[1:] == ts[:-1])
    if same.size == 0:
        return
    starts, counts = np.unique(ts, return_index=True, return_counts=True)[1:]
    for start, count in zip(starts, counts, strict=True):
        if count < 2:
            continue
        group = idx[start : start + count]
        order = sorted(
            (int(i) for i in group),
            key=lambda i: (forced[i] != 1, _nan_last(float(precision[i])), i),
        )
        for i in order[1:]:
            result.flags[i] |= DUPLICATE_TIME
            note(i, duplicates=int(count))


def _nan_last(value: float) -> float:
    return math.inf if not math.isfinite(value) else float(value)


def _flag_spikes(
    times: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    forced: NDArray[np.int8],
    keep: NDArray[np.intp],
    rules: CleaningRules,
    result: CleaningResult,
    note: Any,
) -> NDArray[np.intp]:
    if keep.size < 3:
        return keep
    a, b, c = keep[:-2], keep[1:-1], keep[2:]
    v_in = step_speed_kmh(
        haversine_m(lat[a], lon[a], lat[b], lon[b]), times[b] - times[a], rules.gps_error_m
    )
    v_out = step_speed_kmh(
        haversine_m(lat[b], lon[b], lat[c], lon[c]), times[c] - times[b], rules.gps_error_m
    )
    cos = _turn_cos(lat, lon, a, b, c)
    threshold = rules.spike_threshold_kmh
    d_in = haversine_m(lat[a], lon[a], lat[b], lon[b])
    d_out = haversine_m(lat[b], lon[b], lat[c], lon[c])
    fast = (v_in > threshold) & (v_out > threshold)
    far = (d_in > rules.spike_distance_m) & (d_out > rules.spike_distance_m)
    spike = (fast | far) & (cos < rules.spike_cos) & (forced[b] != 1)
    for j in np.flatnonzero(spike):
        i = b[j]
        result.flags[i] |= SPIKE
        note(
            i,
            speed_in_kmh=_round(v_in[j]),
            speed_out_kmh=_round(v_out[j]),
            distance_in_m=round(float(d_in[j])),
            distance_out_m=round(float(d_out[j])),
            turn_deg=round(math.degrees(math.acos(max(-1.0, min(1.0, float(cos[j]))))), 1),
        )
    return keep[np.concatenate([[True], ~spike, [True]])]


def _round(value: float) -> float | None:
    return round(float(value), 1) if math.isfinite(value) else None


def _flag_too_fast(
    times: FloatArray,
    lat: FloatArray,
    lon: FloatArray,
    forced: NDArray[np.int8],
    keep: NDArray[np.intp],
    rules: CleaningRules,
    result: CleaningResult,
    note: Any,
) -> None:
    limit = rules.max_speed_kmh
    error = rules.gps_error_m

    def speed(i: Any, j: Any) -> Any:
        return step_speed_kmh(
            haversine_m(lat[i], lon[i], lat[j], lon[j]), times[j] - times[i], error
        )

    def flag(i: int, value: float) -> None:
        result.flags[i] |= TOO_FAST
        note(i, speed_kmh=_round(value), limit_kmh=limit)

    accepted: set[tuple[int, int]] = set()  # too-fast steps judged already (end fix kept)
    for _ in range(rules.max_iterations):
        m = keep.size
        if m < 2:
            return
        v = speed(keep[:-1], keep[1:])
        fast = v > limit
        if accepted:
            fast &= np.array(
                [(int(a), int(b)) not in accepted for a, b in zip(keep[:-1], keep[1:], strict=True)]
            )
        if not fast.any():
            return
        valid = forced[keep] == 1
        remove = np.zeros(m, dtype=bool)
        # a fix with a too-fast step on both sides
        both = np.flatnonzero(fast[:-1] & fast[1:]) + 1
        both = both[~valid[both]]
        remove[both] = True
        for j in both:
            flag(int(keep[j]), max(float(v[j - 1]), float(v[j])))
        # single too-fast steps keep[s] -> keep[s + 1]
        single = fast.copy()
        single[:-1] &= ~fast[1:]
        single[1:] &= ~fast[:-1]
        for s in (int(x) for x in np.flatnonzero(single)):
            if remove[s] or remove[s + 1]:
                continue
            a, b = int(keep[s]), int(keep[s + 1])
            if s == 0 and m > 2 and not valid[0] and speed(b, keep[2]) <= limit:
                remove[0] = True  # the first fix is the odd one out
                flag(a, float(v[0]))
                continue
            jump = float(haversine_m(lat[a], lon[a], lat[b], lon[b]))
            back = next(
                (
                    j
                    for j in range(s + 2, min(s + 2 + EXCURSION_FIXES, m))
                    if speed(a, keep[j]) <= limit
                    and float(haversine_m(lat[a], lon[a], lat[keep[j]], lon[keep[j]])) <= jump / 2
                ),
                None,
            )
            out = [k for k in range(s + 1, back) if not valid[k]] if back is not None else []
            if out:  # an excursion that comes back within reach: flag all of it
                remove[out] = True
                for k in out:
                    flag(int(keep[k]), float(v[s]))
                continue
            # no return: the animal (or the clock) jumped; flag the fix after the jump once
            if not valid[s + 1]:
                flag(b, float(v[s]))
            elif not valid[s]:
                flag(a, float(v[s]))
            accepted.add((a, b))
        if not remove.any() and not single.any():
            return
        keep = keep[~remove]


def outlier_verdict(flags: int, override: str) -> bool:
    """The verdict used by the analyses: flagged unless overridden as valid, or overridden
    as an outlier."""
    if override == "outlier":
        return True
    if override == "valid":
        return False
    return flags != 0


def flag_names(flags: int) -> list[str]:
    """Names of the bits set in ``flags``, in the order of :data:`FLAGS`."""
    return [name for name, bit in FLAGS.items() if flags & bit]
