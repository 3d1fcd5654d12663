"""Camera-trap models: registry, media and events, detections, observations, reviews."""

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
from barys.camtrap.models.review import EventReview

__all__ = [
    "Camera",
    "Deployment",
    "DerivedFile",
    "Detection",
    "DetectionRun",
    "Event",
    "EventClassification",
    "EventReview",
    "IngestRun",
    "Media",
    "Observation",
    "Outage",
    "Station",
    "Survey",
    "new_uuid_text",
]
