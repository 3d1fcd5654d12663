"""Extension point: other sources of an individual's detections on the track map and timeline.

The camera-trap app (or any other) registers a provider; the telemetry pages then show the
individual's camera detections and its GPS fixes on one map and one timeline, without the
telemetry app depending on the camera-trap models::

    from barys.telemetry.hooks import Detection, register_detection_provider

    def camera_detections(*, individual, start, end):
        for obs in Observation.objects.filter(individual=individual, time__range=(start, end)):
            yield Detection(timestamp=obs.time, latitude=obs.station.latitude,
                            longitude=obs.station.longitude, label=obs.station.code,
                            url=obs.get_absolute_url(), scope_codes=(obs.scope_code,),
                            kind="camera")

    register_detection_provider(camera_detections)

Detections pass through the same policy as the fixes: their coordinates are shown only to
people who may see exact locations in *their* scopes (logged), never to the public; the public
timeline shows only their dates outside the live window.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Detection:
    """One detection of an individual by another method.

    ``timestamp`` is UTC; ``latitude``/``longitude`` in degrees (or ``None``); ``scope_codes``
    the protected areas whose staff may see the exact place; ``kind`` e.g. ``"camera"``.
    """

    timestamp: datetime
    latitude: float | None
    longitude: float | None
    label: str = ""
    url: str = ""
    scope_codes: tuple[str, ...] = ()
    kind: str = "camera"


DetectionProvider = Callable[..., Iterable[Detection]]
_PROVIDERS: list[DetectionProvider] = []


def register_detection_provider(provider: DetectionProvider) -> None:
    """Add ``provider(*, individual, start, end) -> Iterable[Detection]``."""
    if provider not in _PROVIDERS:
        _PROVIDERS.append(provider)


def unregister_detection_provider(provider: DetectionProvider) -> None:
    if provider in _PROVIDERS:
        _PROVIDERS.remove(provider)


def detections_for(
    *, individual: Any, start: datetime | None, end: datetime | None
) -> list[Detection]:
    """All registered providers' detections of ``individual`` between ``start`` and ``end``,
    in time order. A failing provider is logged and skipped."""
    found: list[Detection] = []
    for provider in list(_PROVIDERS):
        try:
            found.extend(provider(individual=individual, start=start, end=end))
        except Exception:  # a broken extension must not take the telemetry pages down
            log.exception("detection provider %r failed", provider)
    return sorted(found, key=lambda d: d.timestamp)
