"""The image-detector extension point: a small protocol, result dataclasses and a registry.

A detector finds animals (and people, vehicles) in camera-trap images and returns boxes in
MegaDetector's convention: ``(x_min, y_min, width, height)`` as fractions of the image width
and height, origin at the top-left corner. Every result carries the model name, its version
and the thresholds used, so a detection can always be traced to what produced it.

Built-in detectors (registered in :mod:`barys.camtrap.detection`) use the same registry as
plug-ins: ``megadetector`` (runs the model; needs the optional ``megadetector`` package and a
weights file from ``BARYS_MEGADETECTOR_WEIGHTS``), ``megadetector-json`` (imports batch output
made elsewhere) and ``motion`` (weights-free). :meth:`DetectorRegistry.select` walks an order
of names and returns the first detector that is available, with the reasons the others were
skipped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from os import PathLike
from typing import Any, Protocol, runtime_checkable

import numpy as np
import numpy.typing as npt

__all__ = [
    "DEFAULT_ORDER",
    "BoxDetection",
    "DetectionContext",
    "Detector",
    "DetectorRegistry",
    "DetectorSelection",
    "DetectorUnavailable",
    "ImageDetections",
    "ImageInput",
    "image_label",
    "registry",
]

logger = logging.getLogger(__name__)

#: An image given to a detector: a file path, or an array (H×W grey or H×W×3 RGB).
ImageInput = str | PathLike[str] | npt.NDArray[Any]

#: The order in which a pipeline tries the built-in detectors.
DEFAULT_ORDER: tuple[str, ...] = ("megadetector", "megadetector-json", "motion")


class DetectorUnavailable(RuntimeError):
    """Raised by ``detect`` of a detector whose ``available()`` is False; carries the reason."""


@dataclass(frozen=True, slots=True)
class BoxDetection:
    """One box in one image.

    Attributes:
        category: ``"animal"``, ``"person"`` or ``"vehicle"`` (MegaDetector's names).
        conf: confidence in [0, 1].
        bbox: ``(x_min, y_min, width, height)``, fractions of the image width and height.
    """

    category: str
    conf: float
    bbox: tuple[float, float, float, float]


@dataclass(frozen=True, slots=True)
class ImageDetections:
    """A detector's result for one image.

    Attributes:
        image: the image path as given, or ``"array:<index>"`` for an array input.
        detections: the boxes found (empty for a blank image).
        model: the detector's model name (e.g. ``md_v5a.0.0.pt`` or ``motion``).
        model_version: the model version.
        thresholds: the thresholds used, by name (e.g. ``{"output_threshold": 0.005}``).
        failure: why the image could not be processed, or ``None``.
    """

    image: str
    detections: tuple[BoxDetection, ...]
    model: str
    model_version: str
    thresholds: Mapping[str, float] = field(default_factory=dict)
    failure: str | None = None


@dataclass(frozen=True)
class DetectionContext:
    """What a detector may use besides the images themselves.

    Attributes:
        deployment: the deployment code, for logging.
        background: other frames of the same camera and deployment (paths or arrays), used
            by the motion detector to model the empty scene.
        background_times: capture times of ``background`` (camera local time), same order;
            lets the motion detector prefer frames from a similar time of day.
        capture_times: capture times of the images to detect, same order.
        sequences: groups of indices into the images, one group per sequence (burst);
            default: all images form one sequence.
    """

    deployment: str | None = None
    background: Sequence[ImageInput] = ()
    background_times: Sequence[datetime | None] = ()
    capture_times: Sequence[datetime | None] = ()
    sequences: Sequence[Sequence[int]] | None = None


@runtime_checkable
class Detector(Protocol):
    """What every image detector provides."""

    name: str
    version: str

    def available(self) -> tuple[bool, str]:
        """Whether the detector can run here, and a reason in words (always non-empty)."""
        ...

    def detect(
        self, images: Sequence[ImageInput], context: DetectionContext | None = None
    ) -> list[ImageDetections]:
        """Detect in each image; one result per image, in the same order."""
        ...


def image_label(image: ImageInput, index: int) -> str:
    """The ``image`` field of a result: the path as text, or ``array:<index>``."""
    if isinstance(image, np.ndarray):
        return f"array:{index}"
    return str(image)


DetectorFactory = Callable[..., Detector]


@dataclass(frozen=True)
class DetectorSelection:
    """The detector chosen by :meth:`DetectorRegistry.select`.

    Attributes:
        detector: the first available detector, or ``None`` when none is.
        skipped: ``(name, reason)`` for each detector tried before it and not available.
    """

    detector: Detector | None
    skipped: tuple[tuple[str, str], ...]


class DetectorRegistry:
    """Named detector factories; the built-ins are registered here like any plug-in."""

    def __init__(self) -> None:
        self._factories: dict[str, DetectorFactory] = {}

    def register(self, name: str, factory: DetectorFactory, *, replace: bool = False) -> None:
        """Register ``factory`` (a class or function taking keyword settings) as ``name``."""
        if not name or name != name.strip():
            raise ValueError(f"invalid detector name {name!r}")
        if name in self._factories and not replace:
            raise ValueError(f"a detector named {name!r} is already registered")
        self._factories[name] = factory

    def unregister(self, name: str) -> None:
        """Remove a registered detector."""
        self._factories.pop(name, None)

    def names(self) -> list[str]:
        """Registered names, in registration order."""
        return list(self._factories)

    def create(self, name: str, **settings: Any) -> Detector:
        """Build the detector ``name`` with keyword settings."""
        try:
            factory = self._factories[name]
        except KeyError:
            raise KeyError(f"no detector named {name!r}; registered: {self.names()}") from None
        return factory(**settings)

    def select(
        self,
        order: Sequence[str] = DEFAULT_ORDER,
        settings: Mapping[str, Mapping[str, Any]] | None = None,
    ) -> DetectorSelection:
        """The first detector in ``order`` that is available, with the reasons for the others.

        Args:
            order: detector names to try, in turn.
            settings: per detector name, the keyword settings for its factory (e.g.
                ``{"megadetector": {"weights_path": "/data/md_v5a.0.0.pt"}}``).
        """
        skipped: list[tuple[str, str]] = []
        for name in order:
            if name not in self._factories:
                skipped.append((name, "not registered"))
                continue
            try:
                detector = self.create(name, **dict((settings or {}).get(name, {})))
                ok, reason = detector.available()
            except Exception as exc:  # a plug-in failing to build must not stop the pipeline
                logger.warning("detector %s could not be built: %s", name, exc)
                skipped.append((name, f"could not be built: {exc}"))
                continue
            if ok:
                logger.info("using detector %s: %s", name, reason)
                return DetectorSelection(detector, tuple(skipped))
            logger.info("detector %s unavailable: %s", name, reason)
            skipped.append((name, reason))
        return DetectorSelection(None, tuple(skipped))


#: The registry the application uses; the built-ins are added by ``barys.camtrap.detection``.
registry = DetectorRegistry()
