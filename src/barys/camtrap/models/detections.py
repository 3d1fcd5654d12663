"""Machine detections (boxes) and machine classifications of events, with provenance."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.camtrap.models.media import Event, Media
from barys.camtrap.models.registry import Deployment
from barys.core.models import Job


class DetectionRun(models.Model):
    """One pass of a detector over a deployment, or one imported batch-output file."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    deployment = models.ForeignKey(
        Deployment, on_delete=models.CASCADE, related_name="detection_runs"
    )
    job = models.ForeignKey(Job, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    detector = models.CharField(_("detector"), max_length=100, help_text=_("registry name"))
    model = models.CharField(_("model"), max_length=200)
    model_version = models.CharField(_("model version"), max_length=100, blank=True)
    thresholds = models.JSONField(default=dict, blank=True)
    classification_threshold = models.FloatField(
        _("classification threshold"), help_text=_("confidence at or above which a box counts")
    )
    skipped = models.JSONField(
        default=list, blank=True, help_text=_("Detectors tried first and why they were not used.")
    )
    source_file = models.CharField(max_length=1000, blank=True)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    images_total = models.PositiveIntegerField(default=0)
    images_done = models.PositiveIntegerField(default=0)
    failures = models.PositiveIntegerField(default=0)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("detection run")
        verbose_name_plural = _("detection runs")

    def __str__(self) -> str:
        return f"{self.deployment} {self.detector} {self.model_version} ({self.state})"


class Detection(models.Model):
    """A box found by a detector in one medium; ``bbox`` as fractions of the image size."""

    class Category(models.TextChoices):
        ANIMAL = "animal", _("animal")
        PERSON = "person", _("person")
        VEHICLE = "vehicle", _("vehicle")

    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="detections")
    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="detections")
    category = models.CharField(max_length=10, choices=Category.choices)
    confidence = models.FloatField(help_text=_("0–1"))
    bbox_x = models.FloatField(help_text=_("left edge, fraction of the width"))
    bbox_y = models.FloatField(help_text=_("top edge, fraction of the height"))
    bbox_width = models.FloatField()
    bbox_height = models.FloatField()

    class Meta:
        ordering = ["media", "-confidence"]
        verbose_name = _("detection")
        verbose_name_plural = _("detections")
        indexes = [models.Index(fields=["media", "category"])]

    def __str__(self) -> str:
        return f"{self.category} {self.confidence:.2f}"

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        return (self.bbox_x, self.bbox_y, self.bbox_width, self.bbox_height)


class EventClassification(models.Model):
    """What a detection run decided an event shows (animal, human, vehicle or blank)."""

    class Type(models.TextChoices):
        ANIMAL = "animal", _("animal")
        HUMAN = "human", _("human")
        VEHICLE = "vehicle", _("vehicle")
        BLANK = "blank", _("blank")
        UNCLASSIFIED = "unclassified", _("unclassified")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="classifications")
    run = models.ForeignKey(DetectionRun, on_delete=models.CASCADE, related_name="classifications")
    observation_type = models.CharField(max_length=12, choices=Type.choices, db_index=True)
    probability = models.FloatField(help_text=_("confidence of the deciding detection, 0–1"))
    method = models.CharField(max_length=10, default="machine")
    classified_by = models.CharField(max_length=200, help_text=_("model name and version"))
    deciding_media = models.ForeignKey(
        Media, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    present = models.JSONField(
        default=list, blank=True, help_text=_("every type above the threshold")
    )
    classified_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["event", "-classified_at"]
        verbose_name = _("event classification")
        verbose_name_plural = _("event classifications")
        constraints = [
            models.UniqueConstraint(fields=["event", "run"], name="classification_once_per_run")
        ]

    def __str__(self) -> str:
        return f"{self.event} {self.observation_type} {self.probability:.2f}"
