"""Camera-trap commands of ``barys``: ingest, MegaDetector and Camtrap DP import/export.

* ``barys ingest PATH --deployment CODE`` — a camera card (folder) into a deployment;
* ``barys import megadetector FILE --deployment CODE`` — MegaDetector batch output;
* ``barys import camtrap-dp PATH`` — a Camtrap DP package;
* ``barys export camtrap-dp OUT [--survey CODE] [--public]`` — Camtrap DP packages.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from barys.camtrap.errors import CamtrapError
from barys.interop.errors import FormatError


def _fail(message: str) -> int:
    print(f"barys: error: {message}", file=sys.stderr)
    return 1


def ingest(argv: list[str]) -> int:
    """``barys ingest PATH --deployment CODE``: ingest a card; resumable, prints a summary."""
    parser = argparse.ArgumentParser(
        prog="barys ingest",
        description="Ingest a camera card (a folder of images and videos) into a deployment. "
        "Safe to run again: files already ingested are skipped, and a killed run resumes.",
    )
    parser.add_argument("path", help="the card's folder (or one file)")
    parser.add_argument("--deployment", required=True, help="deployment code")
    parser.add_argument("--workers", type=int, default=2, help="threads reading and hashing files")
    parser.add_argument("--batch-size", type=int, default=200, help="files per transaction")
    parser.add_argument(
        "--gap",
        type=int,
        default=None,
        help="event gap in seconds (stored on the deployment; default 60)",
    )
    parser.add_argument(
        "--derivatives",
        choices=["queue", "now", "no"],
        default="queue",
        help="thumbnails and previews: queue a background job (default), make "
        "them now, or not at all",
    )
    parser.add_argument(
        "--link",
        action="store_true",
        help="hard-link the originals into the file store instead of copying them, where "
        "the card folder is on the store's file system (no byte copied; the card's files "
        "become read-only)",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    from tqdm import tqdm

    from barys.camtrap import derivatives, services
    from barys.camtrap.ingest import ingest_card

    try:
        deployment = services.get_deployment(args.deployment)
        if args.gap is not None and args.gap != deployment.event_gap_s:
            services.update_deployment(
                deployment=deployment,
                actor="cli",
                event_gap_s=args.gap,
                reason="barys ingest --gap",
            )
        bar = tqdm(
            total=0,
            unit="file",
            desc=deployment.code,
            disable=args.quiet,
            mininterval=0.5,
            file=sys.stderr,
        )

        def advance(count: int) -> None:
            bar.update(count)

        def on_files(total: int) -> None:
            bar.total = total
            bar.refresh()

        summary = ingest_card(
            deployment=deployment,
            root=Path(args.path),
            actor="cli",
            workers=args.workers,
            batch_size=args.batch_size,
            progress=advance,
            on_files=on_files,
            derivatives=args.derivatives == "queue",
            link=args.link,
        )
        bar.close()
        if args.derivatives == "now":
            made = derivatives.build_derivatives(deployment=deployment)
            print(f"previews and thumbnails: {made['made']} made, {made['failed']} failed")
    except (CamtrapError, OSError) as exc:
        return _fail(str(exc))
    print(
        f"{summary.deployment}: {summary.files} files in {summary.seconds:.1f} s "
        f"({summary.rate:.1f} files/s): {summary.new} new, {summary.duplicates} duplicates, "
        f"{summary.flagged} registered with problems, {summary.rejected} rejected; "
        f"{summary.events} events"
    )
    if summary.problems:
        print("files with problems:")
        for problem in summary.problems[:200]:
            state = "registered" if problem.registered else "rejected"
            print(f"  {problem.path}: {problem.reason} ({state})")
        if len(summary.problems) > 200:
            print(f"  … and {len(summary.problems) - 200} more (see the ingest record)")
    return 0


def import_megadetector(argv: list[str]) -> int:
    """``barys import megadetector FILE --deployment CODE``."""
    parser = argparse.ArgumentParser(
        prog="barys import megadetector",
        description="Import MegaDetector batch output (format 1.x) for a deployment's media.",
    )
    parser.add_argument("file")
    parser.add_argument("--deployment", required=True)
    parser.add_argument(
        "--threshold",
        type=float,
        default=None,
        help="classification threshold (default: the file's typical threshold)",
    )
    args = parser.parse_args(argv)
    from barys.camtrap import services
    from barys.camtrap.detect import import_megadetector_batch

    try:
        deployment = services.get_deployment(args.deployment)
        run, unmatched = import_megadetector_batch(
            path=args.file, deployment=deployment, threshold=args.threshold, actor="cli"
        )
    except (CamtrapError, FormatError) as exc:
        return _fail(str(exc))
    print(
        f"{deployment.code}: {run.images_done} images with detections from {run.model} "
        f"{run.model_version} (threshold {run.classification_threshold:g}); "
        f"{run.classifications.count()} events classified"
    )
    if unmatched:
        print(f"{len(unmatched)} images of the file match no medium of {deployment.code}:")
        for name in unmatched[:50]:
            print(f"  {name}")
    return 0


def import_camtrap_dp(argv: list[str]) -> int:
    """``barys import camtrap-dp PATH [--survey CODE] [--scope CODE]``."""
    parser = argparse.ArgumentParser(
        prog="barys import camtrap-dp", description="Import a Camtrap DP 1.0 package."
    )
    parser.add_argument("path", help="the package folder or its datapackage.json")
    parser.add_argument("--survey", default=None, help="survey code (default: package name)")
    parser.add_argument("--scope", default="", help="protected area (scope code) of the stations")
    args = parser.parse_args(argv)
    from barys.camtrap.dp import PackageRefused, import_package

    try:
        survey = import_package(
            path=args.path, actor="cli", survey_code=args.survey, scope_code=args.scope
        )
    except PackageRefused as exc:
        print("barys: error: the package was not imported:", file=sys.stderr)
        for problem in exc.problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    except (CamtrapError, FormatError) as exc:
        return _fail(str(exc))
    from barys.camtrap.models import Deployment, Media, Observation

    print(
        f"survey {survey.code}: {Deployment.objects.filter(station__survey=survey).count()} "
        f"deployments, {Media.objects.filter(deployment__station__survey=survey).count()} media, "
        f"{Observation.objects.filter(deployment__station__survey=survey).count()} observations"
    )
    return 0


def export_camtrap_dp(argv: list[str]) -> int:
    """``barys export camtrap-dp OUT [--survey CODE] [--public]``."""
    parser = argparse.ArgumentParser(
        prog="barys export camtrap-dp",
        description="Write Camtrap DP 1.0 packages: one survey into OUT, or every survey into "
        "OUT/<survey code>/.",
    )
    parser.add_argument("out")
    parser.add_argument("--survey", default=None)
    parser.add_argument(
        "--public",
        action="store_true",
        help="apply the sensitive-location policy and leave out media with people",
    )
    parser.add_argument(
        "--copy-media",
        action="store_true",
        help="copy the original files into the package (GPS removed with --public)",
    )
    parser.add_argument(
        "--validate-with",
        default=None,
        metavar="DIR",
        help="validate with frictionless against the profile and schemas in DIR",
    )
    args = parser.parse_args(argv)
    from barys.camtrap import dp
    from barys.interop.camtrap_dp import validate_package

    try:
        if args.survey:
            written = [
                dp.export_survey(
                    survey=dp.survey_for_export(args.survey),
                    out_dir=args.out,
                    public=args.public,
                    copy_media=args.copy_media,
                )
            ]
        else:
            written = dp.export_all(
                out_dir=args.out, public=args.public, copy_media=args.copy_media
            )
    except (CamtrapError, OSError) as exc:
        return _fail(str(exc))
    failed = False
    for folder in written:
        print(f"written {folder}")
        if args.validate_with:
            problems = validate_package(folder, schema_dir=args.validate_with)
            for problem in problems:
                print(f"  invalid: {problem}")
            failed = failed or bool(problems)
            if not problems:
                print("  valid Camtrap DP 1.0 package")
    return 1 if failed else 0
