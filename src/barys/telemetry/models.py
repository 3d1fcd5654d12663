"""GPS telemetry after Movebank's data model: tags, deployments on individuals, fixes.

* :class:`Tag` -- a collar (maker, model, serial number, sensors), identified like Movebank's
  ``tag-local-identifier``.
* :class:`TagDeployment` -- a tag on an individual from ``deploy_on`` to ``deploy_off`` (UTC),
  with the places, the attachment and why it ended.
* :class:`Fix` -- one GPS fix (or a failed fix attempt without coordinates) in UTC, with its
  quality (DOP, satellites, fix type), sensors (temperature, battery) and the cleaning flags.
  Flags never delete: a flagged fix is kept and marked ``outlier``; a researcher can
  override the verdict (audited).
* :class:`TelemetryImport` -- one import of one file: resumable from ``rows_done``.
* :class:`MovementLimit` -- the per-taxon maximum sustained speed used by the cleaning.
* :class:`HomeRange` -- derived home ranges per individual, season, method and level
  (rebuildable from the fixes).
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.core.models import Scope, StoredFile
from barys.individuals.models import Individual
from barys.taxa.models import Taxon


class Tag(models.Model):
    """A tracking tag (a GPS collar)."""

    class Sensor(models.TextChoices):
        GPS = "gps", _("GPS")
        ARGOS = "argos", _("Argos")
        ACCELEROMETER = "accelerometer", _("accelerometer")
        TEMPERATURE = "temperature", _("temperature")
        ACTIVITY = "activity", _("activity")
        MORTALITY = "mortality", _("mortality sensor")
        VHF = "vhf", _("VHF beacon")

    local_identifier = models.CharField(
        _("tag ID"),
        max_length=100,
        unique=True,
        help_text=_("As in Movebank's tag-local-identifier."),
    )
    manufacturer = models.CharField(_("maker"), max_length=200, blank=True)
    model = models.CharField(_("model"), max_length=200, blank=True)
    serial_number = models.CharField(_("serial number"), max_length=100, blank=True)
    sensors = models.JSONField(
        _("sensors"),
        default=list,
        blank=True,
        help_text=_("List of sensor kinds, e.g. gps, temperature."),
    )
    scope = models.ForeignKey(
        Scope,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="tags",
        verbose_name=_("protected area"),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["local_identifier"]
        verbose_name = _("tag (collar)")
        verbose_name_plural = _("tags (collars)")

    def __str__(self) -> str:
        label = " ".join(p for p in (self.manufacturer, self.model) if p)
        return f"{self.local_identifier} ({label})" if label else self.local_identifier


class TagDeployment(models.Model):
    """A tag on an individual: when and where it was put on and taken off (UTC, WGS84)."""

    class Attachment(models.TextChoices):
        COLLAR = "collar", _("collar")
        HARNESS = "harness", _("harness")
        EAR_TAG = "ear-tag", _("ear tag")
        IMPLANT = "implant", _("implant")
        GLUE = "glue", _("glue")
        OTHER = "other", _("other")

    class EndReason(models.TextChoices):
        ONGOING = "", _("ongoing")
        DROP_OFF = "drop-off", _("scheduled drop-off")
        REMOVED = "removed", _("removed")
        BATTERY = "battery", _("battery exhausted")
        FAILURE = "failure", _("equipment failure")
        DIED = "died", _("the animal died")
        LOST = "lost", _("contact lost")
        OTHER = "other", _("other")

    tag = models.ForeignKey(
        Tag, on_delete=models.PROTECT, related_name="deployments", verbose_name=_("tag")
    )
    individual = models.ForeignKey(
        Individual,
        on_delete=models.PROTECT,
        related_name="tag_deployments",
        verbose_name=_("individual"),
    )
    deploy_on = models.DateTimeField(_("deployed on (UTC)"))
    deploy_off = models.DateTimeField(_("deployed off (UTC)"), null=True, blank=True)
    deploy_on_latitude = models.FloatField(_("deployment latitude"), null=True, blank=True)
    deploy_on_longitude = models.FloatField(_("deployment longitude"), null=True, blank=True)
    deploy_off_latitude = models.FloatField(_("end latitude"), null=True, blank=True)
    deploy_off_longitude = models.FloatField(_("end longitude"), null=True, blank=True)
    attachment = models.CharField(
        _("attachment"), max_length=16, choices=Attachment.choices, default=Attachment.COLLAR
    )
    end_reason = models.CharField(
        _("end reason"),
        max_length=16,
        choices=EndReason.choices,
        default=EndReason.ONGOING,
        blank=True,
    )
    automatic = models.BooleanField(
        _("created by an import"),
        default=False,
        help_text=_(
            "Created by an import from the fixes' tag and individual; its dates "
            "follow the fixes until a person edits it."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["individual", "deploy_on"]
        verbose_name = _("tag deployment")
        verbose_name_plural = _("tag deployments")
        indexes = [models.Index(fields=["individual", "deploy_on"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(deploy_off__isnull=True)
                | models.Q(deploy_off__gte=models.F("deploy_on")),
                name="deployment_off_after_on",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tag.local_identifier} → {self.individual.code}"

    @property
    def active(self) -> bool:
        return self.deploy_off is None

    def covers(self, moment: Any) -> bool:
        """Whether ``moment`` (UTC datetime) falls inside the deployment."""
        return self.deploy_on <= moment and (self.deploy_off is None or moment <= self.deploy_off)


class Fix(models.Model):
    """One GPS fix (or a fix attempt without a location), timestamp in UTC.

    ``flags`` is a bit set of :data:`barys.telemetry.cleaning.FLAGS`; ``flag_values`` holds the
    numbers behind them (speed in km/h, HDOP…); ``outlier`` is the verdict used by the
    analyses: flagged and not overridden as valid, or overridden as an outlier.
    """

    class Override(models.TextChoices):
        NONE = "", _("no override")
        VALID = "valid", _("valid despite the flags")
        OUTLIER = "outlier", _("outlier")

    individual = models.ForeignKey(
        Individual, on_delete=models.PROTECT, related_name="fixes", db_index=False
    )
    deployment = models.ForeignKey(
        TagDeployment,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="fixes",
        db_index=False,  # covered by the index (deployment, timestamp)
    )
    timestamp = models.DateTimeField(_("time (UTC)"))
    latitude = models.FloatField(_("latitude"), null=True, blank=True)
    longitude = models.FloatField(_("longitude"), null=True, blank=True)
    location_key = models.BigIntegerField(
        default=0, help_text=_("Exact coordinates as one integer (0: none), for duplicates.")
    )
    altitude_m = models.FloatField(_("altitude (m)"), null=True, blank=True)
    altitude_reference = models.CharField(
        max_length=9,
        blank=True,
        choices=[("ellipsoid", _("above the WGS84 ellipsoid")), ("msl", _("above mean sea level"))],
    )
    hdop = models.FloatField(_("HDOP"), null=True, blank=True)
    dop = models.FloatField(_("DOP"), null=True, blank=True)
    satellites = models.SmallIntegerField(_("satellites"), null=True, blank=True)
    fix_type = models.SmallIntegerField(
        _("fix type"),
        null=True,
        blank=True,
        help_text=_("1 none, 2 2D, 3 3D (or the maker's code)"),
    )
    temperature_c = models.FloatField(_("temperature (°C)"), null=True, blank=True)
    battery_mv = models.FloatField(_("battery (mV)"), null=True, blank=True)
    event_id = models.CharField(_("event ID"), max_length=40, blank=True)
    source_visible = models.BooleanField(
        null=True, blank=True, help_text=_("Movebank's 'visible' in the imported file.")
    )
    flags = models.IntegerField(_("flags"), default=0)
    flag_values = models.JSONField(null=True, blank=True)
    outlier = models.BooleanField(_("outlier"), default=False)
    override = models.CharField(
        _("override"), max_length=8, choices=Override.choices, blank=True, default=Override.NONE
    )
    override_reason = models.TextField(_("reason for the override"), blank=True)
    override_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_index=False,
    )
    override_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["individual", "timestamp", "location_key"]  # the unique index's order
        verbose_name = _("fix")
        verbose_name_plural = _("fixes")
        constraints = [
            models.UniqueConstraint(
                fields=["individual", "timestamp", "location_key"],
                name="fix_once_per_individual_time_place",
            ),
        ]
        # The unique constraint's index serves "an individual's fixes in time order"; this
        # one the collar list (count, first and last fix per deployment).
        indexes = [models.Index(fields=["deployment", "timestamp"], name="fix_deployment_time")]

    def __str__(self) -> str:
        return f"{self.individual_id} {self.timestamp:%Y-%m-%d %H:%M:%S}"

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class TelemetryImport(models.Model):
    """One import of one file; chunks commit with ``rows_done`` so a rerun resumes."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    file = models.ForeignKey(StoredFile, on_delete=models.PROTECT, related_name="+")
    file_name = models.CharField(max_length=500)
    format = models.CharField(max_length=16)  # "movebank" or "csv"
    options = models.JSONField(
        default=dict, blank=True, help_text=_("Column map, individual map, timestamp format.")
    )
    options_key = models.CharField(
        max_length=64,
        blank=True,
        help_text=_(
            "SHA-256 of the reading options: the same file read the same way is imported once."
        ),
    )
    state = models.CharField(max_length=8, choices=State.choices, default=State.RUNNING)
    rows_done = models.PositiveBigIntegerField(
        default=0, help_text=_("File row number (the header is row 1) of the last committed row.")
    )
    created = models.PositiveBigIntegerField(default=0)
    duplicates = models.PositiveBigIntegerField(default=0)
    rejected = models.PositiveBigIntegerField(default=0)
    report = models.JSONField(
        default=list, blank=True, help_text=_("Rejected rows: row number, field and reason.")
    )
    message = models.TextField(blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("telemetry import")
        verbose_name_plural = _("telemetry imports")
        constraints = [
            models.UniqueConstraint(
                fields=["file", "format", "options_key"], name="telemetry_import_once_per_file"
            )
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.state})"


