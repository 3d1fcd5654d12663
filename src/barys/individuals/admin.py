from django.contrib import admin

from barys.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from barys.individuals.models import Annotation, Individual, LitterRecord, MatchDecision


@admin.register(Individual)
class IndividualAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "taxon", "sex", "birth_year", "status", "scope")
    list_filter = ("status", "sex", "scope")
    search_fields = ("code", "name")
    raw_id_fields = ("taxon", "mother", "merged_into")


@admin.register(Annotation)
class AnnotationAdmin(AuditedModelAdmin):
    list_display = ("annotation_id", "individual", "viewpoint", "quality", "is_reference", "media")
    list_filter = ("viewpoint", "quality", "is_reference", "origin")
    search_fields = ("annotation_id", "individual__code")
    raw_id_fields = ("media", "event", "detection", "individual", "taxon")
    readonly_fields = ("annotation_id", "identified_by", "identified_at", "created_by")


@admin.register(LitterRecord)
class LitterRecordAdmin(AuditedModelAdmin):
    list_display = ("year", "mother", "cubs_count", "scope", "taxon")
    list_filter = ("scope", "year")
    raw_id_fields = (
        "mother",
        "cubs",
        "evidence_event",
        "evidence_annotation",
        "evidence_occurrence",
        "taxon",
    )


@admin.register(MatchDecision)
class MatchDecisionAdmin(ReadOnlyAdmin):
    """The decision log is read-only here: undo happens through the decision log page."""

    list_display = ("decided_at", "kind", "summary", "decided_by_label", "undone_at")
    list_filter = ("kind",)
    search_fields = ("summary",)
