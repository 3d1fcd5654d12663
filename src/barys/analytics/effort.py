"""Camera-trap sampling effort, independent detections and relative abundance.

Plain inputs (deployments as dataclasses, records as arrays) and dataclasses out; no ORM.

Conventions
-----------
* Instants are UTC. Naive ``datetime`` values are read as UTC; aware ones are converted.
  Arrays of ``numpy.datetime64`` are read as UTC. Internally instants are integer seconds
  since 1970-01-01T00:00:00Z.
* A *day* is a local calendar day: local time = UTC + ``utc_offset``. Effort is measured in
  camera-days (trap-nights): one camera active for 24 hours is 1.0.
* The camera operation matrix follows camtrapR's ``cameraOperation`` (Niedballa et al. 2016,
  Methods Ecol. Evol. 7:1457; version >= 2.1 semantics): the value of a station-day is the
  fraction of that day the station was active, ``NaN`` where no camera was deployed at all and
  ``0`` where it was deployed but out of order for the whole day. With date-only field sheets,
  :meth:`Deployment.from_dates` places setup and retrieval at local noon, so those days count
  half, and problem periods cover whole days, as camtrapR does.
* Independent detections follow camtrapR's ``recordTable(minDeltaTime, deltaTimeComparedTo)``.
* Relative abundance index (RAI) = independent detections per 100 trap-nights
  (O'Brien et al. 2003, Anim. Conserv. 6:131).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

logger = logging.getLogger(__name__)

SECONDS_PER_DAY = 86_400
_EPOCH_DAY = date(1970, 1, 1)

#: Seasons: label -> month numbers (1-12) or label -> inclusive (first_day, last_day) ranges.
SeasonSpec = Mapping[str, Iterable[int] | Iterable[tuple[date, date]]]


def _seconds(value: datetime, what: str) -> int:
    if not isinstance(value, datetime):
        raise TypeError(f"{what}: expected a datetime, got {type(value).__name__}")
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    delta = value - datetime(1970, 1, 1, tzinfo=UTC)
    return delta.days * SECONDS_PER_DAY + delta.seconds


def as_utc_seconds(
    timestamps: ArrayLike | Sequence[datetime], *, name: str = "timestamps"
) -> NDArray[np.int64]:
    """Instants as integer seconds since the Unix epoch (UTC).

    Accepts a ``numpy.datetime64`` array (read as UTC) or a sequence of ``datetime`` (naive =
    UTC). Raises ``ValueError``/``TypeError`` naming the offending position.
    """
    if isinstance(timestamps, np.ndarray) and np.issubdtype(timestamps.dtype, np.datetime64):
        values = timestamps.astype("datetime64[s]")
        bad = np.isnat(values)
        if bad.any():
            raise ValueError(f"{name}[{int(np.argmax(bad))}]: missing timestamp (NaT)")
        return values.astype(np.int64)
    items: list[Any] = list(timestamps)  # type: ignore[arg-type]
    out = np.empty(len(items), dtype=np.int64)
    for i, item in enumerate(items):
        if isinstance(item, np.datetime64):
            if np.isnat(item):
                raise ValueError(f"{name}[{i}]: missing timestamp (NaT)")
            out[i] = int(item.astype("datetime64[s]").astype(np.int64))
        else:
            out[i] = _seconds(item, f"{name}[{i}]")
    return out


def _offset_seconds(utc_offset: timedelta) -> int:
    seconds = utc_offset.total_seconds()
    if abs(seconds) >= SECONDS_PER_DAY:
        raise ValueError(f"utc_offset must be within +-24 h, got {utc_offset}")
    return int(seconds)


def local_day_number(seconds_utc: NDArray[np.int64], utc_offset: timedelta) -> NDArray[np.int64]:
    """Local calendar day of each instant, as days since 1970-01-01."""
    return np.floor_divide(seconds_utc + _offset_seconds(utc_offset), SECONDS_PER_DAY)


def encode_labels(values: ArrayLike, *, name: str) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    """Sorted distinct labels and the index of each value into them."""
    array = np.asarray(values)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D sequence, got shape {array.shape}")
    labels, inverse = np.unique(array.astype(str), return_inverse=True)
    return tuple(str(v) for v in labels), inverse.astype(np.int64)


# --------------------------------------------------------------------------- deployments


@dataclass(frozen=True)
class Deployment:
    """One camera deployment at a station, with its outages (camera not recording).

    ``start``/``end`` and the outage bounds are instants (UTC); the deployment covers
    ``[start, end)``. Outages must lie inside the deployment.
    """

    station: str
    start: datetime
    end: datetime
    outages: tuple[tuple[datetime, datetime], ...] = ()
    survey: str = ""

    def __post_init__(self) -> None:
        if not str(self.station):
            raise ValueError("deployment: empty station code")
        start, end = self.interval_seconds()
        if end <= start:
            raise ValueError(f"deployment at {self.station}: end {self.end} not after start")
        for k, (o_start, o_end) in enumerate(self.outage_seconds()):
            if o_end <= o_start:
                raise ValueError(f"deployment at {self.station}, outage {k}: end not after start")
            if o_start < start or o_end > end:
                raise ValueError(f"deployment at {self.station}, outage {k}: outside deployment")

    def interval_seconds(self) -> tuple[int, int]:
        """``(start, end)`` in seconds since the epoch (UTC)."""
        where = f"deployment at {self.station}"
        return _seconds(self.start, f"{where}: start"), _seconds(self.end, f"{where}: end")

    def outage_seconds(self) -> list[tuple[int, int]]:
        """Outages as ``(start, end)`` seconds since the epoch (UTC)."""
        where = f"deployment at {self.station}, outage"
        return [
            (_seconds(a, f"{where} {k} start"), _seconds(b, f"{where} {k} end"))
            for k, (a, b) in enumerate(self.outages)
        ]

    @classmethod
    def from_dates(
        cls,
        station: str,
        setup: date,
        retrieval: date,
        problems: Iterable[tuple[date, date]] = (),
        *,
        survey: str = "",
        utc_offset: timedelta = timedelta(0),
    ) -> Deployment:
        """Deployment from a date-only field sheet, with camtrapR's (>= 2.1) convention.

        Setup and retrieval happen at local noon (so those days count 0.5); a problem
        ``(first_day, last_day)`` makes the camera inactive from local midnight of
        ``first_day`` (or from setup, on the setup day) to the end of ``last_day`` (or to
        retrieval, on the retrieval day).
        """

        def local(day: date, hour: int = 0) -> datetime:
            return datetime.combine(day, time(hour), tzinfo=UTC) - utc_offset

        start, end = local(setup, 12), local(retrieval, 12)
        outages = []
        for k, (first, last) in enumerate(problems):
            if last < first:
                raise ValueError(f"station {station}, problem {k}: last day {last} before {first}")
            if first < setup or last > retrieval:
                raise ValueError(f"station {station}, problem {k}: outside {setup}..{retrieval}")
            outages.append((max(local(first), start), min(local(last + timedelta(days=1)), end)))
        return cls(station=station, start=start, end=end, outages=tuple(outages), survey=survey)


def _merge(intervals: list[tuple[int, int]]) -> NDArray[np.int64]:
    """Union of half-open intervals as a sorted (k, 2) array of disjoint, non-touching ones."""
    merged: list[list[int]] = []
    for a, b in sorted(intervals):
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return np.array(merged, dtype=np.int64).reshape(-1, 2)


def _subtract(interval: tuple[int, int], holes: list[tuple[int, int]]) -> list[tuple[int, int]]:
    pieces, cursor = [], interval[0]
    for a, b in _merge(holes):
        if a > cursor:
            pieces.append((cursor, int(a)))
        cursor = max(cursor, int(b))
    if cursor < interval[1]:
        pieces.append((cursor, interval[1]))
    return pieces


def _coverage(intervals: NDArray[np.int64], edges: NDArray[np.int64]) -> NDArray[np.float64]:
    """Seconds of the disjoint ``intervals`` inside each ``[edges[i], edges[i + 1])``."""
    if len(intervals) == 0:
        return np.zeros(len(edges) - 1)
    origin = edges[0]
    xp = (intervals - origin).ravel().astype(np.float64)
    lengths = (intervals[:, 1] - intervals[:, 0]).astype(np.float64)
    before = np.concatenate([[0.0], np.cumsum(lengths)[:-1]])
    fp = np.column_stack([before, before + lengths]).ravel()
    cumulative = np.interp((edges - origin).astype(np.float64), xp, fp)
    return np.diff(cumulative)


# --------------------------------------------------------------------------- operation matrix


@dataclass(frozen=True)
class CameraOperation:
    """Station x day operation matrix (camera-days per local day).

    ``effort[i, j]`` is the fraction of local day ``first_day + j`` that station ``i`` was
    active: ``NaN`` where nothing was deployed that day, ``0`` where deployed but in an outage.
    """

    stations: tuple[str, ...]
    first_day: date
    effort: NDArray[np.float64]
    utc_offset: timedelta = timedelta(0)

    @property
    def n_days(self) -> int:
        return int(self.effort.shape[1])

    @property
    def days(self) -> NDArray[np.datetime64]:
        """The local calendar days of the columns (``datetime64[D]``)."""
        return np.datetime64(self.first_day, "D") + np.arange(self.n_days)

    @property
    def first_day_number(self) -> int:
        return (self.first_day - _EPOCH_DAY).days

    def trap_nights(self) -> dict[str, float]:
        """Camera-days per station (sum of the row, missing days ignored)."""
        totals = np.nansum(self.effort, axis=1)
        return {station: float(v) for station, v in zip(self.stations, totals, strict=True)}

    @property
    def total_trap_nights(self) -> float:
        return float(np.nansum(self.effort))

    def day_column(self, seconds_utc: NDArray[np.int64]) -> NDArray[np.int64]:
        """Column index of the local day of each instant (may fall outside ``0..n_days-1``)."""
        return local_day_number(seconds_utc, self.utc_offset) - self.first_day_number

    def station_rows(self, stations: Sequence[str]) -> NDArray[np.int64]:
        """Row index of each station code; ``KeyError`` names an unknown station."""
        lookup = {s: i for i, s in enumerate(self.stations)}
        try:
            return np.array([lookup[s] for s in stations], dtype=np.int64)
        except KeyError as err:
            raise KeyError(f"station {err.args[0]!r} has no deployment") from None


def camera_operation(
    deployments: Sequence[Deployment],
    *,
    utc_offset: timedelta = timedelta(0),
    first_day: date | None = None,
    last_day: date | None = None,
) -> CameraOperation:
    """Build the station x day operation matrix from deployments and their outages.

    Several deployments at one station are merged (union of active time), so two cameras
    facing each other never count more than 1.0 per day. Stations keep the order of their
    first deployment. ``first_day``/``last_day`` (local) default to the survey's extent.
    """
    if not deployments:
        raise ValueError("camera_operation: no deployments")
    offset = _offset_seconds(utc_offset)
    spans: dict[str, list[tuple[int, int]]] = {}
    active: dict[str, list[tuple[int, int]]] = {}
    for dep in deployments:
        interval = dep.interval_seconds()
        spans.setdefault(dep.station, []).append(interval)
        active.setdefault(dep.station, []).extend(_subtract(interval, dep.outage_seconds()))
    starts = min(a for v in spans.values() for a, _ in v)
    ends = max(b for v in spans.values() for _, b in v)
    day0 = (first_day - _EPOCH_DAY).days if first_day else (starts + offset) // SECONDS_PER_DAY
    day1 = (last_day - _EPOCH_DAY).days if last_day else (ends - 1 + offset) // SECONDS_PER_DAY
    if day1 < day0:
        raise ValueError(f"camera_operation: last day {last_day} before first day {first_day}")
    edges = (day0 + np.arange(day1 - day0 + 2, dtype=np.int64)) * SECONDS_PER_DAY - offset
    effort = np.full((len(spans), day1 - day0 + 1), np.nan)
    for row, station in enumerate(spans):
        deployed = _coverage(_merge(spans[station]), edges)
        working = _coverage(_merge(active[station]), edges)
        effort[row] = np.where(deployed > 0, working / SECONDS_PER_DAY, np.nan)
    return CameraOperation(
        stations=tuple(spans),
        first_day=_EPOCH_DAY + timedelta(days=int(day0)),
        effort=effort,
        utc_offset=utc_offset,
    )


# --------------------------------------------------------------------------- seasons / trap nights


def season_index(
    days: NDArray[np.datetime64], seasons: SeasonSpec | None
) -> tuple[tuple[str, ...], NDArray[np.int64]]:
    """Season labels and, for each day, the index of its season (-1 = in no season).

    ``seasons`` maps a label to month numbers (e.g. ``{"winter": (12, 1, 2)}``) or to
    inclusive date ranges (``{"2023": [(date(2023, 1, 1), date(2023, 12, 31))]}``).
    ``None`` puts every day in one season labelled ``"all"``.
    """
    days = np.asarray(days, dtype="datetime64[D]")
    if seasons is None:
        return ("all",), np.zeros(len(days), dtype=np.int64)
    labels = tuple(seasons)
    index = np.full(len(days), -1, dtype=np.int64)
    months = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    for k, label in enumerate(labels):
        members = np.zeros(len(days), dtype=bool)
        for item in seasons[label]:
            if isinstance(item, tuple):
                first, last = item
                if last < first:
                    raise ValueError(f"season {label!r}: range {first} .. {last} is reversed")
                members |= (days >= np.datetime64(first, "D")) & (days <= np.datetime64(last, "D"))
            elif isinstance(item, int | np.integer) and 1 <= int(item) <= 12:
                members |= months == int(item)
            else:
                raise ValueError(
                    f"season {label!r}: {item!r} is no month 1-12 or (first, last) range"
                )
        clash = members & (index >= 0)
        if clash.any():
            other = labels[int(index[np.argmax(clash)])]
            raise ValueError(f"seasons {other!r} and {label!r} overlap on {days[np.argmax(clash)]}")
        index[members] = k
    return labels, index


@dataclass(frozen=True)
class TrapNights:
    """Camera-days per station (rows) and season (columns)."""

    stations: tuple[str, ...]
    seasons: tuple[str, ...]
    values: NDArray[np.float64]

    def per_station(self) -> dict[str, float]:
        return {s: float(v) for s, v in zip(self.stations, self.values.sum(axis=1), strict=True)}

    def per_season(self) -> dict[str, float]:
        return {s: float(v) for s, v in zip(self.seasons, self.values.sum(axis=0), strict=True)}

    @property
    def total(self) -> float:
        return float(self.values.sum())


def trap_nights(operation: CameraOperation, *, seasons: SeasonSpec | None = None) -> TrapNights:
    """Trap-nights (camera-days) per station and season from the operation matrix."""
    labels, index = season_index(operation.days, seasons)
    effort = np.nan_to_num(operation.effort)
    values = np.zeros((len(operation.stations), len(labels)))
    for k in range(len(labels)):
        values[:, k] = effort[:, index == k].sum(axis=1)
    return TrapNights(stations=operation.stations, seasons=labels, values=values)


def trap_nights_by_survey(
    deployments: Sequence[Deployment], *, utc_offset: timedelta = timedelta(0)
) -> dict[str, float]:
    """Total trap-nights of each survey (``Deployment.survey``), each survey's stations merged."""
    surveys: dict[str, list[Deployment]] = {}
    for dep in deployments:
        surveys.setdefault(dep.survey, []).append(dep)
    return {
        name: camera_operation(deps, utc_offset=utc_offset).total_trap_nights
        for name, deps in surveys.items()
    }


