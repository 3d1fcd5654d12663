from django.contrib import admin

from barys.core.admin import AuditedModelAdmin
from barys.individuals.models import Individual


@admin.register(Individual)
class IndividualAdmin(AuditedModelAdmin):
    list_display = ("code", "name", "taxon", "sex", "birth_year", "status", "scope")
    list_filter = ("status", "sex", "scope")
    search_fields = ("code", "name")
    raw_id_fields = ("taxon", "mother", "merged_into")
