"""Admin for curators: incident types (with schema checks) and incidents."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from barys.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from barys.incidents.models import (
    Incident,
    IncidentAction,
    IncidentAttachment,
    IncidentNotification,
    IncidentType,
)
from barys.incidents.schema import SchemaProblem, check_schema


class IncidentTypeForm(forms.ModelForm):
    class Meta:
        model = IncidentType
        fields = [
            "code",
            "name_kk",
            "name_ru",
            "name_en",
            "description",
            "schema",
            "default_priority",
            "built_in",
            "active",
            "order",
        ]
        widgets = {
            "schema": forms.Textarea(
                attrs={"rows": 24, "cols": 100, "style": "font-family: monospace"}
            )
        }

    def clean_schema(self) -> Any:
        schema = self.cleaned_data.get("schema")
        if isinstance(schema, str):
            try:
                schema = json.loads(schema)
            except json.JSONDecodeError as exc:
                raise forms.ValidationError(_("Not valid JSON: %(e)s") % {"e": exc}) from exc
        try:
            check_schema(schema)
        except SchemaProblem as exc:
            raise forms.ValidationError(str(exc)) from exc
        return schema


@admin.register(IncidentType)
class IncidentTypeAdmin(AuditedModelAdmin):
    form = IncidentTypeForm
    list_display = (
        "code",
        "name_en",
        "name_ru",
        "name_kk",
        "default_priority",
        "active",
        "built_in",
        "order",
    )
    list_filter = ("active", "built_in")
    search_fields = ("code", "name_en", "name_ru", "name_kk")


class ActionInline(admin.TabularInline):
    model = IncidentAction
    extra = 0
    raw_id_fields = ("actor",)


class AttachmentInline(admin.TabularInline):
    model = IncidentAttachment
    extra = 0
    raw_id_fields = ("file", "uploaded_by")
    readonly_fields = ("has_gps",)


@admin.register(Incident)
class IncidentAdmin(AuditedModelAdmin):
    list_display = (
        "code",
        "type",
        "occurred_at",
        "scope",
        "taxon",
        "state",
        "priority",
        "published",
    )
    list_filter = ("type", "state", "priority", "published", "scope")
    search_fields = ("code", "locality", "narrative")
    date_hierarchy = "occurred_at"
    raw_id_fields = ("taxon", "individual", "reporter", "created_by")
    filter_horizontal = ("related",)
    readonly_fields = ("uuid", "created_at", "updated_at")
    inlines = [ActionInline, AttachmentInline]


@admin.register(IncidentNotification)
class IncidentNotificationAdmin(ReadOnlyAdmin):
    list_display = ("incident", "created_at", "sent_at")
