"""Domain errors of the individual registry; views turn them into messages or 4xx answers."""

from __future__ import annotations


class IndividualsError(Exception):
    """A request the registry cannot carry out; the message says why in plain words."""


class NotFound(IndividualsError):
    """The individual, annotation or decision does not exist."""


class InvalidInput(IndividualsError):
    """A value is out of range or inconsistent (the message names the field)."""


class RegistryConflict(IndividualsError):
    """The change would leave the registry inconsistent (e.g. merging into itself)."""


class UndoConflict(IndividualsError):
    """A decision cannot be undone because later changes touched the same rows."""


class IndexUnavailable(IndividualsError):
    """No re-identification index exists yet for the taxon (build it first)."""
