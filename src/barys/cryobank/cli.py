"""Command-line export of the cryobank (for ``barys export``; not routed yet).

``export_material_samples(["out.csv", "--format", "dwc", "--user", "curator"])`` writes
Darwin Core MaterialSample (``dwc``) or GGBN-style (``ggbn``) CSV. Places are generalised
unless ``--user`` names a person allowed exact places (the export is then access-logged).
"""

from __future__ import annotations

import argparse
from pathlib import Path


def export_material_samples(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(
        prog="barys export cryobank", description="Export the cryobank's samples as CSV."
    )
    parser.add_argument("path", type=Path, help="the CSV file to write")
    parser.add_argument("--format", choices=["dwc", "ggbn"], default="dwc")
    parser.add_argument(
        "--user", default="", help="export as this person (exact places where their role allows)"
    )
    for name in ("taxon", "material", "place", "status", "individual", "incident"):
        parser.add_argument(f"--{name}", default="")
    args = parser.parse_args(argv)

    from django.contrib.auth.models import AnonymousUser

    from barys.core.models import User
    from barys.cryobank import exports, queries

    user = AnonymousUser()
    if args.user:
        found = User.objects.filter(username=args.user, is_active=True).first()
        if found is None:
            print(f"no active user {args.user!r}")
            return 2
        user = found
    filters = queries.SampleFilters.from_params(
        {
            k: getattr(args, k)
            for k in ("taxon", "material", "place", "status", "individual", "incident")
        }
    )
    if filters.errors:
        print("; ".join(filters.errors))
        return 2
    with args.path.open("w", encoding="utf-8", newline="") as handle:
        if args.format == "dwc":
            count = exports.write_dwc_material_samples(queries.find(filters), handle, user=user)
        else:
            count = exports.write_ggbn(queries.find(filters), handle, user=user)
    print(f"{count} samples written to {args.path} ({args.format})")
    return 0
