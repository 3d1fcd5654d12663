"""Cryobank forms: register samples (one or several from an event), custody operations."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from barys.core.models import Scope
from barys.cryobank.models import Container, Loan, Permit, Preservation, Sample
from barys.incidents.forms import TaxonChoiceField, taxon_queryset
from barys.incidents.models import Incident
from barys.individuals.models import Individual


class ContainerCodeField(forms.CharField):
    """A container given by its code (a box, rack, dewar or freezer)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 40)
        super().__init__(*args, **kwargs)
        self.widget.attrs.setdefault("list", "container-codes")
        self.widget.attrs.setdefault("autocomplete", "off")

    def clean(self, value: Any) -> Container | None:  # type: ignore[override]
        code = (super().clean(value) or "").strip()
        if not code:
            return None
        found = Container.objects.filter(code__iexact=code).first()
        if found is None:
            raise forms.ValidationError(_("No container has this code."))
        return found


class SampleFieldsMixin(forms.Form):
    material = forms.ChoiceField(label=_("Material"), choices=Sample.Material.choices)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=12, decimal_places=3)
    unit = forms.ChoiceField(label=_("Unit"), choices=Sample.Unit.choices)
    preservation = forms.ChoiceField(label=_("Preservation"), choices=Preservation.choices)
    preparation = forms.CharField(label=_("Preparation"), required=False, max_length=200)
    container = ContainerCodeField(label=_("Container (code)"), required=False)
    position = forms.CharField(
        label=_("Position"),
        required=False,
        max_length=8,
        help_text=_("In a box: row letter and column, e.g. A1."),
    )


