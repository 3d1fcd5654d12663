"""Importing places from GeoJSON, GeoPackage and Shapefile layers: all or nothing.

Every feature is checked first (geometry readable, reprojected to WGS84, valid or repaired
with ``shapely.make_valid``, polygonal where the kind needs it, a name and a unique code);
when any feature or the file has a problem, :class:`PlaceImportError` lists them all and
nothing is written. Otherwise the places are created or updated (matched on kind and code)
in one transaction, each change audited (the saves signal :mod:`barys.places.changes`, which
re-locates the records when oblasts or protected areas changed). Importing the same file
again changes nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction

from barys.core import audit
from barys.core.models import Scope, User
from barys.places import geometry as geo
from barys.places.models import (
    Designation,
    IucnManagementCategory,
    Place,
    PlaceKind,
    RangeKind,
)
from barys.places.reading import Feature, Layer, LayerError, read_layer
from barys.taxa.models import Taxon

KINDS = tuple(PlaceKind.values)
NAME_FIELDS = ("name_en", "name", "name_eng", "orig_name")
CODE_FIELDS = ("code", "wdpaid")
_TRANSLIT = str.maketrans(
    {
        "а": "a",
        "б": "b",
        "в": "v",
        "г": "g",
        "д": "d",
        "е": "e",
        "ё": "e",
        "ж": "zh",
        "з": "z",
        "и": "i",
        "й": "i",
        "к": "k",
        "л": "l",
        "м": "m",
        "н": "n",
        "о": "o",
        "п": "p",
        "р": "r",
        "с": "s",
        "т": "t",
        "у": "u",
        "ф": "f",
        "х": "kh",
        "ц": "ts",
        "ч": "ch",
        "ш": "sh",
        "щ": "shch",
        "ъ": "",
        "ы": "y",
        "ь": "",
        "э": "e",
        "ю": "yu",
        "я": "ya",
        "ә": "a",
        "ғ": "g",
        "қ": "q",
        "ң": "ng",
        "ө": "o",
        "ұ": "u",
        "ү": "u",
        "һ": "h",
        "і": "i",
    }
)


class PlaceImportError(ValueError):
    """The import was refused; ``problems`` lists every problem (file or feature)."""

    def __init__(self, path: Path | str, problems: list[str]) -> None:
        self.problems = problems
        name = Path(path).name
        super().__init__(
            f"{name}: {len(problems)} problem(s), nothing was imported: "
            + "; ".join(problems[:5])
            + ("; …" if len(problems) > 5 else "")
        )


@dataclass
class ImportSummary:
    """What an import did; ``notes`` lists repaired features."""

    layer: str
    crs: str
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    notes: list[str] = field(default_factory=list)


def code_from(text: str) -> str:
    """A readable ASCII code (slug) from a name in Latin, Russian or Kazakh letters."""
    folded = unicodedata.normalize("NFKD", text.casefold().translate(_TRANSLIT))
    ascii_text = folded.encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")[:64]


def _lookup(attributes: dict[str, Any], names: tuple[str, ...]) -> Any:
    lowered = {k.lower(): v for k, v in attributes.items()}
    for name in names:
        value = lowered.get(name.lower())
        if value not in (None, ""):
            return value
    return None


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


@dataclass
class _Options:
    kind: str
    taxon: Taxon | None
    name_field: str | None
    code_field: str | None
    range_kind: str
    source: str


def _attributes(feature: Feature, options: _Options, problems: list[str]) -> dict[str, Any]:
    """The place fields from one feature's attributes (problems appended, 1-based numbers)."""
    where = f"feature {feature.number}"
    attrs = feature.attributes
    if options.name_field and options.name_field not in attrs:
        raise LayerError(f"no field {options.name_field!r} (fields: {', '.join(attrs)})")
    if options.code_field and options.code_field not in attrs:
        raise LayerError(f"no field {options.code_field!r} (fields: {', '.join(attrs)})")
    name_en = _text(
        attrs.get(options.name_field) if options.name_field else _lookup(attrs, NAME_FIELDS)
    )
    values: dict[str, Any] = {
        "name_en": name_en[:300],
        "name_ru": _text(_lookup(attrs, ("name_ru",)))[:300],
        "name_kk": _text(_lookup(attrs, ("name_kk",)))[:300],
        "notes": _text(_lookup(attrs, ("notes",))),
        "source": options.source[:500],
    }
    if not name_en:
        fallback = values["name_ru"] or values["name_kk"]
        if not fallback:
            problems.append(f"{where}: no name (field {options.name_field or 'name'!r} is empty)")
        values["name_en"] = fallback[:300]
    raw_code = _text(
        attrs.get(options.code_field) if options.code_field else _lookup(attrs, CODE_FIELDS)
    )
    values["code"] = code_from(raw_code or values["name_en"])
    if not values["code"] and values["name_en"]:
        problems.append(
            f"{where}: cannot make a code from {values['name_en']!r}; give a code field"
        )
    if options.kind == PlaceKind.PROTECTED_AREA:
        values.update(_protected_area_fields(attrs, where, problems))
    if options.kind == PlaceKind.RANGE:
        kind = _text(_lookup(attrs, ("range_kind",))) or options.range_kind
        if kind not in RangeKind.values:
            problems.append(
                f"{where}: range kind {kind!r} is not one of {', '.join(RangeKind.values)}"
            )
        values["range_kind"] = kind
        values["taxon_id"] = options.taxon.pk if options.taxon else None
        if not raw_code and options.taxon is not None:
            values["code"] = code_from(f"{options.taxon.slug}-{kind}")
    return values