# --------------------------------------------------------------------------- independent detections

DeltaComparedTo = Literal["last_record", "last_independent_record"]


@dataclass(frozen=True)
class IndependentDetections:
    """Independent detections (events), one row per event, sorted by station, species, time.

    ``station_index``/``species_index`` point into ``stations``/``species``; ``seconds`` is the
    event's first record (seconds since the epoch, UTC); ``record_index`` that record's position
    in the input; ``n_records`` the records merged into the event; ``since_previous_event`` the
    seconds since the previous event of the same station and species and ``since_previous_record``
    the seconds since the previous record of any kind (camtrapR's ``delta.time.secs``); both are
    0 for a station's first event of a species.
    """

    stations: tuple[str, ...]
    species: tuple[str, ...]
    station_index: NDArray[np.int64]
    species_index: NDArray[np.int64]
    seconds: NDArray[np.int64]
    record_index: NDArray[np.int64]
    n_records: NDArray[np.int64]
    since_previous_event: NDArray[np.int64]
    since_previous_record: NDArray[np.int64]
    window: timedelta
    compared_to: DeltaComparedTo

    def __len__(self) -> int:
        return int(self.seconds.size)

    @property
    def timestamps(self) -> NDArray[np.datetime64]:
        """Event times as ``datetime64[s]`` (UTC)."""
        return self.seconds.astype("datetime64[s]")

    def station_codes(self) -> NDArray[np.str_]:
        return np.asarray(self.stations)[self.station_index]

    def species_codes(self) -> NDArray[np.str_]:
        return np.asarray(self.species)[self.species_index]

    def of_species(self, species: str) -> NDArray[np.bool_]:
        """Boolean mask of the events of one species (all ``False`` if it never occurs)."""
        if species not in self.species:
            return np.zeros(len(self), dtype=bool)
        return self.species_index == self.species.index(species)

    def counts(self) -> dict[tuple[str, str], int]:
        """Number of events per ``(station, species)``."""
        key = self.station_index * len(self.species) + self.species_index
        values, n = np.unique(key, return_counts=True)
        width = len(self.species)
        return {
            (self.stations[v // width], self.species[v % width]): int(c)
            for v, c in zip(values, n, strict=True)
        }


def _anchored_runs(
    key: NDArray[np.int64], group: NDArray[np.int64], window: int
) -> NDArray[np.bool_]:
    """Independent records when each event is anchored at its first record.

    A record is independent when it is at least ``window`` after the last *independent* record
    of its group. The chain of independent records from each group's first record is followed
    with pointer doubling (no per-record Python loop): ``jump[i]`` is the first record of the
    group at least ``window`` after record ``i``.
    """
    n = key.size
    following = np.maximum(np.searchsorted(key, key + window, side="left"), np.arange(1, n + 1))
    inside = following < n
    inside[inside] = group[following[inside]] == group[inside]
    jump = np.append(np.where(inside, following, n), n)
    starts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
    levels = [jump]
    while not np.all(levels[-1][starts] == n):
        levels.append(levels[-1][levels[-1]])
    reached = starts
    for level in reversed(levels):
        reached = np.union1d(reached, level[reached])
    mask = np.zeros(n + 1, dtype=bool)
    mask[reached] = True
    return mask[:n]


def independent_detections(
    stations: ArrayLike,
    species: ArrayLike,
    timestamps: ArrayLike | Sequence[datetime],
    *,
    window: timedelta = timedelta(minutes=30),
    compared_to: DeltaComparedTo = "last_independent_record",
) -> IndependentDetections:
    """Group records (one per media file or record) into independent detections.

    Records of the same station and species closer than ``window`` belong to one event.
    ``compared_to="last_independent_record"`` measures the gap from the first record of the
    current event (an event lasts at most ``window``); ``"last_record"`` from the previous
    record (an event goes on while records keep coming). A gap of exactly ``window`` starts a
    new event. All work is vectorised over the records.
    """
    station_labels, station_idx = encode_labels(stations, name="stations")
    species_labels, species_idx = encode_labels(species, name="species")
    seconds = as_utc_seconds(timestamps)
    if not (station_idx.size == species_idx.size == seconds.size):
        raise ValueError(
            f"stations, species and timestamps differ in length ({station_idx.size}, {species_idx.size}, {seconds.size})"
        )
    gap = int(window.total_seconds())
    if gap < 0:
        raise ValueError(f"window must not be negative, got {window}")
    if compared_to not in ("last_record", "last_independent_record"):
        raise ValueError(
            f"compared_to must be 'last_record' or 'last_independent_record', got {compared_to!r}"
        )
    group = station_idx * max(len(species_labels), 1) + species_idx
    order = np.lexsort((seconds, group))
    group, t = group[order], seconds[order]
    n = t.size
    if n == 0:
        empty = np.zeros(0, dtype=np.int64)
        return IndependentDetections(
            stations=station_labels,
            species=species_labels,
            station_index=empty,
            species_index=empty,
            seconds=empty,
            record_index=empty,
            n_records=empty,
            since_previous_event=empty,
            since_previous_record=empty,
            window=window,
            compared_to=compared_to,
        )
    new_group = np.concatenate([[True], group[1:] != group[:-1]])
    record_gap = np.diff(t, prepend=t[0])
    record_gap[new_group] = 0
    if compared_to == "last_record":
        independent = new_group | (record_gap >= gap)
    else:
        span = int(t.max() - t.min()) + gap + 1
        independent = _anchored_runs(group * span + (t - t.min()), group, gap)
    first = np.flatnonzero(independent)
    n_records = np.diff(np.append(first, n))
    event_t = t[first]
    event_group = group[first]
    delta = np.diff(event_t, prepend=event_t[0])
    delta[np.concatenate([[True], event_group[1:] != event_group[:-1]])] = 0
    width = max(len(species_labels), 1)
    return IndependentDetections(
        stations=station_labels,
        species=species_labels,
        station_index=event_group // width,
        species_index=event_group % width,
        seconds=event_t,
        record_index=order[first],
        n_records=n_records,
        since_previous_event=delta,
        since_previous_record=record_gap[first],
        window=window,
        compared_to=compared_to,
    )


# --------------------------------------------------------------------------- RAI


@dataclass(frozen=True)
class RelativeAbundance:
    """Independent detections and trap-nights by species, station and season.

    ``detections[s, i, k]`` counts events of species ``s`` at station ``i`` in season ``k``
    that fell on an operating station-day; ``excluded`` counts events that did not (unknown
    station, day outside the deployment or inside an outage, day in no season).
    """

    species: tuple[str, ...]
    stations: tuple[str, ...]
    seasons: tuple[str, ...]
    detections: NDArray[np.int64]
    trap_nights: NDArray[np.float64]
    excluded: int

    def rai(self) -> NDArray[np.float64]:
        """Events per 100 trap-nights, species x station x season (NaN without effort)."""
        return _per_100(self.detections, self.trap_nights[None, :, :])

    def by_species(self) -> dict[str, float]:
        """RAI of each species pooled over all stations and seasons."""
        values = _per_100(self.detections.sum(axis=(1, 2)), self.trap_nights.sum())
        return dict(zip(self.species, values.tolist(), strict=True))

    def by_species_station(self) -> dict[tuple[str, str], float]:
        """RAI per ``(species, station)``, pooled over seasons."""
        values = _per_100(self.detections.sum(axis=2), self.trap_nights.sum(axis=1)).tolist()
        return {
            (sp, st): values[a][b]
            for a, sp in enumerate(self.species)
            for b, st in enumerate(self.stations)
        }

    def by_species_season(self) -> dict[tuple[str, str], float]:
        """RAI per ``(species, season)``, pooled over stations."""
        values = _per_100(self.detections.sum(axis=1), self.trap_nights.sum(axis=0)).tolist()
        return {
            (sp, se): values[a][b]
            for a, sp in enumerate(self.species)
            for b, se in enumerate(self.seasons)
        }


def _per_100(events: NDArray[np.int64], nights: NDArray[np.float64] | float) -> NDArray[np.float64]:
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(np.asarray(nights) > 0, 100.0 * events / nights, np.nan)


def relative_abundance(
    detections: IndependentDetections,
    operation: CameraOperation,
    *,
    seasons: SeasonSpec | None = None,
) -> RelativeAbundance:
    """RAI: independent detections per 100 trap-nights by species, station and season.

    Events are placed on the local day of their first record; only events on station-days
    with effort > 0 count (the others are counted in ``excluded`` and logged).
    """
    effort_table = trap_nights(operation, seasons=seasons)
    labels, day_season = season_index(operation.days, seasons)
    lookup = {s: i for i, s in enumerate(operation.stations)}
    row_of_station = np.array([lookup.get(s, -1) for s in detections.stations], dtype=np.int64)
    rows = (
        row_of_station[detections.station_index] if len(detections) else np.zeros(0, dtype=np.int64)
    )
    cols = operation.day_column(detections.seconds)
    valid = (rows >= 0) & (cols >= 0) & (cols < operation.n_days)
    valid[valid] = np.nan_to_num(operation.effort[rows[valid], cols[valid]]) > 0
    valid[valid] = day_season[cols[valid]] >= 0
    shape = (len(detections.species), len(operation.stations), len(labels))
    flat = np.ravel_multi_index(
        (detections.species_index[valid], rows[valid], day_season[cols[valid]]), shape
    )
    counts = np.bincount(flat, minlength=int(np.prod(shape))).reshape(shape)
    excluded = int((~valid).sum())
    if excluded:
        logger.warning(
            "relative_abundance: %d of %d detections fell outside operating station-days",
            excluded,
            len(detections),
        )
    return RelativeAbundance(
        species=detections.species,
        stations=operation.stations,
        seasons=labels,
        detections=counts.astype(np.int64),
        trap_nights=effort_table.values,
        excluded=excluded,
    )
