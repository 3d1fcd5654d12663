"""Forms of the individual pages (parsing only; the services decide)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from barys.core.models import Scope
from barys.individuals.models import Annotation, Individual, LitterRecord, Viewpoint
from barys.taxa.models import Taxon


class IndividualForm(forms.ModelForm):
    """Passport facts a researcher may edit."""

    class Meta:
        model = Individual
        fields = [
            "name",
            "sex",
            "birth_year",
            "birth_year_exact",
            "status",
            "mother",
            "distinguishing_marks",
            "notes",
            "first_seen",
            "last_seen",
        ]
        widgets = {
            "first_seen": forms.DateInput(attrs={"type": "date"}),
            "last_seen": forms.DateInput(attrs={"type": "date"}),
            "distinguishing_marks": forms.Textarea(attrs={"rows": 3}),
            "notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args: Any, taxon: Taxon | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        mothers = Individual.objects.exclude(sex=Individual.Sex.MALE).filter(
            merged_into__isnull=True
        )
        if taxon is not None:
            mothers = mothers.filter(taxon=taxon)
        if self.instance.pk:
            mothers = mothers.exclude(pk=self.instance.pk)
        mother_field = self.fields["mother"]
        assert isinstance(mother_field, forms.ModelChoiceField)
        mother_field.queryset = mothers.order_by("code")


class NewIndividualForm(IndividualForm):
    """A new passport: taxon, area and (optionally) the code as well."""

    taxon = forms.ModelChoiceField(
        queryset=Taxon.objects.filter(rank__in=("species", "subspecies")).order_by(
            "scientific_name"
        ),
        label=_("Taxon"),
    )
    scope = forms.ModelChoiceField(
        queryset=Scope.objects.all(), required=False, label=_("Protected area")
    )
    code = forms.CharField(
        max_length=32,
        required=False,
        label=_("ID code"),
        help_text=_("Leave empty to use the next free code of the area."),
    )

    class Meta(IndividualForm.Meta):
        fields = ["code", "taxon", "scope", *IndividualForm.Meta.fields]


class AnnotationForm(forms.Form):
    """A box drawn by hand: normalised x, y, width and height (fractions 0–1)."""

    media = forms.IntegerField(widget=forms.HiddenInput)
    x = forms.FloatField(label=_("left (0–1)"), min_value=0, max_value=1)
    y = forms.FloatField(label=_("top (0–1)"), min_value=0, max_value=1)
    width = forms.FloatField(label=_("width (0–1)"), min_value=0, max_value=1)
    height = forms.FloatField(label=_("height (0–1)"), min_value=0, max_value=1)
    viewpoint = forms.ChoiceField(label=_("Viewpoint"), choices=Viewpoint.choices)
    quality = forms.ChoiceField(
        label=_("Quality"), choices=Annotation.Quality.choices, initial="good"
    )
    life_stage = forms.ChoiceField(
        label=_("Life stage"),
        choices=[("", "—"), *Annotation.LifeStage.choices],
        required=False,
    )


class DetectionAnnotationForm(forms.Form):
    detection = forms.IntegerField(widget=forms.HiddenInput)
    viewpoint = forms.ChoiceField(label=_("Viewpoint"), choices=Viewpoint.choices)


class AnnotationEditForm(forms.Form):
    viewpoint = forms.ChoiceField(label=_("Viewpoint"), choices=Viewpoint.choices)
    quality = forms.ChoiceField(label=_("Quality"), choices=Annotation.Quality.choices)
    life_stage = forms.ChoiceField(
        label=_("Life stage"),
        choices=[("", "—"), *Annotation.LifeStage.choices],
        required=False,
    )
    is_reference = forms.BooleanField(label=_("Reference photo"), required=False)


DECISIONS = ("same", "not_same", "unsure", "new", "unassign")


class DecisionForm(forms.Form):
    """A decision on the review page (see ``decisions.py`` for what each one does)."""

    decision = forms.ChoiceField(choices=[(d, d) for d in DECISIONS])
    suggestion = forms.IntegerField(required=False, widget=forms.HiddenInput)
    individual = forms.CharField(max_length=32, required=False, label=_("ID code"))
    code = forms.CharField(max_length=32, required=False, label=_("code for the new passport"))
    note = forms.CharField(
        required=False, label=_("note"), widget=forms.Textarea(attrs={"rows": 2})
    )
    position = forms.IntegerField(required=False, widget=forms.HiddenInput)


class MergeForm(forms.Form):
    target = forms.CharField(
        max_length=32,
        label=_("Merge into (ID code)"),
        help_text=_("This passport's photos and sightings move to that passport."),
    )
    note = forms.CharField(required=False, label=_("Reason"))


class LitterForm(forms.ModelForm):
    class Meta:
        model = LitterRecord
        fields = [
            "taxon",
            "mother",
            "year",
            "cubs_count",
            "cubs",
            "scope",
            "seen_on",
            "evidence_note",
            "source",
            "notes",
        ]
        widgets = {
            "seen_on": forms.DateInput(attrs={"type": "date"}),
            "evidence_note": forms.Textarea(attrs={"rows": 2}),
            "notes": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        alive = Individual.objects.filter(merged_into__isnull=True).order_by("code")
        for name, queryset in (
            ("mother", alive.exclude(sex=Individual.Sex.MALE)),
            ("cubs", alive),
            (
                "taxon",
                Taxon.objects.filter(individuals__isnull=False)
                .distinct()
                .order_by("scientific_name"),
            ),
        ):
            field = self.fields[name]
            assert isinstance(field, forms.ModelChoiceField)
            field.queryset = queryset
