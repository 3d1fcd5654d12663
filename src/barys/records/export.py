"""Darwin Core Archive export of the occurrence records (public or full)."""

from __future__ import annotations

import csv
import datetime as dt
import io
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.db.models import Max, Min

from barys import __version__
from barys.core import roles
from barys.core.access_log import log_access
from barys.interop import dwca
from barys.interop.darwin_core import OCCURRENCE_TERMS
from barys.records import services
from barys.taxa.models import Taxon

CHUNK = 5000


class ExportRefused(Exception):
    """A full (exact) export was asked for by someone who may not have it."""


def export_dwca(
    path: Path | str,
    *,
    full: bool = False,
    user: Any = None,
    filters: services.OccurrenceFilters | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Write a Darwin Core Archive; returns the number of records.

    Public exports (the default) pass every record through the sensitivity policy as an
    anonymous visitor sees it. A full export needs a curator or admin as ``user`` and is
    written to the access log.
    """
    if full and not roles.has_role(user, "curator"):
        raise ExportRefused("a full export with exact locations needs a curator or admin")
    viewer = user if full else AnonymousUser()
    records = (
        (filters or services.OccurrenceFilters())
        .queryset()
        .select_related("taxon", "source")
        .order_by("id")
    )
    total = records.count()
    path = Path(path)
    partial = path.with_name(path.name + ".partial")
    written = 0
    with zipfile.ZipFile(partial, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        with archive.open("occurrence.csv", "w", force_zip64=True) as raw:
            text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
            writer = csv.writer(text, lineterminator="\n")
            writer.writerow(OCCURRENCE_TERMS)
            last_id = 0
            while True:
                chunk = list(records.filter(id__gt=last_id)[:CHUNK])
                if not chunk:
                    break
                last_id = chunk[-1].pk
                items = services.present(
                    chunk, user=viewer, surface="dwca export" if full else "public export"
                )
                for item in items:
                    row = item.darwin_core()
                    writer.writerow(
                        ["" if row.get(t) is None else row.get(t) for t in OCCURRENCE_TERMS]
                    )
                written += len(chunk)
                if progress:
                    progress(written, total)
            text.flush()
            text.detach()
        archive.writestr("meta.xml", dwca.meta_xml("occurrence.csv", OCCURRENCE_TERMS))
        archive.writestr("eml.xml", dwca.eml_xml(_metadata(records, full=full)))
    partial.replace(path)
    if full:
        log_access(
            actor=user, surface="dwca export", object_type="records.occurrence", count=written
        )
    return written


def _metadata(records: Any, *, full: bool) -> dwca.EmlMetadata:
    bounds = records.filter(latitude__isnull=False).aggregate(
        south=Min("latitude"), north=Max("latitude"), west=Min("longitude"), east=Max("longitude")
    )
    dates = records.aggregate(first=Min("event_date_start"), last=Max("event_date_start"))
    bbox = None
    if bounds["south"] is not None:
        # whole degrees so that the metadata never narrows down a sensitive location
        bbox = (
            float(int(bounds["south"]) - (bounds["south"] < 0)),
            float(int(bounds["west"]) - (bounds["west"] < 0)),
            float(int(bounds["north"]) + 1),
            float(int(bounds["east"]) + 1),
        )
    classes = sorted(
        set(
            Taxon.objects.filter(pk__in=records.values("taxon_id")).values_list(
                "class_name", flat=True
            )
        )
        - {""}
    )
    return dwca.EmlMetadata(
        title="Barys: occurrence records of rare and endangered animals of Kazakhstan"
        + ("" if not full else " (full, exact locations)"),
        abstract="Occurrence records held in Barys, the information system for rare and "
        "endangered animals of Kazakhstan. "
        + (
            "Locations of sensitive species are "
            "generalised following GBIF's best practices; "
            "see dataGeneralizations in each record."
            if not full
            else "Exact locations: do not publish."
        ),
        licence_url="https://creativecommons.org/licenses/by/4.0/legalcode",
        licence_name="Creative Commons Attribution (CC-BY) 4.0",
        publisher="Institute of Zoology, Republic of Kazakhstan",
        contact_name="Barys data manager",
        contact_email="barys@localhost",
        bounding_box=bbox,
        # whole years in public metadata: an exact first or last date could single out a
        # sensitive record
        date_range=(
            (dates["first"].date().isoformat(), dates["last"].date().isoformat())
            if full
            else (f"{dates['first'].year}-01-01", f"{dates['last'].year}-12-31")
        )
        if dates["first"]
        else None,
        taxa=[("class", c) for c in classes],
        package_id=f"barys-occurrences-{dt.date.today().isoformat()}-v{__version__}",
        pub_date=dt.date.today().isoformat(),
    )
