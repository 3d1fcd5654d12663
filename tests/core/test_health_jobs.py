"""Health endpoint both ways; jobs run through the queue and report progress."""

from __future__ import annotations

import pytest
from django.db import DatabaseError
from django.test import Client

from barys.core import jobs
from barys.core.models import Job

pytestmark = pytest.mark.django_db(transaction=True)


def test_healthz_ok() -> None:
    response = Client().get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"]["database"]["ok"] and body["checks"]["migrations"]["pending"] == 0


def test_healthz_503_when_the_database_fails(monkeypatch) -> None:
    from django.db.backends.utils import CursorWrapper

    def broken(self, sql, params=None):
        raise DatabaseError("server closed the connection")

    monkeypatch.setattr(CursorWrapper, "execute", broken)
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["reasons"][0] == "database unreachable"


def test_healthz_503_with_pending_migrations() -> None:

    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    recorder = MigrationRecorder(connection)
    row = recorder.migration_qs.filter(app="sessions").order_by("-id").first()
    assert row is not None
    recorder.migration_qs.filter(pk=row.pk).delete()
    try:
        response = Client().get("/healthz")
        assert response.status_code == 503
        assert "migrations not applied" in response.json()["reasons"][0]
    finally:
        recorder.record_applied(row.app, row.name)


@jobs.job_handler("test.count")
def _count(job: Job, report) -> dict:
    total = int(job.params["n"])
    for i in range(total):
        report(100 * (i + 1) / total, f"{i + 1} of {total}")
    if job.params.get("fail"):
        raise ValueError("row 3: bad value")
    return {"counted": total}


def test_job_runs_and_reports() -> None:
    job = jobs.create_job(kind="test.count", params={"n": 4}, title="Counting")
    job.refresh_from_db()
    assert job.state == Job.State.DONE and job.progress == 100
    assert job.result == {"counted": 4} and job.message == "4 of 4"
    # idempotent: running a finished job again changes nothing
    again = jobs.run_job(job.pk)
    assert again.attempts == 1
    body = Client().get(f"/api/v1/jobs/{job.pk}").json()
    assert body["state"] == "done" and body["progress"] == 100
    page = Client().get(f"/en/jobs/{job.pk}/").content.decode()
    assert 'value="100"' in page


def test_failed_job_keeps_the_reason() -> None:
    job = jobs.create_job(kind="test.count", params={"n": 2, "fail": True})
    job.refresh_from_db()
    assert job.state == Job.State.FAILED and job.message == "row 3: bad value"


def test_unknown_job_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown job kind"):
        jobs.create_job(kind="nope")
