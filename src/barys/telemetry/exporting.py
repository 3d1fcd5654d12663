"""Exports of telemetry: Movebank CSV of exact fixes, and generalised Darwin Core occurrences.

* :func:`export_movebank` writes exact fixes, and only for a person allowed to see the exact
  locations of every individual exported (``may_see_exact`` in its protected area); otherwise it
  refuses before writing anything. The export is written to the access log.
* :func:`publish_occurrences` turns fixes into Darwin Core occurrence records *only when
  generalised*: one record per individual and UTC day, at the centre of the grid cell holding
  the day's mean position (the policy's grid of the taxon's category, never finer than 0.1°),
  from fixes older than the live window and not flagged as outliers. For category-1 taxa
  nothing is published unless the installation shows category 1 on a grid.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
from django.db import transaction

from barys.core import roles, sensitivity
from barys.core.access_log import log_access
from barys.individuals.models import Individual
from barys.interop.movebank import Fix as FileFix
from barys.interop.movebank import write_movebank
from barys.records import cells, derived, locating
from barys.records.models import Occurrence, Source
from barys.telemetry import ranges, tracks
from barys.telemetry.models import Fix
from barys.telemetry.services import NotAllowed, TelemetryError

SOURCE_CODE = "barys-telemetry"
OCCURRENCE_NAMESPACE = uuid.UUID("5d0c8a3e-2f57-4d1b-9b8e-6f0e1c2a7b41")


class ExportRefused(NotAllowed):
    """The export would show exact locations to someone not allowed to see them."""


@dataclass
class ExportResult:
    path: Path
    rows: int
    individuals: dict[str, int] = field(default_factory=dict)


def _selection(codes: Sequence[str] | None) -> list[Individual]:
    if codes:
        found = {
            i.code: i for i in Individual.objects.filter(code__in=codes).select_related("scope")
        }
        missing = [c for c in codes if c not in found]
        if missing:
            raise TelemetryError(f"no individual {', '.join(missing)}")
        return [found[c] for c in codes]
    with_fixes = Fix.objects.values("individual_id").distinct().order_by()
    return list(
        Individual.objects.filter(pk__in=with_fixes).select_related("scope").order_by("code")
    )


def export_movebank(
    *,
    path: Path | str,
    user: Any,
    individuals: Sequence[str] | None = None,
    include_outliers: bool = True,
) -> ExportResult:
    """Write the exact fixes of ``individuals`` (codes; all with fixes when not given) as a
    Movebank CSV (gzip when ``path`` ends in ``.gz``). Outliers are written with
    ``visible=false``, as Movebank does, unless ``include_outliers`` is false."""
    if user is None or not getattr(user, "is_authenticated", False):
        raise ExportRefused(
            "exact GPS fixes are exported only for a named person allowed to see them: pass "
            "--user NAME (an observer or researcher of the animal's protected area, or a "
            "curator)"
        )
    selected = _selection(individuals)
    denied = [i.code for i in selected if not sensitivity.may_see_exact(user, i.scope_codes)]
    if denied:
        raise ExportRefused(
            f"{user.get_username()} may not see the exact locations of {', '.join(denied)}; "
            "exact fixes are exported only for people with a role in the animals' protected "
            "area (or curators)"
        )
    counts: dict[str, int] = {}
    result = ExportResult(Path(path), 0, counts)
    rows = write_movebank(
        _file_fixes(selected, include_outliers, counts), path, extra_columns=["gps:dop"]
    )
    result.rows = rows
    for individual in selected:
        log_access(
            actor=user,
            surface="telemetry export movebank",
            object_type="telemetry.individual",
            object_id=individual.code,
            count=counts.get(individual.code, 0),
        )
    return result


def _file_fixes(
    selected: list[Individual], include_outliers: bool, counts: dict[str, int]
) -> Iterator[FileFix]:
    for individual in selected:
        fixes = Fix.objects.filter(individual=individual)
        if not include_outliers:
            fixes = fixes.filter(outlier=False)
        rows = fixes.order_by("timestamp", "location_key").values_list(
            "timestamp",
            "latitude",
            "longitude",
            "altitude_m",
            "altitude_reference",
            "hdop",
            "dop",
            "satellites",
            "fix_type",
            "temperature_c",
            "battery_mv",
            "event_id",
            "outlier",
            "deployment__tag__local_identifier",
        )
        n = 0
        for (
            timestamp,
            lat,
            lon,
            alt,
            reference,
            hdop,
            dop,
            satellites,
            fix_type,
            temperature,
            battery,
            event_id,
            outlier,
            tag,
        ) in rows.iterator(chunk_size=5000):
            n += 1
            yield FileFix(
                timestamp=timestamp.astimezone(UTC),
                lat=lat,
                lon=lon,
                altitude=alt,
                altitude_reference=(reference or "ellipsoid") if alt is not None else None,
                hdop=hdop,
                satellites=satellites,
                fix_type=fix_type,
                temperature=temperature,
                battery=battery,
                individual=individual.code,
                tag=tag,
                event_id=event_id or None,
                visible=not outlier,
                sensor_type="gps",
                extra={"gps:dop": repr(dop)} if dop is not None else {},
            )
        counts[individual.code] = n


# ---------------------------------------------------------------------------- Darwin Core


@dataclass
class PublishResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    withheld: bool = False
    days: int = 0


def _collar_category(taxon_category: int | None) -> int:
    """The policy category used for published collar data: the taxon's, but never finer
    than category 2 (0.1° grid)."""
    category = sensitivity.effective_category(taxon_category)
    return 2 if category is None else min(category, 2)


def publish_occurrences(
    *, individual_code: str, actor: Any, now: datetime | None = None
) -> PublishResult:
    """Create or update the generalised daily occurrence records of one individual (see the
    module docstring). Needs the researcher role in the individual's area (or national)."""
    individual = (
        Individual.objects.select_related("taxon", "scope").filter(code=individual_code).first()
    )
    if individual is None:
        raise TelemetryError(f"no individual {individual_code!r}")
    scope = individual.scope.code if individual.scope else None
    if not roles.has_role(actor, "researcher", scope):
        raise NotAllowed(
            "publishing telemetry as occurrences needs the researcher role"
            + (f" in {scope}" if scope else "")
        )
    category = _collar_category(individual.taxon.sensitivity_category)
    result = PublishResult()
    config = sensitivity.current_config()
    if category == 1 and not config.category1_grid:
        result.withheld = True
        return result
    track = tracks.load_track(individual, include_outliers=False).before(ranges.live_cutoff(now))
    if len(track) == 0:
        return result
    days, index = np.unique(track.days, return_inverse=True)
    counts = np.bincount(index)
    mean_lat = np.bincount(index, weights=track.lat) / counts
    mean_lon = np.bincount(index, weights=track.lon) / counts
    source = derived.source(
        SOURCE_CODE,
        title="GPS telemetry (generalised daily positions)",
        description="Daily positions of collared animals, "
        "generalised to a grid by the sensitivity policy.",
    )
    places = locating.locate(
        [(float(a), float(b)) for a, b in zip(mean_lat, mean_lon, strict=True)]
    )
    deltas: dict[cells.CellKey, cells.CellDelta] = {}
    with transaction.atomic():
        for day, lat, lon, n, place in zip(days, mean_lat, mean_lon, counts, places, strict=True):
            result.days += 1
            _publish_day(
                individual,
                source,
                day,
                float(lat),
                float(lon),
                int(n),
                category,
                place,
                actor,
                result,
                deltas,
            )
        cells.apply(deltas)
    return result


