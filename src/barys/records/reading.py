"""Reading occurrence files: CSV (Darwin Core headers or a column map) and Darwin Core
Archives, as a stream of (row number, {term: raw value})."""

from __future__ import annotations

import csv
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from barys.interop import dwca
from barys.interop.errors import FormatError


@dataclass
class OccurrenceFile:
    path: Path
    format: str  # "csv" or "dwca"
    rows_hint: int  # line count estimate for progress


def detect(path: Path) -> OccurrenceFile:
    """Tell CSV from DwC-A; anything else is a :class:`FormatError` with one clear reason."""
    if not path.exists():
        raise FormatError(path, None, None, "file not found")
    if zipfile.is_zipfile(path):
        info = dwca.inspect(path)
        with zipfile.ZipFile(path) as archive:
            size = archive.getinfo(dwca._join(info.base, info.core.location)).file_size
        return OccurrenceFile(path, "dwca", max(1, size // 150))
    with path.open("rb") as handle:
        head = handle.read(65536)
    if not head.strip():
        raise FormatError(path, None, None, "the file is empty")
    if b"\x00" in head:
        raise FormatError(
            path, None, None, "binary data: neither CSV nor a Darwin Core Archive (zip)"
        )
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        if exc.start < len(head) - 4:
            raise FormatError(
                path, None, None, "not UTF-8 text: neither CSV nor a Darwin Core Archive"
            ) from None
        text = head[: exc.start].decode("utf-8-sig")
    first = text.splitlines()[0] if text.splitlines() else ""
    if not any(sep in first for sep in (",", "\t", ";")):
        raise FormatError(path, 1, None, "no column separator in the header line: not a CSV file")
    lines = sum(1 for _ in path.open("rb"))
    return OccurrenceFile(path, "csv", max(0, lines - 1))


def _delimiter(header_line: str) -> str:
    counts = {sep: header_line.count(sep) for sep in (",", "\t", ";")}
    return max(counts, key=lambda sep: counts[sep])


def iter_csv(
    path: Path, column_map: dict[str, str] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    """Rows of a CSV file as {Darwin Core term: value}; row 1 is the header.

    Headers that are Darwin Core terms (any case, with or without the namespace) are read as
    such; ``column_map`` maps a term to the file's header for the others.
    """
    reverse = {header.strip(): term for term, header in (column_map or {}).items()}
    with path.open("r", encoding="utf-8-sig", newline="") as handle:
        first = handle.readline()
        handle.seek(0)
        if first.startswith("\ufeff"):
            handle.read(1)
        reader = csv.reader(handle, delimiter=_delimiter(first))
        try:
            header = next(reader)
        except StopIteration:
            return
        terms = [reverse.get(h.strip(), dwca.canonical_term(h.strip())) for h in header]
        missing = set(reverse) - {h.strip() for h in header}
        if missing:
            raise FormatError(
                path, 1, sorted(missing)[0], "column named in the column map is not in the file"
            )
        try:
            for number, values in enumerate(reader, start=2):
                if not values or all(not v.strip() for v in values):
                    continue
                row = {
                    term: values[i].strip() if i < len(values) else ""
                    for i, term in enumerate(terms)
                    if term
                }
                if len(values) > len(terms):
                    row["__extra__"] = "|".join(values[len(terms) :])
                yield number, row
        except UnicodeDecodeError as exc:
            raise FormatError(path, None, None, f"not UTF-8 text ({exc.reason})") from None
        except csv.Error as exc:
            raise FormatError(path, reader.line_num, None, f"broken CSV: {exc}") from None


def iter_rows(
    source: OccurrenceFile, column_map: dict[str, str] | None = None
) -> Iterator[tuple[int, dict[str, str]]]:
    if source.format == "dwca":
        yield from dwca.iter_core(dwca.inspect(source.path))
    else:
        yield from iter_csv(source.path, column_map)
