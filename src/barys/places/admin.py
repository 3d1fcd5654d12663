"""Admin site for curators: places by kind, EOO/AOO (read-only), pre-assessment inputs; every
change audited."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from barys.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from barys.places.forms import PlaceAdminForm
from barys.places.models import (
    AreaEstimate,
    MonitoringSite,
    Oblast,
    PreAssessmentInputs,
    ProtectedArea,
    SpeciesRange,
)

NAMES = ("name_en", "name_ru", "name_kk")
DERIVED = ("south", "west", "north", "east", "area_km2", "created_at", "updated_at")


class PlaceAdmin(AuditedModelAdmin):
    form = PlaceAdminForm
    search_fields: tuple[str, ...] = ("code", *NAMES)
    readonly_fields = DERIVED
    common: tuple[str, ...] = ("code", *NAMES, "geometry", "source", "notes")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return [*self.common, *DERIVED]


@admin.register(ProtectedArea)
class ProtectedAreaAdmin(PlaceAdmin):
    list_display = (
        "code",
        "name_en",
        "designation",
        "iucn_category",
        "established_year",
        "scope",
        "area_km2",
    )
    list_filter = ("designation", "iucn_category")
    common = (
        "code",
        *NAMES,
        "designation",
        "iucn_category",
        "established_year",
        "scope",
        "geometry",
        "source",
        "notes",
    )


@admin.register(Oblast)
class OblastAdmin(PlaceAdmin):
    list_display = ("code", "name_en", "name_ru", "name_kk", "area_km2")


@admin.register(MonitoringSite)
class MonitoringSiteAdmin(PlaceAdmin):
    list_display = ("code", "name_en", "area_km2")


@admin.register(SpeciesRange)
class SpeciesRangeAdmin(PlaceAdmin):
    list_display = ("code", "taxon", "range_kind", "name_en", "area_km2")
    list_filter = ("range_kind",)
    raw_id_fields = ("taxon",)
    search_fields = ("code", "taxon__scientific_name", *NAMES)
    common = ("code", "taxon", "range_kind", *NAMES, "geometry", "source", "notes")


@admin.register(AreaEstimate)
class AreaEstimateAdmin(ReadOnlyAdmin):
    list_display = ("taxon", "period", "eoo_km2", "aoo_km2", "n_records", "n_cells", "computed_at")
    search_fields = ("taxon__scientific_name",)
    exclude = ("hull", "cells")


@admin.register(PreAssessmentInputs)
class PreAssessmentInputsAdmin(AuditedModelAdmin):
    list_display = (
        "taxon",
        "number_of_locations",
        "severely_fragmented",
        "mature_individuals",
        "updated_at",
        "updated_by",
    )
    raw_id_fields = ("taxon",)
    readonly_fields = ("updated_at", "updated_by")
