"""Fast bulk insertion of occurrence rows without building model instances (see
:mod:`barys.core.bulk`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from barys.core import bulk
from barys.records.models import Occurrence


def insert_occurrences(rows: Iterable[dict[str, Any]]) -> int:
    """Insert occurrences given as {attname: value}; missing fields take their defaults."""
    return bulk.insert_rows(Occurrence, rows)
