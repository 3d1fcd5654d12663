"""Admin site: the camera-trap registry (audited); media and detections read-only."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from barys.camtrap.models import (
    Camera,
    Deployment,
    DetectionRun,
    IngestRun,
    Media,
    Observation,
    Outage,
    Station,
    Survey,
)
from barys.core.admin import AuditedModelAdmin


class OutageInline(admin.TabularInline):
    model = Outage
    extra = 0


@admin.register(Survey)
class SurveyAdmin(AuditedModelAdmin):
    list_display = ("code", "title", "sampling_design", "start_date", "end_date", "scope_code")
    search_fields = ("code", "title")
    filter_horizontal = ("target_taxa",)


@admin.register(Station)
class StationAdmin(AuditedModelAdmin):
    list_display = ("code", "survey", "latitude", "longitude", "elevation_m", "scope_code")
    list_filter = ("survey", "scope_code")
    search_fields = ("code", "name")


@admin.register(Camera)
class CameraAdmin(AuditedModelAdmin):
    list_display = ("serial", "make", "model", "owner", "donor", "status")
    list_filter = ("status", "make", "donor")
    search_fields = ("serial", "donor", "owner")


@admin.register(Deployment)
class DeploymentAdmin(AuditedModelAdmin):
    list_display = ("code", "station", "camera", "start", "end")
    list_filter = ("station__survey",)
    search_fields = ("code", "deployment_id", "station__code")
    inlines = [OutageInline]
    raw_id_fields = ("station", "camera")


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Media)
class MediaAdmin(ReadOnly):
    list_display = ("file_name", "deployment", "timestamp", "media_type", "person_present")
    list_filter = ("out_of_window", "implausible_time", "serial_mismatch", "person_present")
    search_fields = ("media_id", "file_name")
    raw_id_fields = ("deployment", "file", "event")


@admin.register(DetectionRun)
class DetectionRunAdmin(ReadOnly):
    list_display = ("deployment", "detector", "model", "model_version", "state", "images_done")


@admin.register(IngestRun)
class IngestRunAdmin(ReadOnly):
    list_display = ("deployment", "started_at", "state", "new", "duplicates", "flagged", "rejected")


@admin.register(Observation)
class ObservationAdmin(AuditedModelAdmin):
    list_display = ("observation_id", "deployment", "level", "observation_type", "scientific_name")
    list_filter = ("observation_type", "level", "classification_method")
    raw_id_fields = ("deployment", "event", "media", "taxon", "individual")
