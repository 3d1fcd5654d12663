"""Camtrap DP 1.0 data packages: a reader, a writer and an offline validator.

Camtrap DP (TDWG, https://camtrap-dp.tdwg.org) is a Frictionless Data Package with three
tabular resources: ``deployments``, ``media`` and ``observations`` (CSV, one schema each)
and a ``datapackage.json`` holding the package metadata (``created``, ``contributors``,
``project``, ``spatial``, ``temporal``, ``taxonomic``… are required). This module is plain
Python: no Django, no database.

* :func:`read_package` reads a package folder (or its ``datapackage.json``) into a
  :class:`CamtrapPackage`: the descriptor, the three tables as lists of typed rows
  (``datetime`` with the offset written in the file, ``float``, ``int``, ``bool``, ``str`` or
  ``None``), other resources as they were, and every bad value as a
  :class:`~barys.interop.errors.RowError` (per table, with row number, field and reason).
  A package that cannot be read at all raises :class:`~barys.interop.errors.FormatError`.
* :func:`write_package` writes the three CSVs in the column order of the 1.0 schemas and the
  descriptor, into a temporary folder renamed into place (never a half-written package).
* :func:`validate_package` validates a written package with ``frictionless`` against the
  official profile and table schemas read from a local folder: nothing is fetched. The two
  remote ``$ref`` of the profile (the generic Data Package profile and GeoJSON) are pointed
  at frictionless's own built-in copies of those rules.

Field types follow the 1.0.2 table schemas: ``datetime`` values are
``YYYY-MM-DDThh:mm:ss`` with ``Z`` or ``±hh:mm`` (no fraction, never naive); missing values
are ``""``, ``NA``, ``NaN`` and ``nan``.
"""

from __future__ import annotations

import copy
import csv
import io
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from os import PathLike
from pathlib import Path
from typing import Any

from barys.interop.errors import FormatError, RowError

__all__ = [
    "CAMTRAP_DP_VERSION",
    "DEPLOYMENTS_FIELDS",
    "MEDIA_FIELDS",
    "OBSERVATIONS_FIELDS",
    "PROFILE_URL",
    "TABLES",
    "CamtrapPackage",
    "FieldSpec",
    "TableError",
    "format_datetime",
    "format_value",
    "parse_datetime",
    "read_package",
    "schema_url",
    "validate_package",
    "write_package",
]

CAMTRAP_DP_VERSION = "1.0.2"
_BASE_URL = f"https://raw.githubusercontent.com/tdwg/camtrap-dp/{CAMTRAP_DP_VERSION}"
PROFILE_URL = f"{_BASE_URL}/camtrap-dp-profile.json"
TABLES: tuple[str, ...] = ("deployments", "media", "observations")
MISSING_VALUES = frozenset({"", "NA", "NaN", "nan"})
_TRUE = frozenset({"true", "True", "TRUE", "1"})
_FALSE = frozenset({"false", "False", "FALSE", "0"})
_DATETIME = re.compile(r"(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(Z|[+-]\d{2}:?\d{2})")
_GENERIC_PROFILE_URL = "https://specs.frictionlessdata.io/schemas/data-package.json"
_GEOJSON_URL = "http://json.schemastore.org/geojson.json"


def schema_url(table: str) -> str:
    """The official URL of the Camtrap DP 1.0.2 table schema of ``table``."""
    return f"{_BASE_URL}/{table}-table-schema.json"


@dataclass(frozen=True, slots=True)
class FieldSpec:
    """One column of a Camtrap DP table: name, Table Schema type and constraints."""

    name: str
    type: str
    required: bool = False
    enum: tuple[str, ...] | None = None
    minimum: float | None = None
    maximum: float | None = None
    pattern: str | None = None
    unique: bool = False


