from django.contrib import admin

from barys.core.admin import AuditedModelAdmin
from barys.population.models import PopulationAnalysis


@admin.register(PopulationAnalysis)
class PopulationAnalysisAdmin(AuditedModelAdmin):
    list_display = ("id", "survey", "source", "state", "created_at")
    list_filter = ("state", "source")
    readonly_fields = ("history", "results", "job", "created_by", "created_at", "finished_at")
