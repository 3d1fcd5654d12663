"""Core pages (thin): home, login with throttling, account and tokens, jobs, scopes, health."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.core import health, navigation, roles, throttle, tokens
from barys.core.models import ApiToken, Job, Scope


def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", {"panels": navigation.panels("home", request=request)})


class ThrottledLoginView(auth_views.LoginView):
    """Django's login page that refuses further attempts after too many failures."""

    template_name = "registration/login.html"

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        username = request.POST.get("username", "")
        if throttle.is_throttled(username=username, address=throttle.client_address(request)):
            form = self.get_form()
            form.errors.clear()
            context = self.get_context_data(form=form, throttled=True)
            return self.render_to_response(context, status=429)
        return super().post(request, *args, **kwargs)


@login_required
def account(request: HttpRequest) -> HttpResponse:
    new_token = None
    if request.method == "POST":
        issued = tokens.issue_token(
            user=request.user, name=request.POST.get("name", "") or _("script"), actor=request.user
        )
        new_token = issued.plaintext
    return render(
        request,
        "core/account.html",
        {
            "roles": roles.roles_of(request.user),
            "tokens": ApiToken.objects.filter(user=request.user),
            "new_token": new_token,
        },
    )


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    tokens.revoke_token(token=token, actor=request.user)
    messages.success(request, _("The token was revoked."))
    return redirect("account")


def job_detail(request: HttpRequest, job_id: str) -> HttpResponse:
    job = get_object_or_404(Job, pk=job_id)
    if (
        job.created_by_id
        and job.created_by_id != getattr(request.user, "pk", None)
        and not roles.has_role(request.user, "admin")
    ):
        raise PermissionDenied
    return render(request, "core/job.html", {"job": job})


@login_required
def scope_detail(request: HttpRequest, code: str) -> HttpResponse:
    scope = get_object_or_404(Scope, code=code)
    if not roles.has_role(request.user, "observer", scope.code):
        raise PermissionDenied
    assignments = scope.role_assignments.select_related("user").order_by("role", "user__username")
    return render(request, "core/scope.html", {"scope": scope, "assignments": assignments})


def healthz(request: HttpRequest) -> JsonResponse:
    state = health.check()
    body = {
        "status": "ok" if state.ok else "unavailable",
        "checks": state.checks,
        "reasons": state.reasons,
    }
    return JsonResponse(body, status=200 if state.ok else 503)
