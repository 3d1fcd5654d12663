"""Simulated demonstration tracks derived from real ones (plain numpy, no ORM).

A real GPS track gives the *movement pattern*: its step lengths (metres), turning angles and
the intervals between fixes (seconds). :func:`reproject_track` replays that pattern from a
start point in Ile-Alatau: each step keeps its real length and time, its heading is the
previous heading turned by the real turning angle and then nudged towards the altitude belt
of the season (a directed walk), so the animal climbs to the upper belt in summer and comes
down in winter, and towards its home meridian so it stays in the park. Altitudes come from a
simplified terrain model of the northern slope of the Ile-Alatau (Zailiysky Alatau) range,
:func:`ile_alatau_altitude` -- it is not a real elevation model.

Everything produced here is simulated demonstration data.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from barys.core.geo import EARTH_RADIUS_M
from barys.telemetry.cleaning import haversine_m

FloatArray = NDArray[np.float64]
M_PER_DEG = math.pi * EARTH_RADIUS_M / 180.0

#: The modelled slope: the foothills (1,000 m) at 43.21° N rise to the ridge (about 4,300 m)
#: at 43.02° N.
FOOT_LAT, RIDGE_LAT = 43.21, 43.02
FOOT_M, RISE_M = 1000.0, 3300.0
SUMMER_ALTITUDE_M = 3500.0  # middle of the upper belt used in summer (3,000-3,800 m)
WINTER_ALTITUDE_M = 2100.0  # winter, down to about 2,000 m
PARK_LON = (76.75, 77.45)


def ile_alatau_altitude(lat: FloatArray, lon: FloatArray) -> FloatArray:
    """Altitude (m) of the simplified slope model: rising southwards, with ridges and
    valleys across it. Not a real elevation model."""
    u = np.clip((FOOT_LAT - np.asarray(lat)) / (FOOT_LAT - RIDGE_LAT), 0.0, 1.25)
    ridges = 180.0 * np.sin((np.asarray(lon) - 76.8) * 45.0) * u
    return FOOT_M + RISE_M * u + ridges  # type: ignore[no-any-return]


def latitude_for_altitude(altitude_m: float) -> float:
    """Latitude of the model's slope at ``altitude_m`` (ignoring the ridges)."""
    u = (altitude_m - FOOT_M) / RISE_M
    return FOOT_LAT - u * (FOOT_LAT - RIDGE_LAT)


def seasonal_altitude(day_of_year: FloatArray) -> FloatArray:
    """The altitude the animal is drawn to: highest in mid-July, lowest in mid-January."""
    phase = 0.5 - 0.5 * np.cos(2.0 * math.pi * (np.asarray(day_of_year) - 15.0) / 365.25)
    return WINTER_ALTITUDE_M + (SUMMER_ALTITUDE_M - WINTER_ALTITUDE_M) * phase  # type: ignore[no-any-return]


@dataclass(frozen=True)
class MovementPattern:
    """Steps of a real track: lengths (m), turning angles (radians), intervals (s)."""

    step_m: FloatArray
    turn_rad: FloatArray
    interval_s: FloatArray
    first_heading: float


def movement_pattern(t_s: FloatArray, lat: FloatArray, lon: FloatArray) -> MovementPattern:
    """Step lengths, turning angles and intervals of a real track (time in seconds)."""
    t, la, lo = (np.asarray(a, dtype=np.float64) for a in (t_s, lat, lon))
    if t.size < 3:
        raise ValueError("a movement pattern needs at least three fixes")
    step = haversine_m(la[:-1], lo[:-1], la[1:], lo[1:])
    dx = (lo[1:] - lo[:-1]) * np.cos(np.radians(la[:-1])) * M_PER_DEG
    dy = (la[1:] - la[:-1]) * M_PER_DEG
    heading = np.arctan2(dy, dx)
    turn = np.diff(heading)
    turn = (turn + math.pi) % (2.0 * math.pi) - math.pi
    # a step of zero length has no heading: it does not turn
    turn[(step[1:] == 0) | (step[:-1] == 0)] = 0.0
    return MovementPattern(step, np.concatenate([[0.0], turn]), np.diff(t), float(heading[0]))


@dataclass(frozen=True)
class SimulatedTrack:
    t_s: FloatArray  # seconds since the Unix epoch, UTC
    lat: FloatArray
    lon: FloatArray
    altitude_m: FloatArray
    hdop: FloatArray


def reproject_track(
    pattern: MovementPattern,
    *,
    start_s: float,
    end_s: float,
    start_lat: float,
    home_lon: float,
    seed: int,
    drift: float = 0.45,
) -> SimulatedTrack:
    """Replay ``pattern`` (cycled as often as needed) from ``start_s`` to ``end_s`` seconds,
    starting at (``start_lat``, ``home_lon``). ``drift`` is the weight of the seasonal and
    home pull on each heading (0: the real turning angles only). HDOP values are drawn
    with a fixed ``seed`` (mostly 1-3, a few poor ones)."""
    rng = np.random.default_rng(seed)
    n_steps = pattern.step_m.size
    times = [start_s]
    lats, lons = [start_lat], [home_lon]
    heading = pattern.first_heading
    i = 0
    while times[-1] < end_s:
        k = i % n_steps
        heading += pattern.turn_rad[k]
        lat, lon = lats[-1], lons[-1]
        doy = float(time.gmtime(times[-1]).tm_yday)
        target = latitude_for_altitude(float(seasonal_altitude(np.array([doy]))[0]))
        dy_m = (target - lat) * M_PER_DEG
        dx_m = (home_lon - lon) * math.cos(math.radians(lat)) * M_PER_DEG
        pull_y = math.copysign(min(1.0, abs(dy_m) / 3000.0), dy_m)
        pull_x = math.copysign(min(1.0, abs(dx_m) / 8000.0), dx_m) * 0.5
        vx = math.cos(heading) + drift * pull_x
        vy = math.sin(heading) + drift * pull_y
        heading = math.atan2(vy, vx)
        step = float(pattern.step_m[k])
        lat_new = lat + step * math.sin(heading) / M_PER_DEG
        lon_new = lon + step * math.cos(heading) / (M_PER_DEG * math.cos(math.radians(lat)))
        if not PARK_LON[0] <= lon_new <= PARK_LON[1] or not RIDGE_LAT - 0.02 <= lat_new <= FOOT_LAT:
            heading += math.pi  # turn back at the edge of the modelled area
            lat_new, lon_new = lat, lon
        lats.append(lat_new)
        lons.append(lon_new)
        times.append(times[-1] + float(pattern.interval_s[k]))
        i += 1
    t = np.array(times[:-1])
    la = np.array(lats[:-1])
    lo = np.array(lons[:-1])
    altitude = ile_alatau_altitude(la, lo) + rng.normal(0.0, 25.0, la.size)
    hdop = np.round(1.0 + rng.gamma(1.5, 0.6, la.size), 1)
    poor = rng.random(la.size) < 0.004
    hdop[poor] = np.round(rng.uniform(10.5, 20.0, int(poor.sum())), 1)
    return SimulatedTrack(t, la, lo, np.round(altitude, 1), hdop)
