"""Recorded, reversible changes to the registry (the machinery behind undoable decisions).

A :class:`ChangeSet` applies changes to rows and remembers each one as a JSON operation:

* ``update``: the changed fields' values before and after (foreign keys by id);
* ``create``: a new row (undo deletes it, refusing when anything else refers to it);
* ``delete``: every field of a removed row (undo inserts it again with the same id);
* ``m2m``: ids added to or removed from a many-to-many relation.

Updates are written with ``QuerySet.update`` and set ``updated_at`` explicitly, so undoing
restores every stored value — ``updated_at`` included — exactly. Undo first checks that each
row still holds the values the change left (``after``); a later change to the same row makes
the undo refuse with :class:`~barys.individuals.errors.UndoConflict` rather than overwrite it.
Every operation writes an audit entry.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, cast

from django.apps import apps
from django.db import models
from django.db.models.deletion import ProtectedError
from django.utils import timezone

from barys.core import audit
from barys.core.audit import _json_value
from barys.individuals.errors import RegistryConflict, UndoConflict

#: Models whose rows may be removed together with a row created by a decision on undo
#: (derived data, not part of the registry).
DERIVED_MODELS = frozenset({"individuals.matchsuggestion", "individuals.matchdecision"})


def _label(model: type[models.Model] | models.Model) -> str:
    return f"{model._meta.app_label}.{model._meta.model_name}"


def _model(label: str) -> type[models.Model]:
    return apps.get_model(label)


def _field_values(instance: models.Model, names: list[str]) -> dict[str, Any]:
    return {name: _json_value(getattr(instance, name)) for name in names}


def _attname(model: type[models.Model], name: str) -> str:
    return model._meta.get_field(name).attname  # type: ignore[union-attr]


def _python(model: type[models.Model], attname: str, value: Any) -> Any:
    for field in model._meta.concrete_fields:
        if field.attname == attname:
            return None if value is None else field.to_python(value)
    raise KeyError(attname)


def _has_updated_at(model: type[models.Model]) -> bool:
    return any(f.attname == "updated_at" for f in model._meta.concrete_fields)


class ChangeSet:
    """Collects the operations of one decision; see the module docstring."""

    def __init__(self, *, actor: Any, reason: str) -> None:
        self.actor = actor
        self.reason = reason
        self.operations: list[dict[str, Any]] = []
        self.now = timezone.now()

    # -- applying ----------------------------------------------------------------------
    def update(self, instance: models.Model, *, soft: bool = False, **fields: Any) -> bool:
        """Set ``fields`` on ``instance`` (and in the database); returns whether anything
        changed. ``soft`` operations are skipped on undo when their row is gone."""
        model = type(instance)
        names = {name: _attname(model, name) for name in fields}
        extra = ["updated_at"] if _has_updated_at(model) else []
        stored = (
            model._default_manager.filter(pk=instance.pk).values(*names.values(), *extra).first()
        )
        if stored is None:
            raise RegistryConflict(f"{instance} no longer exists")
        changed: dict[str, Any] = {}
        before: dict[str, Any] = {}
        for name, value in fields.items():
            attname = names[name]
            raw = value.pk if isinstance(value, models.Model) else value
            # the stored value, not the in-memory one: the instance may be stale
            if stored[attname] == raw:
                continue
            before[attname] = _json_value(stored[attname])
            changed[attname] = raw
        if not changed:
            return False
        if extra:
            before["updated_at"] = _json_value(stored["updated_at"])
            changed["updated_at"] = self.now
        model._default_manager.filter(pk=instance.pk).update(**changed)
        for attname, raw in changed.items():
            setattr(instance, attname, raw)
            for name, value in fields.items():
                if _attname(model, name) == attname and isinstance(value, models.Model):
                    setattr(instance, name, value)
        after = {k: _json_value(v) for k, v in changed.items()}
        self.operations.append(
            {
                "op": "update",
                "model": _label(model),
                "pk": instance.pk,
                "before": before,
                "after": after,
                "soft": soft,
            }
        )
        audit.record(
            action="update",
            instance=instance,
            before=before,
            after=after,
            actor=self.actor,
            reason=self.reason,
        )
        return True

    def create(self, model: type[models.Model], **fields: Any) -> Any:
        """Create a row of ``model`` (``save()`` with its defaults)."""
        instance = model(**fields)
        instance.save()
        self.operations.append({"op": "create", "model": _label(model), "pk": instance.pk})
        audit.record_create(instance, actor=self.actor, reason=self.reason)
        return instance

    def delete(self, instance: models.Model) -> None:
        """Delete a row, keeping every field so that undo can insert it again."""
        values = audit.snapshot(instance, exclude=())
        self.operations.append(
            {"op": "delete", "model": _label(instance), "pk": instance.pk, "values": values}
        )
        audit.record_delete(instance, actor=self.actor, reason=self.reason)
        instance.delete()

    def m2m(
        self,
        instance: models.Model,
        field: str,
        *,
        add: Sequence[int] = (),
        remove: Sequence[int] = (),
    ) -> None:
        """Add and remove ids in a many-to-many relation of ``instance``."""
        manager = getattr(instance, field)
        current = set(manager.values_list("pk", flat=True))
        added = sorted(set(add) - current)
        removed = sorted(set(remove) & current)
        if not added and not removed:
            return
        if removed:
            manager.remove(*removed)
        if added:
            manager.add(*added)
        self.operations.append(
            {
                "op": "m2m",
                "model": _label(instance),
                "pk": instance.pk,
                "field": field,
                "added": added,
                "removed": removed,
            }
        )
        audit.record(
            action="update",
            instance=instance,
            before={field: sorted(current)},
            after={field: sorted((current - set(removed)) | set(added))},
            actor=self.actor,
            reason=self.reason,
        )


def _references(instance: models.Model) -> list[str]:
    """Registry rows that still refer to ``instance`` (derived rows excluded)."""
    found: list[str] = []
    for relation in instance._meta.related_objects:
        related_model = relation.related_model
        if not isinstance(related_model, type) or not issubclass(related_model, models.Model):
            continue
        if _label(related_model) in DERIVED_MODELS:
            continue
        if relation.many_to_many:
            accessor = relation.get_accessor_name()
            if accessor and getattr(instance, accessor).exists():
                found.append(_label(related_model))
            continue
        field_name = relation.field.name
        manager = cast(Any, related_model)._default_manager
        if manager.filter(**{field_name: instance.pk}).exists():
            found.append(_label(related_model))
    return found


def undo_operations(operations: list[dict[str, Any]], *, actor: Any, reason: str) -> None:
    """Replay ``operations`` backwards (see the module docstring); call inside a
    transaction. Raises :class:`UndoConflict` when a row was changed since."""
    for operation in reversed(operations):
        model = _model(operation["model"])
        kind = operation["op"]
        if kind == "update":
            row = model._default_manager.filter(pk=operation["pk"]).first()
            if row is None:
                if operation.get("soft"):
                    continue
                raise UndoConflict(f"{operation['model']} {operation['pk']} no longer exists")
            current = _field_values(row, list(operation["after"]))
            if current != operation["after"]:
                if operation.get("soft"):
                    continue
                raise UndoConflict(
                    f"{row} was changed after this decision; undo the later decisions first"
                )
            restored = {
                attname: _python(model, attname, value)
                for attname, value in operation["before"].items()
            }
            model._default_manager.filter(pk=row.pk).update(**restored)
            audit.record(
                action="update",
                instance=row,
                before=operation["after"],
                after=operation["before"],
                actor=actor,
                reason=reason,
            )
        elif kind == "create":
            row = model._default_manager.filter(pk=operation["pk"]).first()
            if row is None:
                continue
            referring = _references(row)
            if referring:
                raise UndoConflict(
                    f"{row} is now used by {', '.join(sorted(set(referring)))}; "
                    "undo the later decisions first"
                )
            audit.record_delete(row, actor=actor, reason=reason)
            try:
                row.delete()
            except ProtectedError as exc:
                raise UndoConflict(f"{row} is still in use") from exc
        elif kind == "delete":
            if model._default_manager.filter(pk=operation["pk"]).exists():
                raise UndoConflict(f"{operation['model']} {operation['pk']} exists again")
            values = {
                attname: _python(model, attname, value)
                for attname, value in operation["values"].items()
            }
            row = model(**values)
            # raw: keep every stored value (no auto_now / auto_now_add on the way back in)
            row.save_base(raw=True, force_insert=True)
            audit.record_create(row, actor=actor, reason=reason)
        elif kind == "m2m":
            row = model._default_manager.filter(pk=operation["pk"]).first()
            if row is None:
                raise UndoConflict(f"{operation['model']} {operation['pk']} no longer exists")
            manager = getattr(row, operation["field"])
            members = set(manager.values_list("pk", flat=True))
            if not set(operation["added"]) <= members or set(operation["removed"]) & members:
                raise UndoConflict(f"{row} was changed after this decision")
            if operation["added"]:
                manager.remove(*operation["added"])
            if operation["removed"]:
                manager.add(*operation["removed"])
            audit.record(
                action="update",
                instance=row,
                before={operation["field"]: sorted(members)},
                after={
                    operation["field"]: sorted(
                        (members - set(operation["added"])) | set(operation["removed"])
                    )
                },
                actor=actor,
                reason=reason,
            )
        else:  # pragma: no cover - written only by ChangeSet
            raise UndoConflict(f"unknown operation {kind!r}")
