"""Media (the original files of a camera card), events (sequences) and derived images."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.camtrap.models.registry import Deployment, new_uuid_text
from barys.core.models import StoredFile


class Event(models.Model):
    """A sequence: media of one deployment closer in time than the deployment's event gap.

    ``event_id`` is derived from the deployment and the event's first medium, so grouping the
    same media again gives the same identifiers. ``review_state`` tells where the event stands
    in human review (see :mod:`barys.camtrap.review`).
    """

    class ReviewState(models.TextChoices):
        UNREVIEWED = "unreviewed", _("unreviewed")
        REVIEWED = "reviewed", _("reviewed")
        SECOND_OPINION = "second", _("needs a second opinion")

    event_id = models.CharField("eventID", max_length=64, unique=True, default=new_uuid_text)
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="events")
    start = models.DateTimeField(_("start"), help_text=_("UTC"))
    end = models.DateTimeField(_("end"), help_text=_("UTC"))
    media_count = models.PositiveIntegerField(_("media"), default=0)
    review_state = models.CharField(
        _("review"),
        max_length=10,
        choices=ReviewState.choices,
        default=ReviewState.UNREVIEWED,
    )

    class Meta:
        ordering = ["deployment", "start"]
        verbose_name = _("event")
        verbose_name_plural = _("events")
        indexes = [
            models.Index(fields=["deployment", "start"]),
            models.Index(fields=["deployment", "review_state", "start"]),
        ]

    def __str__(self) -> str:
        return f"{self.deployment} {self.start:%Y-%m-%d %H:%M:%S}"


class Media(models.Model):
    """One file from a camera card (Camtrap DP ``media``).

    ``timestamp`` is the corrected capture time in UTC; ``timestamp_local`` is the time the
    camera wrote (EXIF ``DateTimeOriginal``, ``YYYY-MM-DDTHH:MM:SS``), ``time_zone`` the zone it
    was read in and ``clock_correction_s`` the seconds added by the deployment's clock
    correction, so that ``timestamp = (timestamp_local + clock_correction_s) in time_zone``.
    """

    class CaptureMethod(models.TextChoices):
        ACTIVITY = "activityDetection", _("activity detection")
        TIME_LAPSE = "timeLapse", _("time lapse")

    media_id = models.CharField("mediaID", max_length=64, unique=True, default=new_uuid_text)
    deployment = models.ForeignKey(Deployment, on_delete=models.PROTECT, related_name="media")
    file = models.OneToOneField(
        StoredFile,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="camera_media",
        help_text=_("The original, stored once under its SHA-256; empty for external media."),
    )
    file_name = models.CharField(_("file name"), max_length=255, blank=True)
    file_path = models.CharField(
        _("file path"),
        max_length=1000,
        blank=True,
        help_text=_("Path on the card, relative to the folder ingested; or the external URL."),
    )
    file_public = models.BooleanField(_("file public"), default=False)
    media_type = models.CharField(_("media type"), max_length=100, default="image/jpeg")
    capture_method = models.CharField(
        _("capture method"), max_length=20, choices=CaptureMethod.choices, blank=True
    )
    timestamp = models.DateTimeField(
        _("time"), null=True, blank=True, help_text=_("UTC, corrected")
    )
    timestamp_local = models.CharField(
        _("camera time"), max_length=32, blank=True, help_text=_("as written by the camera")
    )
    time_zone = models.CharField(_("time zone"), max_length=64, blank=True)
    clock_correction_s = models.FloatField(
        _("clock correction"), default=0.0, help_text=_("seconds")
    )
    exif_make = models.CharField(max_length=100, blank=True)
    exif_model = models.CharField(max_length=100, blank=True)
    exif_serial = models.CharField(max_length=100, blank=True)
    trigger = models.JSONField(
        null=True, blank=True, help_text=_("Trigger data from the maker note.")
    )
    exif_data = models.JSONField(null=True, blank=True, help_text=_("Camtrap DP exifData."))
    width = models.PositiveIntegerField(null=True, blank=True, help_text=_("pixels"))
    height = models.PositiveIntegerField(null=True, blank=True, help_text=_("pixels"))
    out_of_window = models.BooleanField(_("outside the deployment"), default=False)
    serial_mismatch = models.BooleanField(_("other camera"), default=False)
    implausible_time = models.BooleanField(_("implausible time"), default=False)
    no_timestamp = models.BooleanField(_("no time"), default=False)
    damaged = models.BooleanField(_("damaged file"), default=False)
    problems = models.TextField(_("problems"), blank=True)
    person_present = models.BooleanField(_("person present"), default=False, db_index=True)
    favourite = models.BooleanField(_("favourite"), null=True, blank=True, default=False)
    comments = models.TextField(_("comments"), blank=True)
    event = models.ForeignKey(
        Event, null=True, blank=True, on_delete=models.SET_NULL, related_name="media"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["deployment", "timestamp", "file_name"]
        verbose_name = _("medium")
        verbose_name_plural = _("media")
        indexes = [models.Index(fields=["deployment", "timestamp"])]

    def __str__(self) -> str:
        return self.file_name or self.media_id

    @property
    def usable_time(self) -> bool:
        """Whether the time can be trusted for events and analyses."""
        return (
            self.timestamp is not None
            and not self.implausible_time
            and not self.serial_mismatch
            and not self.no_timestamp
        )

    @property
    def is_image(self) -> bool:
        return self.media_type.startswith("image/")


class DerivedFile(models.Model):
    """A thumbnail or preview made from an original; rebuildable, never an original.

    ``recipe`` names how it was made (size, quality, the person boxes blurred); a file whose
    recipe differs from the current one is rebuilt.
    """

    class Kind(models.TextChoices):
        THUMBNAIL = "thumbnail", _("thumbnail")
        PREVIEW = "preview", _("preview")

    media = models.ForeignKey(Media, on_delete=models.CASCADE, related_name="derived")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    relpath = models.CharField(max_length=300)
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    recipe = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("derived image")
        verbose_name_plural = _("derived images")
        constraints = [
            models.UniqueConstraint(fields=["media", "kind"], name="derived_once_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.kind} of {self.media_id}"


class IngestRun(models.Model):
    """One run of a card ingest (several runs when an ingest was resumed)."""

    class State(models.TextChoices):
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="ingest_runs")
    source = models.CharField(_("source"), max_length=1000)
    state = models.CharField(max_length=10, choices=State.choices, default=State.RUNNING)
    files_seen = models.PositiveIntegerField(default=0)
    new = models.PositiveIntegerField(default=0)
    duplicates = models.PositiveIntegerField(default=0)
    flagged = models.PositiveIntegerField(default=0)
    rejected = models.PositiveIntegerField(default=0)
    report = models.JSONField(
        default=list, blank=True, help_text=_("Files with problems: path and reason.")
    )
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-started_at"]
        verbose_name = _("card ingest")
        verbose_name_plural = _("card ingests")

    def __str__(self) -> str:
        return f"{self.deployment} {self.source} ({self.state})"
