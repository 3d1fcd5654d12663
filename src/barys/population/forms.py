"""Forms of the population pages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from barys.population import analysis as compute
from barys.population import services

DETECTOR_CHOICES = [
    ("proximity", _("proximity (camera: detected or not per occasion)")),
    ("count", _("count (camera: number of independent encounters)")),
    ("multi", _("multi-catch (one detector per animal and occasion)")),
]
SOURCE_CHOICES = [
    ("both", _("observations and annotations")),
    ("observations", _("observations only")),
    ("annotations", _("annotations only")),
]


class AnalysisForm(forms.Form):
    start = forms.DateField(label=_("From (UTC date)"), required=False)
    end = forms.DateField(label=_("To (UTC date, inclusive)"), required=False)
    occasion_days = forms.FloatField(label=_("Occasion length (days)"), min_value=0.01, initial=7.0)
    detector = forms.ChoiceField(label=_("Detector type"), choices=DETECTOR_CHOICES)
    independence_hours = forms.FloatField(
        label=_("Independence window (hours)"), min_value=0.0, initial=4.0
    )
    source = forms.ChoiceField(label=_("Identified detections from"), choices=SOURCE_CHOICES)
    buffer_m = forms.FloatField(
        label=_("Mask buffer (m)"), min_value=1.0, initial=compute.DEFAULT_BUFFER_M
    )
    spacing_m = forms.FloatField(
        label=_("Mask spacing (m)"), min_value=1.0, initial=compute.DEFAULT_SPACING_M
    )

    def params(self) -> dict[str, object]:
        data = dict(self.cleaned_data)
        for key in ("start", "end"):
            data[key] = data[key].isoformat() if data.get(key) else None
        return data


class ImportForm(forms.Form):
    capture_file = forms.FileField(label=_("Capture file (secr: Session ID Occasion Detector|X Y)"))
    trap_file = forms.FileField(label=_("Trap file (secr: ID x y [usage])"))
    detector = forms.ChoiceField(label=_("Detector type"), choices=DETECTOR_CHOICES)
    usage = forms.ChoiceField(
        label=_("Usage in the trap file"),
        choices=[
            ("auto", _("detect")),
            ("binary", _("0/1 strings (secr binary usage)")),
            ("effort", _("effort per occasion (e.g. days)")),
        ],
    )
    buffer_m = forms.FloatField(
        label=_("Mask buffer (m)"), min_value=1.0, initial=compute.DEFAULT_BUFFER_M
    )
    spacing_m = forms.FloatField(
        label=_("Mask spacing (m)"), min_value=1.0, initial=compute.DEFAULT_SPACING_M
    )


class EstimateForm(forms.Form):
    choice = forms.ChoiceField(
        label=_("Estimate"),
        choices=[
            ("secr-HHN", _("SECR, hazard halfnormal: N in the mask")),
            ("secr-HN", _("SECR, halfnormal: N in the mask")),
            ("closed-best", _("closed capture–recapture, lowest AIC")),
        ],
    )
    area = forms.CharField(label=_("Area"), max_length=200)
    year_start = forms.IntegerField(label=_("From year"), min_value=1900, max_value=2100)
    year_end = forms.IntegerField(
        label=_("To year"), min_value=1900, max_value=2100, required=False
    )
    source = forms.CharField(
        label=_("Source"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class DesignForm(forms.Form):
    place = forms.ChoiceField(label=_("Protected area"), required=False)
    polygon = forms.CharField(
        label=_("Study area (GeoJSON polygon, longitude/latitude)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    spacing_m = forms.FloatField(label=_("Camera spacing (m)"), min_value=100.0, initial=4000.0)
    density_per_100km2 = forms.FloatField(
        label=_("Density (animals per 100 km²)"),
        min_value=0.0,
        initial=services.NAMKHA_DENSITY_PER_100KM2,
    )
    sigma_m = forms.FloatField(label=_("Sigma (m)"), min_value=1.0, initial=services.NAMKHA_SIGMA_M)
    lambda0 = forms.FloatField(
        label=_("Lambda0 (encounters per camera-day at the centre)"),
        min_value=1e-9,
        initial=services.NAMKHA_LAMBDA0_PER_DAY,
    )
    occasions = forms.IntegerField(
        label=_("Camera-days per camera (occasions of one day)"),
        min_value=1,
        max_value=1000,
        initial=90,
    )

    def __init__(
        self, *args: object, places: list[tuple[str, str]] | None = None, **kwargs: object
    ) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.fields["place"].choices = [("", _("— none: use the GeoJSON below —")), *(places or [])]  # type: ignore[attr-defined]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("place") and not (data.get("polygon") or "").strip():
            raise forms.ValidationError(_("Choose a protected area or paste a GeoJSON polygon."))
        return data
