"""Services for people: adding users with roles and scopes."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db import transaction

from barys.core import audit, roles
from barys.core.models import Scope, User


@dataclass
class AddedUser:
    user: User
    created: bool
    created_scopes: list[str] = field(default_factory=list)


@transaction.atomic
def add_user(
    *,
    username: str,
    role: str,
    scopes: list[str] | None = None,
    email: str = "",
    password: str | None = None,
    display_name: str = "",
    actor: User | str | None = None,
) -> AddedUser:
    """Create (or update) a person and give them ``role`` nationally or in ``scopes``.

    Unknown scopes are created with their code as name. Audited.
    """
    username = username.strip()
    if not username:
        raise ValueError("a user name is required")
    user = User.objects.filter(username=username).first()
    created = user is None
    if user is None:
        user = User(username=username, email=email, display_name=display_name)
        if password:
            user.set_password(password)
        else:
            user.set_unusable_password()
        user.save()
        audit.record_create(user, actor=actor)
    elif password:
        before = audit.snapshot(user)
        user.set_password(password)
        user.save()
        audit.record_update(user, before, actor=actor, reason="password set")
    created_scopes: list[str] = []
    actor_user = actor if isinstance(actor, User) else None
    for code in scopes or [None]:  # type: ignore[list-item]
        if code:
            scope, scope_created = Scope.objects.get_or_create(
                code=code, defaults={"name_en": code}
            )
            if scope_created:
                audit.record_create(scope, actor=actor)
                created_scopes.append(code)
        roles.assign_role(user=user, role=role, scope=code, actor=actor_user)
    if role == "admin" and not scopes and not user.is_superuser:
        before = audit.snapshot(user)
        user.is_superuser = True
        user.is_staff = True
        user.save(update_fields=["is_superuser", "is_staff"])
        audit.record_update(user, before, actor=actor)
    return AddedUser(user=user, created=created, created_scopes=created_scopes)
