"""MegaDetector batch-output JSON: reader, writer and image/sequence classification.

The format (versions 1.x) is described at https://lila.science/megadetector-output-format:
an ``info`` object (``format_version`` required, ``detector``, ``detector_metadata`` and
others optional), ``detection_categories`` (string ids such as ``"1"`` mapped to names such as
``"animal"``), optional ``classification_categories`` and an ``images`` list. Each image has a
``file``, a ``detections`` list (``category``, ``conf`` in [0, 1], ``bbox`` =
``[x_min, y_min, width, height]`` normalised to the image size with the origin at the top
left), an optional ``failure`` string and, per detection, optional ``classifications`` as
``[class_id, confidence]`` pairs.

The reader validates strictly: a value out of range, an unknown category id or a wrong type
raises :class:`~barys.interop.errors.FormatError` naming the file, the image (index and file)
and the field. Fields the format allows but this module does not model are kept in ``extra``
dictionaries so that :func:`write_batch` gives back the same document.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from os import PathLike
from pathlib import Path
from typing import Any, Literal

from barys.interop.errors import FormatError

__all__ = [
    "MDV4_TYPICAL_THRESHOLD",
    "MDV5_TYPICAL_THRESHOLD",
    "STANDARD_CATEGORIES",
    "BatchResult",
    "Detection",
    "ImageClassification",
    "ImageResult",
    "batch_from_dict",
    "batch_to_dict",
    "classify_image",
    "classify_sequence",
    "detector_version_from_name",
    "new_batch",
    "parse_detection",
    "read_batch",
    "write_batch",
]

#: Default confidence threshold for MegaDetector v5 (a and b): the "typical detection
#: threshold" that MegaDetector itself writes into ``detector_metadata`` for v5 models.
MDV5_TYPICAL_THRESHOLD = 0.2
#: The typical threshold MegaDetector publishes for v2 to v4 models.
MDV4_TYPICAL_THRESHOLD = 0.8

#: Standard MegaDetector categories (the model's classes 0..2 written as "1".."3").
STANDARD_CATEGORIES: dict[str, str] = {"1": "animal", "2": "person", "3": "vehicle"}

#: Tolerance on box values and on ``x_min + width`` and ``y_min + height``: MegaDetector
#: rounds coordinates, and real files hold values such as ``-5e-07``.
_BBOX_EDGE_TOLERANCE = 1e-3

ObservationType = Literal["animal", "human", "vehicle", "blank", "unclassified"]

#: Detection category names mapped to Camtrap DP ``observationType`` values.
_CATEGORY_TO_OBSERVATION: dict[str, ObservationType] = {
    "animal": "animal",
    "person": "human",
    "human": "human",
    "vehicle": "vehicle",
}

_INFO_KNOWN = {"format_version", "detector"}
_IMAGE_KNOWN = {"file", "detections", "failure", "max_detection_conf"}
_DETECTION_KNOWN = {"category", "conf", "bbox", "classifications"}


@dataclass(frozen=True, slots=True)
class Detection:
    """One box found by a detector.

    Attributes:
        category: the detection category id as written in the file (``"1"`` = animal).
        conf: detection confidence in [0, 1].
        bbox: ``(x_min, y_min, width, height)`` as fractions of the image width and height,
            origin at the top-left corner.
        classifications: ``(class_id, confidence)`` pairs from a species classifier, in the
            order of the file (the format asks for descending confidence).
        extra: other keys of the detection object (e.g. ``frame_number`` for videos), kept
            as they were.
    """

    category: str
    conf: float
    bbox: tuple[float, float, float, float]
    classifications: tuple[tuple[str, float], ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ImageResult:
    """The detector output for one image (or video).

    Attributes:
        file: the image path as written in the batch file (usually relative).
        detections: the detections, or ``None`` when the image failed.
        failure: the failure reason (e.g. ``"Failure image access"``), or ``None``.
        max_detection_conf: the optional ``max_detection_conf`` of older files, or ``None``.
        extra: other keys of the image object, kept as they were.
    """

    file: str
    detections: tuple[Detection, ...] | None
    failure: str | None = None
    max_detection_conf: float | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class BatchResult:
    """A whole MegaDetector batch-output file.

    Attributes:
        format_version: the ``info.format_version`` string, e.g. ``"1.3"``.
        detector: the detector name (``info.detector``, usually the weights file name), or
            ``None`` when the file does not say.
        detector_version: the MegaDetector version, from ``detector_metadata`` or inferred
            from the detector name (``md_v5a.0.0.pt`` -> ``v5a.0.0``), or ``None``.
        detection_categories: category id -> name.
        classification_categories: classifier class id -> name (empty when absent).
        images: the per-image results, in file order.
        info: the whole ``info`` object, kept for writing back.
        extra: other top-level keys (e.g. ``classification_category_descriptions``).
    """

    format_version: str
    detector: str | None
    detector_version: str | None
    detection_categories: Mapping[str, str]
    classification_categories: Mapping[str, str]
    images: tuple[ImageResult, ...]
    info: Mapping[str, Any] = field(default_factory=dict)
    extra: Mapping[str, Any] = field(default_factory=dict)

    @property
    def typical_detection_threshold(self) -> float:
        """The confidence threshold the file recommends, else the published default.

        ``detector_metadata.typical_detection_threshold`` when present; otherwise 0.2 for
        MegaDetector v5 (and for unknown versions, the current model family) and 0.8 for
        v2 to v4.
        """
        metadata = self.info.get("detector_metadata")
        if isinstance(metadata, Mapping):
            value = metadata.get("typical_detection_threshold")
            if (
                isinstance(value, int | float)
                and not isinstance(value, bool)
                and 0.0 <= value <= 1.0
            ):
                return float(value)
        version = self.detector_version or ""
        if re.match(r"v[234](\D|$)", version):
            return MDV4_TYPICAL_THRESHOLD
        return MDV5_TYPICAL_THRESHOLD

    def category_name(self, category: str) -> str:
        """The name of a detection category id (``"1"`` -> ``"animal"``)."""
        return self.detection_categories[category]

    def find_image(self, file: str) -> ImageResult | None:
        """The result for ``file``, matched exactly, else by path suffix; ``None`` if absent."""
        wanted = file.replace("\\", "/")
        for image in self.images:
            if image.file.replace("\\", "/") == wanted:
                return image
        for image in self.images:
            stored = image.file.replace("\\", "/")
            if wanted.endswith("/" + stored) or stored.endswith("/" + wanted):
                return image
        return None


@dataclass(frozen=True, slots=True)
class ImageClassification:
    """What an image or a sequence shows, decided from its detections.

    Attributes:
        observation_type: ``animal``, ``human``, ``vehicle`` or ``blank`` (Camtrap DP
            vocabulary), or ``unclassified`` when every image failed.
        threshold: the confidence threshold used.
        confidence: confidence of the deciding detection (the highest-confidence one at or
            above the threshold; for ``blank`` the highest one below it, or 0.0 if none).
        file: the image holding the deciding detection, or ``None``.
        detection: the deciding detection (provenance), or ``None``.
        present: every observation type with at least one detection at or above the
            threshold (e.g. ``{"animal", "human"}``).
    """

    observation_type: ObservationType
    threshold: float
    confidence: float
    file: str | None
    detection: Detection | None
    present: frozenset[str]


def detector_version_from_name(detector: str | None) -> str | None:
    """Infer the MegaDetector version from a detector (weights file) name.

    ``md_v5a.0.0.pt`` -> ``v5a.0.0``; ``md_v4.1.0.pb`` -> ``v4.1.0``;
    ``megadetector_v5_camonly_…`` -> ``v5``; anything else -> ``None``.
    """
    if not detector:
        return None
    base = re.split(r"[\\/]", detector)[-1].lower()
    match = re.search(r"(?:^|[^a-z])(?:md|megadetector)_?v(\d+[a-z]?(?:\.\d+)*)", base)
    if match is None:
        return None
    return "v" + match.group(1)


# --------------------------------------------------------------------------- validation


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _is_id(value: object) -> bool:
    return isinstance(value, str) and value.isdigit() and value.isascii()


class _Context:
    """Where in the document we are, for error messages."""

    def __init__(self, path: str | None) -> None:
        self.path = path

    def fail(self, field_name: str | None, reason: str, item: str | None = None) -> FormatError:
        return FormatError(self.path, None, field_name, reason, item=item)


def _check_fraction(
    ctx: _Context, value: object, field_name: str, item: str, tolerance: float = 0.0
) -> float:
    if not _is_number(value):
        raise ctx.fail(field_name, f"expected a number, got {value!r}", item)
    try:
        number = float(value)  # type: ignore[arg-type]
    except OverflowError:
        number = math.inf
    if not math.isfinite(number) or not -tolerance <= number <= 1.0 + tolerance:
        raise ctx.fail(field_name, f"must be between 0 and 1, got {value!r}", item)
    return number


def _parse_categories(ctx: _Context, value: object, name: str, required: bool) -> dict[str, str]:
    if value is None and not required:
        return {}
    if not isinstance(value, dict):
        raise ctx.fail(name, f"expected an object mapping ids to names, got {value!r}")
    categories: dict[str, str] = {}
    for key, label in value.items():
        if not _is_id(key):
            raise ctx.fail(name, f"category id {key!r} is not a non-negative integer string")
        if not isinstance(label, str) or not label.strip():
            raise ctx.fail(
                f"{name}[{key!r}]", f"category name must be a non-empty string, got {label!r}"
            )
        categories[key] = label
    return categories


def parse_detection(
    raw: object,
    *,
    detection_categories: Mapping[str, str],
    classification_categories: Mapping[str, str] | None = None,
    path: str | None = None,
    field_name: str = "detection",
    item: str = "detection",
) -> Detection:
    """Validate one detection object and return it as a :class:`Detection`.

    Raises:
        FormatError: an unknown category, a confidence or box value outside [0, 1], a box
            reaching past the image edge, or a malformed classification.
    """
    ctx = _Context(path)
    classes = classification_categories or {}
    if not isinstance(raw, dict):
        raise ctx.fail(field_name, f"expected an object, got {raw!r}", item)
    category = raw.get("category")
    if not isinstance(category, str):
        raise ctx.fail(
            f"{field_name}.category", f"expected a category id string, got {category!r}", item
        )
    if category not in detection_categories:
        known = ", ".join(sorted(detection_categories)) or "none"
        raise ctx.fail(
            f"{field_name}.category",
            f"unknown category id {category!r} (detection_categories has {known})",
            item,
        )
    conf = _check_fraction(ctx, raw.get("conf"), f"{field_name}.conf", item)
    bbox_raw = raw.get("bbox")
    if not isinstance(bbox_raw, list) or len(bbox_raw) != 4:
        raise ctx.fail(
            f"{field_name}.bbox", f"expected [x_min, y_min, width, height], got {bbox_raw!r}", item
        )
    x, y, w, h = (
        _check_fraction(ctx, v, f"{field_name}.bbox[{i}]", item, _BBOX_EDGE_TOLERANCE)
        for i, v in enumerate(bbox_raw)
    )
    if w < 0.0 or h < 0.0:
        raise ctx.fail(f"{field_name}.bbox", f"negative width or height in {bbox_raw!r}", item)
    if x + w > 1.0 + _BBOX_EDGE_TOLERANCE or y + h > 1.0 + _BBOX_EDGE_TOLERANCE:
        raise ctx.fail(f"{field_name}.bbox", f"box {bbox_raw!r} reaches past the image edge", item)
    classifications: list[tuple[str, float]] = []
    raw_classes = raw.get("classifications")
    if raw_classes is not None:
        if not isinstance(raw_classes, list):
            raise ctx.fail(
                f"{field_name}.classifications", f"expected a list, got {raw_classes!r}", item
            )
        for k, pair in enumerate(raw_classes):
            where = f"{field_name}.classifications[{k}]"
            if not isinstance(pair, list) or len(pair) != 2 or not isinstance(pair[0], str):
                raise ctx.fail(where, f"expected [class_id, confidence], got {pair!r}", item)
            if pair[0] not in classes:
                raise ctx.fail(where, f"unknown classification category id {pair[0]!r}", item)
            classifications.append((pair[0], _check_fraction(ctx, pair[1], where, item)))
    extra = {k: v for k, v in raw.items() if k not in _DETECTION_KNOWN}
    if "frame_number" in extra:
        frame = extra["frame_number"]
        if not isinstance(frame, int) or isinstance(frame, bool) or frame < 0:
            raise ctx.fail(
                f"{field_name}.frame_number", f"must be a non-negative integer, got {frame!r}", item
            )
    return Detection(category, conf, (x, y, w, h), tuple(classifications), extra)


def _parse_image(
    ctx: _Context,
    index: int,
    raw: object,
    categories: Mapping[str, str],
    classes: Mapping[str, str],
) -> ImageResult:
    where = f"images[{index}]"
    if not isinstance(raw, dict):
        raise ctx.fail(where, f"expected an object, got {raw!r}", f"image {index}")
    file = raw.get("file")
    if not isinstance(file, str) or not file:
        raise ctx.fail(
            f"{where}.file", f"expected a non-empty path string, got {file!r}", f"image {index}"
        )
    item = f"image {index} {file!r}"
    failure = raw.get("failure")
    if failure is not None and not isinstance(failure, str):
        raise ctx.fail(f"{where}.failure", f"expected a string or null, got {failure!r}", item)
    raw_detections = raw.get("detections")
    detections: tuple[Detection, ...] | None
    if raw_detections is None:
        if failure is None:
            raise ctx.fail(f"{where}.detections", "missing for an image without a failure", item)
        detections = None
    else:
        if not isinstance(raw_detections, list):
            raise ctx.fail(f"{where}.detections", f"expected a list, got {raw_detections!r}", item)
        detections = tuple(
            parse_detection(
                d,
                detection_categories=categories,
                classification_categories=classes,
                path=ctx.path,
                field_name=f"{where}.detections[{k}]",
                item=item,
            )
            for k, d in enumerate(raw_detections)
        )
    max_conf_raw = raw.get("max_detection_conf")
    max_conf = None
    if max_conf_raw is not None:
        max_conf = _check_fraction(ctx, max_conf_raw, f"{where}.max_detection_conf", item)
    extra = {k: v for k, v in raw.items() if k not in _IMAGE_KNOWN}
    return ImageResult(file, detections, failure, max_conf, extra)


def batch_from_dict(document: object, path: str | PathLike[str] | None = None) -> BatchResult:
    """Validate a decoded batch-output document and return it as a :class:`BatchResult`.

    Args:
        document: the value decoded from the JSON file.
        path: the file it came from, for error messages.

    Raises:
        FormatError: anything that does not follow the format (see the module docstring).
    """
    ctx = _Context(None if path is None else str(path))
    if not isinstance(document, dict):
        raise ctx.fail(None, f"the top level must be a JSON object, got {type(document).__name__}")
    info = document.get("info")
    if not isinstance(info, dict):
        raise ctx.fail("info", f"required object missing or not an object (got {info!r})")
    version = info.get("format_version")
    if isinstance(version, int | float) and not isinstance(version, bool):
        version = str(version)
    if not isinstance(version, str) or not re.fullmatch(r"1(\.\d+)?", version):
        raise ctx.fail("info.format_version", f"expected a 1.x version string, got {version!r}")
    detector = info.get("detector")
    if detector is not None and not isinstance(detector, str):
        raise ctx.fail("info.detector", f"expected a string, got {detector!r}")
    metadata = info.get("detector_metadata")
    if metadata is not None and not isinstance(metadata, dict):
        raise ctx.fail("info.detector_metadata", f"expected an object, got {metadata!r}")
    detector_version: str | None = None
    if isinstance(metadata, dict):
        declared = metadata.get("megadetector_version")
        if declared is not None and not isinstance(declared, str):
            raise ctx.fail(
                "info.detector_metadata.megadetector_version",
                f"expected a string, got {declared!r}",
            )
        for key in ("typical_detection_threshold", "conservative_detection_threshold"):
            if key in metadata:
                _check_fraction(ctx, metadata[key], f"info.detector_metadata.{key}", "info")
        detector_version = declared
    if detector_version is None:
        detector_version = detector_version_from_name(detector)
    categories = _parse_categories(
        ctx, document.get("detection_categories"), "detection_categories", True
    )
    classes = _parse_categories(
        ctx, document.get("classification_categories"), "classification_categories", False
    )
    images_raw = document.get("images")
    if not isinstance(images_raw, list):
        raise ctx.fail(
            "images", f"required list missing or not a list (got {type(images_raw).__name__})"
        )
    images = tuple(
        _parse_image(ctx, i, raw, categories, classes) for i, raw in enumerate(images_raw)
    )
    extra = {
        k: v
        for k, v in document.items()
        if k not in {"info", "detection_categories", "classification_categories", "images"}
    }
    return BatchResult(
        format_version=version,
        detector=detector,
        detector_version=detector_version,
        detection_categories=categories,
        classification_categories=classes,
        images=images,
        info=dict(info),
        extra=extra,
    )


def read_batch(path: str | PathLike[str]) -> BatchResult:
    """Read and validate a MegaDetector batch-output JSON file.

    Raises:
        FormatError: the file cannot be read, is not UTF-8 JSON, or breaks the format.
    """
    try:
        text = Path(path).read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FormatError(path, None, None, f"not UTF-8 text (byte {exc.start})") from exc
    except OSError as exc:
        raise FormatError(path, None, None, f"cannot read the file: {exc.strerror or exc}") from exc
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise FormatError(
            path, None, None, f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}"
        ) from exc
    except RecursionError as exc:
        raise FormatError(path, None, None, "JSON nested too deeply") from exc
    return batch_from_dict(document, path)


# --------------------------------------------------------------------------- writing


def _detection_to_dict(detection: Detection) -> dict[str, Any]:
    out: dict[str, Any] = {
        "category": detection.category,
        "conf": detection.conf,
        "bbox": list(detection.bbox),
    }
    if detection.classifications:
        out["classifications"] = [[cid, conf] for cid, conf in detection.classifications]
    out.update(detection.extra)
    return out


def batch_to_dict(batch: BatchResult) -> dict[str, Any]:
    """The batch as a JSON-ready dictionary in the MegaDetector output format."""
    info: dict[str, Any] = dict(batch.info)
    info["format_version"] = batch.format_version
    if batch.detector is not None:
        info["detector"] = batch.detector
    images: list[dict[str, Any]] = []
    for image in batch.images:
        out: dict[str, Any] = {"file": image.file}
        if image.max_detection_conf is not None:
            out["max_detection_conf"] = image.max_detection_conf
        if image.failure is not None:
            out["failure"] = image.failure
        out["detections"] = (
            None if image.detections is None else [_detection_to_dict(d) for d in image.detections]
        )
        out.update(image.extra)
        images.append(out)
    document: dict[str, Any] = {
        "info": info,
        "detection_categories": dict(batch.detection_categories),
    }
    if batch.classification_categories:
        document["classification_categories"] = dict(batch.classification_categories)
    document["images"] = images
    document.update(batch.extra)
    return document


def write_batch(batch: BatchResult, path: str | PathLike[str], *, indent: int | None = 1) -> None:
    """Write a batch in the MegaDetector output format (UTF-8 JSON).

    The file is written to a temporary name first and then renamed, so a crash never leaves a
    half-written file under ``path``.
    """
    target = Path(path)
    temporary = target.with_name(target.name + ".part")
    temporary.write_text(
        json.dumps(batch_to_dict(batch), indent=indent, ensure_ascii=False) + "\n", encoding="utf-8"
    )
    temporary.replace(target)


# --------------------------------------------------------------------------- classification


def _observation_type(name: str) -> ObservationType | None:
    return _CATEGORY_TO_OBSERVATION.get(name.strip().lower())


def classify_sequence(
    images: Iterable[ImageResult],
    detection_categories: Mapping[str, str] = STANDARD_CATEGORIES,
    threshold: float = MDV5_TYPICAL_THRESHOLD,
) -> ImageClassification:
    """Decide what a sequence (or one image) shows: animal, human, vehicle or blank.

    The deciding detection is the one with the highest confidence at or above
    ``threshold`` over all images; its category gives the type (MegaDetector ``person`` is
    Camtrap DP ``human``). With none at or above the threshold the sequence is ``blank``
    and the highest detection below it is reported as provenance. Categories other than
    animal, person and vehicle are treated as no detection, as the format asks. When every
    image failed the result is ``unclassified``.

    Args:
        images: the images of the sequence.
        detection_categories: category id -> name, from the batch file.
        threshold: confidence threshold in [0, 1]; 0.2 is MegaDetector v5's typical value.
    """
    if not 0.0 <= threshold <= 1.0:
        raise ValueError(f"threshold must be in [0, 1], got {threshold}")
    best_above: tuple[float, str, Detection, ObservationType] | None = None
    best_below: tuple[float, str, Detection] | None = None
    present: set[str] = set()
    any_processed = False
    for image in images:
        if image.detections is None:
            continue
        any_processed = True
        for detection in image.detections:
            kind = _observation_type(detection_categories.get(detection.category, ""))
            if kind is None:
                continue
            if detection.conf >= threshold:
                present.add(kind)
                if best_above is None or detection.conf > best_above[0]:
                    best_above = (detection.conf, image.file, detection, kind)
            elif best_below is None or detection.conf > best_below[0]:
                best_below = (detection.conf, image.file, detection)
    if best_above is not None:
        conf, file, detection, kind = best_above
        return ImageClassification(kind, threshold, conf, file, detection, frozenset(present))
    if not any_processed:
        return ImageClassification("unclassified", threshold, 0.0, None, None, frozenset())
    if best_below is not None:
        conf, file, detection = best_below
        return ImageClassification("blank", threshold, conf, file, detection, frozenset())
    return ImageClassification("blank", threshold, 0.0, None, None, frozenset())


def classify_image(
    image: ImageResult,
    detection_categories: Mapping[str, str] = STANDARD_CATEGORIES,
    threshold: float = MDV5_TYPICAL_THRESHOLD,
) -> ImageClassification:
    """Decide what one image shows; see :func:`classify_sequence` for the rules."""
    return classify_sequence([image], detection_categories, threshold)


def new_batch(
    images: Sequence[ImageResult],
    *,
    detector: str | None,
    detector_version: str | None = None,
    detection_categories: Mapping[str, str] = STANDARD_CATEGORIES,
    format_version: str = "1.4",
) -> BatchResult:
    """Build a batch to write, e.g. from detections made here."""
    info: dict[str, Any] = {"format_version": format_version}
    if detector is not None:
        info["detector"] = detector
    return BatchResult(
        format_version=format_version,
        detector=detector,
        detector_version=detector_version or detector_version_from_name(detector),
        detection_categories=dict(detection_categories),
        classification_categories={},
        images=tuple(images),
        info=info,
    )
