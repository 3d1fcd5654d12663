"""Writes to the access log: who saw exact sensitive data, where, and how much."""

from __future__ import annotations

from typing import Any

from barys.core.models import AccessLogEntry


def log_access(
    *,
    actor: Any,
    surface: str,
    object_type: str,
    object_id: str = "*",
    count: int = 1,
    address: str = "",
) -> AccessLogEntry | None:
    """Record a read of sensitive data by a person; anonymous reads never get exact data."""
    if actor is None or not getattr(actor, "is_authenticated", False) or count <= 0:
        return None
    return AccessLogEntry.objects.create(
        actor=actor,
        surface=surface[:100],
        object_type=object_type[:100],
        object_id=str(object_id)[:64],
        count=count,
        address=address[:64],
    )
