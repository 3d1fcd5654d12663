"""Forms of the places app: the pre-assessment subconditions and the place admin form."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from barys.places import geometry as geo
from barys.places.models import Place, PlaceKind, PreAssessmentInputs
from barys.places.preassessment import SeriesChoice

INPUT_FIELDS = (
    "period",
    "population_series",
    "assessment_year",
    "generation_length_years",
    "mature_individuals",
    "subpopulation_sizes",
    "number_of_locations",
    "severely_fragmented",
    "reduction_causes_ceased",
    "reduction_bases",
    "decline_eoo",
    "decline_aoo",
    "decline_habitat",
    "decline_locations",
    "decline_mature",
    "fluctuation_eoo",
    "fluctuation_aoo",
    "fluctuation_locations",
    "fluctuation_mature",
    "plausible_future_threat",
    "notes",
)


class PreAssessmentForm(forms.ModelForm):
    """The subconditions a curator records; yes/no questions may stay unknown."""

    class Meta:
        model = PreAssessmentInputs
        fields = INPUT_FIELDS
        widgets = {"notes": forms.Textarea(attrs={"rows": 3})}

    def __init__(
        self, *args: Any, periods: list[str], series: list[SeriesChoice], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["period"] = forms.ChoiceField(
            label=_("EOO/AOO period"), choices=[(p, p) for p in periods or ["all"]]
        )
        self.fields["population_series"] = forms.ChoiceField(
            label=_("Population series"),
            required=False,
            choices=[("", _("chosen automatically"))]
            + [(c.key, f"{c.area or '—'}: {c.unit} ({c.n_points})") for c in series],
        )

    def clean_reduction_bases(self) -> str:
        value = "".join(
            sorted(
                set(
                    self.cleaned_data.get("reduction_bases", "")
                    .lower()
                    .replace(",", "")
                    .replace(" ", "")
                )
            )
        )
        if any(letter not in "abcde" for letter in value):
            raise forms.ValidationError(_("Use the letters a to e."))
        return value

    def clean_subpopulation_sizes(self) -> str:
        text = self.cleaned_data.get("subpopulation_sizes", "")
        parts = [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]
        try:
            numbers = [float(p) for p in parts]
        except ValueError:
            raise forms.ValidationError(_("Give numbers separated by commas.")) from None
        if any(n < 0 for n in numbers):
            raise forms.ValidationError(_("Sizes cannot be negative."))
        return ", ".join(parts)

    def clean_generation_length_years(self) -> float | None:
        value = self.cleaned_data.get("generation_length_years")
        if value is not None and value <= 0:
            raise forms.ValidationError(_("The generation length must be positive."))
        return value


class PlaceAdminForm(forms.ModelForm):
    """Checks the GeoJSON geometry (repairing invalid polygons) before a place is saved."""

    class Meta:
        model = Place
        fields = (
            "kind",
            "code",
            "name_en",
            "name_ru",
            "name_kk",
            "designation",
            "iucn_category",
            "established_year",
            "scope",
            "taxon",
            "range_kind",
            "geometry",
            "source",
            "notes",
        )
        widgets = {"geometry": forms.Textarea(attrs={"rows": 6, "class": "vLargeTextField"})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind = getattr(self._meta.model, "KIND", "")
        if kind and not self.instance.kind:
            self.instance.kind = kind

    def clean_geometry(self) -> str:
        text = self.cleaned_data.get("geometry", "")
        kind = self.cleaned_data.get("kind") or getattr(self.instance, "kind", "") or ""
        try:
            shape = geo.parse(text)
            checked = geo.check(shape, polygons_only=kind != PlaceKind.SITE)
        except geo.GeometryError as exc:
            raise forms.ValidationError(str(exc)) from None
        return geo.to_text(checked.geometry)
