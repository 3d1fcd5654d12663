"""The cryobank: samples (Darwin Core MaterialSample, GGBN), storage containers, permits,
loans and the append-only custody log.

Quantities are in the sample's ``unit``; concentrations in ng/µL; times in UTC. Coordinates
(WGS84 degrees) of where material was collected go through :mod:`barys.core.sensitivity`.
"""

from __future__ import annotations

import uuid
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from barys.core.models import Scope, StoredFile
from barys.individuals.models import Individual
from barys.taxa.models import Taxon

ROW_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"


class Preservation(models.TextChoices):
    LN2_VAPOUR = "ln2_vapour", _("liquid nitrogen, vapour phase (about −150 °C)")
    LN2_LIQUID = "ln2_liquid", _("liquid nitrogen, liquid phase (−196 °C)")
    MINUS_80 = "minus80", _("freezer −80 °C")
    MINUS_20 = "minus20", _("freezer −20 °C")
    ETHANOL = "ethanol", _("ethanol (96 %)")
    DRY = "dry", _("dried (silica)")
    OTHER = "other", _("other")


#: Storage temperature in °C for GGBN ``preservationTemperature``.
PRESERVATION_TEMPERATURE_C: dict[str, str] = {
    "ln2_vapour": "-150",
    "ln2_liquid": "-196",
    "minus80": "-80",
    "minus20": "-20",
    "ethanol": "",
    "dry": "",
    "other": "",
}


class Container(models.Model):
    """A place that holds samples: facility › dewar or freezer › rack › box (› position)."""

    class Kind(models.TextChoices):
        FACILITY = "facility", _("facility")
        DEWAR = "dewar", _("dewar")
        FREEZER = "freezer", _("freezer")
        RACK = "rack", _("rack")
        BOX = "box", _("box")

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, db_index=True)
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
        verbose_name=_("inside"),
    )
    rows = models.PositiveSmallIntegerField(
        _("rows"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(26)]
    )
    columns = models.PositiveSmallIntegerField(
        _("columns"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(30)],
    )
    preservation = models.CharField(
        _("storage condition"), max_length=12, blank=True, choices=Preservation.choices
    )
    notes = models.TextField(_("notes"), blank=True)
    active = models.BooleanField(_("in use"), default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("storage container")
        verbose_name_plural = _("storage containers")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="box")
                | models.Q(rows__isnull=False, columns__isnull=False),
                name="box_has_grid",
            ),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def label(self) -> str:
        return self.name or self.code

    def ancestors(self) -> list[Container]:
        """From the facility down to the parent (not including this container)."""
        chain: list[Container] = []
        node = self.parent
        seen = {self.pk}
        while node is not None and node.pk not in seen:
            chain.append(node)
            seen.add(node.pk)
            node = node.parent
        return list(reversed(chain))

    def path_label(self) -> str:
        """``Facility › Dewar 1 › Rack A › Box 3`` (used in the custody log)."""
        return " › ".join(c.label for c in [*self.ancestors(), self])

    def positions(self) -> list[str]:
        """All positions of a box, row by row (``A1`` … ``I9``); empty for other kinds."""
        if self.kind != self.Kind.BOX or not self.rows or not self.columns:
            return []
        return [f"{ROW_LETTERS[r]}{c + 1}" for r in range(self.rows) for c in range(self.columns)]

    def valid_position(self, position: str) -> bool:
        return position in set(self.positions())


