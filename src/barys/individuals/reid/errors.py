"""Errors raised by the re-identification engine."""

from __future__ import annotations

__all__ = [
    "BackendUnavailableError",
    "CalibrationError",
    "DuplicateAnnotationError",
    "EmbeddingRuntimeMissing",
    "EmbeddingWeightsMissing",
    "IndexFormatError",
    "ReidError",
    "ReidInputError",
    "UnknownAnnotationError",
]


class ReidError(Exception):
    """Base class of the re-identification errors."""


class ReidInputError(ReidError, ValueError):
    """A chip, viewpoint, key or argument the engine cannot use."""


class DuplicateAnnotationError(ReidError, ValueError):
    """An annotation key that is already in the catalogue."""


class UnknownAnnotationError(ReidError, KeyError):
    """An annotation key that is not in the catalogue."""


class CalibrationError(ReidError):
    """The catalogue does not hold enough same/different evidence to calibrate scores."""


class IndexFormatError(ReidError, ValueError):
    """A saved index file that cannot be read (wrong format, version or content)."""


class BackendUnavailableError(ReidError):
    """A re-identification backend that cannot run in this installation."""


class EmbeddingWeightsMissing(BackendUnavailableError):
    """The deep-embedding backend was asked for but no weights file is configured or found."""


class EmbeddingRuntimeMissing(BackendUnavailableError):
    """The weights need a runtime (onnxruntime or torch) that is not installed."""
