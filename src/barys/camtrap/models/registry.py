"""The camera-trap registry: surveys, stations, cameras, deployments and their outages.

Times are stored in UTC; a deployment keeps the time zone its camera clock was set to
(an IANA name such as ``Asia/Almaty`` or a fixed offset such as ``+06:00``), so that the
camera's local times can be written back as they were.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.taxa.models import Taxon


def new_uuid_text() -> str:
    """A new random UUID as text (the default of published identifiers)."""
    return str(uuid.uuid4())


class Survey(models.Model):
    """A camera-trap survey (Camtrap DP ``project``): one data package when exported."""

    class SamplingDesign(models.TextChoices):
        SIMPLE_RANDOM = "simpleRandom", _("simple random")
        SYSTEMATIC_RANDOM = "systematicRandom", _("systematic random")
        CLUSTERED_RANDOM = "clusteredRandom", _("clustered random")
        EXPERIMENTAL = "experimental", _("experimental")
        TARGETED = "targeted", _("targeted")
        OPPORTUNISTIC = "opportunistic", _("opportunistic")

    code = models.SlugField(_("code"), max_length=100, unique=True)
    title = models.CharField(_("title"), max_length=300)
    acronym = models.CharField(_("acronym"), max_length=50, blank=True)
    description = models.TextField(_("description"), blank=True)
    sampling_design = models.CharField(
        _("sampling design"),
        max_length=20,
        choices=SamplingDesign.choices,
        default=SamplingDesign.TARGETED,
        help_text=_("Camtrap DP samplingDesign."),
    )
    capture_methods = models.JSONField(
        _("capture methods"),
        default=list,
        blank=True,
        help_text=_("Camtrap DP captureMethod values: activityDetection, timeLapse."),
    )
    start_date = models.DateField(_("start"), null=True, blank=True)
    end_date = models.DateField(_("end"), null=True, blank=True)
    scope_code = models.CharField(
        _("protected area"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Scope code of the protected area or project that runs the survey."),
    )
    target_taxa = models.ManyToManyField(
        Taxon,
        blank=True,
        related_name="camera_surveys",
        verbose_name=_("target taxa"),
        help_text=_("Taxa the survey is designed for; their sensitivity applies to its stations."),
    )
    package_metadata = models.JSONField(
        default=dict,
        blank=True,
        help_text=_("Camtrap DP package metadata kept from an import (contributors, licences…)."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-start_date", "code"]
        verbose_name = _("camera-trap survey")
        verbose_name_plural = _("camera-trap surveys")

    def __str__(self) -> str:
        return self.title


class Station(models.Model):
    """A camera location (Camtrap DP ``locationID``) within a survey."""

    class FeatureType(models.TextChoices):
        ROAD_PAVED = "roadPaved", _("paved road")
        ROAD_DIRT = "roadDirt", _("dirt road")
        TRAIL_HIKING = "trailHiking", _("hiking trail")
        TRAIL_GAME = "trailGame", _("game trail")
        ROAD_UNDERPASS = "roadUnderpass", _("road underpass")
        ROAD_OVERPASS = "roadOverpass", _("road overpass")
        ROAD_BRIDGE = "roadBridge", _("road bridge")
        CULVERT = "culvert", _("culvert")
        BURROW = "burrow", _("burrow")
        NEST_SITE = "nestSite", _("nest site")
        CARCASS = "carcass", _("carcass")
        WATER_SOURCE = "waterSource", _("water source")
        FRUITING_TREE = "fruitingTree", _("fruiting tree")

    survey = models.ForeignKey(Survey, on_delete=models.CASCADE, related_name="stations")
    code = models.CharField(_("code"), max_length=100)
    name = models.CharField(_("name"), max_length=300, blank=True)
    latitude = models.FloatField(_("latitude"), help_text=_("WGS84 degrees"))
    longitude = models.FloatField(_("longitude"), help_text=_("WGS84 degrees"))
    coordinate_uncertainty_m = models.PositiveIntegerField(
        _("coordinate uncertainty"), null=True, blank=True, help_text=_("metres")
    )
    elevation_m = models.FloatField(_("elevation"), null=True, blank=True, help_text=_("metres"))
    habitat = models.CharField(_("habitat"), max_length=500, blank=True)
    feature_type = models.CharField(
        _("feature type"), max_length=20, choices=FeatureType.choices, blank=True
    )
    scope_code = models.CharField(
        _("protected area"),
        max_length=64,
        blank=True,
        db_index=True,
        help_text=_("Scope code of the protected area whose staff run the station."),
    )
    comments = models.TextField(_("comments"), blank=True)

    class Meta:
        ordering = ["survey", "code"]
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        constraints = [
            models.UniqueConstraint(fields=["survey", "code"], name="station_code_per_survey")
        ]

    def __str__(self) -> str:
        return self.code

    @property
    def scope_codes(self) -> tuple[str, ...]:
        return (self.scope_code,) if self.scope_code else ()


class Camera(models.Model):
    """A physical camera, with who owns or donated it and its state."""

    class Status(models.TextChoices):
        IN_USE = "in_use", _("in use")
        IN_STORE = "in_store", _("in store")
        IN_REPAIR = "in_repair", _("in repair")
        LOST = "lost", _("lost or stolen")
        RETIRED = "retired", _("retired")

    serial = models.CharField(_("serial number"), max_length=100, unique=True)
    make = models.CharField(_("make"), max_length=100, blank=True)
    model = models.CharField(_("model"), max_length=100, blank=True)
    owner = models.CharField(_("owner"), max_length=200, blank=True)
    donor = models.CharField(
        _("donor"),
        max_length=200,
        blank=True,
        help_text=_("Who donated it, and under which programme."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.IN_USE, db_index=True
    )
    scope_code = models.CharField(_("protected area"), max_length=64, blank=True, db_index=True)
    notes = models.TextField(_("notes"), blank=True)

    class Meta:
        ordering = ["serial"]
        verbose_name = _("camera")
        verbose_name_plural = _("cameras")

    def __str__(self) -> str:
        return f"{self.make} {self.model} {self.serial}".strip()

    @property
    def camera_model_text(self) -> str:
        """Camtrap DP ``cameraModel``: ``make-model``."""
        if self.make and self.model:
            return f"{self.make}-{self.model}"
        return self.model or self.make


class Deployment(models.Model):
    """A camera at a station from ``start`` to ``end`` (UTC), with its set-up.

    Clock correction: the camera's local time ``t`` becomes ``t + clock_offset_s +
    clock_drift_s_per_day × (t − clock_anchor) / 1 day``; the original time of every medium
    is kept, so a correction can be changed or undone.
    """

    deployment_id = models.CharField(
        "deploymentID", max_length=64, unique=True, default=new_uuid_text
    )
    code = models.CharField(_("code"), max_length=100, unique=True)
    station = models.ForeignKey(Station, on_delete=models.PROTECT, related_name="deployments")
    camera = models.ForeignKey(
        Camera, null=True, blank=True, on_delete=models.PROTECT, related_name="deployments"
    )
    start = models.DateTimeField(_("start"), help_text=_("UTC"))
    end = models.DateTimeField(_("end"), null=True, blank=True, help_text=_("UTC"))
    time_zone = models.CharField(
        _("camera time zone"),
        max_length=64,
        default="Asia/Almaty",
        help_text=_("IANA zone (Asia/Almaty) or fixed offset (+06:00) of the camera clock."),
    )
    camera_height_m = models.FloatField(
        _("camera height"), null=True, blank=True, help_text=_("metres")
    )
    camera_depth_m = models.FloatField(
        _("camera depth"), null=True, blank=True, help_text=_("metres")
    )
    camera_tilt_deg = models.SmallIntegerField(
        _("camera tilt"), null=True, blank=True, help_text=_("degrees, -90 to 90")
    )
    camera_heading_deg = models.SmallIntegerField(
        _("camera heading"), null=True, blank=True, help_text=_("degrees from north, 0 to 360")
    )
    camera_delay_s = models.PositiveIntegerField(
        _("camera delay"), null=True, blank=True, help_text=_("seconds")
    )
    detection_distance_m = models.FloatField(
        _("detection distance"), null=True, blank=True, help_text=_("metres")
    )
    bait_use = models.BooleanField(_("bait used"), null=True, blank=True)
    timestamp_issues = models.BooleanField(_("timestamp issues"), null=True, blank=True)
    setup_by = models.CharField(_("set up by"), max_length=200, blank=True)
    retrieved_by = models.CharField(_("retrieved by"), max_length=200, blank=True)
    deployment_groups = models.CharField(_("groups"), max_length=500, blank=True)
    deployment_tags = models.CharField(_("tags"), max_length=1000, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    event_gap_s = models.PositiveIntegerField(
        _("event gap"), default=60, help_text=_("seconds: media closer than this form one event")
    )
    clock_offset_s = models.FloatField(
        _("clock offset"), default=0.0, help_text=_("seconds added to the camera time")
    )
    clock_drift_s_per_day = models.FloatField(
        _("clock drift"), default=0.0, help_text=_("seconds per day added after the anchor")
    )
    clock_anchor = models.DateTimeField(
        _("clock anchor"), null=True, blank=True, help_text=_("camera time where the drift is zero")
    )
    clock_note = models.TextField(
        _("clock correction"), blank=True, help_text=_("How the correction was found.")
    )
    camtrap_extra = models.JSONField(
        default=dict,
        blank=True,
        help_text=_(
            "Camtrap DP values kept from an import where they differ from the station's "
            "(position, habitat…), and columns outside the standard."
        ),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["station", "start"]
        verbose_name = _("deployment")
        verbose_name_plural = _("deployments")
        indexes = [models.Index(fields=["station", "start"])]

    def __str__(self) -> str:
        return self.code

    @property
    def scope_code(self) -> str:
        return self.station.scope_code

    def contains(self, moment: datetime) -> bool:
        """Is ``moment`` (aware) inside the deployment window?"""
        return moment >= self.start and (self.end is None or moment <= self.end)


class Outage(models.Model):
    """A time inside a deployment when the camera did not work (excluded from effort)."""

    class Reason(models.TextChoices):
        SNOW = "snow_cover", _("snow cover")
        BATTERY = "battery", _("flat battery")
        CARD_FULL = "card_full", _("memory card full")
        THEFT = "theft", _("theft")
        VANDALISM = "vandalism", _("vandalism")
        MALFUNCTION = "malfunction", _("malfunction")
        MOVED = "moved", _("camera moved or knocked over")
        OTHER = "other", _("other")

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="outages")
    start = models.DateTimeField(_("from"), help_text=_("UTC"))
    end = models.DateTimeField(_("to"), help_text=_("UTC"))
    reason = models.CharField(_("reason"), max_length=16, choices=Reason.choices)
    comment = models.TextField(_("comment"), blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["deployment", "start"]
        verbose_name = _("outage")
        verbose_name_plural = _("outages")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end__gte=models.F("start")), name="outage_end_after_start"
            )
        ]

    def __str__(self) -> str:
        return f"{self.deployment} {self.start:%Y-%m-%d}–{self.end:%Y-%m-%d} {self.reason}"
