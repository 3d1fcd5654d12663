"""Signal receivers of the core app."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.dispatch import receiver

from barys.core import throttle


@receiver(user_login_failed, dispatch_uid="barys-login-failed")
def _on_login_failed(sender: Any, credentials: dict, request: Any = None, **kwargs: Any) -> None:
    throttle.record_failure(
        username=str(credentials.get("username", "")),
        address=throttle.client_address(request) if request else "",
    )


@receiver(user_logged_in, dispatch_uid="barys-logged-in")
def _on_logged_in(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    throttle.clear_failures(username=user.get_username())
