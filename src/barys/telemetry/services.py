"""Telemetry services over the database: cleaning runs, overrides, speed limits.

Services take keyword arguments, raise domain errors and never import HTTP code.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from barys.core import audit, roles
from barys.core.models import User
from barys.individuals.models import Individual
from barys.taxa.models import Taxon
from barys.telemetry import cleaning
from barys.telemetry.models import Fix, MovementLimit, TagDeployment

log = logging.getLogger(__name__)

#: Fixes per cleaning window, and the fixes of context kept on each side of a window.
WINDOW = 100_000
CONTEXT = 25

#: Fixes in time order; (individual, timestamp, location_key) is unique and indexed, so this
#: order needs no sort.
ORDER = ("timestamp", "location_key")
_COLUMNS = (
    "id",
    "timestamp",
    "latitude",
    "longitude",
    "hdop",
    "dop",
    "fix_type",
    "source_visible",
    "override",
    "flags",
    "flag_values",
    "outlier",
    "location_key",
)


class TelemetryError(ValueError):
    """A telemetry request that cannot be carried out; the message says why."""


class NotAllowed(TelemetryError):
    """The person lacks the role or scope for the action."""


def rules_for(taxon: Taxon | None) -> cleaning.CleaningRules:
    """Cleaning thresholds for a taxon: its own MovementLimit, else its parent's, else the
    built-in default for its scientific name, else the global default (km/h)."""
    node = taxon
    seen: set[int] = set()
    while node is not None and node.pk not in seen:
        seen.add(node.pk)
        limit = MovementLimit.objects.filter(taxon=node).first()
        if limit is not None:
            return cleaning.CleaningRules(
                max_speed_kmh=limit.max_speed_kmh, spike_speed_kmh=limit.spike_speed_kmh
            )
        if node.scientific_name in cleaning.TAXON_MAX_SPEED_KMH:
            return cleaning.CleaningRules(
                max_speed_kmh=cleaning.TAXON_MAX_SPEED_KMH[node.scientific_name]
            )
        node = node.parent
    return cleaning.CleaningRules()


@dataclass
class CleaningSummary:
    examined: int = 0
    changed: int = 0
    flagged_now: int = 0  # flagged fixes among those examined, after the run


def _rows(
    individual: Individual, start: datetime | None, end: datetime | None, window: int
) -> Iterator[list[tuple[Any, ...]]]:
    """Rows of the individual's fixes in time order, in pages of ``window`` (keyset)."""
    base = Fix.objects.filter(individual=individual)
    if start is not None:
        base = base.filter(timestamp__gte=start)
    if end is not None:
        base = base.filter(timestamp__lte=end)
    last: tuple[datetime, int] | None = None
    while True:
        page = base
        if last is not None:
            page = page.filter(
                Q(timestamp__gt=last[0]) | Q(timestamp=last[0], location_key__gt=last[1])
            )
        rows = list(page.order_by(*ORDER).values_list(*_COLUMNS)[:window])
        if not rows:
            return
        yield rows
        last = (rows[-1][1], rows[-1][-1])
        if len(rows) < window:
            return


def _context(
    individual: Individual, moment: datetime | None, *, before: bool
) -> list[tuple[Any, ...]]:
    if moment is None:
        return []
    fixes = Fix.objects.filter(individual=individual)
    if before:
        rows = fixes.filter(timestamp__lt=moment).order_by("-timestamp", "-location_key")
        return list(reversed(rows.values_list(*_COLUMNS)[:CONTEXT]))
    rows = fixes.filter(timestamp__gt=moment).order_by(*ORDER)
    return list(rows.values_list(*_COLUMNS)[:CONTEXT])


def _inside(times: list[datetime], spans: list[tuple[datetime, datetime | None]]) -> np.ndarray:
    if not spans:
        return np.ones(len(times), dtype=bool)
    return np.array(
        [any(on <= t and (off is None or t <= off) for on, off in spans) for t in times], dtype=bool
    )


_OVERRIDE = {"valid": 1, "outlier": -1}


def _evaluate(
    rows: list[tuple[Any, ...]],
    rules: cleaning.CleaningRules,
    spans: list[tuple[datetime, datetime | None]],
) -> cleaning.CleaningResult:
    def column(i: int, default: float = np.nan) -> np.ndarray:
        return np.array([default if r[i] is None else r[i] for r in rows], dtype=np.float64)

    times = [r[1] for r in rows]
    return cleaning.flag_fixes(
        t=np.array([t.timestamp() for t in times]),
        lat=column(2),
        lon=column(3),
        hdop=column(4),
        dop=column(5),
        fix_type=column(6),
        visible=np.array([-1 if r[7] is None else int(r[7]) for r in rows], dtype=np.int8),
        inside=_inside(times, spans),
        override=np.array([_OVERRIDE.get(r[8], 0) for r in rows], dtype=np.int8),
        rules=rules,
    )


