"""Camera-trap models: registry, media and events, detections, observations."""

from barys.camtrap.models.detections import Detection, DetectionRun, EventClassification
from barys.camtrap.models.media import DerivedFile, Event, IngestRun, Media
from barys.camtrap.models.observations import Observation
from barys.camtrap.models.registry import (
    Camera,
    Deployment,
    Outage,
    Station,
    Survey,
    new_uuid_text,
)

__all__ = [
    "Camera",
    "Deployment",
    "DerivedFile",
    "Detection",
    "DetectionRun",
    "Event",
    "EventClassification",
    "IngestRun",
    "Media",
    "Observation",
    "Outage",
    "Station",
    "Survey",
    "new_uuid_text",
]
