"""Implementations of the core ``barys`` subcommands (thin: they call services)."""

from __future__ import annotations

import argparse
import getpass
import secrets
import signal
import subprocess
import sys
from typing import Any


class CommandFailed(Exception):
    """A command could not do its work; the message is printed as one line."""


def check_database() -> None:
    """Fail with a clear message when the database cannot be reached."""
    from django.db import DatabaseError, connection

    try:
        connection.ensure_connection()
    except DatabaseError as exc:
        settings = connection.settings_dict
        where = settings.get("HOST") or settings.get("NAME")
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise CommandFailed(
            f"cannot reach the database ({connection.vendor} at {where}): {first_line}"
        ) from None


def migrate_if_needed(verbosity: int = 1) -> int:
    """Apply pending migrations; returns how many were applied."""
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if plan:
        print(f"Applying {len(plan)} database migrations…")
        call_command("migrate", interactive=False, verbosity=0)
    return len(plan)


def cmd_serve(args: argparse.Namespace) -> int:
    from django.conf import settings
    from waitress import serve

    from barys.core import i18n_tools
    from barys.wsgi import application

    check_database()
    migrate_if_needed()
    i18n_tools.compile_catalogs(only_missing=True)
    worker: subprocess.Popen[bytes] | None = None
    if not args.no_worker:
        worker = subprocess.Popen([sys.executable, "-m", "barys.cli", "worker"])

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"Barys is serving on http://{args.host}:{args.port}/ (Ctrl+C stops it)")
    try:
        serve(
            application,
            host=args.host,
            port=args.port,
            threads=settings.CONFIG.server_threads,
            ident="barys",
        )
    except KeyboardInterrupt:
        pass
    finally:
        if worker is not None:
            worker.terminate()
            try:
                worker.wait(timeout=10)
            except subprocess.TimeoutExpired:
                worker.kill()
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from django.conf import settings
    from huey.contrib.djhuey import HUEY

    check_database()
    workers = args.workers or settings.CONFIG.workers
    consumer = HUEY.create_consumer(workers=workers, worker_type="thread", periodic=True)
    print(f"Queue consumer with {workers} workers on {type(HUEY.storage).__name__}")
    consumer.run()
    return 0


def cmd_user(args: argparse.Namespace) -> int:
    from barys.core import people

    if args.user_command != "add":
        raise CommandFailed("usage: barys user add NAME --role ROLE [--scope SCOPE]")
    check_database()
    migrate_if_needed()
    password = args.password or secrets.token_urlsafe(12)
    result = people.add_user(
        username=args.name,
        role=args.role,
        scopes=args.scope,
        email=args.email,
        password=password,
        actor="cli",
    )
    for scope in result.created_scopes:
        print(f"Created scope {scope!r} (give it names and a place in the admin site).")
    where = ", ".join(args.scope) if args.scope else "national"
    print(f"User {result.user.username!r} has the role {args.role} ({where}).")
    if args.password is None:
        print(f"Password (shown once): {password}")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from barys.core import backup

    check_database()
    manifest = backup.create_backup(args.path)
    print(
        f"Backup written to {args.path}: {manifest['rows']} rows in {len(manifest['tables'])} "
        f"tables, {manifest['files']} files."
    )
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from barys.core import backup

    check_database()
    if not args.yes and sys.stdin.isatty():
        answer = input(
            "Restoring replaces every row and adds every file of the backup. Continue? [y/N] "
        )
        if answer.strip().lower() not in {"y", "yes"}:
            raise CommandFailed("restore cancelled")
    try:
        manifest = backup.restore_backup(args.path)
    except backup.BackupError as exc:
        raise CommandFailed(str(exc)) from None
    print(f"Restored {manifest['rows']} rows and {manifest['files']} files from {args.path}.")
    return 0


def cmd_i18n(args: argparse.Namespace) -> int:
    from barys.core import i18n_tools

    if args.action == "extract":
        counts = i18n_tools.extract_catalogs()
        for language, (total, missing) in counts.items():
            print(f"{language}: {total} messages, {missing} without translation")
    else:
        i18n_tools.compile_catalogs()
    return 0


def ask_password() -> str:
    return getpass.getpass("Password: ")