def _write(
    rows: list[tuple[Any, ...]],
    result: cleaning.CleaningResult,
    lo: int,
    hi: int,
    summary: CleaningSummary,
) -> None:
    changed: list[Fix] = []
    for i in range(lo, hi):
        row = rows[i]
        flags = int(result.flags[i])
        values = result.value(i)
        outlier = cleaning.outlier_verdict(flags, row[8])
        summary.examined += 1
        summary.flagged_now += flags != 0
        if flags != row[9] or values != row[10] or outlier != row[11]:
            changed.append(Fix(id=row[0], flags=flags, flag_values=values, outlier=outlier))
    if changed:
        Fix.objects.bulk_update(changed, ["flags", "flag_values", "outlier"], batch_size=500)
        summary.changed += len(changed)


def clean_individual(
    *,
    individual: Individual,
    start: datetime | None = None,
    end: datetime | None = None,
    actor: User | str | None = "cleaning",
    window: int = WINDOW,
) -> CleaningSummary:
    """Run the cleaning rules over the individual's fixes between ``start`` and ``end``
    (UTC; the whole track when not given), in windows of ``window`` fixes with
    :data:`CONTEXT` fixes of context on each side, so memory stays flat. Only changed fixes
    are written; one audit entry records the run."""
    if window <= 2 * CONTEXT:
        raise ValueError(f"window must exceed {2 * CONTEXT} fixes")
    rules = rules_for(individual.taxon)
    spans = list(
        TagDeployment.objects.filter(individual=individual).values_list("deploy_on", "deploy_off")
    )
    summary = CleaningSummary()
    with transaction.atomic():
        buffer = _context(individual, start, before=True)
        head = len(buffer)  # rows at the start of the buffer that are context only
        for page in _rows(individual, start, end, window):
            buffer.extend(page)
            if len(buffer) - head > 2 * CONTEXT:
                result = _evaluate(buffer, rules, spans)
                cut = len(buffer) - CONTEXT
                _write(buffer, result, head, cut, summary)
                buffer = buffer[cut - CONTEXT :]
                head = CONTEXT
        tail = _context(individual, end, before=False)
        if len(buffer) > head:
            rows = buffer + tail
            _write(rows, _evaluate(rows, rules, spans), head, len(buffer), summary)
        if summary.changed:
            audit.record(
                action="update",
                instance=individual,
                before=None,
                after={
                    "fixes_examined": summary.examined,
                    "fixes_changed": summary.changed,
                    "fixes_flagged": summary.flagged_now,
                },
                actor=actor,
                reason=f"telemetry cleaning (max speed {rules.max_speed_kmh:g} km/h)",
            )
    return summary


def override_fix(*, fix_id: int, decision: str, reason: str, actor: Any) -> Fix:
    """A researcher's verdict on one fix: ``"valid"`` (keep it despite its flags),
    ``"outlier"`` or ``""`` (back to the cleaning's verdict). Audited; the neighbouring fixes
    are cleaned again and the home ranges rebuilt."""
    if decision not in ("valid", "outlier", ""):
        raise TelemetryError(f"decision must be 'valid', 'outlier' or empty, not {decision!r}")
    reason = (reason or "").strip()
    if not reason:
        raise TelemetryError("give a reason for the override")
    fix = Fix.objects.select_related("individual", "individual__scope").filter(pk=fix_id).first()
    if fix is None:
        raise TelemetryError(f"no fix {fix_id}")
    scope = fix.individual.scope.code if fix.individual.scope else None
    if not roles.has_role(actor, "researcher", scope):
        raise NotAllowed(
            "overriding a fix needs the researcher role"
            + (f" in {scope}" if scope else " (national)")
        )
    with transaction.atomic():
        before = audit.snapshot(fix)
        fix.override = decision
        fix.override_reason = reason
        fix.override_by = actor if getattr(actor, "is_authenticated", False) else None
        fix.override_at = timezone.now()
        fix.outlier = cleaning.outlier_verdict(fix.flags, decision)
        fix.save(
            update_fields=["override", "override_reason", "override_by", "override_at", "outlier"]
        )
        audit.record_update(fix, before, actor=actor, reason=reason)
        around = _neighbourhood(fix)
        clean_individual(individual=fix.individual, start=around[0], end=around[1], actor=actor)
    from barys.telemetry import ranges

    ranges.schedule_home_ranges(individual=fix.individual, user=actor)
    fix.refresh_from_db()
    return fix


def _neighbourhood(fix: Fix) -> tuple[datetime, datetime]:
    """Times of the fixes :data:`CONTEXT` before and after ``fix``."""
    fixes = Fix.objects.filter(individual_id=fix.individual_id)
    before = (
        fixes.filter(timestamp__lt=fix.timestamp)
        .order_by("-timestamp")
        .values_list("timestamp", flat=True)[CONTEXT - 1 : CONTEXT]
    )
    after = (
        fixes.filter(timestamp__gt=fix.timestamp)
        .order_by("timestamp")
        .values_list("timestamp", flat=True)[CONTEXT - 1 : CONTEXT]
    )
    start = before[0] if before else fix.timestamp
    end = after[0] if after else fix.timestamp
    if not before:
        start = fixes.order_by("timestamp").values_list("timestamp", flat=True).first() or start
    if not after:
        end = fixes.order_by("-timestamp").values_list("timestamp", flat=True).first() or end
    return start, end