def _protected_area_fields(
    attrs: dict[str, Any], where: str, problems: list[str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    designation = _text(_lookup(attrs, ("designation",)))
    if designation and designation not in Designation.values:
        problems.append(
            f"{where}: designation {designation!r} is not one of {', '.join(Designation.values)}"
        )
    values["designation"] = designation if designation in Designation.values else ""
    category = _text(_lookup(attrs, ("iucn_category", "iucn_cat")))
    known = {c.lower(): c for c in IucnManagementCategory.values}
    if category.lower() in {"not reported", "not applicable", "not assigned", "unknown"}:
        category = ""
    if category and category.lower() not in known:
        problems.append(
            f"{where}: IUCN management category {category!r} is not one of "
            f"{', '.join(IucnManagementCategory.values)}"
        )
    values["iucn_category"] = known.get(category.lower(), "")
    year = _lookup(attrs, ("established_year", "established", "status_yr"))
    values["established_year"] = None
    if year not in (None, "", 0, "0"):
        try:
            number = int(float(year))
        except (TypeError, ValueError):
            number = -1
        if not 1800 <= number <= 2100:
            problems.append(f"{where}: established year {year!r} is not a year")
        else:
            values["established_year"] = number
    return values


def _prepare(layer: Layer, options: _Options) -> tuple[list[dict[str, Any]], list[str], list[str]]:
    problems: list[str] = []
    notes: list[str] = []
    rows: list[dict[str, Any]] = []
    polygons_only = options.kind != PlaceKind.SITE
    seen: dict[str, int] = {}
    for feature in layer.features:
        where = f"feature {feature.number}"
        values = _attributes(feature, options, problems)
        label = f"{where} ({values['name_en']})" if values["name_en"] else where
        if feature.problem or feature.geometry is None:
            problems.append(f"{label}: {feature.problem or 'no geometry'}")
            continue
        try:
            checked = geo.check(feature.geometry, polygons_only=polygons_only)
        except geo.GeometryError as exc:
            problems.append(f"{label}: {exc}")
            continue
        if checked.note:
            notes.append(f"{label}: {checked.note}")
        code = values["code"]
        if code and code in seen:
            if options.kind == PlaceKind.RANGE and not options.code_field:
                values["code"] = code = _next_code(code, seen)
            else:
                problems.append(f"{label}: code {code!r} is also used by feature {seen[code]}")
                continue
        seen[code] = feature.number
        values["geometry"] = geo.to_text(checked.geometry)
        rows.append(values)
    return rows, problems, notes


def _next_code(code: str, seen: dict[str, int]) -> str:
    number = 2
    while f"{code}-{number}" in seen:
        number += 1
    return f"{code}-{number}"


def import_places(
    path: Path | str,
    *,
    kind: str,
    taxon: Taxon | str | None = None,
    name_field: str | None = None,
    code_field: str | None = None,
    range_kind: str = RangeKind.CURRENT,
    layer: str | None = None,
    crs: str | None = None,
    replace: bool = False,
    link_scopes: bool = True,
    actor: User | str | None = None,
) -> ImportSummary:
    """Import one layer of places of ``kind`` (see the module docstring).

    ``taxon`` (a Taxon or its slug) is required for ranges. ``crs`` overrides the layer's
    coordinate reference system. With ``replace`` the places of this kind (for ranges: of
    this taxon) that the file does not hold are deleted. Protected areas are linked to the
    scope with the same code when one exists (``link_scopes``). Raises
    :class:`PlaceImportError` listing every problem; nothing is written then.
    """
    path = Path(path)
    if kind not in KINDS:
        raise PlaceImportError(path, [f"unknown kind {kind!r}; expected one of {', '.join(KINDS)}"])
    resolved = _resolve_taxon(path, kind, taxon)
    options = _Options(
        kind=kind,
        taxon=resolved,
        name_field=name_field,
        code_field=code_field,
        range_kind=range_kind,
        source=f"import of {path.name}",
    )
    try:
        data = read_layer(path, layer=layer, crs=crs)
        rows, problems, notes = _prepare(data, options)
    except LayerError as exc:
        raise PlaceImportError(path, [str(exc)]) from None
    if problems:
        raise PlaceImportError(path, problems)
    summary = ImportSummary(layer=data.name, crs=data.crs, notes=notes)
    with transaction.atomic():
        _write(rows, options, summary, replace=replace, link_scopes=link_scopes, actor=actor)
    return summary


def _resolve_taxon(path: Path, kind: str, taxon: Taxon | str | None) -> Taxon | None:
    if kind != PlaceKind.RANGE:
        if taxon is not None:
            raise PlaceImportError(path, ["--taxon applies to ranges only"])
        return None
    if taxon is None:
        raise PlaceImportError(path, ["a range needs its taxon (--taxon SLUG)"])
    if isinstance(taxon, Taxon):
        return taxon
    found = Taxon.objects.filter(slug=taxon).first()
    if found is None:
        raise PlaceImportError(path, [f"no taxon with the slug {taxon!r}"])
    return found


def _write(
    rows: list[dict[str, Any]],
    options: _Options,
    summary: ImportSummary,
    *,
    replace: bool,
    link_scopes: bool,
    actor: User | str | None,
) -> None:
    existing_qs = Place.objects.select_for_update().filter(kind=options.kind)
    if options.kind == PlaceKind.RANGE and options.taxon is not None:
        existing_qs = existing_qs.filter(taxon=options.taxon)
    existing = {p.code: p for p in existing_qs}
    codes = [str(r["code"]) for r in rows]
    scopes: dict[str, int] = {}
    if options.kind == PlaceKind.PROTECTED_AREA and link_scopes:
        scopes = dict(Scope.objects.filter(code__in=codes).values_list("code", "pk"))
    if options.kind == PlaceKind.RANGE:
        taken = set(
            Place.objects.filter(kind=PlaceKind.RANGE, code__in=codes)
            .exclude(taxon=options.taxon)
            .values_list("code", flat=True)
        )
        if taken:
            raise PlaceImportError(
                summary.layer,
                [
                    f"range code {code!r} belongs to another taxon's range; give a code field"
                    for code in sorted(taken)
                ],
            )
    who = actor or "import"
    for code, row in zip(codes, rows, strict=True):
        values = {k: v for k, v in row.items() if k != "code"}
        if code in scopes:
            values["scope_id"] = scopes[code]
        place = existing.get(code)
        if place is None:
            place = Place(kind=options.kind, code=code, **values)
            place.save()
            audit.record_create(place, actor=who, reason=options.source)
            summary.created += 1
            continue
        values["geometry"] = geo.to_text(geo.parse(values["geometry"]))
        if all(getattr(place, k) == v for k, v in values.items()):
            summary.unchanged += 1
            continue
        before = audit.snapshot(place)
        for key, value in values.items():
            setattr(place, key, value)
        place.save()
        audit.record_update(place, before, actor=who, reason=options.source)
        summary.updated += 1
    if replace:
        for code, place in existing.items():
            if code not in codes:
                audit.record_delete(place, actor=who, reason=options.source)
                place.delete()
                summary.deleted += 1
