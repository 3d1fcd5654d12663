"""Unified occurrence records (Darwin Core), their sources and imports."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.core.models import StoredFile
from barys.taxa.models import Taxon


class Source(models.Model):
    """A dataset records come from: a survey, a museum collection, a publication, a file."""

    code = models.SlugField(_("code"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    citation = models.TextField(_("citation"), blank=True)
    licence = models.CharField(_("licence"), max_length=200, blank=True)
    contact = models.CharField(_("contact"), max_length=300, blank=True)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["title"]
        verbose_name = _("source")
        verbose_name_plural = _("sources")

    def __str__(self) -> str:
        return self.title


class ImportBatch(models.Model):
    """One import of one file into one source; resumable from ``rows_done``."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="batches")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=500)
    format = models.CharField(max_length=20)
    column_map = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=16, choices=State.choices, default=State.RUNNING)
    rows_done = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=list, blank=True, help_text=_("Rejected rows: row number, field and reason.")
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        constraints = [
            models.UniqueConstraint(fields=["source", "file"], name="import_once_per_source_file")
        ]

    def __str__(self) -> str:
        return f"{self.file_name} → {self.source} ({self.state})"


class Occurrence(models.Model):
    """A Darwin Core occurrence. Field names follow the terms in snake case."""

    class Basis(models.TextChoices):
        HUMAN = "HumanObservation", "HumanObservation"
        MACHINE = "MachineObservation", "MachineObservation"
        PRESERVED = "PreservedSpecimen", "PreservedSpecimen"
        MATERIAL_SAMPLE = "MaterialSample", "MaterialSample"
        LIVING = "LivingSpecimen", "LivingSpecimen"
        CITATION = "MaterialCitation", "MaterialCitation"
        OCCURRENCE = "Occurrence", "Occurrence"

    class DatePrecision(models.TextChoices):
        YEAR = "year", _("year")
        MONTH = "month", _("month")
        DAY = "day", _("day")
        DATETIME = "datetime", _("date and time")
        INTERVAL = "interval", _("interval")

    class Match(models.TextChoices):
        EXACT = "exact", _("exact")
        SYNONYM = "synonym", _("synonym")
        VERNACULAR = "vernacular", _("vernacular name")
        FUZZY = "fuzzy", _("fuzzy")
        NONE = "none", _("none")

    occurrence_id = models.UUIDField("occurrenceID", unique=True, default=uuid.uuid4)
    source = models.ForeignKey(Source, on_delete=models.PROTECT, related_name="occurrences")
    batch = models.ForeignKey(
        ImportBatch, null=True, blank=True, on_delete=models.SET_NULL, related_name="occurrences"
    )
    row_number = models.PositiveIntegerField(null=True, blank=True)
    basis_of_record = models.CharField(
        "basisOfRecord", max_length=24, choices=Basis.choices, default=Basis.HUMAN
    )
    event_date_start = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text=_("UTC")
    )
    event_date_end = models.DateTimeField(null=True, blank=True)
    event_date_precision = models.CharField(
        max_length=10, choices=DatePrecision.choices, blank=True
    )
    verbatim_event_date = models.CharField(max_length=100, blank=True)
    year = models.PositiveSmallIntegerField(null=True, blank=True, db_index=True)
    taxon = models.ForeignKey(
        Taxon, null=True, blank=True, on_delete=models.PROTECT, related_name="occurrences"
    )
    verbatim_name = models.CharField("verbatimScientificName", max_length=300, blank=True)
    match_type = models.CharField(max_length=12, choices=Match.choices, default=Match.NONE)
    latitude = models.FloatField("decimalLatitude", null=True, blank=True)
    longitude = models.FloatField("decimalLongitude", null=True, blank=True)
    coordinate_uncertainty_m = models.FloatField(
        "coordinateUncertaintyInMeters", null=True, blank=True
    )
    geodetic_datum = models.CharField("geodeticDatum", max_length=20, default="WGS84")
    locality = models.CharField(max_length=500, blank=True)
    region = models.CharField(_("region (verbatim)"), max_length=200, blank=True)
    oblast = models.CharField(_("oblast"), max_length=64, blank=True, db_index=True)
    protected_area = models.CharField(
        _("protected area"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Scope code of the area."),
    )
    individual_count = models.IntegerField("individualCount", null=True, blank=True)
    sex = models.CharField(max_length=30, blank=True)
    life_stage = models.CharField("lifeStage", max_length=50, blank=True)
    occurrence_status = models.CharField("occurrenceStatus", max_length=10, default="present")
    establishment_means = models.CharField("establishmentMeans", max_length=30, blank=True)
    organism_id = models.CharField("organismID", max_length=100, blank=True, db_index=True)
    recorded_by = models.CharField("recordedBy", max_length=300, blank=True)
    identified_by = models.CharField("identifiedBy", max_length=300, blank=True)
    associated_media = models.TextField("associatedMedia", blank=True)
    remarks = models.TextField("occurrenceRemarks", blank=True)
    h3_3 = models.BigIntegerField(null=True, blank=True)
    h3_5 = models.BigIntegerField(null=True, blank=True)
    h3_7 = models.BigIntegerField(null=True, blank=True)
    h3_9 = models.BigIntegerField(null=True, blank=True)
    flags = models.BigIntegerField(
        _("quality flags"), default=0, help_text=_("Bit set of barys.records.quality.FLAGS")
    )
    sensitivity_override = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        help_text=_("0 not sensitive, 1–4 GBIF category; empty: the taxon's rule"),
    )
    withhold_location = models.BooleanField(
        default=False, help_text=_("Dens, live positions and other places never shown.")
    )
    public_h3_res = models.PositiveSmallIntegerField(
        default=9, help_text=_("Finest H3 resolution the public may see; 0 withheld.")
    )
    verbatim = models.JSONField(default=dict, blank=True)
    transformations = models.JSONField(default=list, blank=True)
    version = models.PositiveIntegerField(default=1)
    content_hash = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-event_date_start", "id"]
        verbose_name = _("occurrence")
        verbose_name_plural = _("occurrences")
        indexes = [
            models.Index(fields=["taxon", "event_date_start"]),
            models.Index(fields=["latitude", "longitude"]),
            models.Index(fields=["source", "row_number"]),
            models.Index(
                fields=[
                    "taxon",
                    "year",
                    "source",
                    "occurrence_status",
                    "flags",
                    "latitude",
                    "longitude",
                ]
            ),
            models.Index(fields=["h3_9", "taxon"]),
        ]

    def __str__(self) -> str:
        return str(self.occurrence_id)

    @property
    def scope_codes(self) -> tuple[str, ...]:
        return (self.protected_area,) if self.protected_area else ()


class OccurrenceCell(models.Model):
    """Public map aggregate: records per taxon and H3 cell, never finer than the policy."""

    taxon = models.ForeignKey(Taxon, on_delete=models.CASCADE, related_name="+")
    res = models.PositiveSmallIntegerField()
    cell = models.BigIntegerField()
    count = models.PositiveIntegerField(default=0)
    count_at_limit = models.PositiveIntegerField(
        default=0, help_text=_("Records that may not be shown finer than this resolution.")
    )
    latitude = models.FloatField()
    longitude = models.FloatField()
    first_year = models.PositiveSmallIntegerField(null=True, blank=True)
    last_year = models.PositiveSmallIntegerField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["taxon", "res", "cell"], name="cell_once_per_taxon")
        ]
        indexes = [
            models.Index(fields=["res", "latitude", "longitude"]),
            models.Index(fields=["res", "cell"]),
        ]

    def __str__(self) -> str:
        return f"{self.taxon_id} r{self.res} {self.cell}: {self.count}"