DEPLOYMENTS_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("deploymentID", "string", required=True, unique=True),
    FieldSpec("locationID", "string"),
    FieldSpec("locationName", "string"),
    FieldSpec("latitude", "number", required=True, minimum=-90, maximum=90),
    FieldSpec("longitude", "number", required=True, minimum=-180, maximum=180),
    FieldSpec("coordinateUncertainty", "integer", minimum=1),
    FieldSpec("deploymentStart", "datetime", required=True),
    FieldSpec("deploymentEnd", "datetime", required=True),
    FieldSpec("setupBy", "string"),
    FieldSpec("cameraID", "string"),
    FieldSpec("cameraModel", "string"),
    FieldSpec("cameraDelay", "integer", minimum=0),
    FieldSpec("cameraHeight", "number", minimum=0),
    FieldSpec("cameraDepth", "number", minimum=0),
    FieldSpec("cameraTilt", "integer", minimum=-90, maximum=90),
    FieldSpec("cameraHeading", "integer", minimum=0, maximum=360),
    FieldSpec("detectionDistance", "number", minimum=0),
    FieldSpec("timestampIssues", "boolean"),
    FieldSpec("baitUse", "boolean"),
    FieldSpec(
        "featureType",
        "string",
        enum=(
            "roadPaved",
            "roadDirt",
            "trailHiking",
            "trailGame",
            "roadUnderpass",
            "roadOverpass",
            "roadBridge",
            "culvert",
            "burrow",
            "nestSite",
            "carcass",
            "waterSource",
            "fruitingTree",
        ),
    ),
    FieldSpec("habitat", "string"),
    FieldSpec("deploymentGroups", "string"),
    FieldSpec("deploymentTags", "string"),
    FieldSpec("deploymentComments", "string"),
)
MEDIA_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("mediaID", "string", required=True, unique=True),
    FieldSpec("deploymentID", "string", required=True),
    FieldSpec(
        "captureMethod",
        "string",
        enum=(
            "activityDetection",
            "timeLapse",
        ),
    ),
    FieldSpec("timestamp", "datetime", required=True),
    FieldSpec("filePath", "string", required=True, pattern=r"^(?=^[^./~])(^((?!\.{2}).)*$).*$"),
    FieldSpec("filePublic", "boolean", required=True),
    FieldSpec("fileName", "string"),
    FieldSpec("fileMediatype", "string", required=True, pattern=r"^(image|video|audio)/.*$"),
    FieldSpec("exifData", "any"),
    FieldSpec("favorite", "boolean"),
    FieldSpec("mediaComments", "string"),
)
OBSERVATIONS_FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("observationID", "string", required=True, unique=True),
    FieldSpec("deploymentID", "string", required=True),
    FieldSpec("mediaID", "string"),
    FieldSpec("eventID", "string"),
    FieldSpec("eventStart", "datetime", required=True),
    FieldSpec("eventEnd", "datetime", required=True),
    FieldSpec(
        "observationLevel",
        "string",
        required=True,
        enum=(
            "media",
            "event",
        ),
    ),
    FieldSpec(
        "observationType",
        "string",
        required=True,
        enum=(
            "animal",
            "human",
            "vehicle",
            "blank",
            "unknown",
            "unclassified",
        ),
    ),
    FieldSpec(
        "cameraSetupType",
        "string",
        enum=(
            "setup",
            "calibration",
        ),
    ),
    FieldSpec("scientificName", "string"),
    FieldSpec("count", "integer", minimum=1),
    FieldSpec(
        "lifeStage",
        "string",
        enum=(
            "adult",
            "subadult",
            "juvenile",
        ),
    ),
    FieldSpec(
        "sex",
        "string",
        enum=(
            "female",
            "male",
        ),
    ),
    FieldSpec("behavior", "string"),
    FieldSpec("individualID", "string"),
    FieldSpec("individualPositionRadius", "number", minimum=0),
    FieldSpec("individualPositionAngle", "number", minimum=-90, maximum=90),
    FieldSpec("individualSpeed", "number", minimum=0),
    FieldSpec("bboxX", "number", minimum=0, maximum=1),
    FieldSpec("bboxY", "number", minimum=0, maximum=1),
    FieldSpec("bboxWidth", "number", minimum=1e-15, maximum=1),
    FieldSpec("bboxHeight", "number", minimum=1e-15, maximum=1),
    FieldSpec(
        "classificationMethod",
        "string",
        enum=(
            "human",
            "machine",
        ),
    ),
    FieldSpec("classifiedBy", "string"),
    FieldSpec("classificationTimestamp", "datetime"),
    FieldSpec("classificationProbability", "number", minimum=0, maximum=1),
    FieldSpec("observationTags", "string"),
    FieldSpec("observationComments", "string"),
)

