"""Image detectors for camera-trap media, behind one protocol and registry.

Built-ins, registered in :data:`registry` in this order of preference
(:data:`~barys.camtrap.detection.base.DEFAULT_ORDER`):

* ``megadetector`` — :class:`MegaDetectorDetector`, runs the model with the weights file from
  ``BARYS_MEGADETECTOR_WEIGHTS`` (optional ``megadetector`` package);
* ``megadetector-json`` — :class:`MegaDetectorJsonDetector`, imports batch output;
* ``motion`` — :class:`MotionDetector`, weights-free.

Example::

    from barys.camtrap.detection import registry
    selection = registry.select(settings={"megadetector": {"weights_path": weights}})
    results = selection.detector.detect(paths)
"""

from barys.camtrap.detection.base import (
    DEFAULT_ORDER,
    BoxDetection,
    DetectionContext,
    Detector,
    DetectorRegistry,
    DetectorSelection,
    DetectorUnavailable,
    ImageDetections,
    ImageInput,
    registry,
)
from barys.camtrap.detection.megadetector_runner import (
    WEIGHTS_SETTING,
    MegaDetectorDetector,
    MegaDetectorJsonDetector,
)
from barys.camtrap.detection.motion import MotionDetector

__all__ = [
    "DEFAULT_ORDER",
    "WEIGHTS_SETTING",
    "BoxDetection",
    "DetectionContext",
    "Detector",
    "DetectorRegistry",
    "DetectorSelection",
    "DetectorUnavailable",
    "ImageDetections",
    "ImageInput",
    "MegaDetectorDetector",
    "MegaDetectorJsonDetector",
    "MotionDetector",
    "register_builtins",
    "registry",
]


def register_builtins(target: DetectorRegistry) -> None:
    """Register the three built-in detectors in ``target`` (done for :data:`registry`)."""
    target.register("megadetector", MegaDetectorDetector, replace=True)
    target.register("megadetector-json", MegaDetectorJsonDetector, replace=True)
    target.register("motion", MotionDetector, replace=True)


register_builtins(registry)