class Permit(models.Model):
    """A permit for collecting, moving or exporting material (CITES and national)."""

    class Kind(models.TextChoices):
        CITES_EXPORT = "cites_export", _("CITES export permit")
        CITES_IMPORT = "cites_import", _("CITES import permit")
        CITES_REEXPORT = "cites_reexport", _("CITES re-export certificate")
        COLLECTION = "collection", _("national collecting permit")
        TRANSFER = "transfer", _("material transfer agreement")
        OTHER = "other", _("other")

    number = models.CharField(_("number"), max_length=100)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    issued_by = models.CharField(_("issued by"), max_length=300, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    remarks = models.TextField(_("remarks"), blank=True)
    document = models.ForeignKey(
        StoredFile, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-issued_on", "number"]
        verbose_name = _("permit")
        verbose_name_plural = _("permits")
        constraints = [models.UniqueConstraint(fields=["kind", "number"], name="permit_once")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"


class Sample(models.Model):
    """A material sample with a readable code such as ``CB-2024-0001`` (aliquots add
    ``-1``, ``-2`` … to their parent's code)."""

    class SourceKind(models.TextChoices):
        INCIDENT = "incident", _("incident")
        CAPTURE = "capture", _("capture")
        NECROPSY = "necropsy", _("necropsy")
        ZOO = "zoo", _("zoo")
        OTHER = "other", _("other")

    class Material(models.TextChoices):
        BLOOD = "blood", _("blood")
        SERUM = "serum", _("serum or plasma")
        SKIN = "skin", _("skin")
        MUSCLE = "muscle", _("muscle")
        ORGAN = "organ", _("organ tissue")
        HAIR = "hair", _("hair")
        FEATHER = "feather", _("feathers")
        SEMEN = "semen", _("semen")
        OOCYTES = "oocytes", _("oocytes")
        EMBRYO = "embryo", _("embryos")
        CELL_CULTURE = "cell_culture", _("cell culture")
        DNA = "dna", _("DNA extract")
        RNA = "rna", _("RNA extract")
        FAECES = "faeces", _("faeces")
        OTHER = "other", _("other")

    class Unit(models.TextChoices):
        ML = "ml", _("mL")
        UL = "ul", _("µL")
        G = "g", _("g")
        MG = "mg", _("mg")
        UG = "ug", _("µg")
        PIECES = "pieces", _("pieces")
        STRAWS = "straws", _("straws")
        VIALS = "vials", _("vials")

    class Status(models.TextChoices):
        STORED = "stored", _("in storage")
        OUT = "out", _("out of storage")
        ON_LOAN = "on_loan", _("on loan")
        USED_UP = "used_up", _("used up")
        DISCARDED = "discarded", _("discarded")

    code = models.CharField(_("sample code"), max_length=40, unique=True)
    uuid = models.UUIDField(_("materialSampleID"), default=uuid.uuid4, unique=True, editable=False)
    taxon = models.ForeignKey(
        Taxon, on_delete=models.PROTECT, related_name="samples", verbose_name=_("taxon")
    )
    individual = models.ForeignKey(
        Individual,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="samples",
        verbose_name=_("individual"),
    )
    parent = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="aliquots",
        verbose_name=_("derived from"),
    )
    source_kind = models.CharField(
        _("source"), max_length=10, choices=SourceKind.choices, default=SourceKind.OTHER
    )
    source_incident = models.ForeignKey(
        "incidents.Incident",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="samples",
        verbose_name=_("incident"),
    )
    source_detail = models.CharField(
        _("source details"), max_length=300, blank=True, help_text=_("E.g. the zoo or the capture.")
    )
    collected_at = models.DateTimeField(
        _("collected at"), null=True, blank=True, help_text=_("UTC")
    )
    collected_by = models.CharField(_("collected by"), max_length=200, blank=True)
    scope = models.ForeignKey(
        Scope,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="samples",
        verbose_name=_("protected area"),
    )
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    uncertainty_m = models.FloatField(_("location uncertainty (m)"), null=True, blank=True)
    locality = models.CharField(_("locality"), max_length=500, blank=True)
    country_code = models.CharField(_("country code"), max_length=2, default="KZ")
    material = models.CharField(
        _("material"), max_length=16, choices=Material.choices, db_index=True
    )
    preparation = models.CharField(
        _("preparation"),
        max_length=200,
        blank=True,
        help_text=_("E.g. EDTA tube, cryovial with DMSO, biopsy."),
    )
    preservation = models.CharField(_("preservation"), max_length=12, choices=Preservation.choices)
    prepared_at = models.DateField(_("prepared on"), null=True, blank=True)
    prepared_by = models.CharField(_("prepared by"), max_length=200, blank=True)
    quantity = models.DecimalField(
        _("quantity"), max_digits=12, decimal_places=3, default=Decimal("0")
    )
    unit = models.CharField(_("unit"), max_length=8, choices=Unit.choices)
    concentration_ng_ul = models.DecimalField(
        _("concentration (ng/µL)"), max_digits=10, decimal_places=2, null=True, blank=True
    )
    ratio_260_280 = models.DecimalField(
        _("absorbance ratio 260/280"), max_digits=5, decimal_places=2, null=True, blank=True
    )
    quality_checked_on = models.DateField(_("quality checked on"), null=True, blank=True)
    quality_remarks = models.CharField(_("quality remarks"), max_length=300, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.STORED, db_index=True
    )
    container = models.ForeignKey(
        Container,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="samples",
        verbose_name=_("container"),
    )
    position = models.CharField(
        _("position"), max_length=8, blank=True, help_text=_("Box position such as A1.")
    )
    thaw_count = models.PositiveSmallIntegerField(_("thaws"), default=0)
    permits = models.ManyToManyField(
        Permit, blank=True, related_name="samples", verbose_name=_("permits")
    )
    remarks = models.TextField(_("remarks"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("sample")
        verbose_name_plural = _("samples")
        constraints = [
            models.UniqueConstraint(
                fields=["container", "position"],
                condition=models.Q(container__isnull=False) & ~models.Q(position=""),
                name="one_sample_per_box_position",
            ),
            models.CheckConstraint(
                condition=models.Q(quantity__gte=0), name="sample_quantity_not_negative"
            ),
            models.CheckConstraint(
                condition=models.Q(position="") | models.Q(container__isnull=False),
                name="sample_position_needs_container",
            ),
        ]
        indexes = [
            models.Index(fields=["taxon", "material"]),
            models.Index(fields=["individual"]),
            models.Index(fields=["scope"]),
            models.Index(fields=["source_incident"]),
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def scope_codes(self) -> tuple[str, ...]:
        return (self.scope.code,) if self.scope_id and self.scope else ()

    @property
    def used_up(self) -> bool:
        return self.status == self.Status.USED_UP or self.quantity <= 0

    def location_label(self) -> str:
        """Where the sample is now, in words (the custody log's from/to)."""
        if self.container_id is None:
            return str(self.get_status_display())
        path = self.container.path_label()
        return f"{path} › {self.position}" if self.position else path


class Loan(models.Model):
    """Material lent to another institution, and its return."""

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="loans")
    reference = models.CharField(_("loan reference"), max_length=100, db_index=True)
    borrower = models.CharField(_("borrower (institution)"), max_length=300)
    contact = models.CharField(_("contact person"), max_length=200, blank=True)
    purpose = models.CharField(_("purpose"), max_length=300, blank=True)
    quantity = models.DecimalField(_("quantity sent"), max_digits=12, decimal_places=3)
    loaned_at = models.DateTimeField(_("sent at"))
    due_on = models.DateField(_("due back on"), null=True, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    quantity_returned = models.DecimalField(
        _("quantity returned"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    permit = models.ForeignKey(
        Permit,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="loans",
        verbose_name=_("permit"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-loaned_at"]
        verbose_name = _("loan")
        verbose_name_plural = _("loans")
        constraints = [
            models.UniqueConstraint(
                fields=["sample"],
                condition=models.Q(returned_at=None),
                name="one_open_loan_per_sample",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.sample} → {self.borrower}"

    @property
    def open(self) -> bool:
        return self.returned_at is None


class CustodyLogImmutable(Exception):
    """The custody log is append-only: its entries cannot be changed or deleted."""


class CustodyEventQuerySet(models.QuerySet["CustodyEvent"]):
    """Refuses bulk updates and deletes (the database refuses them too)."""

    def update(self, **kwargs: Any) -> int:
        raise CustodyLogImmutable("custody log entries cannot be changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise CustodyLogImmutable("custody log entries cannot be deleted")

    def bulk_update(self, objs: Any, fields: Any, batch_size: int | None = None) -> int:
        raise CustodyLogImmutable("custody log entries cannot be changed")

    def update_or_create(self, *args: Any, **kwargs: Any) -> Any:
        raise CustodyLogImmutable("custody log entries cannot be changed")


class CustodyEvent(models.Model):
    """One entry of the append-only custody log: who did what to a sample, when, from where
    to where, and why. Entries are only ever added (model, admin and database triggers)."""

    class Kind(models.TextChoices):
        REGISTERED = "registered", _("registered")
        MOVED = "moved", _("moved")
        CONTAINER_MOVED = "container_moved", _("moved with its container")
        WITHDRAWN = "withdrawn", _("material withdrawn")
        ALIQUOTED = "aliquoted", _("aliquots taken")
        THAWED = "thawed", _("thawed")
        TAKEN_OUT = "taken_out", _("taken out of storage")
        LOANED = "loaned", _("loaned")
        RETURNED = "returned", _("returned from loan")
        USED_UP = "used_up", _("used up")
        DISCARDED = "discarded", _("discarded")

    sample = models.ForeignKey(Sample, on_delete=models.PROTECT, related_name="custody")
    kind = models.CharField(_("event"), max_length=16, choices=Kind.choices, db_index=True)
    at = models.DateTimeField(_("at"), default=timezone.now, db_index=True, help_text=_("UTC"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_label = models.CharField(_("who"), max_length=200)
    from_container = models.ForeignKey(
        Container, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    from_position = models.CharField(max_length=8, blank=True)
    from_label = models.CharField(_("from"), max_length=500, blank=True)
    to_container = models.ForeignKey(
        Container, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    to_position = models.CharField(max_length=8, blank=True)
    to_label = models.CharField(_("to"), max_length=500, blank=True)
    quantity = models.DecimalField(
        _("quantity"),
        max_digits=12,
        decimal_places=3,
        null=True,
        blank=True,
        help_text=_("Amount removed or added."),
    )
    quantity_after = models.DecimalField(
        _("quantity after"), max_digits=12, decimal_places=3, null=True, blank=True
    )
    reason = models.TextField(_("why"), blank=True)
    batch = models.UUIDField(
        null=True,
        blank=True,
        db_index=True,
        help_text=_("Entries made by one operation share this id."),
    )

    objects = CustodyEventQuerySet.as_manager()

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("custody log entry")
        verbose_name_plural = _("custody log")
        indexes = [models.Index(fields=["sample", "at"])]

    def __str__(self) -> str:
        return f"{self.sample_id} {self.kind} {self.at:%Y-%m-%d %H:%M}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding or kwargs.get("force_update") or kwargs.get("update_fields"):
            raise CustodyLogImmutable("custody log entries cannot be changed")
        kwargs["force_insert"] = True
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise CustodyLogImmutable("custody log entries cannot be deleted")