class EventFields(forms.Form):
    """What several samples of one event share."""

    taxon = TaxonChoiceField(
        queryset=None,
        required=False,
        label=_("Species"),
        empty_label=_("from the incident or the individual"),
    )
    individual = forms.CharField(label=_("Individual's ID code"), required=False, max_length=32)
    source_kind = forms.ChoiceField(label=_("Source"), choices=Sample.SourceKind.choices)
    source_incident = forms.CharField(
        label=_("Incident number"),
        required=False,
        max_length=32,
        help_text=_("For example INC-2023-0001."),
    )
    source_detail = forms.CharField(label=_("Source details"), required=False, max_length=300)
    collected_at = forms.DateTimeField(
        label=_("Collected at"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d"],
    )
    collected_by = forms.CharField(label=_("Collected by"), required=False, max_length=200)
    scope = forms.ModelChoiceField(
        queryset=Scope.objects.all(), required=False, label=_("Protected area")
    )
    latitude = forms.FloatField(label=_("Latitude"), required=False, min_value=-90, max_value=90)
    longitude = forms.FloatField(
        label=_("Longitude"), required=False, min_value=-180, max_value=180
    )
    locality = forms.CharField(label=_("Locality"), required=False, max_length=500)
    prepared_by = forms.CharField(label=_("Prepared by"), required=False, max_length=200)
    prepared_at = forms.DateField(
        label=_("Prepared on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["taxon"].queryset = taxon_queryset()

    def clean_individual(self) -> Individual | None:
        code = (self.cleaned_data.get("individual") or "").strip()
        if not code:
            return None
        found = Individual.objects.filter(code__iexact=code).first()
        if found is None:
            raise forms.ValidationError(_("No individual has this code."))
        return found

    def clean_source_incident(self) -> Incident | None:
        code = (self.cleaned_data.get("source_incident") or "").strip()
        if not code:
            return None
        found = Incident.objects.filter(code__iexact=code).first()
        if found is None:
            raise forms.ValidationError(_("No incident has this number."))
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if not (data.get("taxon") or data.get("individual") or data.get("source_incident")):
            self.add_error("taxon", _("Choose the species (or give an individual or an incident)."))
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return data

    def common(self) -> dict[str, Any]:
        """Keyword arguments for the registering service."""
        data = self.cleaned_data

        def text(name: str) -> str:
            return str(data.get(name) or "")

        return {
            "taxon": data.get("taxon"),
            "individual": data.get("individual"),
            "source_kind": data.get("source_kind") or Sample.SourceKind.OTHER,
            "source_incident": data.get("source_incident"),
            "source_detail": text("source_detail"),
            "collected_at": data.get("collected_at"),
            "collected_by": text("collected_by"),
            "scope": data.get("scope"),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "locality": text("locality"),
            "prepared_by": text("prepared_by"),
            "prepared_at": data.get("prepared_at"),
        }


class SampleForm(EventFields, SampleFieldsMixin):
    """One sample."""

    concentration_ng_ul = forms.DecimalField(
        label=_("Concentration (ng/µL)"),
        required=False,
        min_value=0,
        max_digits=10,
        decimal_places=2,
    )
    ratio_260_280 = forms.DecimalField(
        label=_("Absorbance ratio 260/280"),
        required=False,
        min_value=0,
        max_digits=5,
        decimal_places=2,
    )
    remarks = forms.CharField(
        label=_("Remarks"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class BatchItemForm(SampleFieldsMixin):
    """One row of the several-samples form; an empty row is skipped."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            field.required = False
            field.widget.attrs["aria-label"] = str(field.label)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("quantity") is None and not data.get("container"):
            return data
        for name in ("material", "quantity", "unit", "preservation"):
            if data.get(name) in (None, ""):
                self.add_error(name, _("This field is required."))
        return data

    @property
    def filled(self) -> bool:
        return getattr(self, "cleaned_data", {}).get("quantity") is not None


BatchItemFormSet = forms.formset_factory(BatchItemForm, extra=6, max_num=50)


class MoveForm(forms.Form):
    container = ContainerCodeField(label=_("To container (code)"))
    position = forms.CharField(label=_("Position"), required=False, max_length=8)
    reason = forms.CharField(label=_("Why"), required=False, max_length=500)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Why"), required=False, max_length=500)


class WithdrawForm(forms.Form):
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0, max_digits=12, decimal_places=3)
    reason = forms.CharField(label=_("Why"), max_length=500)


class AliquotForm(forms.Form):
    count = forms.IntegerField(label=_("Number of aliquots"), min_value=1, max_value=500)
    quantity_each = forms.DecimalField(
        label=_("Quantity of each"), min_value=0, max_digits=12, decimal_places=3
    )
    box = ContainerCodeField(
        label=_("Box (code)"),
        required=False,
        help_text=_("The aliquots take the box's first free positions."),
    )
    reason = forms.CharField(label=_("Why"), required=False, max_length=500)


class LoanForm(forms.Form):
    borrower = forms.CharField(label=_("Borrower (institution)"), max_length=300)
    contact = forms.CharField(label=_("Contact person"), required=False, max_length=200)
    purpose = forms.CharField(label=_("Purpose"), required=False, max_length=300)
    reference = forms.CharField(label=_("Loan reference"), required=False, max_length=100)
    due_on = forms.DateField(
        label=_("Due back on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    permit = forms.ModelChoiceField(
        queryset=Permit.objects.all(), required=False, label=_("Permit")
    )


class ReturnForm(forms.Form):
    loan = forms.ModelChoiceField(
        queryset=Loan.objects.filter(returned_at=None), widget=forms.HiddenInput
    )
    quantity_returned = forms.DecimalField(
        label=_("Quantity returned"), min_value=0, max_digits=12, decimal_places=3
    )
    container = ContainerCodeField(label=_("Into container (code)"), required=False)
    position = forms.CharField(label=_("Position"), required=False, max_length=8)
    reason = forms.CharField(label=_("Notes"), required=False, max_length=500)


class ContainerMoveForm(forms.Form):
    parent = ContainerCodeField(label=_("Move into (code)"))
    reason = forms.CharField(label=_("Why"), required=False, max_length=500)
