"""``barys import registry DIR`` and ``barys export registry DIR``."""

from __future__ import annotations

import argparse

from barys.core.commands import CommandFailed, check_database, migrate_if_needed
from barys.taxa import registry_io, seed_format


def import_registry(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="barys import registry",
        description="Import the Red Book registry from CSV files "
        "(docs/registry-csv.md). Without DIR: the shipped seed.",
    )
    parser.add_argument("directory", nargs="?", default=str(seed_format.SEED_DIR))
    args = parser.parse_args(argv)
    check_database()
    migrate_if_needed()
    try:
        summary = registry_io.import_registry(
            args.directory, progress=lambda what: print(f"  {what}…")
        )
    except registry_io.RegistryImportError as exc:
        for error in exc.errors:
            print(f"  {error}")
        raise CommandFailed(
            f"{len(exc.errors)} problems in {args.directory}; nothing was imported"
        ) from None
    for what in sorted(set(summary.created) | set(summary.updated) | set(summary.unchanged)):
        print(
            f"  {what}: {summary.created.get(what, 0)} new, "
            f"{summary.updated.get(what, 0)} changed, {summary.unchanged.get(what, 0)} "
            "unchanged"
        )
    return 0


def export_registry(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="barys export registry")
    parser.add_argument("directory")
    args = parser.parse_args(argv)
    check_database()
    counts = registry_io.export_registry(args.directory)
    for name, n in counts.items():
        print(f"  {name}: {n} rows")
    return 0
