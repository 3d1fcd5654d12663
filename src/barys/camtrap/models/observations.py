"""Observations (Camtrap DP ``observations``): what an event or a medium shows.

Kept minimal here; the review issue builds on it. An observation is made at the ``event`` or
the ``media`` level, by a person or a machine (``classification_method``).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.camtrap.models.media import Event, Media
from barys.camtrap.models.registry import Deployment, new_uuid_text
from barys.individuals.models import Individual
from barys.taxa.models import Taxon


class Observation(models.Model):
    class Level(models.TextChoices):
        MEDIA = "media", _("medium")
        EVENT = "event", _("event")

    class Type(models.TextChoices):
        ANIMAL = "animal", _("animal")
        HUMAN = "human", _("human")
        VEHICLE = "vehicle", _("vehicle")
        BLANK = "blank", _("blank")
        UNKNOWN = "unknown", _("unknown")
        UNCLASSIFIED = "unclassified", _("unclassified")

    class LifeStage(models.TextChoices):
        ADULT = "adult", _("adult")
        SUBADULT = "subadult", _("subadult")
        JUVENILE = "juvenile", _("juvenile")

    class Sex(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")

    class Method(models.TextChoices):
        HUMAN = "human", _("person")
        MACHINE = "machine", _("machine")

    observation_id = models.CharField(
        "observationID", max_length=64, unique=True, default=new_uuid_text
    )
    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="observations"
    )
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="observations"
    )
    event_ref = models.CharField(
        "eventID", max_length=64, blank=True, help_text=_("eventID as given, kept on import")
    )
    media = models.ForeignKey(
        Media, null=True, blank=True, on_delete=models.CASCADE, related_name="observations"
    )
    level = models.CharField(_("level"), max_length=5, choices=Level.choices)
    event_start = models.DateTimeField(_("event start"), help_text=_("UTC"))
    event_end = models.DateTimeField(_("event end"), help_text=_("UTC"))
    observation_type = models.CharField(
        _("type"), max_length=12, choices=Type.choices, db_index=True
    )
    camera_setup_type = models.CharField(max_length=12, blank=True)
    taxon = models.ForeignKey(
        Taxon, null=True, blank=True, on_delete=models.PROTECT, related_name="camera_observations"
    )
    scientific_name = models.CharField(_("scientific name"), max_length=200, blank=True)
    count = models.PositiveIntegerField(_("count"), null=True, blank=True)
    life_stage = models.CharField(
        _("life stage"), max_length=10, choices=LifeStage.choices, blank=True
    )
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True)
    behaviour = models.CharField(_("behaviour"), max_length=500, blank=True)
    individual = models.ForeignKey(
        Individual,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="camera_observations",
    )
    individual_ref = models.CharField(
        "individualID",
        max_length=100,
        blank=True,
        help_text=_("individualID as given, kept on import"),
    )
    individual_position_radius_m = models.FloatField(null=True, blank=True)
    individual_position_angle_deg = models.FloatField(null=True, blank=True)
    individual_speed_m_s = models.FloatField(null=True, blank=True)
    bbox_x = models.FloatField(null=True, blank=True)
    bbox_y = models.FloatField(null=True, blank=True)
    bbox_width = models.FloatField(null=True, blank=True)
    bbox_height = models.FloatField(null=True, blank=True)
    classification_method = models.CharField(max_length=8, choices=Method.choices, blank=True)
    classified_by = models.CharField(max_length=200, blank=True)
    classification_timestamp = models.DateTimeField(null=True, blank=True)
    classification_probability = models.FloatField(null=True, blank=True)
    tags = models.CharField(_("tags"), max_length=1000, blank=True)
    comments = models.TextField(_("comments"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["deployment", "event_start"]
        verbose_name = _("observation")
        verbose_name_plural = _("observations")
        indexes = [
            models.Index(fields=["deployment", "event_start"]),
            models.Index(fields=["taxon"]),
        ]

    def __str__(self) -> str:
        return f"{self.observation_type} {self.scientific_name}".strip()
