"""The individual registry: passports of identified animals (snow leopards first of all)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.core.models import Scope
from barys.taxa.models import Taxon


class Individual(models.Model):
    """An individually known animal with a readable code such as ``SL-IA-017``."""

    class Sex(models.TextChoices):
        FEMALE = "female", _("female")
        MALE = "male", _("male")
        UNKNOWN = "unknown", _("unknown")

    class Status(models.TextChoices):
        ALIVE = "alive", _("alive")
        DEAD = "dead", _("dead")
        UNKNOWN = "unknown", _("unknown")
        CAPTIVE = "captive", _("in captivity")

    code = models.CharField(_("ID code"), max_length=32, unique=True)
    taxon = models.ForeignKey(Taxon, on_delete=models.PROTECT, related_name="individuals")
    name = models.CharField(_("name"), max_length=100, blank=True)
    sex = models.CharField(_("sex"), max_length=8, choices=Sex.choices, default=Sex.UNKNOWN)
    birth_year = models.PositiveSmallIntegerField(_("estimated birth year"), null=True, blank=True)
    birth_year_exact = models.BooleanField(_("birth year known exactly"), default=False)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.ALIVE
    )
    mother = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="offspring",
        verbose_name=_("mother"),
    )
    distinguishing_marks = models.TextField(_("distinguishing marks"), blank=True)
    notes = models.TextField(_("notes"), blank=True)
    scope = models.ForeignKey(
        Scope,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="individuals",
        verbose_name=_("protected area"),
        help_text=_("The area whose staff keep this passport."),
    )
    first_seen = models.DateField(_("first seen"), null=True, blank=True)
    last_seen = models.DateField(_("last seen"), null=True, blank=True)
    merged_into = models.ForeignKey(
        "self",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="merged_from",
        help_text=_("Set when this passport was merged into another."),
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("individual")
        verbose_name_plural = _("individuals")

    def __str__(self) -> str:
        return f"{self.code} {self.name}".strip()

    @property
    def scope_codes(self) -> tuple[str, ...]:
        return (self.scope.code,) if self.scope_id and self.scope else ()


class Viewpoint(models.TextChoices):
    """Which side of the animal a chip shows (left and right flanks carry different patterns)."""

    LEFT = "left", _("left flank")
    RIGHT = "right", _("right flank")
    FRONT = "front", _("front")
    BACK = "back", _("back")
    HEAD = "head", _("head")
    TAIL = "tail", _("tail")


class Annotation(models.Model):
    """A box around one animal on a camera-trap medium, possibly linked to one individual.

    The box is normalised to the image size: ``bbox_x``, ``bbox_y`` are the left and top
    edges and ``bbox_width``, ``bbox_height`` the size, all fractions 0–1 (as Camtrap DP and
    MegaDetector write them). An annotation belongs to at most one individual (a single
    foreign key). ``event`` is the camera event (sequence) of the medium: re-identification
    never matches annotations of the same event with each other.
    """

    class Quality(models.TextChoices):
        GOOD = "good", _("good")
        FAIR = "fair", _("fair")
        POOR = "poor", _("poor")

    class Origin(models.TextChoices):
        DETECTION = "detection", _("from a detection")
        HAND = "hand", _("drawn by hand")

    class LifeStage(models.TextChoices):
        ADULT = "adult", _("adult")
        SUBADULT = "subadult", _("subadult")
        CUB = "cub", _("cub")

    annotation_id = models.UUIDField(_("annotation ID"), unique=True, default=uuid.uuid4)
    media = models.ForeignKey(
        "camtrap.Media",
        on_delete=models.CASCADE,
        related_name="annotations",
        verbose_name=_("medium"),
    )
    event = models.ForeignKey(
        "camtrap.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="annotations",
        verbose_name=_("event"),
    )
    detection = models.ForeignKey(
        "camtrap.Detection",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="annotations",
        verbose_name=_("detection"),
    )
    origin = models.CharField(
        _("origin"), max_length=10, choices=Origin.choices, default=Origin.HAND
    )
    taxon = models.ForeignKey(
        Taxon, on_delete=models.PROTECT, related_name="annotations", verbose_name=_("taxon")
    )
    bbox_x = models.FloatField(help_text=_("left edge, fraction of the width"))
    bbox_y = models.FloatField(help_text=_("top edge, fraction of the height"))
    bbox_width = models.FloatField(help_text=_("fraction of the width"))
    bbox_height = models.FloatField(help_text=_("fraction of the height"))
    viewpoint = models.CharField(_("viewpoint"), max_length=5, choices=Viewpoint.choices)
    quality = models.CharField(
        _("quality"), max_length=4, choices=Quality.choices, default=Quality.GOOD
    )
    life_stage = models.CharField(
        _("life stage"), max_length=8, choices=LifeStage.choices, blank=True
    )
    individual = models.ForeignKey(
        Individual,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="annotations",
        verbose_name=_("individual"),
    )
    is_reference = models.BooleanField(
        _("reference photo"),
        default=False,
        help_text=_("Shown on the passport as a reference photo of this flank or view."),
    )
    identified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    identified_at = models.DateTimeField(_("identified at"), null=True, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["media", "id"]
        verbose_name = _("annotation")
        verbose_name_plural = _("annotations")
        indexes = [
            models.Index(fields=["taxon", "individual"]),
            models.Index(fields=["individual", "is_reference"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(bbox_x__gte=0.0)
                & models.Q(bbox_y__gte=0.0)
                & models.Q(bbox_width__gt=0.0)
                & models.Q(bbox_height__gt=0.0)
                & models.Q(bbox_x__lte=1.000001 - models.F("bbox_width"))
                & models.Q(bbox_y__lte=1.000001 - models.F("bbox_height")),
                name="annotation_box_inside_image",
            )
        ]

    def __str__(self) -> str:
        who = self.individual.code if self.individual_id and self.individual else "?"
        return f"{who} {self.viewpoint} {str(self.annotation_id)[:8]}"

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """``(x, y, width, height)`` as fractions of the image size."""
        return (self.bbox_x, self.bbox_y, self.bbox_width, self.bbox_height)


class Band(models.TextChoices):
    """Decision bands of a re-identification query (see ``barys.individuals.reid``)."""

    SUGGEST_KNOWN = "suggest_known", _("suggest known individual")
    NEEDS_REVIEW = "needs_review", _("needs review")
    SUGGEST_NEW = "suggest_new", _("suggest new individual")


class MatchSuggestion(models.Model):
    """One ranked candidate individual for a query annotation, from the re-identification
    engine. ``matches`` holds the matched keypoint pairs ``[x_query, y_query, x_candidate,
    y_candidate]`` in chip pixels of the query and of ``candidate_annotation``."""

    class Status(models.TextChoices):
        PENDING = "pending", _("awaiting review")
        SAME = "same", _("same individual")
        NOT_SAME = "not_same", _("not the same")
        UNSURE = "unsure", _("cannot tell")

    annotation = models.ForeignKey(Annotation, on_delete=models.CASCADE, related_name="suggestions")
    individual = models.ForeignKey(Individual, on_delete=models.CASCADE, related_name="suggestions")
    candidate_annotation = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rank = models.PositiveSmallIntegerField(help_text=_("1 is the best candidate"))
    score = models.FloatField(help_text=_("verified score"))
    raw_score = models.FloatField(default=0.0, help_text=_("name score before verification"))
    probability = models.FloatField(help_text=_("calibrated probability of the same individual"))
    inliers = models.PositiveIntegerField(default=0)
    matches = models.JSONField(default=list, blank=True)
    band = models.CharField(max_length=16, choices=Band.choices, help_text=_("of the whole query"))
    calibrated = models.BooleanField(default=False)
    backend = models.CharField(max_length=50, blank=True)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    job = models.ForeignKey(
        "core.Job", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["annotation", "rank"]
        verbose_name = _("match suggestion")
        verbose_name_plural = _("match suggestions")
        constraints = [
            models.UniqueConstraint(
                fields=["annotation", "individual"], name="suggestion_once_per_individual"
            )
        ]

    def __str__(self) -> str:
        return f"{self.annotation_id} → {self.individual_id} #{self.rank} p={self.probability:.2f}"


class MatchDecision(models.Model):
    """A person's decision on the registry, kept as an undoable log entry.

    ``changes`` lists every row the decision created or changed, with the values before and
    after (see :mod:`barys.individuals.decisions`); undoing replays it backwards.
    """

    class Kind(models.TextChoices):
        SAME = "same", _("same individual")
        NOT_SAME = "not_same", _("not the same")
        UNSURE = "unsure", _("cannot tell")
        NEW = "new", _("new individual")
        MERGE = "merge", _("merge individuals")
        SPLIT = "split", _("split an individual")
        UNASSIGN = "unassign", _("remove the identification")

    kind = models.CharField(_("decision"), max_length=10, choices=Kind.choices, db_index=True)
    annotation = models.ForeignKey(
        Annotation, null=True, blank=True, on_delete=models.SET_NULL, related_name="decisions"
    )
    individual = models.ForeignKey(
        Individual, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    other_individual = models.ForeignKey(
        Individual, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    suggestion = models.ForeignKey(
        MatchSuggestion, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    note = models.TextField(_("note"), blank=True)
    changes = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_label = models.CharField(max_length=150, blank=True)
    decided_at = models.DateTimeField(auto_now_add=True, db_index=True)
    undone_at = models.DateTimeField(null=True, blank=True)
    undone_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("match decision")
        verbose_name_plural = _("match decisions")

    def __str__(self) -> str:
        return self.summary or f"{self.kind} #{self.pk}"

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


class LitterRecord(models.Model):
    """A female seen with cubs in one year: the litter size and its evidence.

    ``cubs_count`` is the number of cubs seen together with the mother; ``cubs`` are the
    cubs' passports where they are known. Evidence is a camera event, an annotation or an
    occurrence record, and/or a note; ``source`` cites where the fact comes from.
    """

    mother = models.ForeignKey(
        Individual,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="litters",
        verbose_name=_("mother"),
        help_text=_("Empty when the female is not identified."),
    )
    year = models.PositiveSmallIntegerField(_("year"))
    cubs_count = models.PositiveSmallIntegerField(_("number of cubs"))
    cubs = models.ManyToManyField(
        Individual, blank=True, related_name="litters_as_cub", verbose_name=_("cubs")
    )
    scope = models.ForeignKey(
        Scope,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="litter_records",
        verbose_name=_("protected area"),
    )
    taxon = models.ForeignKey(
        Taxon, on_delete=models.PROTECT, related_name="litter_records", verbose_name=_("taxon")
    )
    seen_on = models.DateField(_("first seen together"), null=True, blank=True)
    evidence_event = models.ForeignKey(
        "camtrap.Event",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="litter_records",
        verbose_name=_("camera event"),
    )
    evidence_annotation = models.ForeignKey(
        Annotation,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="litter_records",
        verbose_name=_("annotation"),
    )
    evidence_occurrence = models.ForeignKey(
        "records.Occurrence",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="litter_records",
        verbose_name=_("occurrence record"),
    )
    evidence_note = models.TextField(_("evidence"), blank=True)
    source = models.CharField(_("source"), max_length=500, blank=True)
    notes = models.TextField(_("notes"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["year", "id"]
        verbose_name = _("litter record")
        verbose_name_plural = _("litter records")
        indexes = [models.Index(fields=["scope", "year"])]
        constraints = [
            models.UniqueConstraint(fields=["mother", "year"], name="litter_once_per_mother_year"),
            models.CheckConstraint(
                condition=models.Q(cubs_count__gte=1) & models.Q(cubs_count__lte=8),
                name="litter_cubs_count_range",
            ),
        ]

    def __str__(self) -> str:
        who = self.mother.code if self.mother_id and self.mother else "?"
        return f"{who} {self.year}: {self.cubs_count}"
