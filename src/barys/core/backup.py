"""Consistent online backups of the database and the file store, and their restore.

A backup is one ``.tar`` archive holding ``manifest.json`` (engine, version, row counts per
table, file count), the database (``database.sqlite3`` made with SQLite's online backup API, or
``database.dump`` made with ``pg_dump --format=custom``) and ``files/`` (the content-addressed
store). Restoring replaces every row and adds every file.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path
from typing import Any

from django.apps import apps
from django.db import connection

from barys import __version__
from barys.core.filestore import default_store, sha256_of

MANIFEST = "manifest.json"


class BackupError(Exception):
    """A backup cannot be made or restored; the message says why."""


def _table_counts() -> dict[str, int]:
    counts: dict[str, int] = {}
    tables = set(connection.introspection.table_names())
    with connection.cursor() as cursor:
        for model in apps.get_models(include_auto_created=True):
            table = model._meta.db_table
            if table in tables and table not in counts:
                cursor.execute(f'SELECT COUNT(*) FROM "{table}"')  # noqa: S608 (table names)
                counts[table] = int(cursor.fetchone()[0])
    return counts


def _pg_env() -> dict[str, str]:
    s = connection.settings_dict
    env = dict(os.environ)
    if s.get("PASSWORD"):
        env["PGPASSWORD"] = str(s["PASSWORD"])
    return env


def _pg_args() -> list[str]:
    s = connection.settings_dict
    args = []
    if s.get("HOST"):
        args += ["--host", str(s["HOST"])]
    if s.get("PORT"):
        args += ["--port", str(s["PORT"])]
    if s.get("USER"):
        args += ["--username", str(s["USER"])]
    return args


def _run(cmd: list[str]) -> None:
    try:
        done = subprocess.run(cmd, env=_pg_env(), capture_output=True, text=True, check=False)
    except FileNotFoundError:
        raise BackupError(f"{cmd[0]} is not installed (needed for PostgreSQL)") from None
    if done.returncode != 0:
        raise BackupError(f"{cmd[0]} failed: {done.stderr.strip().splitlines()[-1:]}")


def _dump_database(target_dir: Path) -> str:
    connection.ensure_connection()
    if connection.vendor == "sqlite":
        target = target_dir / "database.sqlite3"
        dest = sqlite3.connect(target)
        try:
            connection.connection.backup(dest)
        finally:
            dest.close()
        return target.name
    if connection.vendor == "postgresql":
        target = target_dir / "database.dump"
        _run(
            [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--file",
                str(target),
                *_pg_args(),
                str(connection.settings_dict["NAME"]),
            ]
        )
        return target.name
    raise BackupError(f"backups of {connection.vendor} databases are not supported")


def create_backup(path: str | Path) -> dict[str, Any]:
    """Write a backup archive to ``path``; returns its manifest."""
    path = Path(path)
    store = default_store()
    with tempfile.TemporaryDirectory(prefix="barys-backup-") as tmp:
        work = Path(tmp)
        counts = _table_counts()
        database_file = _dump_database(work)
        hashes = sorted(store.iter_hashes())
        manifest = {
            "format": 1,
            "barys_version": __version__,
            "engine": connection.vendor,
            "database_file": database_file,
            "tables": counts,
            "rows": sum(counts.values()),
            "files": len(hashes),
        }
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2), encoding="utf-8")
        partial = path.with_name(path.name + ".partial")
        with tarfile.open(partial, "w") as archive:
            archive.add(work / MANIFEST, arcname=MANIFEST)
            archive.add(work / database_file, arcname=database_file)
            for digest in hashes:
                archive.add(store.local_path(digest), arcname=f"files/{digest}")
        partial.replace(path)
    return manifest


def read_manifest(path: str | Path) -> dict[str, Any]:
    try:
        with tarfile.open(path, "r") as archive:
            member = archive.extractfile(MANIFEST)
            if member is None:
                raise KeyError(MANIFEST)
            return dict(json.loads(member.read().decode("utf-8")))
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as exc:
        raise BackupError(f"{path}: not a Barys backup ({exc.__class__.__name__})") from None


def restore_backup(path: str | Path) -> dict[str, Any]:
    """Replace the database with the backup's and add its files; returns the manifest."""
    path = Path(path)
    manifest = read_manifest(path)
    if manifest.get("engine") != connection.vendor:
        raise BackupError(
            f"{path}: the backup is of a {manifest.get('engine')} database; this "
            f"installation uses {connection.vendor}"
        )
    store = default_store()
    with (
        tempfile.TemporaryDirectory(prefix="barys-restore-") as tmp,
        tarfile.open(path, "r") as archive,
    ):
        archive.extractall(tmp, filter="data")
        work = Path(tmp)
        files_dir = work / "files"
        if files_dir.exists():
            for file in files_dir.iterdir():
                digest = file.name
                if sha256_of(file) != digest:
                    raise BackupError(f"{path}: file {digest} is damaged (hash mismatch)")
                store.put_path(file, digest, link=True)
        database = work / str(manifest["database_file"])
        connection.ensure_connection()
        if connection.vendor == "sqlite":
            source = sqlite3.connect(database)
            try:
                source.backup(connection.connection)
            finally:
                source.close()
        else:
            connection.close()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--single-transaction",
                    *_pg_args(),
                    "--dbname",
                    str(connection.settings_dict["NAME"]),
                    str(database),
                ]
            )
    restored = _table_counts()
    expected = manifest["tables"]
    wrong = {t: (expected[t], restored.get(t)) for t in expected if restored.get(t) != expected[t]}
    if wrong:
        raise BackupError(f"{path}: restored row counts differ from the backup: {wrong}")
    return manifest
