"""Population analyses of camera-trap surveys: parameters, capture history and results.

A :class:`PopulationAnalysis` keeps the capture history it was run on (``history``: detector
ids, projected x/y in metres, usage per occasion, detections) and the results of the closed
capture–recapture models and the SECR fits (``results``) as JSON. Exact detector positions
live only in ``history`` and are shown to people allowed exact locations.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PopulationAnalysis(models.Model):
    """One run of closed capture–recapture and SECR on a survey's capture history."""

    class State(models.TextChoices):
        QUEUED = "queued", _("queued")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    class Source(models.TextChoices):
        SURVEY = "survey", _("built from the survey's identified detections")
        IMPORT = "import", _("imported from secr capture and trap files")

    survey = models.ForeignKey(
        "camtrap.Survey", on_delete=models.CASCADE, related_name="population_analyses"
    )
    title = models.CharField(_("title"), max_length=300, blank=True)
    source = models.CharField(
        _("source"), max_length=8, choices=Source.choices, default=Source.SURVEY
    )
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    history = models.JSONField(
        _("capture history"),
        default=dict,
        blank=True,
        help_text=_("Detectors (x, y in metres), usage and detections the analysis used."),
    )
    results = models.JSONField(_("results"), default=dict, blank=True)
    state = models.CharField(
        _("state"), max_length=8, choices=State.choices, default=State.QUEUED, db_index=True
    )
    message = models.TextField(_("message"), blank=True)
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("population analysis")
        verbose_name_plural = _("population analyses")
        indexes = [models.Index(fields=["survey", "-created_at"])]

    def __str__(self) -> str:
        return self.title or f"{self.survey} #{self.pk}"