def _publish_day(
    individual: Individual,
    source: Source,
    day: np.datetime64,
    lat: float,
    lon: float,
    n: int,
    category: int,
    place: dict[str, Any],
    actor: Any,
    result: PublishResult,
    deltas: dict[cells.CellKey, cells.CellDelta],
) -> None:
    start = day.astype(datetime)
    start = datetime(start.year, start.month, start.day, tzinfo=UTC)
    view = sensitivity.generalise(
        latitude=lat,
        longitude=lon,
        uncertainty_m=None,
        locality="",
        event_date=start.date(),
        category=category,
    )
    taxon = individual.taxon
    values: dict[str, Any] = {
        "source": source,
        "basis_of_record": Occurrence.Basis.MACHINE,
        "event_date_start": start,
        "event_date_end": start + timedelta(days=1),
        "event_date_precision": Occurrence.DatePrecision.DAY,
        "year": start.year,
        "taxon": taxon,
        "verbatim_name": taxon.scientific_name,
        "match_type": Occurrence.Match.EXACT,
        "latitude": view.latitude,
        "longitude": view.longitude,
        "coordinate_uncertainty_m": view.uncertainty_m,
        "protected_area": individual.scope.code if individual.scope else "",
        "oblast": place.get("oblast", ""),
        "individual_count": 1,
        "sex": individual.sex if individual.sex != "unknown" else "",
        "occurrence_status": "present",
        "organism_id": individual.code,
        "remarks": f"GPS telemetry: {n} fixes on this day. {view.data_generalizations}".strip(),
        "transformations": [view.data_generalizations],
        "verbatim": {"dataGeneralizations": view.data_generalizations, "fixes": n},
        "sensitivity_override": category,
    }
    outcome = derived.write(
        occurrence_id=uuid.uuid5(OCCURRENCE_NAMESPACE, f"{individual.code}:{day}"),
        values=values,
        place=place,
        actor=actor,
        reason="generalised telemetry",
        deltas=deltas,
    )
    setattr(result, outcome, getattr(result, outcome) + 1)
