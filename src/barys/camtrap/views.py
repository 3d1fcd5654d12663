"""Camera-trap pages (thin): surveys and their map, deployments, events, media, upload."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.camtrap import pages, review, review_pages, services
from barys.camtrap.detect import start_detection
from barys.camtrap.errors import CamtrapError, NotFound
from barys.camtrap.models import Deployment, Survey
from barys.core import navigation
from barys.core.roles import PermissionDenied


def _deployment(code: str):  # type: ignore[no-untyped-def]
    try:
        return services.get_deployment(code)
    except NotFound:
        raise Http404 from None


def survey_list(request: HttpRequest) -> HttpResponse:
    return render(request, "camtrap/survey_list.html", {"surveys": pages.survey_list()})


def survey_detail(request: HttpRequest, code: str) -> HttpResponse:
    survey = get_object_or_404(Survey, code=code)
    page = pages.survey_page(survey=survey, user=request.user)
    return render(request, "camtrap/survey_detail.html", {"page": page, "survey": survey})


def stations_geojson(request: HttpRequest, code: str) -> JsonResponse:
    survey = get_object_or_404(Survey, code=code)
    return JsonResponse(pages.stations_geojson(survey=survey, user=request.user))


@login_required
def deployment_detail(request: HttpRequest, code: str) -> HttpResponse:
    deployment = _deployment(code)
    try:
        context = pages.deployment_page(deployment=deployment, user=request.user)
    except PermissionDenied:
        raise HttpForbidden from None
    context["can_review"] = review.can_review(request.user, deployment)
    return render(request, "camtrap/deployment_detail.html", context)


@login_required
def event_list(request: HttpRequest, code: str) -> HttpResponse:
    deployment = _deployment(code)
    try:
        page = int(request.GET.get("page", "1"))
    except ValueError:
        page = 1
    try:
        context = pages.event_page(
            deployment=deployment, user=request.user, page=page, kind=request.GET.get("type", "")
        )
    except PermissionDenied:
        raise HttpForbidden from None
    context.update(_review_context(request, deployment))
    return render(request, "camtrap/event_list.html", context)


def _review_context(request: HttpRequest, deployment: Deployment) -> dict[str, Any]:
    allowed = review.can_review(request.user, deployment)
    return {
        "can_review": allowed,
        "type_choices": review_pages.type_choices() if allowed else [],
        "species_names": review_pages.species_names() if allowed else [],
    }


@login_required
def event_detail(request: HttpRequest, event_id: str) -> HttpResponse:
    try:
        context = pages.event_detail(event_id=event_id, user=request.user)
    except NotFound:
        raise Http404 from None
    except PermissionDenied:
        raise HttpForbidden from None
    context["can_review"] = review.can_review(request.user, context["deployment"])
    # other modules add sections here (e.g. identification of individuals)
    context["panels"] = navigation.panels("camera-event", event=context["event"], request=request)
    return render(request, "camtrap/event_detail.html", context)


def media_file(request: HttpRequest, media_id: str, kind: str) -> HttpResponse:
    try:
        found = pages.media_file(media_id=media_id, kind=kind, user=request.user)
    except NotFound:
        raise Http404 from None
    except PermissionDenied:
        raise HttpForbidden from None
    if found.path is not None:
        if not found.path.exists():
            raise Http404
        response: HttpResponse = FileResponse(
            found.path.open("rb"), content_type=found.content_type
        )
    else:
        response = HttpResponse(found.content, content_type=found.content_type)
        response["Content-Disposition"] = f'inline; filename="{found.file_name}"'
    response["Cache-Control"] = "private, max-age=3600"
    return response


@login_required
def upload(request: HttpRequest, code: str) -> HttpResponse:
    deployment = _deployment(code)
    summary = None
    if request.method == "POST":
        files = [(f.name, f.chunks()) for f in request.FILES.getlist("files")]
        try:
            summary = pages.ingest_upload(deployment=deployment, files=files, actor=request.user)
        except PermissionDenied:
            raise HttpForbidden from None
        except CamtrapError as exc:
            messages.error(request, str(exc))
    else:
        try:
            pages.require_area(request.user, deployment)
        except PermissionDenied:
            raise HttpForbidden from None
    return render(request, "camtrap/upload.html", {"deployment": deployment, "summary": summary})


@login_required
@require_POST
def detect(request: HttpRequest, code: str) -> HttpResponse:
    deployment = _deployment(code)
    try:
        pages.require_area(request.user, deployment)
    except PermissionDenied:
        raise HttpForbidden from None
    start_detection(deployment=deployment, actor=request.user)
    messages.success(request, _("Detection was queued; its progress shows below."))
    return redirect("camtrap-deployment", code=deployment.code)


@login_required
@require_POST
def add_outage(request: HttpRequest, code: str) -> HttpResponse:
    deployment = _deployment(code)
    try:
        pages.require_area(request.user, deployment)
        services.add_outage(
            deployment=deployment,
            start=pages.local_to_utc(request.POST.get("start", ""), deployment),
            end=pages.local_to_utc(request.POST.get("end", ""), deployment),
            reason=request.POST.get("reason", "other"),
            comment=request.POST.get("comment", ""),
            actor=request.user,
        )
        messages.success(request, _("The outage was recorded."))
    except PermissionDenied:
        raise HttpForbidden from None
    except (CamtrapError, ValueError) as exc:
        messages.error(request, str(exc))
    return redirect("camtrap-deployment", code=deployment.code)
