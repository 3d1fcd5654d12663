"""Translation catalogs without GNU gettext: extraction and compilation with Babel.

Messages are extracted from Python modules (``gettext``, ``gettext_lazy`` as ``_``,
``ngettext``, ``pgettext`` …) and from Django templates (converted with Django's own
``templatize`` and read as Python). Catalogs live in ``src/barys/locale/<lang>/LC_MESSAGES``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

PACKAGE_DIR = Path(__file__).resolve().parents[1]
LOCALE_DIR = PACKAGE_DIR / "locale"
LANGUAGES = ("kk", "ru", "en")
KNOWN_GAPS = LOCALE_DIR / "known_gaps.txt"
KEYWORDS: dict[str, Any] = {
    "_": None,
    "gettext": None,
    "gettext_lazy": None,
    "gettext_noop": None,
    "ngettext": (1, 2),
    "ngettext_lazy": (1, 2),
    "pgettext": ((1, "c"), 2),
    "pgettext_lazy": ((1, "c"), 2),
    "npgettext": ((1, "c"), 2, 3),
}
_SKIP_PARTS = {"migrations", "__pycache__", "locale", "static"}


def _python_sources() -> Iterator[Path]:
    for path in sorted(PACKAGE_DIR.rglob("*.py")):
        if not _SKIP_PARTS.intersection(path.relative_to(PACKAGE_DIR).parts):
            yield path


def _template_sources() -> Iterator[Path]:
    for path in sorted(PACKAGE_DIR.rglob("templates/**/*")):
        if path.is_file() and path.suffix in {".html", ".txt", ".svg", ".xml"}:
            yield path


def _extract_from(code: str, where: str) -> Iterator[tuple[int, Any, str | None]]:
    for lineno, _func, message, _comments in extract_python(
        io.BytesIO(code.encode("utf-8")), KEYWORDS, [], {"encoding": "utf-8"}
    ):
        if isinstance(message, tuple):
            if _func in {"pgettext", "pgettext_lazy"} and len(message) >= 2 and message[1]:
                yield lineno, message[1], str(message[0])
            elif _func == "npgettext" and len(message) >= 3 and message[1] and message[2]:
                yield lineno, (message[1], message[2]), str(message[0])
            elif _func in {"ngettext", "ngettext_lazy"} and message[0] and message[1]:
                yield lineno, (message[0], message[1]), None
            continue
        if message:
            yield lineno, message, None


def extract_messages() -> Catalog:
    """A template catalog of every translatable string in the package."""
    from django.utils.translation.template import templatize

    catalog = Catalog(project="barys", charset="utf-8")
    for path in _python_sources():
        rel = str(path.relative_to(PACKAGE_DIR))
        for lineno, message, context in _extract_from(path.read_text(encoding="utf-8"), rel):
            catalog.add(message, locations=[(rel, lineno)], context=context)
    for path in _template_sources():
        rel = str(path.relative_to(PACKAGE_DIR))
        code = templatize(path.read_text(encoding="utf-8"), origin=str(path))
        for lineno, message, context in _extract_from(code, rel):
            catalog.add(message, locations=[(rel, lineno)], context=context)
    return catalog


def po_path(language: str) -> Path:
    return LOCALE_DIR / language / "LC_MESSAGES" / "django.po"


def read_catalog(language: str) -> Catalog:
    path = po_path(language)
    if not path.exists():
        return Catalog(locale=language, project="barys", charset="utf-8")
    with path.open("rb") as handle:
        return read_po(handle, locale=language)


def write_catalog(language: str, catalog: Catalog) -> None:
    path = po_path(language)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, catalog, width=100, sort_output=True, omit_header=False)


def extract_catalogs() -> dict[str, tuple[int, int]]:
    """Update every language's ``.po`` from the sources; (messages, untranslated) per language."""
    template = extract_messages()
    counts = {}
    for language in LANGUAGES:
        catalog = read_catalog(language)
        catalog.update(template, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        write_catalog(language, catalog)
        missing = sum(1 for m in catalog if m.id and not _translated(m.string))
        counts[language] = (sum(1 for m in catalog if m.id), missing)
    return counts


def _translated(value: object) -> bool:
    if isinstance(value, tuple | list):
        return all(bool(v) for v in value)
    return bool(value)


def compile_catalogs(only_missing: bool = False) -> list[Path]:
    """Write ``django.mo`` next to every ``django.po``; returns the files written."""
    written = []
    for language in LANGUAGES:
        po = po_path(language)
        if not po.exists():
            continue
        mo = po.with_suffix(".mo")
        if only_missing and mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
            continue
        catalog = read_catalog(language)
        with mo.open("wb") as handle:
            write_mo(handle, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def known_gaps() -> set[str]:
    if not KNOWN_GAPS.exists():
        return set()
    return {
        line.strip()
        for line in KNOWN_GAPS.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    }


def missing_translations(language: str) -> list[str]:
    """Source messages without a translation in ``language`` (minus the known gaps)."""
    template = extract_messages()
    catalog = read_catalog(language)
    gaps = known_gaps()
    missing = []
    for message in template:
        if not message.id:
            continue
        key = message.id if isinstance(message.id, str) else message.id[0]
        entry = catalog.get(message.id, context=message.context)
        if (entry is None or not _translated(entry.string)) and key not in gaps:
            missing.append(key)
    return sorted(missing)
