"""Curator forms for assessments and population estimates."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from barys.taxa.models import Assessment, Category, Edition, PopulationEstimate


class AssessmentForm(forms.ModelForm):
    edition = forms.ModelChoiceField(queryset=Edition.objects.all(), label=_("Edition"))

    class Meta:
        model = Assessment
        fields = [
            "edition",
            "national_category",
            "iucn_category",
            "iucn_criteria",
            "year",
            "rationale_kk",
            "rationale_ru",
            "rationale_en",
            "threats",
            "measures",
            "sources",
            "uncertain",
        ]
        widgets = {
            f: forms.Textarea(attrs={"rows": 3})
            for f in (
                "rationale_kk",
                "rationale_ru",
                "rationale_en",
                "threats",
                "measures",
                "sources",
            )
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        national = [("", "—")] + [
            (c.code, f"{c.code} — {c.label()}") for c in Category.objects.filter(scheme="national")
        ]
        iucn = [("", "—")] + [
            (c.code, f"{c.code} — {c.label()}") for c in Category.objects.filter(scheme="iucn")
        ]
        self.fields["national_category"] = forms.ChoiceField(
            choices=national, required=False, label=_("National category")
        )
        self.fields["iucn_category"] = forms.ChoiceField(
            choices=iucn, required=False, label=_("IUCN category")
        )


class PopulationEstimateForm(forms.ModelForm):
    class Meta:
        model = PopulationEstimate
        fields = [
            "area",
            "year_start",
            "year_end",
            "value",
            "lower",
            "upper",
            "unit",
            "method",
            "source",
            "notes",
            "uncertain",
        ]
        widgets = {
            "source": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }
