"""Content-addressed original files."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StoredFile(models.Model):
    """An original file, stored once under its SHA-256 and never modified."""

    sha256 = models.CharField(max_length=64, primary_key=True)
    size = models.BigIntegerField(help_text=_("bytes"))
    original_name = models.CharField(max_length=500, blank=True)
    content_type = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("stored file")
        verbose_name_plural = _("stored files")

    def __str__(self) -> str:
        return f"{self.original_name or self.sha256[:12]} ({self.size} B)"
