"""Incidents: sick or weakened animals, deaths, rescues, conflicts, poaching, road kills.

Times are stored in UTC (shown in the installation's zone, Asia/Almaty by default).
Coordinates are WGS84 decimal degrees; uncertainties are metres. Every location shown to a
person goes through :mod:`barys.core.sensitivity` (see :mod:`barys.incidents.access`).
"""

from __future__ import annotations

import uuid
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from barys.core.models import Scope, StoredFile
from barys.individuals.models import Individual
from barys.taxa.models import Taxon


class IncidentType(models.Model):
    """A kind of incident whose typed attributes are described by a JSON schema.

    Curators edit the schema (JSON Schema draft 2020-12, ``type: object``); the incident form
    renders one field per property and the attributes are validated against it on save.
    Properties may carry ``x-title`` and ``x-enum-labels`` (per language) for the form.
    """

    code = models.SlugField(_("code"), max_length=64, unique=True)
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    schema = models.JSONField(
        _("attribute schema"),
        default=dict,
        blank=True,
        help_text=_("JSON Schema of the typed attributes (an object)."),
    )
    default_priority = models.CharField(_("default priority"), max_length=8, default="normal")
    built_in = models.BooleanField(_("built in"), default=False)
    active = models.BooleanField(_("active"), default=True)
    order = models.PositiveSmallIntegerField(_("order"), default=50)

    class Meta:
        ordering = ["order", "code"]
        verbose_name = _("incident type")
        verbose_name_plural = _("incident types")

    def __str__(self) -> str:
        return self.name()

    def name(self, language: str | None = None) -> str:
        language = (language or get_language() or "en")[:2]
        for lang in (language, "en", "ru", "kk"):
            value = getattr(self, f"name_{lang}", "")
            if value:
                return str(value)
        return self.code

    def clean(self) -> None:
        from barys.incidents.schema import SchemaProblem, check_schema

        try:
            check_schema(self.schema)
        except SchemaProblem as exc:
            raise ValidationError({"schema": str(exc)}) from exc
        if self.default_priority not in Incident.Priority.values:
            raise ValidationError({"default_priority": _("Unknown priority.")})


