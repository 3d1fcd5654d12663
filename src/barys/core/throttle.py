"""Login throttling: too many failures for an account or an address within a window."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import timezone

from barys.core.models import LoginFailure


def _window_start() -> dt.datetime:
    return timezone.now() - dt.timedelta(minutes=settings.LOGIN_THROTTLE_MINUTES)


def is_throttled(*, username: str, address: str) -> bool:
    since = _window_start()
    recent = LoginFailure.objects.filter(at__gte=since)
    limit = settings.LOGIN_MAX_FAILURES
    return recent.filter(username=username.lower()[:150]).count() >= limit or (
        bool(address) and recent.filter(address=address).count() >= limit * 4
    )


def record_failure(*, username: str, address: str) -> None:
    LoginFailure.objects.create(username=username.lower()[:150], address=address[:64])
    LoginFailure.objects.filter(at__lt=timezone.now() - dt.timedelta(days=1)).delete()


def clear_failures(*, username: str) -> None:
    LoginFailure.objects.filter(username=username.lower()[:150]).delete()


def client_address(request: object) -> str:
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR", ""))[:64]
