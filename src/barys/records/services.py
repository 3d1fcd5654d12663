"""Occurrence services: filtering, presentation through the sensitivity policy, summaries."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, Max, Min, OuterRef, QuerySet

from barys.core import sensitivity
from barys.core.access_log import log_access
from barys.records import policy, quality
from barys.records.models import ImportBatch, Occurrence, Source
from barys.taxa.models import Taxon


@dataclass
class OccurrenceFilters:
    taxon: str = ""  # slug
    source: str = ""  # code
    year_from: int | None = None
    year_to: int | None = None
    oblast: str = ""
    flag: str = ""
    bbox: tuple[float, float, float, float] | None = None  # west, south, east, north
    errors: list[str] = field(default_factory=list)

    @classmethod
    def from_params(cls, params: Any) -> OccurrenceFilters:
        filters = cls(
            taxon=str(params.get("taxon", "") or ""),
            source=str(params.get("source", "") or ""),
            oblast=str(params.get("oblast", "") or ""),
            flag=str(params.get("flag", "") or ""),
        )
        for name in ("year_from", "year_to"):
            raw = params.get(name)
            if raw not in (None, ""):
                try:
                    setattr(filters, name, int(raw))
                except ValueError:
                    filters.errors.append(f"{name}: expected a year")
        raw_bbox = params.get("bbox")
        if raw_bbox:
            filters.bbox = parse_bbox(str(raw_bbox), filters.errors)
        if filters.flag and filters.flag not in quality.FLAGS:
            filters.errors.append(f"flag: unknown flag {filters.flag!r}")
            filters.flag = ""
        return filters

    def queryset(self) -> QuerySet[Occurrence]:
        records = Occurrence.objects.all()
        if self.taxon:
            taxon = Taxon.objects.filter(slug=self.taxon).first()
            ids = [taxon.pk] if taxon else []
            if taxon is not None:
                ids += list(Taxon.objects.filter(parent=taxon).values_list("pk", flat=True))
            records = records.filter(taxon_id__in=ids)
        if self.source:
            records = records.filter(source__code=self.source)
        if self.year_from is not None:
            records = records.filter(year__gte=self.year_from)
        if self.year_to is not None:
            records = records.filter(year__lte=self.year_to)
        if self.oblast:
            records = records.filter(oblast=self.oblast)
        if self.flag:
            records = records.annotate(flag_bit=F("flags").bitand(quality.FLAGS[self.flag])).filter(
                flag_bit__gt=0
            )
        return records


def parse_bbox(text: str, errors: list[str]) -> tuple[float, float, float, float] | None:
    try:
        west, south, east, north = (float(v) for v in text.split(","))
    except ValueError:
        errors.append("bbox: expected west,south,east,north in degrees")
        return None
    if not (-180 <= west <= 180 and -180 <= east <= 180 and -90 <= south <= north <= 90):
        errors.append("bbox: outside the valid range")
        return None
    return west, south, east, north


@dataclass
class PresentedOccurrence:
    occurrence: Occurrence
    location: sensitivity.LocationView
    flags: list[str]

    @property
    def exact(self) -> bool:
        return self.location.exact

    def darwin_core(self) -> dict[str, Any]:
        """The record as Darwin Core terms, as this viewer may see it."""
        o, loc = self.occurrence, self.location
        taxon = o.taxon
        return {
            "occurrenceID": str(o.occurrence_id),
            "basisOfRecord": o.basis_of_record,
            "eventDate": loc.event_date,
            "year": int(loc.event_date[:4]) if loc.event_date else None,
            "scientificName": taxon.scientific_name if taxon else o.verbatim_name,
            "scientificNameAuthorship": taxon.authorship if taxon else "",
            "verbatimScientificName": o.verbatim_name,
            "vernacularName": taxon.name() if taxon else "",
            "taxonRank": taxon.rank if taxon else "",
            "decimalLatitude": loc.latitude,
            "decimalLongitude": loc.longitude,
            "coordinateUncertaintyInMeters": loc.uncertainty_m,
            "geodeticDatum": o.geodetic_datum if loc.latitude is not None else "",
            "country": "Kazakhstan",
            "countryCode": "KZ",
            "stateProvince": o.oblast or o.region,
            "locality": loc.locality,
            "individualCount": o.individual_count,
            "sex": o.sex,
            "lifeStage": o.life_stage,
            "occurrenceStatus": o.occurrence_status,
            "establishmentMeans": o.establishment_means,
            "organismID": o.organism_id,
            "recordedBy": o.recorded_by,
            "identifiedBy": o.identified_by,
            "associatedMedia": o.associated_media if loc.exact else "",
            "occurrenceRemarks": o.remarks if loc.exact else "",
            "datasetName": o.source.title,
            "license": o.source.licence,
            "dataGeneralizations": loc.data_generalizations,
            "informationWithheld": loc.information_withheld,
            "modified": o.updated_at.isoformat() if o.updated_at else "",
        }


def present(records: list[Occurrence], *, user: Any, surface: str) -> list[PresentedOccurrence]:
    """Records as ``user`` may see them; exact views of sensitive records are logged once."""
    presented = []
    exact_sensitive = 0
    for o in records:
        view = policy.unlogged_view(o, user=user)
        if sensitivity.is_exact_sensitive(view, withhold_entirely=o.withhold_location):
            exact_sensitive += 1
        presented.append(PresentedOccurrence(o, view, quality.from_bits(o.flags)))
    if exact_sensitive:
        object_id = str(records[0].occurrence_id) if len(records) == 1 else "*"
        log_access(
            actor=user,
            surface=surface,
            object_type="records.occurrence",
            object_id=object_id,
            count=exact_sensitive,
        )
    return presented


def taxa_with_records() -> QuerySet[Taxon]:
    """Taxa that have at least one record, by name: one probe of the records' taxon index
    per taxon (a join with DISTINCT would read every record's index entry)."""
    held = Occurrence.objects.filter(taxon=OuterRef("pk"))
    return Taxon.objects.filter(Exists(held)).order_by("scientific_name")


def page(
    filters: OccurrenceFilters, *, limit: int = 50, after_id: int | None = None
) -> tuple[list[Occurrence], int | None]:
    """A page of records, newest id first, and the id to continue after (keyset paging)."""
    records = filters.queryset().select_related("taxon", "source").order_by("-id")
    if after_id is not None:
        records = records.filter(id__lt=after_id)
    rows = list(records[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, (rows[-1].pk if more and rows else None)


@dataclass
class TaxonRecordSummary:
    count: int
    first_year: int | None
    last_year: int | None
    last_confirmed: str  # as precise as the policy allows the public ("" when none)
    sources: int


def taxon_summary(taxon: Taxon) -> TaxonRecordSummary:
    """Record count, years covered and the last confirmed record (present, no flags on date
    or name) of a taxon and its subspecies."""
    ids = [taxon.pk, *Taxon.objects.filter(parent=taxon).values_list("pk", flat=True)]
    records = Occurrence.objects.filter(taxon_id__in=ids)
    stats = records.aggregate(
        n=Count("id"), first=Min("year"), last=Max("year"), sources=Count("source", distinct=True)
    )
    doubtful = quality.to_bits(
        ["RECORDED_DATE_INVALID", "RECORDED_DATE_UNLIKELY", "TAXON_MATCH_FUZZY"]
    )
    confirmed = (
        records.filter(occurrence_status="present", event_date_start__isnull=False)
        .annotate(doubt=F("flags").bitand(doubtful))
        .filter(doubt=0)
    )
    last = confirmed.select_related("taxon").order_by("-event_date_start").first()
    shown = ""
    if last is not None:
        shown = sensitivity.generalise(
            latitude=None,
            longitude=None,
            uncertainty_m=None,
            locality="",
            event_date=policy.event_date_text(last)[:10],
            category=policy.category_of(last),
            withhold_entirely=last.withhold_location,
        ).event_date
    return TaxonRecordSummary(stats["n"], stats["first"], stats["last"], shown, stats["sources"])


def source_quality(source: Source) -> dict[str, Any]:
    """Per-flag counts and import outcomes of one source."""
    # one pass: the database counts each combination of flags (few ever occur), the
    # combinations add up to the source's records
    combinations = source.occurrences.order_by().values_list("flags").annotate(n=Count("id"))
    records = 0
    counts: Counter[str] = Counter()
    for bits, n in combinations:
        records += n
        for name in quality.from_bits(bits):
            counts[name] += n
    batches = list(ImportBatch.objects.filter(source=source))
    return {
        "records": records,
        "flags": sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])),
        "batches": batches,
        "rejected": sum(b.rejected for b in batches),
    }
