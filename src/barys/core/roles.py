"""Roles, scopes and what they allow.

A role applies nationally (a :class:`RoleAssignment` without scope) or within named scopes.
Roles are ordered: observer < researcher < curator < admin; holding a role includes the lower
ones. Each role also has a Django group whose model permissions drive the admin site.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.db import transaction

from barys.core.models import ROLE_NAMES, ROLE_RANK, RoleAssignment, Scope, User

# App labels whose models each role may change in the admin site; later apps add theirs here.
ROLE_ADMIN_APPS: dict[str, set[str]] = {
    "observer": set(),
    "researcher": set(),
    "curator": set(),
    "admin": {"core", "auth"},
}


def _rank(role: str) -> int:
    try:
        return ROLE_RANK[str(role)]
    except KeyError:
        raise ValueError(
            f"unknown role {role!r}; expected one of {', '.join(ROLE_NAMES)}"
        ) from None


class PermissionDenied(Exception):
    """The person lacks the role or scope for an action; the message says which."""


def register_admin_app(role: str, app_label: str) -> None:
    """Let ``role`` (and higher roles) change the models of ``app_label`` in the admin site."""
    for name, rank in ROLE_RANK.items():
        if rank >= _rank(role):
            ROLE_ADMIN_APPS[name].add(app_label)


def _ensure_user(user: Any) -> User | None:
    if user is None or isinstance(user, AnonymousUser) or not user.is_authenticated:
        return None
    return user


def roles_of(user: Any) -> list[tuple[str, str | None]]:
    """(role, scope code or None for national) pairs held by ``user``, cached on the object."""
    person = _ensure_user(user)
    if person is None:
        return []
    cached = getattr(person, "_barys_roles", None)
    if cached is None:
        cached = [
            (a.role, a.scope.code if a.scope_id else None)
            for a in person.role_assignments.select_related("scope")
        ]
        if person.is_superuser:
            cached.append(("admin", None))
        person._barys_roles = cached
    return list(cached)


def has_role(user: Any, role: str, scope: str | None = None) -> bool:
    """Does ``user`` hold ``role`` (or higher) nationally, or within ``scope`` when given?

    With ``scope=None`` only a national assignment counts.
    """
    needed = _rank(role)
    for held, held_scope in roles_of(user):
        if _rank(held) < needed:
            continue
        if held_scope is None or (scope is not None and held_scope == scope):
            return True
    return False


def has_role_anywhere(user: Any, role: str) -> bool:
    """Does ``user`` hold ``role`` (or higher) nationally or in at least one scope?"""
    needed = _rank(role)
    return any(_rank(held) >= needed for held, _scope in roles_of(user))


def scopes_with_role(user: Any, role: str) -> set[str] | None:
    """Scope codes where ``user`` holds ``role``; ``None`` means everywhere (national)."""
    needed = _rank(role)
    scopes: set[str] = set()
    for held, held_scope in roles_of(user):
        if _rank(held) < needed:
            continue
        if held_scope is None:
            return None
        scopes.add(held_scope)
    return scopes


def require_role(user: Any, role: str, scope: str | None = None) -> None:
    """Raise :class:`PermissionDenied` unless :func:`has_role` allows it."""
    if not has_role(user, role, scope):
        where = f"in scope {scope!r}" if scope else "nationally"
        raise PermissionDenied(f"the {role} role {where} is required")


@transaction.atomic
def assign_role(
    *, user: User, role: str, scope: str | None = None, actor: User | None = None
) -> RoleAssignment:
    """Give ``user`` a role, nationally or within an existing scope (audited)."""
    from barys.core import audit

    _rank(role)
    role = str(role)
    scope_obj = None
    if scope:
        try:
            scope_obj = Scope.objects.get(code=scope)
        except Scope.DoesNotExist:
            raise ValueError(f"unknown scope {scope!r}") from None
    assignment, created = RoleAssignment.objects.get_or_create(
        user=user, role=role, scope=scope_obj
    )
    if created:
        audit.record_create(assignment, actor=actor)
    if _rank(role) >= _rank("curator") and not user.is_staff:
        before = audit.snapshot(user)
        user.is_staff = True
        user.save(update_fields=["is_staff"])
        audit.record_update(user, before, actor=actor)
    group = Group.objects.filter(name=role).first()
    if group is not None:
        user.groups.add(group)
    if hasattr(user, "_barys_roles"):
        del user._barys_roles
    return assignment


def sync_role_groups(sender: Any = None, **kwargs: Any) -> None:
    """Create one group per role and give it the model permissions of its admin apps."""
    using = kwargs.get("using", "default")
    for role in ROLE_NAMES:
        group, _created = Group.objects.using(using).get_or_create(name=role)
        apps: Iterable[str] = ROLE_ADMIN_APPS.get(role, set())
        perms = Permission.objects.using(using).filter(content_type__app_label__in=list(apps))
        group.permissions.set(perms)
