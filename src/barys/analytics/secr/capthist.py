"""Spatial capture histories: detector layouts (traps) and detections of individuals.

Coordinates are metres in a projected system (e.g. UTM); usage is effort per detector and
occasion (days a camera worked, or 0/1). Times are UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

__all__ = [
    "DETECTOR_TYPES",
    "CaptureHistory",
    "Detection",
    "DetectorType",
    "Traps",
    "capthist_from_detections",
    "usage_from_deployments",
]

DetectorType = Literal["multi", "proximity", "count"]
DETECTOR_TYPES: tuple[str, ...] = ("multi", "proximity", "count")


def _check_detector(detector: str) -> DetectorType:
    if detector not in DETECTOR_TYPES:
        raise ValueError(f"detector must be one of {', '.join(DETECTOR_TYPES)}, got {detector!r}")
    return detector  # type: ignore[return-value]


@dataclass(frozen=True, eq=False)
class Traps:
    """A detector layout: ids, x/y in metres, detector type and optional usage.

    ``usage`` is a (traps x occasions) array of effort (days active, or 0/1); ``None`` means
    every detector was used on every occasion with effort 1.
    """

    ids: tuple[str, ...]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    detector: DetectorType = "multi"
    usage: NDArray[np.float64] | None = None
    covariates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    _positions: dict[str, int] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        x = np.asarray(self.x, dtype=np.float64)
        y = np.asarray(self.y, dtype=np.float64)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "ids", tuple(str(i) for i in self.ids))
        _check_detector(self.detector)
        if x.ndim != 1 or x.shape != y.shape or len(self.ids) != x.size:
            raise ValueError("ids, x and y must be one-dimensional and of equal length")
        if x.size == 0:
            raise ValueError("a detector layout needs at least one detector")
        if not (np.isfinite(x).all() and np.isfinite(y).all()):
            raise ValueError("detector coordinates must be finite")
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("detector ids must be unique")
        if self.usage is not None:
            usage = np.asarray(self.usage, dtype=np.float64)
            if usage.ndim != 2 or usage.shape[0] != x.size:
                raise ValueError("usage must be a (traps x occasions) array")
            if not np.isfinite(usage).all() or (usage < 0).any():
                raise ValueError("usage must be finite and non-negative")
            object.__setattr__(self, "usage", usage)
        for name, values in self.covariates.items():
            if len(values) != x.size:
                raise ValueError(f"detector covariate {name!r} needs one value per detector")
        object.__setattr__(self, "_positions", {t: i for i, t in enumerate(self.ids)})

    @classmethod
    def from_xy(
        cls,
        xy: ArrayLike,
        *,
        ids: Sequence[str] | None = None,
        detector: DetectorType = "multi",
        usage: ArrayLike | None = None,
    ) -> Traps:
        """Traps from an (n x 2) array of x/y metres; ids default to "1", "2", …"""
        array = np.asarray(xy, dtype=np.float64).reshape(-1, 2)
        names = tuple(ids) if ids is not None else tuple(str(i + 1) for i in range(len(array)))
        return cls(
            ids=names,
            x=array[:, 0],
            y=array[:, 1],
            detector=detector,
            usage=None if usage is None else np.asarray(usage, dtype=np.float64),
        )

    @property
    def n_traps(self) -> int:
        """Number of detectors."""
        return int(self.x.size)

    @property
    def xy(self) -> NDArray[np.float64]:
        """(n x 2) array of coordinates in metres."""
        return np.column_stack([self.x, self.y])

    def index(self, trap_id: str) -> int:
        """Position of a detector id (``ValueError`` when unknown)."""
        position = self._positions.get(trap_id)
        if position is None:
            raise ValueError(f"unknown detector {trap_id!r}")
        return position

    def usage_matrix(self, occasions: int) -> NDArray[np.float64]:
        """(traps x occasions) effort; ones when no usage was recorded."""
        if self.usage is None:
            return np.ones((self.n_traps, occasions))
        if self.usage.shape[1] != occasions:
            raise ValueError(
                f"usage has {self.usage.shape[1]} occasions but {occasions} were requested"
            )
        return self.usage

    def with_detector(self, detector: DetectorType) -> Traps:
        """The same layout with another detector type."""
        return Traps(self.ids, self.x, self.y, detector, self.usage, dict(self.covariates))

    def with_usage(self, usage: ArrayLike | None) -> Traps:
        """The same layout with another usage matrix (or none)."""
        array = None if usage is None else np.asarray(usage, dtype=np.float64)
        return Traps(self.ids, self.x, self.y, self.detector, array, dict(self.covariates))

    def spacing(self) -> float:
        """Median distance (metres) from each detector to its nearest neighbour (as secr)."""
        if self.n_traps < 2:
            return math.nan
        distance, _ = cKDTree(self.xy).query(self.xy, k=2)
        return float(np.median(distance[:, 1]))


@dataclass(frozen=True, eq=False)
class CaptureHistory:
    """Detections of identified individuals at detectors on sampling occasions.

    ``counts[i, s, k]`` is the number of detections of animal ``i`` on occasion ``s`` at detector
    ``k``. For multi-catch traps each animal is caught at most once per occasion; for proximity
    detectors counts are 0/1; count detectors allow any non-negative integer.
    """

    traps: Traps
    animal_ids: tuple[str, ...]
    counts: NDArray[np.int64]
    session: str = "1"
    covariates: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        counts = np.asarray(self.counts)
        if counts.ndim != 3:
            raise ValueError("counts must be an (animals x occasions x traps) array")
        if counts.shape[0] != len(self.animal_ids) or counts.shape[2] != self.traps.n_traps:
            raise ValueError("counts shape does not match animals and traps")
        if counts.shape[1] < 1:
            raise ValueError("a capture history needs at least one occasion")
        if not np.issubdtype(counts.dtype, np.integer) and not np.array_equal(
            counts, np.round(counts)
        ):
            raise ValueError("counts must be whole numbers")
        counts = counts.astype(np.int64)
        if (counts < 0).any():
            raise ValueError("counts must be non-negative")
        object.__setattr__(self, "counts", counts)
        object.__setattr__(self, "animal_ids", tuple(str(a) for a in self.animal_ids))
        if len(set(self.animal_ids)) != len(self.animal_ids):
            raise ValueError("animal ids must be unique")
        if self.traps.usage is not None and self.traps.usage.shape[1] != counts.shape[1]:
            raise ValueError(
                f"usage covers {self.traps.usage.shape[1]} occasions, capture history has "
                f"{counts.shape[1]}"
            )
        detector = self.traps.detector
        if detector == "multi" and (counts.sum(axis=2) > 1).any():
            raise ValueError("multi-catch traps: an animal can be caught at most once per occasion")
        if detector == "proximity" and (counts > 1).any():
            raise ValueError("proximity detectors record 0/1 per animal, occasion and detector")
        if (counts.sum(axis=(1, 2)) == 0).any():
            raise ValueError("every animal in a capture history must be detected at least once")
        for name, values in self.covariates.items():
            if len(values) != len(self.animal_ids):
                raise ValueError(f"individual covariate {name!r} needs one value per animal")

    @property
    def detector(self) -> DetectorType:
        """Detector type of the layout."""
        return self.traps.detector

    @property
    def n_animals(self) -> int:
        """Number of distinct individuals detected."""
        return int(self.counts.shape[0])

    @property
    def n_occasions(self) -> int:
        """Number of sampling occasions."""
        return int(self.counts.shape[1])

    @property
    def n_detections(self) -> int:
        """Total number of detections (captures)."""
        return int(self.counts.sum())

    def usage(self) -> NDArray[np.float64]:
        """(traps x occasions) effort, ones when the traps carry no usage."""
        return self.traps.usage_matrix(self.n_occasions)

    def histories(self) -> NDArray[np.int64]:
        """Non-spatial (animals x occasions) 0/1 histories, for closed-population models."""
        return (self.counts.sum(axis=2) > 0).astype(np.int64)

    def detector_visits(self) -> NDArray[np.int64]:
        """Number of different detectors at which each animal was detected."""
        return (self.counts.sum(axis=1) > 0).sum(axis=1).astype(np.int64)

    def rpsv(self) -> float:
        """Root pooled spatial variance (metres), a crude index of the scale of movement."""
        num = 0.0
        den = 0
        for i in range(self.n_animals):
            occ, trap = np.nonzero(self.counts[i])
            weights = self.counts[i][occ, trap]
            if weights.sum() < 2:
                continue
            xs = np.repeat(self.traps.x[trap], weights)
            ys = np.repeat(self.traps.y[trap], weights)
            num += float(((xs - xs.mean()) ** 2).sum() + ((ys - ys.mean()) ** 2).sum())
            den += len(xs) - 1
        if den == 0:
            return math.nan
        return math.sqrt(num / (2.0 * den))


@dataclass(frozen=True)
class Detection:
    """One photograph (or other record) of an identified individual at a detector (UTC time)."""

    individual: str
    trap: str
    time: datetime


def _as_utc(moment: datetime) -> datetime:
    """Aware datetimes are converted to UTC; naive ones are taken to be UTC already."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def capthist_from_detections(
    detections: Iterable[Detection | tuple[str, str, datetime]],
    traps: Traps,
    *,
    start: datetime,
    occasion_length: timedelta = timedelta(days=1),
    n_occasions: int | None = None,
    independence: timedelta = timedelta(hours=4),
    detector: DetectorType | None = None,
    session: str = "1",
) -> CaptureHistory:
    """Build a capture history from plain detections (individual, trap id, UTC time).

    Occasion ``s`` (0-based) covers ``[start + s * occasion_length, start + (s + 1) *
    occasion_length)``. Records of the same individual at the same detector count as one
    encounter unless they are at least ``independence`` after the last counted encounter
    (default 4 hours). With multi-catch traps an animal keeps only its first encounter of an
    occasion; proximity detectors record 0/1 per occasion; count detectors count encounters.
    Detections before ``start`` or after the last occasion raise ``ValueError``.
    """
    detector = _check_detector(detector or traps.detector)
    if occasion_length <= timedelta(0):
        raise ValueError("occasion_length must be positive")
    if independence < timedelta(0):
        raise ValueError("independence must not be negative")
    start_utc = _as_utc(start)
    records: list[tuple[str, int, datetime]] = []
    for number, item in enumerate(detections, start=1):
        individual, trap, moment = (
            (item.individual, item.trap, item.time) if isinstance(item, Detection) else item
        )
        try:
            k = traps.index(str(trap))
        except ValueError:
            raise ValueError(f"detection {number}: unknown detector {trap!r}") from None
        moment_utc = _as_utc(moment)
        if moment_utc < start_utc:
            raise ValueError(f"detection {number}: time {moment_utc.isoformat()} is before start")
        records.append((str(individual), k, moment_utc))
    if not records:
        raise ValueError("no detections given")

    occasions_seen = [int((m - start_utc) // occasion_length) for _, _, m in records]
    total = n_occasions if n_occasions is not None else max(occasions_seen) + 1
    if traps.usage is not None and n_occasions is None:
        total = traps.usage.shape[1]
    for number, s in enumerate(occasions_seen, start=1):
        if s >= total:
            raise ValueError(f"detection {number} falls after the last of {total} occasions")

    order = sorted(range(len(records)), key=lambda j: (records[j][0], records[j][1], records[j][2]))
    animals = sorted({r[0] for r in records})
    animal_index = {a: i for i, a in enumerate(animals)}
    counts = np.zeros((len(animals), total, traps.n_traps), dtype=np.int64)
    first_time = np.full((len(animals), total), np.inf)
    last_counted: dict[tuple[str, int], datetime] = {}
    for j in order:
        individual, k, moment = records[j]
        key = (individual, k)
        previous = last_counted.get(key)
        if previous is not None and moment - previous < independence:
            continue
        last_counted[key] = moment
        i, s = animal_index[individual], occasions_seen[j]
        if detector == "multi":
            stamp = (moment - start_utc).total_seconds()
            if stamp < first_time[i, s]:
                counts[i, s, :] = 0
                counts[i, s, k] = 1
                first_time[i, s] = stamp
        elif detector == "proximity":
            counts[i, s, k] = 1
        else:
            counts[i, s, k] += 1
    layout = traps if traps.detector == detector else traps.with_detector(detector)
    return CaptureHistory(layout, tuple(animals), counts, session=session)


def usage_from_deployments(
    traps: Traps,
    deployments: Mapping[str, Sequence[tuple[datetime, datetime]]],
    *,
    start: datetime,
    occasion_length: timedelta = timedelta(days=1),
    n_occasions: int,
) -> NDArray[np.float64]:
    """Effort in days per detector and occasion from the intervals each camera worked (UTC).

    ``deployments`` maps a detector id to its working intervals ``(from, to)``; detectors
    without an entry get zero effort.
    """
    start_utc = _as_utc(start)
    usage = np.zeros((traps.n_traps, n_occasions))
    bounds = [start_utc + occasion_length * s for s in range(n_occasions + 1)]
    for trap_id, intervals in deployments.items():
        try:
            k = traps.index(trap_id)
        except ValueError:
            raise ValueError(f"deployment for unknown detector {trap_id!r}") from None
        for begin, end in intervals:
            b, e = _as_utc(begin), _as_utc(end)
            if e < b:
                raise ValueError(f"detector {trap_id!r}: interval ends before it begins")
            for s in range(n_occasions):
                overlap = min(e, bounds[s + 1]) - max(b, bounds[s])
                if overlap > timedelta(0):
                    usage[k, s] += overlap / timedelta(days=1)
    return usage
