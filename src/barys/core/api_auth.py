"""Authentication for the JSON API: bearer tokens for scripts, the session for pages."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from ninja.security import HttpBearer, django_auth

from barys.core.tokens import authenticate_token


class TokenAuth(HttpBearer):
    """``Authorization: Bearer barys_…`` tokens."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        user = authenticate_token(token)
        if user is not None:
            request.user = user
        return user


token_auth = TokenAuth()
#: For endpoints that need a signed-in person (token or session, CSRF-checked).
LOGIN_REQUIRED = [token_auth, django_auth]


def current_user(request: HttpRequest) -> Any:
    """The person behind a public request: token user, session user, or anonymous."""
    header = request.headers.get("Authorization", "")
    if header.lower().startswith("bearer "):
        user = authenticate_token(header[7:])
        return user if user is not None else AnonymousUser()
    return getattr(request, "user", AnonymousUser())
