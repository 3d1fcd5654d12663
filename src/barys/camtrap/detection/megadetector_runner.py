"""MegaDetector detectors: running the model, and importing batch output made elsewhere.

``megadetector`` runs the model through the optional ``megadetector`` package (PyPI; install
with ``pip install 'barys[megadetector]'``) using its documented Python API:
``megadetector.detection.run_detector.load_detector(path)`` and the loaded detector's
``generate_detections_one_image(image, image_id, detection_threshold=…)``, with images loaded
by ``megadetector.visualization.visualization_utils.load_image`` (which applies the EXIF
rotation). The weights are never downloaded: the caller passes the path of a weights file
(the ``BARYS_MEGADETECTOR_WEIGHTS`` setting); without it ``available()`` says so and the
pipeline moves on to the next detector.

``megadetector-json`` reads a batch-output file (see :mod:`barys.interop.megadetector`) and
returns its detections for the images asked for.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any

import numpy as np

from barys.camtrap.detection.base import (
    BoxDetection,
    DetectionContext,
    DetectorUnavailable,
    ImageDetections,
    ImageInput,
    image_label,
)
from barys.interop.errors import FormatError
from barys.interop.megadetector import (
    MDV5_TYPICAL_THRESHOLD,
    STANDARD_CATEGORIES,
    BatchResult,
    Detection,
    ImageResult,
    detector_version_from_name,
    new_batch,
    parse_detection,
    read_batch,
)

__all__ = [
    "WEIGHTS_SETTING",
    "MegaDetectorDetector",
    "MegaDetectorJsonDetector",
    "results_to_batch",
]

logger = logging.getLogger(__name__)

#: The setting that holds the weights path.
WEIGHTS_SETTING = "BARYS_MEGADETECTOR_WEIGHTS"

#: MegaDetector writes detections down to this confidence (its own output default).
DEFAULT_OUTPUT_THRESHOLD = 0.005


def _to_boxes(
    detections: Sequence[Detection], categories: Mapping[str, str]
) -> tuple[BoxDetection, ...]:
    return tuple(
        BoxDetection(categories.get(d.category, d.category), d.conf, d.bbox) for d in detections
    )


class MegaDetectorDetector:
    """Runs MegaDetector with user-supplied weights.

    Args:
        weights_path: path of the weights file (``.pt`` for v5), from
            ``BARYS_MEGADETECTOR_WEIGHTS``; ``None`` when the setting is empty.
        output_threshold: detections below this confidence are not returned (default
            0.005, MegaDetector's own); the pipeline applies its decision threshold
            (0.2 for MDv5) afterwards.
        force_cpu: run on the CPU even when a GPU is present.
    """

    name = "megadetector"

    def __init__(
        self,
        weights_path: str | PathLike[str] | None = None,
        output_threshold: float = DEFAULT_OUTPUT_THRESHOLD,
        force_cpu: bool = False,
    ) -> None:
        self.weights_path = Path(weights_path) if weights_path else None
        self.output_threshold = output_threshold
        self.force_cpu = force_cpu
        self.model_name = self.weights_path.name if self.weights_path else "megadetector"
        self.version = detector_version_from_name(self.model_name) or "unknown"
        self._model: Any = None

    def available(self) -> tuple[bool, str]:
        """False, with the reason, when the weights or the package are missing."""
        if self.weights_path is None:
            return False, (
                f"no MegaDetector weights configured: set {WEIGHTS_SETTING} to the path of a "
                "weights file such as md_v5a.0.0.pt (weights are never downloaded)"
            )
        if not self.weights_path.is_file():
            return False, (
                f"MegaDetector weights file {self.weights_path} (from {WEIGHTS_SETTING}) does not exist"
            )
        if importlib.util.find_spec("megadetector") is None:
            return False, (
                "the optional package 'megadetector' is not installed "
                "(pip install 'barys[megadetector]')"
            )
        return True, f"MegaDetector {self.version} from {self.weights_path}"

    def _load(self) -> Any:
        if self._model is None:
            ok, reason = self.available()
            if not ok:
                raise DetectorUnavailable(reason)
            run_detector = importlib.import_module("megadetector.detection.run_detector")
            assert self.weights_path is not None
            # An absolute path of an existing file: load_detector then never downloads.
            self._model = run_detector.load_detector(
                str(self.weights_path.resolve()), force_cpu=self.force_cpu
            )
        return self._model

    def detect(
        self, images: Sequence[ImageInput], context: DetectionContext | None = None
    ) -> list[ImageDetections]:
        """Run the model on each image; an unreadable image gives a result with a failure."""
        model = self._load()
        vis_utils = importlib.import_module("megadetector.visualization.visualization_utils")
        thresholds = {
            "output_threshold": self.output_threshold,
            "typical_detection_threshold": MDV5_TYPICAL_THRESHOLD,
        }
        results: list[ImageDetections] = []
        for index, image in enumerate(images):
            label = image_label(image, index)
            try:
                loaded = (
                    image if isinstance(image, np.ndarray) else vis_utils.load_image(str(image))
                )
            except Exception as exc:  # the package raises many kinds for unreadable images
                results.append(
                    ImageDetections(
                        label,
                        (),
                        self.model_name,
                        self.version,
                        thresholds,
                        f"cannot read image: {exc}",
                    )
                )
                continue
            raw = model.generate_detections_one_image(
                loaded, label, detection_threshold=self.output_threshold
            )
            results.append(self._convert(raw, label, thresholds))
        return results

    def _convert(self, raw: Any, label: str, thresholds: dict[str, float]) -> ImageDetections:
        """Validate the package's per-image dictionary and turn it into a result."""
        failure = raw.get("failure") if isinstance(raw, dict) else "unexpected detector output"
        detections: list[Detection] = []
        if isinstance(raw, dict) and failure is None:
            for k, item in enumerate(raw.get("detections") or []):
                try:
                    detections.append(
                        parse_detection(
                            item,
                            detection_categories=STANDARD_CATEGORIES,
                            field_name=f"detections[{k}]",
                            item=label,
                        )
                    )
                except FormatError as exc:
                    logger.warning("MegaDetector output for %s dropped: %s", label, exc)
        return ImageDetections(
            label,
            _to_boxes(detections, STANDARD_CATEGORIES),
            self.model_name,
            self.version,
            thresholds,
            None if failure is None else str(failure),
        )


class MegaDetectorJsonDetector:
    """Imports MegaDetector batch output produced elsewhere (e.g. on a GPU machine).

    Args:
        batch_path: the batch-output JSON file.
        batch: an already-read batch (instead of ``batch_path``).
    """

    name = "megadetector-json"

    def __init__(
        self, batch_path: str | PathLike[str] | None = None, batch: BatchResult | None = None
    ) -> None:
        self.batch_path = Path(batch_path) if batch_path else None
        self._batch = batch
        self._problem: str | None = None
        self.version = "unknown"
        if batch is not None:
            self._describe(batch)

    def _describe(self, batch: BatchResult) -> None:
        self.version = batch.detector_version or "unknown"

    def _read(self) -> BatchResult | None:
        if self._batch is None and self._problem is None:
            if self.batch_path is None:
                self._problem = "no MegaDetector batch-output file given"
            else:
                try:
                    self._batch = read_batch(self.batch_path)
                    self._describe(self._batch)
                except FormatError as exc:
                    self._problem = str(exc)
        return self._batch

    def available(self) -> tuple[bool, str]:
        """True once the batch file has been read and validated."""
        batch = self._read()
        if batch is None:
            return False, self._problem or "no batch output"
        return True, f"{len(batch.images)} images from {batch.detector or 'an unnamed detector'}"

    def detect(
        self, images: Sequence[ImageInput], context: DetectionContext | None = None
    ) -> list[ImageDetections]:
        """Look each image up in the batch (exact path, else matching path suffix)."""
        batch = self._read()
        if batch is None:
            raise DetectorUnavailable(self._problem or "no batch output")
        model = batch.detector or "megadetector"
        thresholds = {"typical_detection_threshold": batch.typical_detection_threshold}
        categories = dict(batch.detection_categories)
        results: list[ImageDetections] = []
        for index, image in enumerate(images):
            label = image_label(image, index)
            found = None if isinstance(image, np.ndarray) else batch.find_image(str(image))
            if found is None:
                failure = "not in the MegaDetector batch output"
                results.append(ImageDetections(label, (), model, self.version, thresholds, failure))
                continue
            boxes = _to_boxes(found.detections or (), categories)
            results.append(
                ImageDetections(label, boxes, model, self.version, thresholds, found.failure)
            )
        return results


def results_to_batch(results: Sequence[ImageDetections]) -> BatchResult:
    """Detector results as a MegaDetector batch, e.g. to write with ``write_batch``.

    All results must come from one model. Categories are written with MegaDetector's ids
    (``"1"`` animal, ``"2"`` person, ``"3"`` vehicle); the thresholds go to
    ``info.detector_metadata``.
    """
    models = {(r.model, r.model_version) for r in results}
    if len(models) > 1:
        raise ValueError(f"results from several models cannot share one batch: {sorted(models)}")
    model, version = next(iter(models)) if models else ("unknown", "unknown")
    ids = {name: key for key, name in STANDARD_CATEGORIES.items()}
    images = []
    for result in results:
        unknown = {d.category for d in result.detections} - set(ids)
        if unknown:
            raise ValueError(
                f"{result.image}: categories {sorted(unknown)} have no MegaDetector id"
            )
        detections = tuple(Detection(ids[d.category], d.conf, d.bbox) for d in result.detections)
        failed = result.failure is not None
        images.append(ImageResult(result.image, None if failed else detections, result.failure))
    batch = new_batch(images, detector=model, detector_version=version)
    metadata = {"megadetector_version": version, **(dict(results[0].thresholds) if results else {})}
    return BatchResult(
        format_version=batch.format_version,
        detector=batch.detector,
        detector_version=version,
        detection_categories=batch.detection_categories,
        classification_categories={},
        images=batch.images,
        info={**batch.info, "detector_metadata": metadata},
    )