_FIELDS: dict[str, tuple[FieldSpec, ...]] = {
    "deployments": DEPLOYMENTS_FIELDS,
    "media": MEDIA_FIELDS,
    "observations": OBSERVATIONS_FIELDS,
}
_ID_FIELD = {"deployments": "deploymentID", "media": "mediaID", "observations": "observationID"}


@dataclass(frozen=True, slots=True)
class TableError:
    """A bad value in one table of a package."""

    table: str
    error: RowError

    def __str__(self) -> str:
        return f"{self.table}.csv, {self.error}"


@dataclass
class CamtrapPackage:
    """A Camtrap DP package as read.

    Attributes:
        path: the package folder.
        descriptor: ``datapackage.json`` as decoded (resources included).
        deployments, media, observations: typed rows, keyed by the schema's field names;
            columns outside the schema are kept under the key ``"_extra"`` (a dict).
        extra_resources: descriptors of resources other than the three tables, as written.
        extra_files: content of files named by ``extra_resources`` (path → bytes).
        errors: every bad value found, with table, row number, field and reason.
    """

    path: Path
    descriptor: dict[str, Any]
    deployments: list[dict[str, Any]] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)
    observations: list[dict[str, Any]] = field(default_factory=list)
    extra_resources: list[dict[str, Any]] = field(default_factory=list)
    extra_files: dict[str, bytes] = field(default_factory=dict)
    errors: list[TableError] = field(default_factory=list)

    def table(self, name: str) -> list[dict[str, Any]]:
        """Rows of ``deployments``, ``media`` or ``observations``."""
        rows: list[dict[str, Any]] = getattr(self, name)
        return rows

    @property
    def metadata(self) -> dict[str, Any]:
        """The descriptor without its ``resources``."""
        return {k: v for k, v in self.descriptor.items() if k != "resources"}


# --------------------------------------------------------------------------- values


def parse_datetime(text: str) -> datetime:
    """Parse a Camtrap DP datetime (``2021-04-11T20:43:09+01:00`` or ``…Z``).

    The offset written is kept as the ``tzinfo`` (a fixed offset), so writing the value back
    gives the same text.

    Raises:
        ValueError: not in that format, or not a real date and time.
    """
    match = _DATETIME.fullmatch(text.strip())
    if match is None:
        raise ValueError("expected YYYY-MM-DDThh:mm:ss followed by Z or ±hh:mm")
    year, month, day, hour, minute, second = (int(match.group(i)) for i in range(1, 7))
    zone_text = match.group(7)
    if zone_text == "Z":
        zone = UTC
    else:
        digits = zone_text[1:].replace(":", "")
        hours, minutes = int(digits[:2]), int(digits[2:])
        if hours > 23 or minutes > 59:
            raise ValueError(f"invalid offset {zone_text!r}")
        sign = 1 if zone_text[0] == "+" else -1
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
    return datetime(year, month, day, hour, minute, second, tzinfo=zone)


def format_datetime(value: datetime) -> str:
    """``YYYY-MM-DDThh:mm:ss`` and ``Z`` (UTC) or ``±hh:mm``; rounded to the second.

    Raises:
        ValueError: for a naive datetime (Camtrap DP times always carry their offset).
    """
    offset = value.utcoffset()
    if offset is None:
        raise ValueError(f"naive datetime {value!r}: Camtrap DP times need an offset")
    if value.microsecond:
        value = (value + timedelta(microseconds=500_000)).replace(microsecond=0)
    text = value.strftime("%Y-%m-%dT%H:%M:%S")
    if offset == timedelta(0) and value.tzinfo is UTC:
        return text + "Z"
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    minutes = abs(minutes)
    return f"{text}{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def _format_number(value: float) -> str:
    if value != value or value in (float("inf"), float("-inf")):
        raise ValueError(f"not a finite number: {value}")
    text = repr(float(value))
    if "e" in text or "E" in text:
        text = f"{value:.20f}".rstrip("0").rstrip(".")
    if text.endswith(".0"):
        text = text[:-2]
    return text


