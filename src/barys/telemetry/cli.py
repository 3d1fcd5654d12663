"""``barys import movebank`` and ``barys export movebank``.

Examples::

    barys import movebank collars.csv.gz --individual-map "Leroy=SL-IA-017"
    barys import movebank buffalo.csv --column-map "timestamp=timestamp_utc,lat=latitude,\
lon=longitude,individual=identity" --individual-map map.csv
    barys export movebank out.csv.gz --individual SL-IA-017 --user researcher
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import sys
import zipfile
from pathlib import Path
from typing import IO

from tqdm import tqdm

from barys.cli import CommandError
from barys.interop.errors import FormatError


def count_rows(path: Path) -> int | None:
    """Data lines in a plain, gzip or zip CSV (an estimate for the progress bar)."""
    try:
        with contextlib.ExitStack() as stack:
            raw = stack.enter_context(path.open("rb"))
            magic = raw.read(4)
            raw.seek(0)
            handle: IO[bytes] = raw
            if magic[:2] == b"\x1f\x8b":
                handle = stack.enter_context(gzip.GzipFile(fileobj=raw, mode="rb"))  # type: ignore[arg-type]
            elif magic == b"PK\x03\x04":
                archive = stack.enter_context(zipfile.ZipFile(raw))
                names = [n for n in archive.namelist() if n.lower().endswith(".csv")]
                if len(names) != 1:
                    return None
                handle = stack.enter_context(archive.open(names[0]))
            lines = 0
            while chunk := handle.read(1 << 20):
                lines += chunk.count(b"\n")
        return max(lines - 1, 0)
    except (OSError, EOFError, zipfile.BadZipFile):
        return None


def _user(name: str | None):  # type: ignore[no-untyped-def]
    if not name:
        return None
    from barys.core.models import User

    user = User.objects.filter(username=name).first()
    if user is None:
        raise CommandError(f"no user {name!r}")
    return user


def import_movebank(argv: list[str]) -> int:
    """``barys import movebank FILE [--individual-map MAP] [--column-map MAP] …``"""
    parser = argparse.ArgumentParser(
        prog="barys import movebank",
        description="Import GPS fixes from a Movebank CSV (plain, .csv.gz or .zip) or any CSV "
        "with a column map. Duplicates are skipped; running it again adds nothing and resumes "
        "an interrupted import.",
    )
    parser.add_argument("file", type=Path)
    parser.add_argument(
        "--individual-map",
        default="",
        help="file individual -> passport code: 'A=SL-IA-017,B=SL-IA-021' or a .json/.csv file",
    )
    parser.add_argument(
        "--column-map",
        default="",
        help="generic CSV: field=column pairs or a .json/.csv file; fields: "
        "timestamp, lat, lon, altitude, hdop, satellites, fix_type, "
        "temperature, battery, individual, tag, event_id, visible",
    )
    parser.add_argument(
        "--individual", default=None, help="passport code for rows without an individual"
    )
    parser.add_argument("--tag", default=None, help="tag ID for rows without a tag")
    parser.add_argument(
        "--timestamp-format",
        default=None,
        help="'posix' or a strptime format such as '%%d/%%m/%%Y %%H:%%M' "
        "(default: Movebank or ISO 8601 with an offset, nothing guessed)",
    )
    parser.add_argument(
        "--timezone", default=None, help="zone of naive timestamps read with --timestamp-format"
    )
    parser.add_argument("--delimiter", default=",")
    parser.add_argument("--batch-size", type=int, default=10_000)
    parser.add_argument(
        "--no-analyses",
        action="store_true",
        help="skip the cleaning and home ranges after the import",
    )
    parser.add_argument("--user", default=None, help="who runs the import (for the audit)")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)

    from barys.telemetry.importing import ImportProblem, import_fixes, options_from, parse_mapping

    if not args.file.exists():
        raise CommandError(f"{args.file}: no such file")
    try:
        options = options_from(
            column_map=parse_mapping(args.column_map, what="--column-map")
            if args.column_map
            else None,
            individual_map=parse_mapping(args.individual_map, what="--individual-map")
            if args.individual_map
            else {},
            individual=args.individual,
            tag=args.tag,
            timestamp_format=args.timestamp_format,
            timezone=args.timezone,
            delimiter=args.delimiter,
        )
    except ImportProblem as exc:
        raise CommandError(str(exc)) from None
    actor = _user(args.user) or "cli"
    total = None if args.quiet else count_rows(args.file)
    bar = tqdm(
        total=total,
        unit=" rows",
        unit_scale=True,
        disable=args.quiet,
        file=sys.stderr,
        desc=args.file.name,
    )

    def progress(rows_done: int) -> None:
        bar.update(max(0, rows_done - 1 - bar.n))

    try:
        result = import_fixes(
            args.file,
            options=options,
            actor=actor,
            progress=progress,
            chunk_size=args.batch_size,
            analyse=not args.no_analyses,
        )
    except (ImportProblem, FormatError) as exc:
        raise CommandError(str(exc)) from None
    finally:
        bar.close()
    run = result.run
    if result.skipped:
        print(f"{args.file.name} was imported already ({run.created} fixes); nothing added.")
        return 0
    s = result.summary
    print(
        f"{args.file.name}: {s['rows']:,} rows read, {s['created']:,} fixes added, "
        f"{s['duplicates']:,} duplicates skipped, {s['rejected']:,} rows rejected, "
        f"{s['flagged']:,} fixes flagged by the cleaning."
    )
    if result.individuals:
        print("Individuals: " + ", ".join(result.individuals))
    for entry in run.report[:20]:
        value = f" (value {entry['value']!r})" if "value" in entry else ""
        print(
            f"  row {entry['row']}, field '{entry['field']}': {entry['reason']}{value}",
            file=sys.stderr,
        )
    if run.rejected > 20:
        print(f"  … see the import report for all {run.rejected:,} rejected rows", file=sys.stderr)
    return 0


def export_movebank(argv: list[str]) -> int:
    """``barys export movebank OUT [--individual CODE] --user NAME``"""
    parser = argparse.ArgumentParser(
        prog="barys export movebank",
        description="Write exact GPS fixes as a Movebank CSV (gzip when OUT ends in .gz). "
        "Only for a person allowed to see the exact locations of the animals (--user).",
    )
    parser.add_argument("out", type=Path)
    parser.add_argument(
        "--individual",
        action="append",
        default=[],
        help="passport code (repeatable; default: every collared animal)",
    )
    parser.add_argument(
        "--user", default=None, help="the person the export is for; must be allowed exact locations"
    )
    parser.add_argument(
        "--exclude-outliers",
        action="store_true",
        help="leave out fixes flagged as outliers (default: visible=false)",
    )
    args = parser.parse_args(argv)

    from barys.telemetry.exporting import export_movebank as export
    from barys.telemetry.services import TelemetryError

    try:
        result = export(
            path=args.out,
            user=_user(args.user),
            individuals=args.individual or None,
            include_outliers=not args.exclude_outliers,
        )
    except TelemetryError as exc:
        raise CommandError(str(exc)) from None
    print(
        f"{result.rows:,} fixes written to {result.path} ("
        + ", ".join(f"{code}: {n:,}" for code, n in result.individuals.items())
        + ")."
    )
    return 0
