"""Error pages that never echo the request's data back."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _


def _page(request: HttpRequest, status: int, title: str, text: str) -> HttpResponse:
    body = render_to_string(
        "core/error.html",
        {"status": status, "title": title, "text": text},
        request=request if status != 500 else None,
    )
    return HttpResponse(body, status=status)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(request, 404, _("Page not found"), _("There is no page at this address."))


def forbidden(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _page(
        request,
        403,
        _("Access denied"),
        _("Your role does not allow this page. Sign in with an account that does."),
    )


def server_error(request: HttpRequest) -> HttpResponse:
    return _page(
        request, 500, _("Something went wrong"), _("The error was logged. Please try again later.")
    )