def format_value(spec: FieldSpec, value: Any) -> str:
    """The CSV text of ``value`` for column ``spec`` (empty for ``None``)."""
    if value is None:
        return ""
    if spec.type == "datetime":
        return format_datetime(value)
    if spec.type == "boolean":
        return "true" if value else "false"
    if spec.type == "integer":
        return str(int(value))
    if spec.type == "number":
        return _format_number(float(value))
    if spec.type == "any" and not isinstance(value, str):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)


def _parse_value(spec: FieldSpec, raw: str) -> Any:
    """Parse one cell; raises ValueError with the reason."""
    if spec.type == "string" or spec.type == "any":
        value: Any = raw
    elif spec.type == "datetime":
        value = parse_datetime(raw)
    elif spec.type == "boolean":
        if raw in _TRUE:
            value = True
        elif raw in _FALSE:
            value = False
        else:
            raise ValueError("expected true or false")
    elif spec.type == "integer":
        if not re.fullmatch(r"[+-]?\d+", raw.strip()):
            raise ValueError("expected an integer")
        value = int(raw)
    elif spec.type == "number":
        try:
            value = float(raw)
        except ValueError:
            raise ValueError("expected a number") from None
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError("expected a finite number")
    else:  # pragma: no cover - the schemas use no other type
        raise ValueError(f"unsupported type {spec.type}")
    if spec.enum is not None and value not in spec.enum:
        raise ValueError(f"must be one of {', '.join(spec.enum)}")
    if spec.minimum is not None and isinstance(value, int | float) and value < spec.minimum:
        raise ValueError(f"must be at least {spec.minimum:g}")
    if spec.maximum is not None and isinstance(value, int | float) and value > spec.maximum:
        raise ValueError(f"must be at most {spec.maximum:g}")
    if spec.pattern is not None and isinstance(value, str) and not re.match(spec.pattern, value):
        raise ValueError(f"does not match the pattern {spec.pattern}")
    return value


# --------------------------------------------------------------------------- reading


def _read_table(
    package_dir: Path, name: str, resource: Mapping[str, Any], errors: list[TableError]
) -> tuple[list[dict[str, Any]], set[str]]:
    """The good rows of a table, and every identifier seen (bad rows included)."""
    relpath = resource.get("path")
    if not isinstance(relpath, str) or not relpath:
        raise FormatError(
            package_dir / "datapackage.json",
            None,
            f"resources[{name}].path",
            "missing or not a file path",
        )
    if ".." in Path(relpath).parts or Path(relpath).is_absolute():
        raise FormatError(
            package_dir / "datapackage.json",
            None,
            f"resources[{name}].path",
            f"unsafe path {relpath!r}",
        )
    file = package_dir / relpath
    try:
        text = file.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise FormatError(file, None, None, f"cannot read the file: {exc.strerror or exc}") from exc
    except UnicodeDecodeError as exc:
        raise FormatError(file, None, None, f"not UTF-8 text (byte {exc.start})") from exc
    try:
        reader = csv.reader(io.StringIO(text, newline=""))
        header = next(reader, None)
    except csv.Error as exc:
        raise FormatError(file, 1, None, f"not readable as CSV: {exc}") from exc
    if header is None:
        raise FormatError(file, None, None, "the file is empty (no header row)")
    specs = {spec.name: spec for spec in _FIELDS[name]}
    seen_names: set[str] = set()
    for column in header:
        if column in seen_names:
            raise FormatError(file, 1, column, "column given twice")
        seen_names.add(column)
    for spec in _FIELDS[name]:
        if spec.required and spec.name not in seen_names:
            raise FormatError(file, 1, spec.name, "required column missing")
    rows: list[dict[str, Any]] = []
    seen_ids: dict[str, int] = {}
    id_field = _ID_FIELD[name]
    try:
        for number, cells in enumerate(reader, start=2):
            if not cells:
                continue
            if len(cells) != len(header):
                errors.append(
                    TableError(
                        name,
                        RowError(number, "(row)", f"{len(cells)} values for {len(header)} columns"),
                    )
                )
                continue
            row: dict[str, Any] = {spec.name: None for spec in _FIELDS[name]}
            extra: dict[str, str] = {}
            bad = False
            for column, raw in zip(header, cells, strict=True):
                found = specs.get(column)
                if found is None:
                    extra[column] = raw
                    continue
                if raw in MISSING_VALUES:
                    if found.required:
                        errors.append(
                            TableError(name, RowError(number, column, "required value missing"))
                        )
                        bad = True
                    continue
                try:
                    row[column] = _parse_value(found, raw)
                except ValueError as exc:
                    errors.append(TableError(name, RowError(number, column, str(exc), raw)))
                    bad = True
            if extra:
                row["_extra"] = extra
            identifier = row.get(id_field)
            if isinstance(identifier, str):
                if identifier in seen_ids:
                    errors.append(
                        TableError(
                            name,
                            RowError(
                                number,
                                id_field,
                                f"duplicate of row {seen_ids[identifier]}",
                                identifier,
                            ),
                        )
                    )
                    bad = True
                else:
                    seen_ids[identifier] = number
            row["_row"] = number
            if not bad:
                rows.append(row)
    except csv.Error as exc:
        raise FormatError(file, reader.line_num, None, f"not readable as CSV: {exc}") from exc
    return rows, set(seen_ids)


