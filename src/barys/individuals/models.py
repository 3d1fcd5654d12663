"""The individual registry: passports of identified animals (snow leopards first of all)."""

from __future__ import annotations

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