class MovementLimit(models.Model):
    """The cleaning's speed limits for one taxon (and its subspecies, unless they have one)."""

    taxon = models.OneToOneField(
        Taxon, on_delete=models.CASCADE, related_name="movement_limit", verbose_name=_("taxon")
    )
    max_speed_kmh = models.FloatField(
        _("maximum sustained speed (km/h)"),
        help_text=_("A step between two fixes faster than this is flagged as too fast."),
    )
    spike_speed_kmh = models.FloatField(
        _("spike speed (km/h)"),
        null=True,
        blank=True,
        help_text=_(
            "Out-and-back spikes need both steps faster than this; empty: half the maximum speed."
        ),
    )
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        verbose_name = _("movement limit")
        verbose_name_plural = _("movement limits")

    def __str__(self) -> str:
        return f"{self.taxon}: {self.max_speed_kmh:g} km/h"


class HomeRange(models.Model):
    """A home range of one individual in one season (derived; rebuilt from the fixes).

    ``geometry`` is the exact (multi)polygon as GeoJSON in WGS84 degrees; ``public_geometry``
    the generalised seasonal range the public may see (only on the KDE 95 % rows; null when
    withheld), computed from fixes older than the live window and snapped to a coarse grid.
    """

    class Method(models.TextChoices):
        MCP = "mcp", _("minimum convex polygon")
        KDE = "kde", _("kernel density")

    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="home_ranges")
    season = models.CharField(_("season"), max_length=16)
    method = models.CharField(_("method"), max_length=4, choices=Method.choices)
    level = models.FloatField(_("level (%)"))
    area_km2 = models.FloatField(_("area (km²)"))
    n_fixes = models.PositiveIntegerField(_("fixes used"))
    first_fix = models.DateTimeField(null=True, blank=True)
    last_fix = models.DateTimeField(null=True, blank=True)
    geometry = models.JSONField()
    parameters = models.JSONField(default=dict, blank=True)
    public_geometry = models.JSONField(null=True, blank=True)
    public_cell_deg = models.FloatField(null=True, blank=True)
    public_until = models.DateTimeField(
        null=True, blank=True, help_text=_("Fixes up to this time were used.")
    )
    computed_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["individual", "season", "method", "level"]
        verbose_name = _("home range")
        verbose_name_plural = _("home ranges")
        constraints = [
            models.UniqueConstraint(
                fields=["individual", "season", "method", "level"], name="home_range_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.individual_id} {self.season} {self.method} {self.level:g}%"
