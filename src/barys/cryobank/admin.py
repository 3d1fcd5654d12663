"""Admin for curators. Where a sample is and how much is left change only through the
custody services, so the admin shows those fields read-only; the custody log is read-only
(no adding, changing or deleting)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from barys.core.admin import AuditedModelAdmin, ReadOnlyAdmin
from barys.cryobank.models import Container, CustodyEvent, Loan, Permit, Sample

CUSTODY_FIELDS = ("container", "position", "quantity", "status", "thaw_count", "parent")


class CustodyInline(admin.TabularInline):
    model = CustodyEvent
    extra = 0
    can_delete = False
    fields = (
        "at",
        "kind",
        "actor_label",
        "from_label",
        "to_label",
        "quantity",
        "quantity_after",
        "reason",
    )
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Sample)
class SampleAdmin(AuditedModelAdmin):
    list_display = (
        "code",
        "taxon",
        "individual",
        "material",
        "quantity",
        "unit",
        "status",
        "container",
        "position",
    )
    list_filter = ("material", "status", "preservation", "source_kind")
    search_fields = ("code", "individual__code", "taxon__scientific_name")
    raw_id_fields = ("taxon", "individual", "source_incident", "scope", "created_by")
    filter_horizontal = ("permits",)
    readonly_fields = ("code", "uuid", *CUSTODY_FIELDS, "created_at", "updated_at")
    inlines = [CustodyInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # samples are registered through the cryobank pages (custody logged)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Container)
class ContainerAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "kind", "parent", "rows", "columns", "preservation", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name")

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> tuple[str, ...]:
        # moving a container logs its samples: use the storage page for that
        return ("parent", "kind") if obj is not None else ()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return obj is None or not (obj.samples.exists() or obj.children.exists())


@admin.register(Permit)
class PermitAdmin(AuditedModelAdmin):
    list_display = ("number", "kind", "issued_by", "issued_on", "valid_until")
    list_filter = ("kind",)
    search_fields = ("number", "issued_by")
    raw_id_fields = ("document",)


@admin.register(Loan)
class LoanAdmin(ReadOnlyAdmin):
    list_display = ("reference", "sample", "borrower", "loaned_at", "due_on", "returned_at")
    search_fields = ("reference", "borrower", "sample__code")


@admin.register(CustodyEvent)
class CustodyEventAdmin(ReadOnlyAdmin):
    """Read-only: the custody log is append-only."""

    list_display = ("at", "sample", "kind", "actor_label", "from_label", "to_label", "reason")
    list_filter = ("kind",)
    search_fields = ("sample__code", "actor_label", "reason")
    date_hierarchy = "at"
    actions = None
