"""Occurrence records derived from other modules (camera-trap observations, telemetry).

Modules that turn their own data into Darwin Core occurrences call :func:`write` with a stable
``occurrenceID`` and the record's values: the record is created, updated as a new version, or
left alone when nothing changed (compared by a content hash), always with an audit entry and
the map cells kept in step. :func:`remove` deletes derived records that no longer hold (e.g. a
reviewer changed the species).

Values are stored as the module gives them: exact positions stay exact in the unified records,
and every surface shows them through the sensitivity policy (``public_h3_res`` is computed here
from the taxon's category, the record's override and the place's regional rule).
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Iterable
from typing import Any, Literal

from barys.core import audit
from barys.core.geo import h3_cells
from barys.records import cells
from barys.records.models import Occurrence, Source
from barys.records.policy import record_public_res

Outcome = Literal["created", "updated", "unchanged"]
Deltas = dict[cells.CellKey, cells.CellDelta]


def source(code: str, *, title: str, description: str) -> Source:
    """The module's own source, created the first time it is needed."""
    found, _created = Source.objects.get_or_create(
        code=code, defaults={"title": title, "description": description}
    )
    return found


def _complete(values: dict[str, Any], place: dict[str, Any]) -> dict[str, Any]:
    """Adds the H3 cells, the public resolution and the content hash."""
    values = dict(values)
    lat, lon = values.get("latitude"), values.get("longitude")
    at = h3_cells(lat, lon) if lat is not None and lon is not None else {}
    values.update({f"h3_{res}": at.get(res) for res in (3, 5, 7, 9)})
    taxon = values.get("taxon")
    values["public_h3_res"] = record_public_res(
        taxon_category=taxon.sensitivity_category if taxon is not None else None,
        taxon_known=taxon is not None,
        override=values.get("sensitivity_override"),
        withhold=bool(values.get("withhold_location")),
        regional=place.get("category"),
    )
    values["content_hash"] = hashlib.sha256(
        json.dumps({k: str(v) for k, v in values.items()}, sort_keys=True).encode()
    ).hexdigest()
    return values


def write(
    *,
    occurrence_id: uuid.UUID,
    values: dict[str, Any],
    place: dict[str, Any],
    actor: Any,
    reason: str,
    deltas: Deltas,
) -> Outcome:
    """Creates or updates one derived record; the caller applies ``deltas`` to the map cells
    (``cells.apply``) inside the same transaction."""
    values = _complete(values, place)
    current = Occurrence.objects.filter(occurrence_id=occurrence_id).first()
    if current is None:
        record = Occurrence.objects.create(occurrence_id=occurrence_id, **values)
        cells.accumulate(deltas, cells.keys_of(record), 1, record.year)
        audit.record_create(record, actor=actor, reason=reason)
        return "created"
    if current.content_hash == values["content_hash"]:
        return "unchanged"
    before = audit.snapshot(current, exclude=("verbatim",))
    cells.accumulate(deltas, cells.keys_of(current), -1, None)
    for key, value in values.items():
        setattr(current, key, value)
    current.version += 1
    current.save()
    cells.accumulate(deltas, cells.keys_of(current), 1, current.year)
    audit.record_update(current, before, actor=actor, reason=reason)
    return "updated"


def remove(occurrence_ids: Iterable[uuid.UUID], *, actor: Any, reason: str, deltas: Deltas) -> int:
    """Deletes derived records (audited); returns how many there were."""
    removed = 0
    for record in Occurrence.objects.filter(occurrence_id__in=list(occurrence_ids)):
        cells.accumulate(deltas, cells.keys_of(record), -1, None)
        audit.record_delete(record, actor=actor, reason=reason)
        record.delete()
        removed += 1
    return removed
