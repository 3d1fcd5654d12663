"""Admin site: people and roles, read-only audit and access logs, jobs."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.db import models
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from barys.core import audit
from barys.core.models import AccessLogEntry, ApiToken, AuditEntry, Job, RoleAssignment, Scope, User

admin.site.site_header = _("Barys administration")
admin.site.site_title = _("Barys")


class AuditedModelAdmin(admin.ModelAdmin):
    """A model admin whose saves and deletes are written to the audit log."""

    def save_model(self, request: HttpRequest, obj: models.Model, form: Any, change: bool) -> None:
        before = audit.snapshot(type(obj).objects.get(pk=obj.pk)) if change and obj.pk else None
        super().save_model(request, obj, form, change)
        if before is None:
            audit.record_create(obj, actor=request.user)
        else:
            audit.record_update(obj, before, actor=request.user)

    def delete_model(self, request: HttpRequest, obj: models.Model) -> None:
        audit.record_delete(obj, actor=request.user)
        super().delete_model(request, obj)

    def delete_queryset(self, request: HttpRequest, queryset: models.QuerySet) -> None:
        for obj in queryset:
            audit.record_delete(obj, actor=request.user)
        super().delete_queryset(request, queryset)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RoleAssignmentInline(admin.TabularInline):
    model = RoleAssignment
    extra = 0


@admin.register(User)
class BarysUserAdmin(UserAdmin, AuditedModelAdmin):
    inlines = [RoleAssignmentInline]
    fieldsets = (
        *UserAdmin.fieldsets,
        (_("Barys"), {"fields": ("display_name", "preferred_language")}),
    )
    list_display = ("username", "display_name", "email", "is_staff", "is_active")


@admin.register(Scope)
class ScopeAdmin(AuditedModelAdmin):
    list_display = ("code", "kind", "name_en", "name_ru", "name_kk")
    search_fields = ("code", "name_en", "name_ru", "name_kk")


@admin.register(ApiToken)
class ApiTokenAdmin(ReadOnlyAdmin):
    list_display = ("name", "user", "prefix", "created_at", "last_used_at", "revoked_at")
    exclude = ("secret_hash",)


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor_label", "action", "object_type", "object_id", "object_repr")
    list_filter = ("action", "object_type")
    search_fields = ("object_id", "object_repr", "actor_label")
    date_hierarchy = "at"


@admin.register(AccessLogEntry)
class AccessLogEntryAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "surface", "object_type", "object_id", "count")
    list_filter = ("surface", "object_type")
    date_hierarchy = "at"


@admin.register(Job)
class JobAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "kind", "title", "state", "progress", "created_by")
    list_filter = ("state", "kind")
