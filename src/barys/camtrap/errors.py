"""Domain errors of the camera-trap app (services raise these; edges turn them into messages)."""

from __future__ import annotations


class CamtrapError(Exception):
    """A camera-trap operation cannot be done; the message says why, in words."""


class NotFound(CamtrapError):
    """A survey, deployment or file named by the caller does not exist."""
