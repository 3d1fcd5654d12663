"""Health of the installation: database, migrations and queue."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import DatabaseError, connection
from django.db.migrations.executor import MigrationExecutor


@dataclass
class Health:
    ok: bool = True
    checks: dict[str, Any] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)

    def fail(self, reason: str) -> None:
        self.ok = False
        self.reasons.append(reason)


def check() -> Health:
    health = Health()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
        health.checks["database"] = {"ok": True, "vendor": connection.vendor}
    except DatabaseError as exc:
        health.checks["database"] = {"ok": False, "error": exc.__class__.__name__}
        health.fail("database unreachable")
        health.checks["migrations"] = {"ok": False, "error": "database unreachable"}
    else:
        try:
            executor = MigrationExecutor(connection)
            plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
            health.checks["migrations"] = {"ok": not plan, "pending": len(plan)}
            if plan:
                health.fail(f"{len(plan)} migrations not applied")
        except DatabaseError as exc:
            health.checks["migrations"] = {"ok": False, "error": exc.__class__.__name__}
            health.fail("migration state unreadable")
    try:
        from huey.contrib.djhuey import HUEY

        pending = HUEY.pending_count()
        health.checks["queue"] = {
            "ok": True,
            "backend": type(HUEY.storage).__name__,
            "pending": pending,
        }
    except Exception as exc:  # any storage failure means the queue is down
        health.checks["queue"] = {"ok": False, "error": exc.__class__.__name__}
        health.fail("queue unreachable")
    return health
