"""Admin: tags, deployments, speed limits and imports (fixes are edited through overrides)."""

from __future__ import annotations

from django.contrib import admin

from barys.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from barys.telemetry.models import HomeRange, MovementLimit, Tag, TagDeployment, TelemetryImport


@admin.register(Tag)
class TagAdmin(AuditedModelAdmin):
    list_display = ("local_identifier", "manufacturer", "model", "serial_number", "scope")
    search_fields = ("local_identifier", "serial_number", "model")
    list_filter = ("manufacturer", "scope")


@admin.register(TagDeployment)
class TagDeploymentAdmin(AuditedModelAdmin):
    list_display = (
        "tag",
        "individual",
        "deploy_on",
        "deploy_off",
        "attachment",
        "end_reason",
        "automatic",
    )
    list_filter = ("attachment", "end_reason", "automatic")
    raw_id_fields = ("tag", "individual")
    search_fields = ("tag__local_identifier", "individual__code")


@admin.register(MovementLimit)
class MovementLimitAdmin(AuditedModelAdmin):
    list_display = ("taxon", "max_speed_kmh", "spike_speed_kmh")
    raw_id_fields = ("taxon",)


@admin.register(TelemetryImport)
class TelemetryImportAdmin(ReadOnlyAdmin):
    list_display = (
        "file_name",
        "format",
        "state",
        "rows_done",
        "created",
        "duplicates",
        "rejected",
        "started_at",
    )
    list_filter = ("state", "format")


@admin.register(HomeRange)
class HomeRangeAdmin(ReadOnlyAdmin):
    list_display = ("individual", "season", "method", "level", "area_km2", "n_fixes", "computed_at")
    list_filter = ("season", "method")
    exclude = ("geometry", "public_geometry")