def _check_references(package: CamtrapPackage, known: Mapping[str, set[str]]) -> None:
    """Report references to missing rows (rows reported bad themselves still count)."""
    deployments = known["deployments"]
    media = known["media"]
    for table in ("media", "observations"):
        for row in package.table(table):
            if row["deploymentID"] not in deployments:
                package.errors.append(
                    TableError(
                        table,
                        RowError(
                            row["_row"], "deploymentID", "no such deployment", row["deploymentID"]
                        ),
                    )
                )
    for row in package.observations:
        if row["mediaID"] is not None and row["mediaID"] not in media:
            package.errors.append(
                TableError(
                    "observations",
                    RowError(row["_row"], "mediaID", "no such medium", row["mediaID"]),
                )
            )
    bad_rows = {(e.table, e.error.row) for e in package.errors}
    for table in ("media", "observations"):
        rows = package.table(table)
        rows[:] = [r for r in rows if (table, r["_row"]) not in bad_rows]


def read_package(path: str | PathLike[str]) -> CamtrapPackage:
    """Read a Camtrap DP package (its folder or its ``datapackage.json``).

    Rows with a bad value are left out of the tables and reported in ``errors``; an importer
    should refuse the package while ``errors`` is not empty.

    Raises:
        FormatError: the descriptor cannot be read, a table resource is missing, a table file
            cannot be read as CSV, or lacks a required column.
    """
    given = Path(path)
    descriptor_path = given / "datapackage.json" if given.is_dir() else given
    package_dir = descriptor_path.parent
    try:
        document = json.loads(descriptor_path.read_bytes().decode("utf-8-sig"))
    except OSError as exc:
        raise FormatError(
            descriptor_path, None, None, f"cannot read the file: {exc.strerror or exc}"
        ) from exc
    except UnicodeDecodeError as exc:
        raise FormatError(
            descriptor_path, None, None, f"not UTF-8 text (byte {exc.start})"
        ) from exc
    except json.JSONDecodeError as exc:
        raise FormatError(
            descriptor_path,
            None,
            None,
            f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
        ) from exc
    except RecursionError as exc:
        raise FormatError(descriptor_path, None, None, "JSON nested too deeply") from exc
    if not isinstance(document, dict):
        raise FormatError(descriptor_path, None, None, "the top level must be a JSON object")
    resources = document.get("resources")
    if not isinstance(resources, list):
        raise FormatError(descriptor_path, None, "resources", "required list missing")
    package = CamtrapPackage(path=package_dir, descriptor=document)
    found: dict[str, Mapping[str, Any]] = {}
    for index, resource in enumerate(resources):
        if not isinstance(resource, dict) or not isinstance(resource.get("name"), str):
            raise FormatError(
                descriptor_path, None, f"resources[{index}]", "expected an object with a name"
            )
        name = resource["name"]
        if name in TABLES:
            if name in found:
                raise FormatError(
                    descriptor_path, None, f"resources[{index}].name", f"{name!r} given twice"
                )
            found[name] = resource
            continue
        package.extra_resources.append(copy.deepcopy(resource))
        relpath = resource.get("path")
        if isinstance(relpath, str) and not re.match(r"^[a-z]+://", relpath):
            if ".." in Path(relpath).parts or Path(relpath).is_absolute():
                raise FormatError(
                    descriptor_path, None, f"resources[{index}].path", f"unsafe path {relpath!r}"
                )
            try:
                package.extra_files[relpath] = (package_dir / relpath).read_bytes()
            except OSError as exc:
                raise FormatError(
                    package_dir / relpath,
                    None,
                    None,
                    f"cannot read the file: {exc.strerror or exc}",
                ) from exc
    known: dict[str, set[str]] = {}
    for name in TABLES:
        if name not in found:
            raise FormatError(
                descriptor_path, None, "resources", f"the {name!r} resource is missing"
            )
        rows, known[name] = _read_table(package_dir, name, found[name], package.errors)
        setattr(package, name, rows)
    _check_references(package, known)
    return package


