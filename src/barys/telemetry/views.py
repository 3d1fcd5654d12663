"""Telemetry pages (thin): collars, an individual's track, home ranges, flagged fixes."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.core import roles
from barys.telemetry import presentation, services
from barys.telemetry.models import Fix


def collar_list(request: HttpRequest) -> HttpResponse:
    rows = presentation.collar_list(user=request.user)
    window = getattr(settings, "BARYS_LIVE_POSITION_DAYS", 30)
    return render(request, "telemetry/collar_list.html", {"rows": rows, "window": window})


def track(request: HttpRequest, code: str) -> HttpResponse:
    try:
        page = presentation.track_page(code=code, user=request.user)
    except presentation.NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "telemetry/track.html",
        {
            "page": page,
            "individual": page.individual,
            "may_review": page.access.exact,
        },
    )


def home_ranges(request: HttpRequest, code: str) -> HttpResponse:
    try:
        individual = presentation.individual_by_code(code)
    except presentation.NotFound as exc:
        raise Http404(str(exc)) from exc
    return render(
        request,
        "telemetry/home_ranges.html",
        {
            "individual": individual,
            "ranges": presentation.home_range_rows(individual),
            "access": presentation.access_for(user=request.user, individual=individual),
        },
    )


def flagged(request: HttpRequest, code: str) -> HttpResponse:
    try:
        offset = max(0, int(request.GET.get("offset", 0)))
    except ValueError:
        offset = 0
    try:
        individual, fixes, total = presentation.flagged_fixes(
            code=code, user=request.user, offset=offset
        )
    except presentation.NotFound as exc:
        raise Http404(str(exc)) from exc
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    scope = individual.scope.code if individual.scope else None
    return render(
        request,
        "telemetry/flagged.html",
        {
            "individual": individual,
            "fixes": fixes,
            "total": total,
            "offset": offset,
            "next_offset": offset + len(fixes) if offset + len(fixes) < total else None,
            "may_override": roles.has_role(request.user, "researcher", scope),
            "decisions": Fix.Override.choices,
        },
    )


@require_POST
def override(request: HttpRequest, fix_id: int) -> HttpResponse:
    fix = get_object_or_404(Fix.objects.select_related("individual"), pk=fix_id)
    target = reverse("telemetry-flags", args=[fix.individual.code])
    try:
        services.override_fix(
            fix_id=fix_id,
            decision=request.POST.get("decision", ""),
            reason=request.POST.get("reason", ""),
            actor=request.user,
        )
    except services.NotAllowed as exc:
        raise PermissionDenied(str(exc)) from exc
    except services.TelemetryError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("The fix was updated; the home ranges are being recomputed."))
    return HttpResponseRedirect(f"{target}#fix-{fix_id}")
