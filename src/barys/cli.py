"""The ``barys`` command.

Subcommands: serve, worker, demo, ingest, import, export, user add, backup, restore, i18n and
manage (Django's management commands). Settings come from ``BARYS_*`` variables; an invalid
one is reported in one line and the command exits with status 2.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from barys import __version__

# Kinds of `barys import KIND` and `barys export KIND`: "module:function" taking the parsed
# arguments. Domain apps add their entries here; the function parses its own options.
IMPORTERS: dict[str, str] = {}
EXPORTERS: dict[str, str] = {}
for _kind, _target in {
    "registry": "barys.taxa.cli:import_registry",
    "occurrences": "barys.records.cli:import_occurrences",
    "places": "barys.places.cli:import_places",
    "megadetector": "barys.camtrap.cli:import_megadetector",
    "camtrap-dp": "barys.camtrap.cli:import_camtrap_dp",
    "movebank": "barys.telemetry.cli:import_movebank",
}.items():
    IMPORTERS[_kind] = _target
for _kind, _target in {
    "registry": "barys.taxa.cli:export_registry",
    "dwca": "barys.records.cli:export_dwca",
    "camtrap-dp": "barys.camtrap.cli:export_camtrap_dp",
    "movebank": "barys.telemetry.cli:export_movebank",
    "cryobank": "barys.cryobank.cli:export_material_samples",
}.items():
    EXPORTERS[_kind] = _target


class CommandError(Exception):
    """A command failed for a reason the person can act on; printed as one line."""


def _fail(message: str, code: int = 1) -> int:
    print(f"barys: error: {message}", file=sys.stderr)
    return code


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "barys.settings")
    import django

    django.setup()


def _resolve(target: str) -> Callable[[list[str]], int]:
    module_name, func_name = target.split(":")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as exc:
        if exc.name and module_name.startswith(exc.name):
            raise CommandError(
                f"this installation has no {module_name.split('.')[1]} module yet"
            ) from None
        raise
    func: Callable[[list[str]], int] = getattr(module, func_name)
    return func


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="barys", description="Barys: rare and endangered animals of Kazakhstan."
    )
    parser.add_argument("--version", action="version", version=f"barys {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    serve = sub.add_parser("serve", help="migrate if needed and serve the site with a worker")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument(
        "--no-worker",
        action="store_true",
        help="do not start a queue consumer beside the web server",
    )
    worker = sub.add_parser("worker", help="run a queue consumer")
    worker.add_argument("--workers", type=int, default=None)
    demo = sub.add_parser("demo", help="build the demonstration scenario (idempotent)")
    demo.add_argument("--reset", action="store_true", help="delete demo data first")
    ingest = sub.add_parser("ingest", help="ingest a camera card (folder of images)")
    ingest.add_argument("rest", nargs=argparse.REMAINDER)
    imp = sub.add_parser("import", help="import data: " + ", ".join(IMPORTERS))
    imp.add_argument("kind", choices=sorted(IMPORTERS))
    imp.add_argument("rest", nargs=argparse.REMAINDER)
    exp = sub.add_parser("export", help="export data: " + ", ".join(EXPORTERS))
    exp.add_argument("kind", choices=sorted(EXPORTERS))
    exp.add_argument("rest", nargs=argparse.REMAINDER)
    user = sub.add_parser("user", help="manage people")
    user_sub = user.add_subparsers(dest="user_command", metavar="ACTION")
    add = user_sub.add_parser("add", help="add a person with a role")
    add.add_argument("name")
    add.add_argument(
        "--role", required=True, choices=["observer", "researcher", "curator", "admin"]
    )
    add.add_argument(
        "--scope",
        action="append",
        default=[],
        help="scope code (protected area or project); repeatable; none means national",
    )
    add.add_argument("--email", default="")
    add.add_argument(
        "--password", default=None, help="password; generated and printed once when not given"
    )
    backup = sub.add_parser("backup", help="consistent online backup of database and files")
    backup.add_argument("path")
    restore = sub.add_parser("restore", help="restore a backup made by `barys backup`")
    restore.add_argument("path")
    restore.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    i18n = sub.add_parser("i18n", help="translation catalogs")
    i18n.add_argument("action", choices=["extract", "compile"])
    sub.add_parser("manage", help="Django management commands", add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "i18n" and len(args_list) == 2 and args_list[1] == "compile":
        from barys.core import i18n_tools

        i18n_tools.compile_catalogs()
        return 0
    from barys import conf

    try:
        conf.load()
    except conf.SettingError as exc:
        return _fail(str(exc), 2)
    if args_list and args_list[0] == "manage":
        _setup_django()
        from django.core.management import execute_from_command_line

        execute_from_command_line(["barys manage", *args_list[1:]])
        return 0
    parser = build_parser()
    args = parser.parse_args(args_list)
    if args.command is None:
        parser.print_help()
        return 2
    _setup_django()
    from barys.core import commands

    try:
        if args.command in {"import", "export"}:
            table = IMPORTERS if args.command == "import" else EXPORTERS
            return _resolve(table[args.kind])(args.rest)
        if args.command == "ingest":
            return _resolve("barys.camtrap.cli:ingest")(args.rest)
        if args.command == "demo":
            return _resolve("barys.demo.cli:run_demo")(["--reset"] if args.reset else [])
        handler = getattr(commands, f"cmd_{args.command}")
        return int(handler(args) or 0)
    except (CommandError, commands.CommandFailed) as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted", 130)


if __name__ == "__main__":
    sys.exit(main())