# --------------------------------------------------------------------------- writing


def _table_text(name: str, rows: Iterable[Mapping[str, Any]]) -> str:
    specs = _FIELDS[name]
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([spec.name for spec in specs])
    for row in rows:
        writer.writerow([format_value(spec, row.get(spec.name)) for spec in specs])
    return buffer.getvalue()


def write_package(
    out_dir: str | PathLike[str],
    *,
    metadata: Mapping[str, Any],
    deployments: Iterable[Mapping[str, Any]],
    media: Iterable[Mapping[str, Any]],
    observations: Iterable[Mapping[str, Any]],
    extra_resources: Sequence[Mapping[str, Any]] = (),
    extra_files: Mapping[str, bytes] | None = None,
) -> Path:
    """Write a package to ``out_dir`` (replaced if it exists) and return the folder.

    Args:
        metadata: the descriptor without ``resources`` (``profile`` is set to the 1.0.2
            profile when missing).
        deployments, media, observations: rows keyed by Camtrap DP field names; values are
            Python values (aware ``datetime``, numbers, booleans, text or ``None``).
        extra_resources: further resource descriptors, written after the three tables.
        extra_files: files those resources name (relative path → content).

    The package is written to a temporary folder beside ``out_dir`` and renamed into place.
    """
    target = Path(out_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        resources: list[dict[str, Any]] = []
        for name, rows in (
            ("deployments", deployments),
            ("media", media),
            ("observations", observations),
        ):
            (staging / f"{name}.csv").write_text(
                _table_text(name, rows), encoding="utf-8", newline=""
            )
            resources.append(
                {
                    "name": name,
                    "path": f"{name}.csv",
                    "profile": "tabular-data-resource",
                    "format": "csv",
                    "mediatype": "text/csv",
                    "encoding": "utf-8",
                    "schema": schema_url(name),
                }
            )
        for resource in extra_resources:
            resources.append(copy.deepcopy(dict(resource)))
        for relpath, content in (extra_files or {}).items():
            if ".." in Path(relpath).parts or Path(relpath).is_absolute():
                raise ValueError(f"unsafe extra file path {relpath!r}")
            destination = staging / relpath
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(content)
        descriptor: dict[str, Any] = {"resources": resources}
        descriptor.update({k: v for k, v in metadata.items() if k != "resources"})
        descriptor.setdefault("profile", PROFILE_URL)
        (staging / "datapackage.json").write_text(
            json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", encoding="utf-8"
        )
        os.chmod(staging, 0o755)
        if target.exists():
            old = target.with_name(f".{target.name}.old-{os.getpid()}")
            target.rename(old)
            staging.rename(target)
            shutil.rmtree(old, ignore_errors=True)
        else:
            staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


# --------------------------------------------------------------------------- validation


def _local_profile_dir(schema_dir: Path, work: Path) -> Path:
    """Write the profile with its remote ``$ref`` pointed at local copies into ``work``."""
    import frictionless
    from frictionless import Package

    profile = json.loads((schema_dir / "camtrap-dp-profile.json").read_text(encoding="utf-8"))

    def rewrite(node: Any) -> Any:
        if isinstance(node, dict):
            out: dict[str, Any] = {}
            for key, value in node.items():
                if key == "$ref" and value == _GENERIC_PROFILE_URL:
                    out[key] = "data-package.json"
                elif key == "$ref" and value == _GEOJSON_URL:
                    out[key] = "geojson.json"
                else:
                    out[key] = rewrite(value)
            return out
        if isinstance(node, list):
            return [rewrite(item) for item in node]
        return node

    (work / "camtrap-dp-profile.json").write_text(json.dumps(rewrite(profile)), encoding="utf-8")
    (work / "data-package.json").write_text(json.dumps(Package.metadata_profile), encoding="utf-8")
    geojson = Path(frictionless.__file__).parent / "assets" / "profiles" / "geojson.json"
    (work / "geojson.json").write_text(geojson.read_text(encoding="utf-8"), encoding="utf-8")
    return work / "camtrap-dp-profile.json"


def validate_package(path: str | PathLike[str], *, schema_dir: str | PathLike[str]) -> list[str]:
    """Validate a package with frictionless against the official profile and schemas.

    Args:
        path: the package folder (or its ``datapackage.json``).
        schema_dir: a folder holding ``camtrap-dp-profile.json`` and the three
            ``*-table-schema.json`` files of Camtrap DP 1.0.2.

    Returns:
        Problems found, as readable lines naming the file, row and field; empty when valid.
    """
    from frictionless import Package, system

    given = Path(path)
    descriptor_path = given / "datapackage.json" if given.is_dir() else given
    package_dir = descriptor_path.parent
    schemas = Path(schema_dir)
    problems: list[str] = []
    try:
        descriptor = json.loads(descriptor_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        return [f"{descriptor_path}: cannot read: {exc}"]
    profile = descriptor.get("profile")
    if not isinstance(profile, str) or not profile.endswith("camtrap-dp-profile.json"):
        problems.append(f"{descriptor_path}: profile is not a Camtrap DP profile URL: {profile!r}")
    with (
        tempfile.TemporaryDirectory(prefix="camtrap-dp-profile-") as work,
        system.use_context(trusted=True),
    ):
        local_profile = _local_profile_dir(schemas, Path(work))
        meta = copy.deepcopy(descriptor)
        meta["profile"] = str(local_profile)
        for error in Package.metadata_validate(meta):
            problems.append(f"{descriptor_path}: {error.note}")
        data = copy.deepcopy(descriptor)
        data.pop("profile", None)
        for resource in data.get("resources", []):
            if isinstance(resource, dict) and resource.get("name") in TABLES:
                resource["schema"] = json.loads(
                    (schemas / f"{resource['name']}-table-schema.json").read_text(encoding="utf-8")
                )
        try:
            package = Package.from_descriptor(data, basepath=str(package_dir))
            report = package.validate()
        except Exception as exc:  # frictionless raises its own exception types
            problems.append(f"{descriptor_path}: {exc}")
            return problems
        for task in report.tasks:
            for error in task.errors:
                where = [task.name or "?"]
                row = getattr(error, "row_number", None)
                if row is not None:
                    where.append(f"row {row}")
                field_name = getattr(error, "field_name", None)
                if field_name:
                    where.append(f"field '{field_name}'")
                problems.append(", ".join(where) + f": {error.message}")
        for error in report.errors:
            problems.append(f"{descriptor_path}: {error.message}")
    return problems
