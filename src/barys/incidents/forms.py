"""Incident forms: the field form (phone-friendly, typed attributes from the schema)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from barys.core.models import Scope
from barys.incidents import access
from barys.incidents.models import Incident, IncidentAction, IncidentType
from barys.incidents.schema import (
    FIELD_PREFIX,
    attributes_from_cleaned,
    form_fields,
    initial_from_attributes,
)
from barys.individuals.models import Individual
from barys.taxa.models import Taxon


class ScopeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        from django.utils.translation import get_language

        return str(obj.name((get_language() or "en")[:2]))


class TaxonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        name = obj.name()
        return f"{name} ({obj.scientific_name})" if name != obj.scientific_name else name


def taxon_queryset() -> Any:
    """Species and subspecies of the registry (Red Book or sensitive ones first in mind)."""
    return (
        Taxon.objects.filter(rank__in=("species", "subspecies"))
        .filter(
            Q(in_red_book=True)
            | Q(sensitivity_category__isnull=False)
            | Q(red_book_status="listed")
            | Q(individuals__isnull=False)
        )
        .distinct()
        .order_by("scientific_name")
    )


class IncidentForm(forms.Form):
    """The incident form; ``attr__*`` fields come from the type's schema."""

    occurred_at = forms.DateTimeField(
        label=_("Date and time"),
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=[
            "%Y-%m-%dT%H:%M",
            "%Y-%m-%dT%H:%M:%S",
            "%Y-%m-%d %H:%M",
            "%Y-%m-%d %H:%M:%S",
            "%Y-%m-%d",
        ],
        help_text=_("Local time of the park."),
    )
    scope = ScopeChoiceField(
        queryset=Scope.objects.none(), required=False, label=_("Protected area")
    )
    latitude = forms.FloatField(
        label=_("Latitude"),
        required=False,
        min_value=-90,
        max_value=90,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    longitude = forms.FloatField(
        label=_("Longitude"),
        required=False,
        min_value=-180,
        max_value=180,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    uncertainty_m = forms.FloatField(
        label=_("Uncertainty (m)"),
        required=False,
        min_value=0,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )
    locality = forms.CharField(label=_("Place description"), required=False, max_length=500)
    taxon = TaxonChoiceField(
        queryset=Taxon.objects.none(),
        required=False,
        label=_("Species"),
        empty_label=_("unknown or other"),
    )
    individual = forms.CharField(
        label=_("Individual's ID code"),
        required=False,
        max_length=32,
        help_text=_("For example SL-IA-017."),
    )
    count = forms.IntegerField(
        label=_("Number of animals"),
        required=False,
        min_value=0,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    priority = forms.ChoiceField(label=_("Priority"), choices=Incident.Priority.choices)
    state = forms.ChoiceField(
        label=_("State"), choices=Incident.State.choices, initial=Incident.State.NEW
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"), choices=Incident.Outcome.choices, required=False
    )
    reporter_name = forms.CharField(label=_("Reported by"), required=False, max_length=200)
    narrative = forms.CharField(
        label=_("What happened"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, incident_type: IncidentType, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.incident_type = incident_type
        anywhere, codes = access.recordable_scopes(user)
        scopes = Scope.objects.all() if anywhere else Scope.objects.filter(code__in=codes)
        self.fields["scope"].queryset = scopes
        self.fields["scope"].required = not anywhere
        self.fields["taxon"].queryset = taxon_queryset()
        if not self.is_bound and "occurred_at" not in self.initial:
            from django.utils import timezone

            self.initial["occurred_at"] = timezone.localtime().strftime("%Y-%m-%dT%H:%M")
        if not self.is_bound and "priority" not in self.initial:
            self.initial["priority"] = incident_type.default_priority
        if not self.is_bound and not anywhere and len(codes) == 1:
            self.initial.setdefault("scope", scopes.first())
        self.attribute_names = []
        for name, field in form_fields(incident_type.schema).items():
            self.fields[name] = field
            self.attribute_names.append(name)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxSelectMultiple):
                continue
            field.widget.attrs.setdefault("class", "field-input")

    @property
    def attribute_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.attribute_names]

    @property
    def base_fields_bound(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if not name.startswith(FIELD_PREFIX)]

    def clean_individual(self) -> Individual | None:
        code = (self.cleaned_data.get("individual") or "").strip()
        if not code:
            return None
        found = Individual.objects.filter(code__iexact=code).first()
        if found is None:
            raise forms.ValidationError(_("No individual has this code."))
        return found

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if (data.get("latitude") is None) != (data.get("longitude") is None):
            self.add_error("longitude", _("Give both latitude and longitude, or neither."))
        return data

    def attributes(self) -> dict[str, Any]:
        return attributes_from_cleaned(self.incident_type.schema, self.cleaned_data)

    def service_kwargs(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "occurred_at": data["occurred_at"],
            "scope": data.get("scope"),
            "latitude": data.get("latitude"),
            "longitude": data.get("longitude"),
            "uncertainty_m": data.get("uncertainty_m"),
            "locality": data.get("locality", ""),
            "taxon": data.get("taxon"),
            "individual": data.get("individual"),
            "count": data.get("count"),
            "priority": data.get("priority"),
            "state": data.get("state") or Incident.State.NEW,
            "outcome": data.get("outcome") or "",
            "reporter_name": data.get("reporter_name", ""),
            "narrative": data.get("narrative", ""),
            "attributes": self.attributes(),
        }

    def add_attribute_errors(self, errors: dict[str, list[str]]) -> None:
        """Put schema messages on their fields (``__all__`` on the form)."""
        for name, messages in errors.items():
            target = FIELD_PREFIX + name if FIELD_PREFIX + name in self.fields else None
            for message in messages:
                self.add_error(target, message)

    @staticmethod
    def initial_for(incident: Incident) -> dict[str, Any]:
        from django.utils import timezone

        return {
            "occurred_at": timezone.localtime(incident.occurred_at).strftime("%Y-%m-%dT%H:%M"),
            "scope": incident.scope,
            "latitude": incident.latitude,
            "longitude": incident.longitude,
            "uncertainty_m": incident.uncertainty_m,
            "locality": incident.locality,
            "taxon": incident.taxon,
            "individual": incident.individual.code if incident.individual_id else "",
            "count": incident.count,
            "priority": incident.priority,
            "state": incident.state,
            "outcome": incident.outcome,
            "reporter_name": incident.reporter_name,
            "narrative": incident.narrative,
            **initial_from_attributes(incident.attributes),
        }


class ActionForm(forms.Form):
    kind = forms.ChoiceField(label=_("Action"), choices=IncidentAction.Kind.choices)
    at = forms.DateTimeField(
        label=_("Date and time"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        help_text=_("Empty: now."),
    )
    description = forms.CharField(
        label=_("Description"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    outcome = forms.ChoiceField(
        label=_("Outcome"),
        required=False,
        choices=[("-", _("unchanged")), *Incident.Outcome.choices],
    )
    state = forms.ChoiceField(
        label=_("State"), required=False, choices=[("", _("unchanged")), *Incident.State.choices]
    )


class AttachmentForm(forms.Form):
    file = forms.FileField(label=_("Photo or document"))
    caption = forms.CharField(label=_("Caption"), required=False, max_length=300)


class PublishForm(forms.Form):
    published = forms.BooleanField(label=_("Published for the public"), required=False)
    public_summary = forms.CharField(
        label=_("Public summary (no places)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class LinkForm(forms.Form):
    other = forms.CharField(
        label=_("Incident number"), max_length=32, help_text=_("For example INC-2023-0001.")
    )
