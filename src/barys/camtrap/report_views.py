"""The survey report page and its PDF (thin: parse, call the report service, render)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.http import urlencode

from barys.camtrap import access
from barys.camtrap import report as reports
from barys.camtrap.models import Survey
from barys.camtrap.report import ReportParameterError, ReportParameters, parse_parameters
from barys.core.roles import PermissionDenied


def _survey(request: HttpRequest, code: str) -> Survey:
    survey = get_object_or_404(Survey, code=code)
    if not access.can_view_area(request.user, survey.scope_code):
        raise HttpForbidden
    return survey


def _invalid(request: HttpRequest, survey: Survey, error: ReportParameterError) -> HttpResponse:
    context = {
        "survey": survey,
        "report": None,
        "error": str(error),
        "parameters": ReportParameters(),
        "values": request.GET,
    }
    return render(request, "camtrap/survey_report.html", context, status=400)


def _report(
    request: HttpRequest, code: str, *, charts: bool
) -> tuple[Survey, ReportParameters, reports.SurveyReport] | HttpResponse:
    """The survey, its validated parameters and the report, or the page explaining a bad
    parameter (400)."""
    survey = _survey(request, code)
    try:
        parameters = parse_parameters(request.GET)
    except ReportParameterError as exc:
        return _invalid(request, survey, exc)
    try:
        report = reports.survey_report(
            survey,
            user=request.user,
            independence_minutes=parameters.independence_minutes,
            occasion_days=parameters.occasion_days,
            charts=charts,
        )
    except PermissionDenied:
        raise HttpForbidden from None
    return survey, parameters, report


@login_required
def survey_report(request: HttpRequest, code: str) -> HttpResponse:
    built = _report(request, code, charts=True)
    if isinstance(built, HttpResponse):
        return built
    survey, parameters, report = built
    query = urlencode(
        {
            "independence_minutes": parameters.independence_minutes,
            "occasion_days": parameters.occasion_days,
        }
    )
    context = {
        "survey": survey,
        "report": report,
        "parameters": parameters,
        "values": request.GET,
        "pdf_query": query,
    }
    return render(request, "camtrap/survey_report.html", context)


@login_required
def survey_report_pdf(request: HttpRequest, code: str) -> HttpResponse:
    built = _report(request, code, charts=False)
    if isinstance(built, HttpResponse):
        return built
    survey, _parameters, report = built
    response = HttpResponse(reports.report_pdf(report), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="survey-report-{survey.code}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response
