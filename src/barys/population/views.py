"""Population pages (thin): survey page, analyses, secr files, Red Book estimate, design."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.camtrap.models import Survey
from barys.core import roles
from barys.core.access_log import log_access
from barys.population import pages, services
from barys.population.errors import PopulationError
from barys.population.forms import AnalysisForm, DesignForm, EstimateForm, ImportForm
from barys.population.models import PopulationAnalysis
from barys.taxa.services import RegistryError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024


def _survey(key: str) -> Survey:
    survey = pages.survey_by_key(key)
    if survey is None:
        raise Http404
    return survey


def _page_url(survey: Survey, analysis: PopulationAnalysis | None = None) -> str:
    url = reverse("population-survey", args=[survey.code])
    return f"{url}?analysis={analysis.pk}" if analysis is not None else url


@login_required
def survey_page(request: HttpRequest, key: str) -> HttpResponse:
    survey = _survey(key)
    raw = request.GET.get("analysis", "")
    try:
        context = pages.population_page(
            survey=survey, user=request.user, analysis_id=int(raw) if raw.isdigit() else None
        )
    except roles.PermissionDenied:
        raise HttpForbidden from None
    except PopulationError:
        raise Http404 from None
    context.update(
        analysis_form=AnalysisForm(),
        import_form=ImportForm(),
        estimate_form=EstimateForm(
            initial={"area": survey.title, "year_start": survey.start_date.year}
            if survey.start_date
            else {"area": survey.title}
        ),
    )
    return render(request, "population/survey.html", context)


@login_required
@require_POST
def start_analysis(request: HttpRequest, key: str) -> HttpResponse:
    survey = _survey(key)
    form = AnalysisForm(request.POST)
    try:
        services.require_researcher(request.user, survey)
        if not form.is_valid():
            raise PopulationError(form.errors.as_text())
        analysis = services.start_analysis(
            survey=survey,
            actor=request.user,
            params=form.params(),  # type: ignore[arg-type]
        )
    except roles.PermissionDenied:
        raise HttpForbidden from None
    except PopulationError as exc:
        messages.error(request, str(exc))
        return redirect(_page_url(survey))
    messages.success(request, _("The analysis was started; this page shows its progress."))
    return redirect(_page_url(survey, analysis))


@login_required
@require_POST
def import_files(request: HttpRequest, key: str) -> HttpResponse:
    survey = _survey(key)
    form = ImportForm(request.POST, request.FILES)
    try:
        services.require_researcher(request.user, survey)
        if not form.is_valid():
            raise PopulationError(form.errors.as_text())
        upload_capture = form.cleaned_data["capture_file"]
        upload_trap = form.cleaned_data["trap_file"]
        if upload_capture.size > MAX_UPLOAD_BYTES or upload_trap.size > MAX_UPLOAD_BYTES:
            raise PopulationError(_("Files larger than 5 MB are not accepted."))
        try:
            capture_text = upload_capture.read().decode("utf-8-sig")
            trap_text = upload_trap.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise PopulationError(_("The files must be UTF-8 text.")) from None
        analysis = services.import_secr_files(
            survey=survey,
            actor=request.user,  # type: ignore[arg-type]
            capture_text=capture_text,
            trap_text=trap_text,
            detector=form.cleaned_data["detector"],
            usage=form.cleaned_data["usage"],
            buffer_m=form.cleaned_data["buffer_m"],
            spacing_m=form.cleaned_data["spacing_m"],
            capture_name=upload_capture.name or "capt.txt",
            trap_name=upload_trap.name or "trap.txt",
        )
    except roles.PermissionDenied:
        raise HttpForbidden from None
    except PopulationError as exc:
        messages.error(request, str(exc))
        return redirect(_page_url(survey))
    messages.success(request, _("The files were read; the analysis was started."))
    return redirect(_page_url(survey, analysis))


@login_required
def download_files(request: HttpRequest, key: str, analysis_id: int) -> HttpResponse:
    survey = _survey(key)
    try:
        if not pages.export_allowed(user=request.user, survey=survey):
            raise roles.PermissionDenied("exact camera positions are needed for this file")
    except roles.PermissionDenied:
        raise HttpForbidden from None
    analysis = PopulationAnalysis.objects.filter(survey=survey, pk=analysis_id).first()
    if analysis is None:
        raise Http404
    fmt = "trapID" if request.GET.get("fmt") == "trapID" else "XY"
    try:
        payload = services.export_secr_files(analysis=analysis, fmt=fmt)
    except PopulationError as exc:
        messages.error(request, str(exc))
        return redirect(_page_url(survey, analysis))
    log_access(
        actor=request.user,
        surface="population.secr-files",
        object_type="camtrap.survey",
        object_id=str(survey.pk),
        count=len(analysis.history.get("trap_ids", [])),
    )
    response = HttpResponse(payload, content_type="application/zip")
    name = f"{survey.code}-analysis-{analysis.pk}-secr.zip"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
@require_POST
def save_estimate(request: HttpRequest, key: str, analysis_id: int) -> HttpResponse:
    survey = _survey(key)
    analysis = PopulationAnalysis.objects.filter(survey=survey, pk=analysis_id).first()
    if analysis is None:
        raise Http404
    form = EstimateForm(request.POST)
    try:
        if not form.is_valid():
            raise PopulationError(form.errors.as_text())
        data = form.cleaned_data
        services.save_estimate(
            analysis=analysis,
            choice=data["choice"],
            actor=request.user,  # type: ignore[arg-type]
            area=data["area"],
            year_start=data["year_start"],
            year_end=data.get("year_end"),
            source=data.get("source") or "",
        )
    except roles.PermissionDenied:
        raise HttpForbidden from None
    except (PopulationError, RegistryError) as exc:
        messages.error(request, str(exc))
        return redirect(_page_url(survey, analysis))
    messages.success(request, _("The estimate was saved in the Red Book registry."))
    return redirect(_page_url(survey, analysis))


@login_required
def design(request: HttpRequest) -> HttpResponse:
    if not roles.has_role_anywhere(request.user, "researcher"):
        raise HttpForbidden
    places = services.protected_area_choices()
    form = DesignForm(request.GET or None, places=places)
    context: dict[str, object] = {"form": form}
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            area = services.design_area(place_code=data["place"], geojson=data["polygon"])
            result = services.design_survey(
                polygon=area,
                spacing_m=data["spacing_m"],
                density_per_100km2=data["density_per_100km2"],
                sigma_m=data["sigma_m"],
                lambda0=data["lambda0"],
                occasions=data["occasions"],
            )
        except PopulationError as exc:
            form.add_error(None, str(exc))
        else:
            context["result"] = result
            context["plot"] = pages.design_plot(result)
    return render(request, "population/design.html", context)
