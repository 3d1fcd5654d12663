"""Audit entries for every create, update and delete made by services.

``snapshot`` turns a model instance into JSON-safe field values; services take a snapshot
before a change and call :func:`record_update` after it.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.db import models

from barys.core.models import AuditEntry, User


def _json_value(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, bytes | memoryview):
        return bytes(value).hex()
    if isinstance(value, list | tuple):
        return [_json_value(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _json_value(v) for k, v in value.items()}
    return value


def snapshot(instance: models.Model, *, exclude: tuple[str, ...] = ("password",)) -> dict:
    """JSON-safe values of the concrete fields of ``instance`` (foreign keys as ids)."""
    data: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        if field.name in exclude:
            continue
        data[field.attname] = _json_value(getattr(instance, field.attname))
    return data


def _actor_fields(actor: User | str | None) -> dict[str, Any]:
    if isinstance(actor, str):
        return {"actor": None, "actor_label": actor}
    if actor is not None and getattr(actor, "is_authenticated", False):
        return {"actor": actor, "actor_label": actor.get_username()}
    return {"actor": None, "actor_label": "system"}


def _object_type(instance: models.Model) -> str:
    return f"{instance._meta.app_label}.{instance._meta.model_name}"


def record(
    *,
    action: str,
    instance: models.Model,
    before: dict | None,
    after: dict | None,
    actor: User | str | None = None,
    reason: str = "",
) -> AuditEntry:
    return AuditEntry.objects.create(
        action=action,
        object_type=_object_type(instance),
        object_id=str(instance.pk),
        object_repr=str(instance)[:300],
        before=before,
        after=after,
        reason=reason,
        **_actor_fields(actor),
    )


def record_create(
    instance: models.Model, *, actor: User | str | None = None, reason: str = ""
) -> AuditEntry:
    return record(
        action="create",
        instance=instance,
        before=None,
        after=snapshot(instance),
        actor=actor,
        reason=reason,
    )


def record_update(
    instance: models.Model, before: dict, *, actor: User | str | None = None, reason: str = ""
) -> AuditEntry | None:
    """Write an update entry holding only the changed fields; nothing when nothing changed."""
    after = snapshot(instance)
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    if not changed:
        return None
    return record(
        action="update",
        instance=instance,
        before={k: before.get(k) for k in changed},
        after={k: after.get(k) for k in changed},
        actor=actor,
        reason=reason,
    )


def record_delete(
    instance: models.Model, *, actor: User | str | None = None, reason: str = ""
) -> AuditEntry:
    return record(
        action="delete",
        instance=instance,
        before=snapshot(instance),
        after=None,
        actor=actor,
        reason=reason,
    )


def history(instance: models.Model) -> models.QuerySet[AuditEntry]:
    """Audit entries of one object, newest first."""
    return AuditEntry.objects.filter(object_type=_object_type(instance), object_id=str(instance.pk))
