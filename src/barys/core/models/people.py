"""People: users, roles, scopes and API tokens."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils.translation import gettext_lazy as _

from barys.core.localize import localized


class Role(models.TextChoices):
    """Roles in increasing order of reach; a higher role includes the lower ones."""

    OBSERVER = "observer", _("Observer (field staff)")
    RESEARCHER = "researcher", _("Researcher")
    CURATOR = "curator", _("Curator")
    ADMIN = "admin", _("Administrator")


#: Role names in increasing order of reach.
ROLE_NAMES: tuple[str, ...] = ("observer", "researcher", "curator", "admin")
ROLE_RANK: dict[str, int] = {name: rank for rank, name in enumerate(ROLE_NAMES, start=1)}


class User(AbstractUser):
    """A person using Barys. Roles come from :class:`RoleAssignment` rows."""

    display_name = models.CharField(_("display name"), max_length=200, blank=True)
    preferred_language = models.CharField(_("preferred language"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.display_name or self.username


class Scope(models.Model):
    """A named area of responsibility: a protected area or a project."""

    class Kind(models.TextChoices):
        PROTECTED_AREA = "protected_area", _("Protected area")
        PROJECT = "project", _("Project")

    code = models.SlugField(_("code"), max_length=64, unique=True)
    kind = models.CharField(
        _("kind"), max_length=32, choices=Kind.choices, default=Kind.PROTECTED_AREA
    )
    name_kk = models.CharField(_("name (Kazakh)"), max_length=200, blank=True)
    name_ru = models.CharField(_("name (Russian)"), max_length=200, blank=True)
    name_en = models.CharField(_("name (English)"), max_length=200)

    class Meta:
        ordering = ["code"]
        verbose_name = _("scope")
        verbose_name_plural = _("scopes")

    def __str__(self) -> str:
        return self.code

    def name(self, language: str) -> str:
        return localized(self, "name", language) or self.code


class RoleAssignment(models.Model):
    """A role held nationally (no scope) or within one scope."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="role_assignments")
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    scope = models.ForeignKey(
        Scope,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
        help_text=_("Empty: the role applies nationally."),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(fields=["user", "role", "scope"], name="role_once_per_scope"),
            models.UniqueConstraint(
                fields=["user", "role"], condition=models.Q(scope=None), name="national_role_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} {self.role} {self.scope or 'national'}"


class ApiToken(models.Model):
    """A token for scripts. Only a SHA-256 hash of the secret is stored; it is shown once."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100)
    prefix = models.CharField(max_length=16, unique=True, db_index=True)
    secret_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class LoginFailure(models.Model):
    """A failed login, kept for throttling."""

    username = models.CharField(max_length=150, db_index=True)
    address = models.CharField(max_length=64, db_index=True)
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.username} {self.address} {self.at}"
