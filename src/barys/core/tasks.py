"""Queue tasks of the core app (thin: they call services)."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from barys.core import jobs


@db_task()
def run_job_task(job_id: str) -> None:
    jobs.run_job(job_id)
