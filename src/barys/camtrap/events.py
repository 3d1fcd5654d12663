"""Grouping media into events (sequences), deterministically per deployment.

Media of one deployment with a usable time are sorted by time (then file name and mediaID);
a new event starts where the gap to the previous medium exceeds the deployment's
``event_gap_s`` (60 s by default). An event's ``eventID`` is a UUID derived from the
deploymentID and the mediaID of its first medium, so grouping again gives the same events:
unchanged events keep their rows, and the result never depends on the order in which media
arrived (which is what makes a resumed ingest end in the same state as an uninterrupted one).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from django.db import connection, transaction

from barys.camtrap.models import Deployment, Event, Media
from barys.core import bulk

#: Namespace of the UUIDs Barys derives for camera-trap identifiers.
NAMESPACE = uuid.UUID("6f1c1a52-7f0e-4b8e-9a51-3c2b7d0e9a11")


def derived_id(*parts: str) -> str:
    """A UUID (text) derived from ``parts``: the same parts always give the same identifier."""
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))


@dataclass(frozen=True, slots=True)
class _Group:
    event_id: str
    start: datetime
    end: datetime
    media_pks: tuple[int, ...]


def group_times(times: list[datetime], gap_s: float) -> list[list[int]]:
    """Indices of ``times`` (sorted ascending) grouped where consecutive gaps are ≤ ``gap_s``."""
    groups: list[list[int]] = []
    previous: datetime | None = None
    for index, moment in enumerate(times):
        if previous is None or (moment - previous).total_seconds() > gap_s:
            groups.append([])
        groups[-1].append(index)
        previous = moment
    return groups


def _desired(deployment: Deployment) -> list[_Group]:
    rows = list(
        Media.objects.filter(
            deployment=deployment,
            timestamp__isnull=False,
            implausible_time=False,
            serial_mismatch=False,
            no_timestamp=False,
        )
        .order_by("timestamp", "file_name", "media_id")
        .values_list("pk", "media_id", "timestamp")
    )
    groups: list[_Group] = []
    for indices in group_times([r[2] for r in rows], deployment.event_gap_s):
        members = [rows[i] for i in indices]
        groups.append(
            _Group(
                event_id=derived_id("event", deployment.deployment_id, members[0][1]),
                start=members[0][2],
                end=members[-1][2],
                media_pks=tuple(m[0] for m in members),
            )
        )
    return groups


@transaction.atomic
def regroup_events(deployment: Deployment) -> int:
    """Group the deployment's media into events; returns the number of events.

    Events no longer wanted are deleted (their observations keep ``event_ref``); new ones are
    created; media are pointed at their event.
    """
    groups = _desired(deployment)
    wanted = {g.event_id: g for g in groups}
    existing = {e.event_id: e for e in Event.objects.filter(deployment=deployment)}
    stale = [e.pk for key, e in existing.items() if key not in wanted]
    if stale:
        Event.objects.filter(pk__in=stale).delete()
    bulk.insert_rows(
        Event,
        (
            {
                "event_id": g.event_id,
                "deployment_id": deployment.pk,
                "start": g.start,
                "end": g.end,
                "media_count": len(g.media_pks),
            }
            for key, g in wanted.items()
            if key not in existing
        ),
    )
    changed = []
    for key, event in existing.items():
        group = wanted.get(key)
        if group is None:
            continue
        if (event.start, event.end, event.media_count) != (
            group.start,
            group.end,
            len(group.media_pks),
        ):
            event.start, event.end, event.media_count = group.start, group.end, len(group.media_pks)
            changed.append(event)
    if changed:
        Event.objects.bulk_update(changed, ["start", "end", "media_count"], batch_size=500)
    pk_of = dict(Event.objects.filter(deployment=deployment).values_list("event_id", "pk"))
    current = dict(Media.objects.filter(deployment=deployment).values_list("pk", "event_id"))
    moves: list[tuple[int | None, int]] = []
    for group in groups:
        event_pk = pk_of[group.event_id]
        moves += [(event_pk, pk) for pk in group.media_pks if current.get(pk) != event_pk]
    grouped = {pk for group in groups for pk in group.media_pks}
    moves += [
        (None, pk) for pk, event in current.items() if event is not None and pk not in grouped
    ]
    _point_media(moves)
    return len(groups)


def _point_media(moves: list[tuple[int | None, int]]) -> None:
    """Set each medium's event, given as (event pk or None, media pk) pairs: one prepared
    statement run for every pair, as ``QuerySet.update`` would write it (no signals, no
    ``auto_now``), where one ORM query per event costs a millisecond each on a card whose
    media are mostly events of their own."""
    if not moves:
        return
    quote = connection.ops.quote_name
    table = quote(Media._meta.db_table)
    event_column = quote(Media._meta.get_field("event").column)
    pk_column = quote(Media._meta.pk.column)
    with connection.cursor() as cursor:
        cursor.executemany(
            f"UPDATE {table} SET {event_column} = %s WHERE {pk_column} = %s",  # noqa: S608
            moves,
        )
