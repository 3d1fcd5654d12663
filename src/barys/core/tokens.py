"""API tokens for scripts: ``Authorization: Bearer barys_<prefix>_<secret>``.

Only the SHA-256 of the secret is stored; the full token is returned once at creation.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass

from django.utils import timezone

from barys.core import audit
from barys.core.models import ApiToken, User

TOKEN_PREFIX = "barys"


@dataclass(frozen=True)
class IssuedToken:
    token: ApiToken
    plaintext: str


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def issue_token(*, user: User, name: str, actor: User | None = None) -> IssuedToken:
    """Create a token for ``user``; the plaintext is in the result and nowhere else."""
    if not name.strip():
        raise ValueError("a token needs a name")
    prefix = secrets.token_hex(6)
    secret = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user, name=name.strip()[:100], prefix=prefix, secret_hash=_hash(secret)
    )
    audit.record_create(token, actor=actor or user)
    return IssuedToken(token=token, plaintext=f"{TOKEN_PREFIX}_{prefix}_{secret}")


def revoke_token(*, token: ApiToken, actor: User | None = None) -> None:
    if token.revoked_at is not None:
        return
    before = audit.snapshot(token)
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    audit.record_update(token, before, actor=actor)


def authenticate_token(raw: str) -> User | None:
    """The active user owning the token ``raw``, or ``None``."""
    parts = raw.strip().split("_", 2)
    if len(parts) != 3 or parts[0] != TOKEN_PREFIX:
        return None
    _, prefix, secret = parts
    token = ApiToken.objects.select_related("user").filter(prefix=prefix).first()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if not hmac.compare_digest(token.secret_hash, _hash(secret)):
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token.user
