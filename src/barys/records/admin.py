from django.contrib import admin

from barys.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from barys.records import maintenance
from barys.records.models import ImportBatch, Occurrence, Source


@admin.register(Source)
class SourceAdmin(AuditedModelAdmin):
    list_display = ("code", "title", "licence")
    search_fields = ("code", "title")


@admin.register(ImportBatch)
class ImportBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "file_name",
        "source",
        "state",
        "rows_done",
        "created",
        "updated",
        "rejected",
        "started_at",
    )
    list_filter = ("state", "source")


@admin.register(Occurrence)
class OccurrenceAdmin(AuditedModelAdmin):
    list_display = (
        "occurrence_id",
        "taxon",
        "event_date_start",
        "source",
        "oblast",
        "protected_area",
    )
    list_filter = ("source", "basis_of_record", "match_type")
    search_fields = ("occurrence_id", "verbatim_name", "locality")
    raw_id_fields = ("taxon", "source", "batch")

    def save_model(self, request, obj, form, change):  # type: ignore[no-untyped-def]
        super().save_model(request, obj, form, change)
        maintenance.refresh_record(obj)

    readonly_fields = (
        "occurrence_id",
        "h3_3",
        "h3_5",
        "h3_7",
        "h3_9",
        "public_h3_res",
        "version",
        "content_hash",
        "verbatim",
        "transformations",
    )
