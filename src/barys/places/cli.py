"""``barys import places FILE --kind KIND`` and ``barys import places --builtin-oblasts``."""

from __future__ import annotations

import argparse

from barys.core.commands import CommandFailed, check_database, migrate_if_needed
from barys.places import builtin, importing
from barys.places.models import RangeKind


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="barys import places",
        description="Import places from a GeoJSON, GeoPackage or (zipped) Shapefile layer, "
        "reprojected to WGS84; all features or none (docs/places-and-maps.md).",
    )
    parser.add_argument("file", nargs="?", help=".geojson, .json, .gpkg, .shp or .zip")
    parser.add_argument(
        "--kind", choices=importing.KINDS, help="protected_area, oblast, range or site"
    )
    parser.add_argument("--taxon", help="slug of the taxon (ranges only), e.g. panthera-uncia")
    parser.add_argument(
        "--range-kind",
        default=RangeKind.CURRENT,
        choices=RangeKind.values,
        help="for ranges without a range_kind field (default: current)",
    )
    parser.add_argument(
        "--name-field", help="field holding the (English) name; default: name_en or name"
    )
    parser.add_argument(
        "--code-field", help="field holding the code; default: code, or a slug of the name"
    )
    parser.add_argument("--layer", help="layer to read when the file holds several")
    parser.add_argument(
        "--crs",
        help="coordinate reference system of the layer when the file "
        "does not say or says wrongly, e.g. EPSG:32643",
    )
    parser.add_argument(
        "--replace",
        action="store_true",
        help="delete places of this kind (ranges: of this taxon) not in the file",
    )
    parser.add_argument(
        "--builtin-oblasts",
        action="store_true",
        help="load the oblasts shipped with Barys (Natural Earth)",
    )
    return parser


def import_places(argv: list[str]) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if not args.builtin_oblasts and (not args.file or not args.kind):
        parser.error("give FILE and --kind, or --builtin-oblasts")
    check_database()
    migrate_if_needed()
    if args.builtin_oblasts:
        counts = builtin.load_oblasts(actor="barys import places")
        print(
            f"  built-in oblasts: {counts['created']} new, {counts['updated']} changed, "
            f"{counts['unchanged']} unchanged"
        )
        if not args.file:
            return 0
    try:
        summary = importing.import_places(
            args.file,
            kind=args.kind,
            taxon=args.taxon,
            name_field=args.name_field,
            code_field=args.code_field,
            range_kind=args.range_kind,
            layer=args.layer,
            crs=args.crs,
            replace=args.replace,
            actor="barys import places",
        )
    except importing.PlaceImportError as exc:
        for problem in exc.problems:
            print(f"  {problem}")
        raise CommandFailed(
            f"{len(exc.problems)} problem(s) in {args.file}; nothing was imported"
        ) from None
    for note in summary.notes:
        print(f"  {note}")
    print(
        f"  layer {summary.layer!r} ({summary.crs}): {summary.created} new, "
        f"{summary.updated} changed, {summary.unchanged} unchanged, {summary.deleted} "
        "deleted"
    )
    return 0
