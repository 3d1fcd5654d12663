"""Set up Django for a benchmark against its own database in ``benchmarks/.cache``."""

from __future__ import annotations

import os
from pathlib import Path

CACHE = Path(os.environ.get("BARYS_BENCH_CACHE", Path(__file__).resolve().parent / ".cache"))


def setup(name: str, database_url: str | None = None) -> Path:
    """Point Barys at ``.cache/<name>/`` (SQLite) or ``database_url``, then migrate."""
    data_dir = CACHE / name
    data_dir.mkdir(parents=True, exist_ok=True)
    for key in [
        k
        for k in os.environ
        if k.startswith("BARYS_") and k not in {"BARYS_BENCH_CACHE", "BARYS_REFERENCE_DATA"}
    ]:
        del os.environ[key]
    os.environ["BARYS_DATA_DIR"] = str(data_dir)
    os.environ["BARYS_LOG_LEVEL"] = "WARNING"
    if database_url:
        os.environ["BARYS_DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "barys.settings"
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)
    return data_dir