class Incident(models.Model):
    """One incident in the field, with its typed attributes."""

    class State(models.TextChoices):
        NEW = "new", _("new")
        ACTIVE = "active", _("active")
        RESOLVED = "resolved", _("resolved")

    class Priority(models.TextChoices):
        LOW = "low", _("low")
        NORMAL = "normal", _("normal")
        HIGH = "high", _("high")
        URGENT = "urgent", _("urgent")

    class Outcome(models.TextChoices):
        NONE = "", _("not yet known")
        RELEASED = "released", _("released")
        ZOO = "transferred_zoo", _("transferred to a zoo")
        REHABILITATION = "transferred_rehab", _("transferred to a rehabilitation centre")
        DIED = "died", _("died")
        NECROPSY = "necropsy", _("died; necropsy done")
        EUTHANISED = "euthanised", _("euthanised")
        NOT_FOUND = "not_found", _("animal not found")
        OTHER = "other", _("other")

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(
        _("code"), max_length=32, unique=True, help_text=_("Readable number such as INC-2023-0007.")
    )
    type = models.ForeignKey(
        IncidentType, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("type")
    )
    occurred_at = models.DateTimeField(_("date and time"), db_index=True, help_text=_("UTC"))
    scope = models.ForeignKey(
        Scope,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
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
    uncertainty_m = models.FloatField(
        _("location uncertainty (m)"), null=True, blank=True, validators=[MinValueValidator(0)]
    )
    locality = models.CharField(_("locality"), max_length=500, blank=True)
    taxon = models.ForeignKey(
        Taxon,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="incidents",
        verbose_name=_("taxon"),
    )
    individual = models.ForeignKey(
        Individual,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="incidents",
        verbose_name=_("individual"),
    )
    count = models.PositiveIntegerField(_("number of animals"), null=True, blank=True, default=1)
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.NEW, db_index=True
    )
    priority = models.CharField(
        _("priority"),
        max_length=8,
        choices=Priority.choices,
        default=Priority.NORMAL,
        db_index=True,
    )
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("reported by (account)"),
    )
    reporter_name = models.CharField(_("reported by"), max_length=200, blank=True)
    narrative = models.TextField(_("narrative"), blank=True)
    attributes = models.JSONField(_("typed attributes"), default=dict, blank=True)
    outcome = models.CharField(
        _("outcome"), max_length=20, choices=Outcome.choices, blank=True, default=""
    )
    published = models.BooleanField(
        _("published"),
        default=False,
        db_index=True,
        help_text=_("Curators publish an incident for the public (always generalised)."),
    )
    public_summary = models.TextField(
        _("public summary"), blank=True, help_text=_("What the public may read (no places).")
    )
    sensitivity_override = models.PositiveSmallIntegerField(
        _("sensitivity category override"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(4)],
        help_text=_("1–4; empty: the taxon's rule (at least category 2)."),
    )
    related = models.ManyToManyField(
        "self", blank=True, symmetrical=True, verbose_name=_("related incidents")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-occurred_at", "-id"]
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        indexes = [
            models.Index(fields=["scope", "occurred_at"]),
            models.Index(fields=["type", "occurred_at"]),
            models.Index(fields=["published", "occurred_at"]),
            models.Index(fields=["taxon", "occurred_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True, longitude__isnull=True)
                | models.Q(latitude__isnull=False, longitude__isnull=False),
                name="incident_lat_lon_together",
            ),
        ]

    def __str__(self) -> str:
        return self.code or str(self.uuid)

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Validate the typed attributes against the type's schema, then save."""
        from barys.incidents.schema import AttributeErrors, attribute_errors

        errors = attribute_errors(self.type.schema, self.attributes or {})
        if errors:
            raise AttributeErrors(errors)
        super().save(*args, **kwargs)

    @property
    def scope_codes(self) -> tuple[str, ...]:
        return (self.scope.code,) if self.scope_id and self.scope else ()

    def clean(self) -> None:
        from barys.incidents.schema import attribute_errors

        if self.type_id:
            errors = attribute_errors(self.type.schema, self.attributes or {})
            if errors:
                raise ValidationError(
                    {"attributes": [f"{k}: {'; '.join(v)}" for k, v in errors.items()]}
                )

    @property
    def high_priority(self) -> bool:
        return self.priority in HIGH_PRIORITIES


HIGH_PRIORITIES = frozenset({Incident.Priority.HIGH, Incident.Priority.URGENT})


class IncidentAction(models.Model):
    """An action taken on an incident: the incident page's timeline."""

    class Kind(models.TextChoices):
        INSPECTION = "inspection", _("inspection on site")
        CAPTURE = "capture", _("capture or immobilisation")
        TREATMENT = "treatment", _("veterinary treatment")
        TRANSFER = "transfer", _("transfer")
        RELEASE = "release", _("release")
        DEATH = "death", _("death recorded")
        NECROPSY = "necropsy", _("necropsy")
        SAMPLING = "sampling", _("samples taken")
        EVIDENCE = "evidence", _("evidence secured")
        REPORT = "report", _("reported to the authorities")
        NOTE = "note", _("note")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions")
    at = models.DateTimeField(_("date and time"), help_text=_("UTC"))
    kind = models.CharField(_("action"), max_length=16, choices=Kind.choices)
    description = models.TextField(_("description"), blank=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    actor_name = models.CharField(_("done by"), max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("incident action")
        verbose_name_plural = _("incident actions")

    def __str__(self) -> str:
        return f"{self.incident} {self.kind} {self.at:%Y-%m-%d}"


class IncidentAttachment(models.Model):
    """A photo or document of an incident; the original is kept in the file store."""

    class Kind(models.TextChoices):
        PHOTO = "photo", _("photo")
        DOCUMENT = "document", _("document")

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="attachments")
    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    caption = models.CharField(_("caption"), max_length=300, blank=True)
    has_gps = models.BooleanField(_("has GPS position in EXIF"), default=False)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        constraints = [
            models.UniqueConstraint(
                fields=["incident", "file"], name="attachment_once_per_incident"
            )
        ]

    def __str__(self) -> str:
        return f"{self.incident}: {self.file.original_name}"


class IncidentNotification(models.Model):
    """The e-mail sent for a high-priority incident: at most one row (and one mail) each."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="notification")
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    recipients = models.JSONField(default=list, blank=True)

    class Meta:
        verbose_name = _("incident notification")
        verbose_name_plural = _("incident notifications")

    def __str__(self) -> str:
        return f"{self.incident} → {len(self.recipients)}"
