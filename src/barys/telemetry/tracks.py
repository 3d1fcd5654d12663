"""Tracks as arrays, and what is derived from them: paths, distance per day, altitude.

:func:`load_track` reads one individual's fixes into numpy arrays (one query, values only);
the other functions are pure. Days and months are UTC calendar days and months (in Kazakhstan,
UTC+5, a day runs from 05:00 to 05:00 local time). Seasons are the meteorological seasons of
the northern hemisphere: winter December–February, spring March–May, summer June–August,
autumn September–November.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
from django.db import connection
from django.db.models import TextField
from django.db.models.functions import Cast
from numpy.typing import NDArray

from barys.individuals.models import Individual
from barys.telemetry.cleaning import haversine_m
from barys.telemetry.models import Fix

SEASONS: dict[str, tuple[int, ...]] = {
    "winter": (12, 1, 2),
    "spring": (3, 4, 5),
    "summer": (6, 7, 8),
    "autumn": (9, 10, 11),
}
SEASON_OF_MONTH: dict[int, str] = {m: name for name, months in SEASONS.items() for m in months}


@dataclass
class Track:
    """Located fixes of one individual in time order.

    ``t`` is ``datetime64[us]`` in UTC, ``lat``/``lon`` degrees, ``alt`` metres (NaN when
    unknown), ``outlier`` the cleaning verdict, ``flags`` the flag bits, ``ids`` the fix ids.
    """

    ids: NDArray[np.int64]
    t: NDArray[np.datetime64]
    lat: NDArray[np.float64]
    lon: NDArray[np.float64]
    alt: NDArray[np.float64]
    outlier: NDArray[np.bool_]
    flags: NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.ids.size)

    def select(self, mask: NDArray[np.bool_]) -> Track:
        return Track(
            self.ids[mask],
            self.t[mask],
            self.lat[mask],
            self.lon[mask],
            self.alt[mask],
            self.outlier[mask],
            self.flags[mask],
        )

    def before(self, moment: datetime) -> Track:
        """Fixes strictly before ``moment`` (an aware datetime)."""
        return self.select(self.t < as_datetime64(moment))

    def valid(self) -> Track:
        return self.select(~self.outlier)

    @property
    def months(self) -> NDArray[np.int64]:
        """Month of each fix, 1–12 (UTC)."""
        return self.t.astype("datetime64[M]").astype(np.int64) % 12 + 1  # type: ignore[no-any-return]

    @property
    def days(self) -> NDArray[np.datetime64]:
        return self.t.astype("datetime64[D]")


def as_datetime64(moment: datetime) -> np.datetime64:
    """An aware datetime as a naive UTC ``datetime64[us]``."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return np.datetime64(moment, "us")


def _times(values: tuple[Any, ...]) -> NDArray[np.datetime64]:
    """Database timestamps (SQLite text in UTC, or aware datetimes) as ``datetime64[us]``."""
    if values and isinstance(values[0], str):
        return np.array(values, dtype="datetime64[us]")
    return np.array([as_datetime64(t) for t in values], dtype="datetime64[us]")


def load_track(
    individual: Individual | int,
    *,
    start: datetime | None = None,
    end: datetime | None = None,
    include_outliers: bool = True,
) -> Track:
    """Located fixes of the individual between ``start`` and ``end`` (UTC, inclusive)."""
    fixes = Fix.objects.filter(
        individual=individual, latitude__isnull=False, longitude__isnull=False
    )
    if start is not None:
        fixes = fixes.filter(timestamp__gte=start)
    if end is not None:
        fixes = fixes.filter(timestamp__lte=end)
    if not include_outliers:
        fixes = fixes.filter(outlier=False)
    # Read through a plain cursor, and on SQLite the timestamp as its stored text: Django's
    # per-value converters cost more than the query for 100,000 fixes, numpy parses the text
    # at once. (individual, timestamp, location_key) is the unique index: no sort needed.
    stamp: Any = "timestamp"
    if connection.vendor == "sqlite":
        fixes = fixes.annotate(stamp=Cast("timestamp", output_field=TextField()))
        stamp = "stamp"
    query = fixes.order_by("timestamp", "location_key").values_list(
        "id", stamp, "latitude", "longitude", "altitude_m", "outlier", "flags"
    )
    sql, params = query.query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    n = len(rows)
    if n == 0:
        empty = np.array([], dtype=np.float64)
        return Track(
            np.array([], dtype=np.int64),
            np.array([], dtype="datetime64[us]"),
            empty,
            empty.copy(),
            empty.copy(),
            np.array([], dtype=bool),
            np.array([], dtype=np.int64),
        )
    columns = list(zip(*rows, strict=True))
    return Track(
        ids=np.array(columns[0], dtype=np.int64),
        t=_times(columns[1]),
        lat=np.array(columns[2], dtype=np.float64),
        lon=np.array(columns[3], dtype=np.float64),
        alt=np.array([np.nan if a is None else a for a in columns[4]], dtype=np.float64),
        outlier=np.array([bool(v) for v in columns[5]], dtype=bool),
        flags=np.array(columns[6], dtype=np.int64),
    )


