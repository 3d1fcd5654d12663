"""``barys import occurrences FILE --source …`` and ``barys export dwca OUT.zip``."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from tqdm import tqdm

from barys.core.commands import CommandFailed, check_database, migrate_if_needed
from barys.interop.errors import FormatError
from barys.records import export, importer, sources


def import_occurrences(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="barys import occurrences",
        description=(
            "Import occurrence records from a CSV file (Darwin Core headers, or a column map) or "
            "a Darwin Core Archive (zip). Importing the same file again adds nothing; an "
            "interrupted import resumes where it stopped."
        ),
    )
    parser.add_argument("file")
    parser.add_argument("--source", required=True, help="source title (created when new)")
    parser.add_argument("--source-code", default="", help="source code (default: from title)")
    parser.add_argument("--citation", default="")
    parser.add_argument("--licence", default="")
    parser.add_argument(
        "--column-map",
        default="",
        help='JSON {"darwinCoreTerm": "file header"} or a path to such a file',
    )
    args = parser.parse_args(argv)
    check_database()
    migrate_if_needed()
    column_map = _column_map(args.column_map)
    source = sources.get_or_create_source(
        title=args.source, code=args.source_code, citation=args.citation, licence=args.licence
    )
    bar = tqdm(unit="rows", desc=Path(args.file).name, dynamic_ncols=True)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        result = importer.import_occurrences(
            args.file, source=source, column_map=column_map, actor="cli", progress=progress
        )
    except FormatError as exc:
        raise CommandFailed(str(exc)) from None
    finally:
        bar.close()
    if result.skipped:
        print(f"{args.file} was imported into {source.title!r} before; nothing to add.")
    summary = result.summary
    print(
        f"rows {summary['rows']}: {summary['created']} new, {summary['updated']} changed, "
        f"{summary['unchanged']} unchanged, {summary['rejected']} rejected, "
        f"{summary['flagged']} with quality flags"
    )
    for rejected in result.batch.report[:20]:
        print(f"  row {rejected['row']} [{rejected['field']}]: {rejected['reason']}")
    if len(result.batch.report) > 20:
        print(f"  … {len(result.batch.report) - 20} more rejected rows on the source's page")
    return 0


def _column_map(text: str) -> dict[str, str] | None:
    if not text:
        return None
    raw = Path(text).read_text(encoding="utf-8") if Path(text).exists() else text
    try:
        value = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise CommandFailed(f"--column-map: not JSON ({exc})") from None
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise CommandFailed('--column-map: expected {"term": "header", …}')
    return value


def export_dwca(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="barys export dwca")
    parser.add_argument("out")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--public", action="store_true", help="generalised (default)")
    mode.add_argument("--full", action="store_true", help="exact locations (needs --user)")
    parser.add_argument("--user", default="", help="curator or admin taking the full export")
    args = parser.parse_args(argv)
    check_database()
    user = None
    if args.full:
        from barys.core.models import User

        user = User.objects.filter(username=args.user).first()
        if user is None:
            raise CommandFailed("--full needs --user NAME of a curator or admin")
    bar = tqdm(unit="records", desc=Path(args.out).name, dynamic_ncols=True)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.n = done
        bar.refresh()

    try:
        n = export.export_dwca(args.out, full=args.full, user=user, progress=progress)
    except export.ExportRefused as exc:
        raise CommandFailed(str(exc)) from None
    finally:
        bar.close()
    print(f"{n} records written to {args.out} ({'full' if args.full else 'public'})")
    return 0
