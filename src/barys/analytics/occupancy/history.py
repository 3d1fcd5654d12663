"""Detection histories and occasion effort for occupancy models, from camera-trap data.

Follows camtrapR's ``detectionHistory`` (Niedballa et al. 2016) with ``includeEffort = TRUE``,
``scaleEffort = FALSE`` and ``occasionStartTime = 0``: occasions are ``occasion_length``
local days long and start on each station's first day (``day1="station"``), on the first
day of the survey (``"survey"``) or on a given date. An occasion's effort is the sum of the
station's daily effort (camera-days) over its days, ``NaN`` when the station was not deployed
on any of them; its detection is 1 when the species was recorded at the station during the
occasion, 0 when not, and ``NaN`` when the effort is ``NaN`` or 0.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Literal

import numpy as np
from numpy.typing import NDArray

from barys.analytics.effort import CameraOperation, IndependentDetections

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class DetectionHistory:
    """Stations x occasions detections (0/1 or counts, ``NaN`` = not surveyed) and effort.

    ``first_day[i]`` is the local day on which occasion 1 of station ``i`` starts;
    ``records_outside`` counts the species' records that fell on no occasion of their station.
    """

    species: str
    stations: tuple[str, ...]
    first_day: NDArray[np.datetime64]
    occasion_length: int
    detections: NDArray[np.float64]
    effort: NDArray[np.float64]
    records_outside: int

    @property
    def n_occasions(self) -> int:
        return int(self.detections.shape[1])

    def occasion_start(self) -> NDArray[np.datetime64]:
        """Local start day of each station's occasions (stations x occasions)."""
        return self.first_day[:, None] + self.occasion_length * np.arange(self.n_occasions)[None, :]

    @property
    def naive_occupancy(self) -> float:
        """Share of surveyed stations with at least one detection."""
        surveyed = ~np.isnan(self.detections).all(axis=1)
        detected = np.nansum(self.detections, axis=1) > 0
        return float(detected[surveyed].mean()) if surveyed.any() else float("nan")


def detection_history(
    operation: CameraOperation,
    detections: IndependentDetections,
    species: str,
    *,
    occasion_length: int,
    day1: Literal["station", "survey"] | date = "station",
    output: Literal["binary", "count"] = "binary",
) -> DetectionHistory:
    """Detection history of one species with occasion effort (camera-days per occasion).

    Records at stations absent from ``operation`` raise ``KeyError``; records before the first
    occasion, or before the first or after the last deployed day of their station, are not
    counted (see ``records_outside``).
    A record whose local day falls inside an outage still counts when its occasion has effort,
    as in camtrapR.
    """
    if occasion_length < 1:
        raise ValueError(
            f"occasion_length must be a positive number of days, got {occasion_length}"
        )
    if output not in ("binary", "count"):
        raise ValueError(f"output must be 'binary' or 'count', got {output!r}")
    effort_daily = operation.effort
    n_stations, n_days = effort_daily.shape
    deployed = ~np.isnan(effort_daily)
    has_days = deployed.any(axis=1)
    station_first = np.where(has_days, np.argmax(deployed, axis=1), 0)
    station_last = np.where(has_days, n_days - 1 - np.argmax(deployed[:, ::-1], axis=1), -1)
    if day1 == "station":
        offset = station_first
    elif day1 == "survey":
        offset = np.zeros(n_stations, dtype=np.int64)
    elif isinstance(day1, date):
        offset = np.full(n_stations, (day1 - operation.first_day).days, dtype=np.int64)
    else:
        raise ValueError(f"day1 must be 'station', 'survey' or a date, got {day1!r}")
    span = int(np.max(np.where(has_days, station_last - offset + 1, 0)))
    n_occasions = max(-(-span // occasion_length), 1)

    # Day grid relative to each station's first occasion day; days outside the matrix are NaN.
    rel = offset[:, None] + np.arange(n_occasions * occasion_length)[None, :]
    inside = (rel >= 0) & (rel < n_days)
    grid = np.full(rel.shape, np.nan)
    grid[inside] = effort_daily[np.nonzero(inside)[0], rel[inside]]
    blocks = grid.reshape(n_stations, n_occasions, occasion_length)
    all_missing = np.isnan(blocks).all(axis=2)
    effort = np.where(all_missing, np.nan, np.nansum(blocks, axis=2))

    counts = np.zeros((n_stations, n_occasions))
    mask = detections.of_species(species)
    station_codes = np.asarray(detections.stations)[detections.station_index[mask]]
    rows = (
        operation.station_rows(station_codes.tolist())
        if mask.any()
        else np.zeros(0, dtype=np.int64)
    )
    column = operation.day_column(detections.seconds[mask])
    day = column - offset[rows]
    occasion = np.floor_divide(day, occasion_length)
    deployed_day = (column >= station_first[rows]) & (column <= station_last[rows])
    on_grid = (day >= 0) & (occasion < n_occasions) & deployed_day
    np.add.at(counts, (rows[on_grid], occasion[on_grid]), 1)
    outside = int((~on_grid).sum())
    if outside:
        logger.warning(
            "detection_history: %d records of %s outside their station's occasions",
            outside,
            species,
        )
    values = counts if output == "count" else (counts > 0).astype(np.float64)
    values = np.where(np.isnan(effort) | (effort == 0), np.nan, values)
    return DetectionHistory(
        species=species,
        stations=operation.stations,
        first_day=np.datetime64(operation.first_day, "D") + offset,
        occasion_length=occasion_length,
        detections=values,
        effort=effort,
        records_outside=outside,
    )
