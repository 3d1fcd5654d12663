"""The records read from and written to Movebank CSV: :class:`Fix`, batches and columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from barys.interop.errors import RowError

#: Fix fields and the Movebank columns they are read from, first match wins.
MOVEBANK_COLUMNS: dict[str, tuple[str, ...]] = {
    "timestamp": ("timestamp",),
    "lon": ("location-long",),
    "lat": ("location-lat",),
    "altitude": ("height-above-ellipsoid", "height-above-msl"),
    "hdop": ("gps:hdop",),
    "satellites": ("gps:satellite-count",),
    "fix_type": ("gps:fix-type", "eobs:type-of-fix"),
    "temperature": ("external-temperature", "eobs:temperature"),
    "battery": ("tag-voltage", "eobs:battery-voltage"),
    "individual": ("individual-local-identifier",),
    "tag": ("tag-local-identifier",),
    "event_id": ("event-id",),
    "visible": ("visible",),
    "sensor_type": ("sensor-type",),
}

#: Columns a file must have to be read as Movebank location data.
_MOVEBANK_REQUIRED = ("timestamp", "lon", "lat")

#: The Fix fields that can be mapped to a file column.
FIX_FIELDS: tuple[str, ...] = tuple(MOVEBANK_COLUMNS)

_HEIGHT_COLUMNS = {"height-above-ellipsoid": "ellipsoid", "height-above-msl": "msl"}

#: Columns written by default, in this order (Movebank names). The altitude goes to the
#: height column that matches its reference.
_DEFAULT_WRITE_COLUMNS: dict[str, str] = {
    "event_id": "event-id",
    "visible": "visible",
    "timestamp": "timestamp",
    "lon": "location-long",
    "lat": "location-lat",
    "hdop": "gps:hdop",
    "satellites": "gps:satellite-count",
    "fix_type": "gps:fix-type",
    "temperature": "external-temperature",
    "battery": "tag-voltage",
    "sensor_type": "sensor-type",
    "tag": "tag-local-identifier",
    "individual": "individual-local-identifier",
}


@dataclass(slots=True)
class Fix:
    """One telemetry event (a GPS fix or a failed fix attempt).

    Attributes:
        timestamp: time of the fix, timezone-aware UTC.
        lat: latitude, decimal degrees WGS84, or ``None`` for a fix attempt without a
            location (Movebank keeps these rows; they count for the fix-success rate).
        lon: longitude, decimal degrees WGS84, or ``None`` (always together with ``lat``).
        altitude: height in metres; above the WGS84 ellipsoid unless ``altitude_reference``
            says ``"msl"`` (mean sea level).
        altitude_reference: ``"ellipsoid"`` or ``"msl"``, or ``None`` without an altitude.
        hdop: horizontal dilution of precision (unitless).
        satellites: number of satellites used.
        fix_type: GPS fix type code (Movebank ``gps:fix-type``: 1 none, 2 2D, 3 3D; or the
            e-obs ``eobs:type-of-fix`` code).
        temperature: tag or external temperature, degrees Celsius.
        battery: battery voltage as reported by the tag, millivolts (Movebank's unit).
        individual: the animal's local identifier.
        tag: the tag's local identifier.
        event_id: Movebank's event id (kept as text).
        visible: Movebank's ``visible`` flag (``False`` for events marked as outliers).
        sensor_type: e.g. ``"gps"``.
        extra: every other non-empty column, as raw text, keyed by the file's header.
    """

    timestamp: datetime
    lat: float | None = None
    lon: float | None = None
    altitude: float | None = None
    altitude_reference: str | None = None
    hdop: float | None = None
    satellites: int | None = None
    fix_type: int | None = None
    temperature: float | None = None
    battery: float | None = None
    individual: str | None = None
    tag: str | None = None
    event_id: str | None = None
    visible: bool | None = None
    sensor_type: str | None = None
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def has_location(self) -> bool:
        """Whether the fix has coordinates."""
        return self.lat is not None and self.lon is not None


@dataclass(slots=True)
class FixBatch:
    """A batch of consecutive rows: the good fixes and the errors of the bad rows.

    Attributes:
        fixes: the fixes read from good rows, in file order.
        errors: one entry per problem in the bad rows (a row can have several).
        first_row: 1-based row number of the first data row of the batch.
        last_row: 1-based row number of the last data row of the batch.
    """

    fixes: list[Fix]
    errors: list[RowError]
    first_row: int
    last_row: int


@dataclass(slots=True)
class MovebankRead:
    """A whole file read into memory (for small files; stream large ones)."""

    fixes: list[Fix]
    errors: list[RowError]
    header: list[str]
    columns: dict[str, str]
