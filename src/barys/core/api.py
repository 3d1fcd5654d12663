"""Core endpoints of the JSON API: who am I, jobs, scopes, audit (thin: services do the work)."""

from __future__ import annotations

import datetime as dt
import uuid

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema
from ninja.errors import HttpError

from barys.core import roles
from barys.core.api_auth import LOGIN_REQUIRED, current_user
from barys.core.models import AuditEntry, Job, Scope

router = Router(tags=["core"])


class RoleOut(Schema):
    role: str
    scope: str | None


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[RoleOut]


class JobOut(Schema):
    id: uuid.UUID
    kind: str
    title: str
    state: str
    progress: int
    message: str
    result: dict | None
    created_at: dt.datetime
    finished_at: dt.datetime | None


class ScopeOut(Schema):
    code: str
    kind: str
    name: str
    members: list[str]


class AuditOut(Schema):
    id: int
    at: dt.datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    before: dict | None
    after: dict | None


@router.get("/me", response=MeOut, auth=LOGIN_REQUIRED)
def me(request: HttpRequest) -> MeOut:
    user = request.user
    return MeOut(
        username=user.get_username(),
        display_name=str(user),
        roles=[RoleOut(role=r, scope=s) for r, s in roles.roles_of(user)],
    )


@router.get("/jobs/{job_id}", response=JobOut)
def job_detail(request: HttpRequest, job_id: uuid.UUID) -> Job:
    job = get_object_or_404(Job, pk=job_id)
    user = current_user(request)
    if (
        job.created_by_id
        and job.created_by_id != getattr(user, "pk", None)
        and not roles.has_role(user, "admin")
    ):
        raise HttpError(404, "Not Found")
    return job


@router.get("/scopes/{code}", response=ScopeOut, auth=LOGIN_REQUIRED)
def scope_detail(request: HttpRequest, code: str) -> ScopeOut:
    scope = get_object_or_404(Scope, code=code)
    if not roles.has_role(request.user, "observer", scope.code):
        raise HttpError(403, f"a role in scope {scope.code} is required")
    members = sorted({a.user.get_username() for a in scope.role_assignments.select_related("user")})
    return ScopeOut(code=scope.code, kind=scope.kind, name=scope.name_en, members=members)


@router.get("/audit", response=list[AuditOut], auth=LOGIN_REQUIRED)
def audit_list(
    request: HttpRequest,
    object_type: str | None = None,
    object_id: str | None = None,
    limit: int = 100,
) -> list[AuditOut]:
    if not roles.has_role(request.user, "admin"):
        raise HttpError(403, "the admin role is required")
    entries = AuditEntry.objects.select_related("actor").order_by("-at", "-id")
    if object_type:
        entries = entries.filter(object_type=object_type)
    if object_id:
        entries = entries.filter(object_id=object_id)
    return [
        AuditOut(
            id=e.pk,
            at=e.at,
            actor=e.actor_label,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            before=e.before,
            after=e.after,
        )
        for e in entries[: max(1, min(limit, 1000))]
    ]