def step_lengths_m(track: Track) -> NDArray[np.float64]:
    """Great-circle length in metres of each step between consecutive fixes (n - 1)."""
    if len(track) < 2:
        return np.array([], dtype=np.float64)
    return haversine_m(track.lat[:-1], track.lon[:-1], track.lat[1:], track.lon[1:])


def distance_per_day(track: Track) -> tuple[NDArray[np.datetime64], NDArray[np.float64]]:
    """Distance travelled per UTC day in km: the sum of the steps between consecutive
    fixes, each step counted on the day of the fix it ends at. Pass a cleaned track
    (``track.valid()``). Returns the days with fixes and the km of each."""
    if len(track) == 0:
        return np.array([], dtype="datetime64[D]"), np.array([], dtype=np.float64)
    days = track.days
    unique, index = np.unique(days, return_inverse=True)
    km = np.zeros(unique.size)
    if len(track) > 1:
        np.add.at(km, index[1:], step_lengths_m(track) / 1000.0)
    return unique, km


@dataclass(frozen=True)
class Path:
    """A daily or monthly path: ``key`` ``YYYY-MM-DD`` or ``YYYY-MM``; (lon, lat) pairs."""

    key: str
    month: int
    season: str
    coordinates: list[tuple[float, float]]
    fixes: int
    km: float


def paths(track: Track, period: str = "day") -> list[Path]:
    """One path per UTC day (``period="day"``) or month (``"month"``), each continuing from
    the last fix of the one before so the line has no gaps."""
    if period not in ("day", "month"):
        raise ValueError("period must be 'day' or 'month'")
    if len(track) == 0:
        return []
    unit = "datetime64[D]" if period == "day" else "datetime64[M]"
    keys = track.t.astype(unit)
    starts = np.flatnonzero(np.concatenate([[True], keys[1:] != keys[:-1]]))
    ends = np.append(starts[1:], len(track))
    steps = step_lengths_m(track)
    months = track.months
    found = []
    for s, e in zip(starts, ends, strict=True):
        lo = max(s - 1, 0)
        coords = [
            (float(x), float(y)) for x, y in zip(track.lon[lo:e], track.lat[lo:e], strict=True)
        ]
        km = float(steps[lo : e - 1].sum()) / 1000.0 if e - 1 > lo else 0.0
        month = int(months[s])
        found.append(Path(str(keys[s]), month, SEASON_OF_MONTH[month], coords, int(e - s), km))
    return found


@dataclass(frozen=True)
class MonthlyAltitude:
    month: int
    fixes: int
    median_m: float
    q25_m: float
    q75_m: float
    low_m: float
    high_m: float


def altitude_by_month(track: Track) -> list[MonthlyAltitude]:
    """Altitude per calendar month over all years (metres): median, quartiles, range."""
    months = track.months
    found = []
    for month in range(1, 13):
        values = track.alt[(months == month) & np.isfinite(track.alt)]
        if values.size == 0:
            continue
        q25, median, q75 = np.percentile(values, [25, 50, 75])
        found.append(
            MonthlyAltitude(
                month,
                int(values.size),
                float(median),
                float(q25),
                float(q75),
                float(values.min()),
                float(values.max()),
            )
        )
    return found


def day_of_year(track: Track) -> NDArray[np.float64]:
    """Fractional day of the year (0 = 1 January 00:00 UTC) of each fix."""
    years = track.t.astype("datetime64[Y]")
    return (track.t - years).astype("timedelta64[s]").astype(np.float64) / 86400.0  # type: ignore[no-any-return]


def summary(track: Track) -> dict[str, Any]:
    """Counts and span of a track (no locations)."""
    if len(track) == 0:
        return {"fixes": 0, "first": None, "last": None, "outliers": 0}
    return {
        "fixes": len(track),
        "first": str(track.t[0]),
        "last": str(track.t[-1]),
        "outliers": int(track.outlier.sum()),
    }
