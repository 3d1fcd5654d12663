"""Human review of camera events: who labelled an event, with what, in which round.

The labels of the accepted review become the event's observations; a second reviewer's labels
stay here until someone resolves a disagreement (see :mod:`barys.camtrap.review`).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.camtrap.models.media import Event


class EventReview(models.Model):
    class Round(models.TextChoices):
        FIRST = "first", _("first review")
        SECOND = "second", _("second review")

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="reviews")
    round = models.CharField(_("round"), max_length=6, choices=Round.choices)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    labels = models.JSONField(
        _("labels"), default=list, help_text=_("What the reviewer saw, one entry per kind.")
    )
    needs_second_opinion = models.BooleanField(_("asked for a second opinion"), default=False)
    accepted = models.BooleanField(
        _("accepted"), default=False, help_text=_("These labels are the event's observations.")
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["event", "round"]
        verbose_name = _("event review")
        verbose_name_plural = _("event reviews")
        constraints = [
            models.UniqueConstraint(fields=["event", "round"], name="one_review_per_round")
        ]

    def __str__(self) -> str:
        return f"{self.event_id} {self.round}"
