"""Admin site for curators: bulk work on the registry, every change audited."""

from __future__ import annotations

from django.contrib import admin

from barys.core.admin import AuditedModelAdmin
from barys.taxa import models


class VernacularInline(admin.TabularInline):
    model = models.VernacularName
    extra = 0


class SynonymInline(admin.TabularInline):
    model = models.Synonym
    extra = 0


@admin.register(models.Taxon)
class TaxonAdmin(AuditedModelAdmin):
    list_display = (
        "scientific_name",
        "rank",
        "name_ru",
        "name_kk",
        "name_en",
        "national_category",
        "iucn_category",
        "sensitivity_category",
    )
    list_filter = (
        "rank",
        "in_red_book",
        "national_category",
        "iucn_category",
        "sensitivity_category",
        "class_name",
    )
    search_fields = ("scientific_name", "name_kk", "name_ru", "name_en")
    raw_id_fields = ("parent",)
    readonly_fields = ("national_category", "iucn_category", "in_red_book", "class_name")
    inlines = [VernacularInline, SynonymInline]


@admin.register(models.Assessment)
class AssessmentAdmin(AuditedModelAdmin):
    list_display = ("taxon", "edition", "national_category", "iucn_category", "iucn_criteria")
    list_filter = ("edition", "national_category", "iucn_category")
    search_fields = ("taxon__scientific_name",)
    raw_id_fields = ("taxon",)


@admin.register(models.PopulationEstimate)
class PopulationEstimateAdmin(AuditedModelAdmin):
    list_display = ("taxon", "area", "year_start", "year_end", "value", "lower", "upper", "unit")
    list_filter = ("unit",)
    search_fields = ("taxon__scientific_name", "area")
    raw_id_fields = ("taxon",)


for model in (
    models.Category,
    models.Edition,
    models.ListingChange,
    models.Programme,
    models.Milestone,
    models.Release,
):
    admin.site.register(model, AuditedModelAdmin)
