"""Darwin Core Archives: a streaming reader and a writer (meta.xml + EML), pure Python.

The reader accepts archives whose ``meta.xml`` lies at the root or in one folder (ignoring
``__MACOSX``), honours ``fieldsTerminatedBy``, ``fieldsEnclosedBy``, ``ignoreHeaderLines``,
``encoding``, field ``default`` values and the core ``id``, reads old capitalised Darwin Core
1.x terms (``ScientificName``, ``EarliestDateCollected``…) as today's terms, and streams the
core rows as ``{term: value}`` dictionaries without loading the file into memory. A simple
archive (a single CSV or tab file in a zip, without meta.xml) is read by its header.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from xml.etree import ElementTree as ET

from barys.interop.darwin_core import short_term, term_uri
from barys.interop.errors import FormatError

TEXT_NS = "{http://rs.tdwg.org/dwc/text/}"
# Darwin Core 1.x (2008) and common misspellings → today's term names.
LEGACY_TERMS = {
    "earliestdatecollected": "eventDate",
    "collector": "recordedBy",
    "collectornumber": "recordNumber",
    "scientificname": "scientificName",
    "decimallatitude": "decimalLatitude",
    "decimallongitude": "decimalLongitude",
    "catalognumber": "catalogNumber",
    "basisofrecord": "basisOfRecord",
    "institutioncode": "institutionCode",
    "collectioncode": "collectionCode",
    "stateprovince": "stateProvince",
    "individualcount": "individualCount",
    "coordinateuncertaintyinmeters": "coordinateUncertaintyInMeters",
    "geodeticdatum": "geodeticDatum",
    "occurrenceid": "occurrenceID",
    "eventdate": "eventDate",
    "identifiedby": "identifiedBy",
    "recordedby": "recordedBy",
    "vernacularname": "vernacularName",
    "lifestage": "lifeStage",
    "occurrencestatus": "occurrenceStatus",
    "occurrenceremarks": "occurrenceRemarks",
    "countrycode": "countryCode",
    "organismid": "organismID",
}


def canonical_term(name: str) -> str:
    short = short_term(name)
    return LEGACY_TERMS.get(short.lower(), short[:1].lower() + short[1:] if short else short)


@dataclass
class FileDescriptor:
    location: str
    row_type: str
    delimiter: str
    quote: str
    ignore_header_lines: int
    encoding: str
    id_index: int | None
    fields: dict[int, str] = field(default_factory=dict)  # index → term
    defaults: dict[str, str] = field(default_factory=dict)  # term → default value


@dataclass
class ArchiveInfo:
    path: Path
    base: str  # folder inside the zip holding meta.xml ("" at the root)
    core: FileDescriptor
    extensions: list[FileDescriptor]
    metadata: str | None


def _unescape(value: str | None, default: str) -> str:
    if value is None:
        return default
    return value.replace("\\t", "\t").replace("\\n", "\n").replace("\\r", "\r")


def _descriptor(element: ET.Element, path: Path) -> FileDescriptor:
    location = element.findtext(f"{TEXT_NS}files/{TEXT_NS}location")
    if not location:
        raise FormatError(path, None, "meta.xml", "a core or extension has no <location>")
    id_element = element.find(f"{TEXT_NS}id")
    if id_element is None:
        id_element = element.find(f"{TEXT_NS}coreid")
    descriptor = FileDescriptor(
        location=location.strip(),
        row_type=element.get("rowType", ""),
        delimiter=_unescape(element.get("fieldsTerminatedBy"), ","),
        quote=_unescape(element.get("fieldsEnclosedBy"), '"'),
        ignore_header_lines=int(element.get("ignoreHeaderLines", "0") or 0),
        encoding=element.get("encoding", "UTF-8") or "UTF-8",
        id_index=int(id_element.get("index", "0")) if id_element is not None else None,
    )
    for fld in element.findall(f"{TEXT_NS}field"):
        term = fld.get("term")
        if not term:
            raise FormatError(path, None, "meta.xml", "a <field> has no term")
        name = canonical_term(term)
        if fld.get("index") is not None:
            try:
                descriptor.fields[int(fld.get("index", ""))] = name
            except ValueError:
                raise FormatError(
                    path, None, "meta.xml", f"field {term!r} has a non-numeric index"
                ) from None
        if fld.get("default") is not None:
            descriptor.defaults[name] = fld.get("default", "")
    return descriptor


def _members(archive: zipfile.ZipFile) -> list[str]:
    return [n for n in archive.namelist() if not n.startswith("__MACOSX/") and not n.endswith("/")]


def inspect(path: str | Path) -> ArchiveInfo:
    """Read the archive's structure; raises :class:`FormatError` with a clear reason."""
    path = Path(path)
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError):
        raise FormatError(path, None, None, "not a zip archive") from None
    with archive:
        names = _members(archive)
        metas = [n for n in names if PurePosixPath(n).name == "meta.xml"]
        if not metas:
            data = [n for n in names if PurePosixPath(n).suffix.lower() in {".csv", ".txt", ".tsv"}]
            if len(data) != 1:
                raise FormatError(
                    path,
                    None,
                    "meta.xml",
                    "no meta.xml, and not exactly one data file: not a Darwin Core Archive",
                )
            return _simple_archive(path, archive, data[0])
        meta_name = min(metas, key=len)
        base = str(PurePosixPath(meta_name).parent)
        base = "" if base == "." else base
        try:
            root = ET.fromstring(archive.read(meta_name))
        except ET.ParseError as exc:
            raise FormatError(path, None, "meta.xml", f"broken XML: {exc}") from None
        core_element = root.find(f"{TEXT_NS}core")
        if core_element is None:
            raise FormatError(path, None, "meta.xml", "no <core> element")
        core = _descriptor(core_element, path)
        extensions = [_descriptor(e, path) for e in root.findall(f"{TEXT_NS}extension")]
        for descriptor in (core, *extensions):
            member = _join(base, descriptor.location)
            if member not in names:
                raise FormatError(
                    path,
                    None,
                    "meta.xml",
                    f"data file {descriptor.location!r} is not in the archive",
                )
        metadata = root.get("metadata")
        return ArchiveInfo(path, base, core, extensions, metadata)


def _simple_archive(path: Path, archive: zipfile.ZipFile, member: str) -> ArchiveInfo:
    with archive.open(member) as raw:
        head = raw.read(64_000).decode("utf-8-sig", errors="replace")
    first = head.splitlines()[0] if head else ""
    delimiter = "\t" if first.count("\t") > first.count(",") else ","
    header = next(csv.reader([first], delimiter=delimiter))
    descriptor = FileDescriptor(
        location=member,
        row_type="",
        delimiter=delimiter,
        quote='"',
        ignore_header_lines=1,
        encoding="utf-8-sig",
        id_index=None,
        fields={i: canonical_term(h) for i, h in enumerate(header)},
    )
    return ArchiveInfo(path, "", descriptor, [], None)


def _join(base: str, location: str) -> str:
    return f"{base}/{location}" if base else location


def iter_core(info: ArchiveInfo) -> Iterator[tuple[int, dict[str, str]]]:
    """Yield (line number, {term: value}) for every core row (line 1 is the first line)."""
    core = info.core
    with (
        zipfile.ZipFile(info.path) as archive,
        archive.open(_join(info.base, core.location)) as raw,
    ):
        encoding = (
            "utf-8-sig" if core.encoding.lower().replace("-", "") == "utf8" else core.encoding
        )
        text = io.TextIOWrapper(raw, encoding=encoding, errors="strict", newline="")
        if core.quote:
            reader = csv.reader(text, delimiter=core.delimiter, quotechar=core.quote)
        else:
            reader = csv.reader(text, delimiter=core.delimiter, quoting=csv.QUOTE_NONE)
        width = max(core.fields, default=-1) + 1
        try:
            for line, values in enumerate(reader, start=1):
                if line <= core.ignore_header_lines or not values or values == [""]:
                    continue
                if len(values) < width:
                    values = values + [""] * (width - len(values))
                row = dict(core.defaults)
                for index, term in core.fields.items():
                    value = values[index].strip()
                    if value or term not in row:
                        row[term] = value
                if core.id_index is not None and "id" not in row:
                    row["id"] = values[core.id_index].strip() if core.id_index < len(values) else ""
                yield line, row
        except UnicodeDecodeError as exc:
            raise FormatError(
                info.path, None, core.location, f"not {core.encoding} text ({exc.reason})"
            ) from None
        except csv.Error as exc:
            raise FormatError(info.path, None, core.location, f"broken CSV: {exc}") from None


# --- writing ---------------------------------------------------------------------------------


def meta_xml(
    core_file: str, terms: Sequence[str], *, row_type: str = "Occurrence", metadata: str = "eml.xml"
) -> str:
    """meta.xml for a CSV core whose first column is the id and which has a header line."""
    archive = ET.Element("archive", {"xmlns": "http://rs.tdwg.org/dwc/text/", "metadata": metadata})
    core = ET.SubElement(
        archive,
        "core",
        {
            "encoding": "UTF-8",
            "fieldsTerminatedBy": ",",
            "linesTerminatedBy": "\\n",
            "fieldsEnclosedBy": '"',
            "ignoreHeaderLines": "1",
            "rowType": f"http://rs.tdwg.org/dwc/terms/{row_type}",
        },
    )
    files = ET.SubElement(core, "files")
    ET.SubElement(files, "location").text = core_file
    ET.SubElement(core, "id", {"index": "0"})
    for index, term in enumerate(terms):
        ET.SubElement(core, "field", {"index": str(index), "term": term_uri(term)})
    ET.indent(archive)
    return "<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(archive, encoding="unicode")


@dataclass
class EmlMetadata:
    """The dataset description written as EML 2.1.1 (GBIF profile)."""

    title: str
    abstract: str
    licence_url: str
    licence_name: str
    publisher: str
    contact_name: str
    contact_email: str
    language: str = "en"
    bounding_box: tuple[float, float, float, float] | None = None  # south, west, north, east
    geographic_description: str = "Kazakhstan"
    date_range: tuple[str, str] | None = None  # ISO dates
    taxa: list[tuple[str, str]] = field(default_factory=list)  # (rank, scientific name)
    package_id: str = ""
    pub_date: str = ""


def eml_xml(meta: EmlMetadata) -> str:
    ns = "https://eml.ecoinformatics.org/eml-2.1.1"
    root = ET.Element(
        "eml:eml",
        {
            "xmlns:eml": ns,
            "xmlns:dc": "http://purl.org/dc/terms/",
            "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
            "packageId": meta.package_id or meta.title,
            "system": "http://gbif.org",
            "scope": "system",
            "xml:lang": meta.language,
        },
    )
    dataset = ET.SubElement(root, "dataset")
    ET.SubElement(dataset, "title", {"xml:lang": meta.language}).text = meta.title
    for tag in ("creator", "metadataProvider"):
        party = ET.SubElement(dataset, tag)
        ET.SubElement(party, "organizationName").text = meta.publisher
        ET.SubElement(party, "electronicMailAddress").text = meta.contact_email
    if meta.pub_date:
        ET.SubElement(dataset, "pubDate").text = meta.pub_date
    ET.SubElement(dataset, "language").text = meta.language
    abstract = ET.SubElement(dataset, "abstract")
    ET.SubElement(abstract, "para").text = meta.abstract
    rights = ET.SubElement(dataset, "intellectualRights")
    para = ET.SubElement(rights, "para")
    para.text = "This work is licensed under a "
    link = ET.SubElement(para, "ulink", {"url": meta.licence_url})
    ET.SubElement(link, "citetitle").text = meta.licence_name
    link.tail = "."
    coverage = ET.SubElement(dataset, "coverage")
    geo = ET.SubElement(coverage, "geographicCoverage")
    ET.SubElement(geo, "geographicDescription").text = meta.geographic_description
    if meta.bounding_box:
        south, west, north, east = meta.bounding_box
        box = ET.SubElement(geo, "boundingCoordinates")
        for tag, value in (
            ("westBoundingCoordinate", west),
            ("eastBoundingCoordinate", east),
            ("northBoundingCoordinate", north),
            ("southBoundingCoordinate", south),
        ):
            ET.SubElement(box, tag).text = f"{value:.3f}"
    if meta.date_range:
        temporal = ET.SubElement(coverage, "temporalCoverage")
        span = ET.SubElement(temporal, "rangeOfDates")
        ET.SubElement(ET.SubElement(span, "beginDate"), "calendarDate").text = meta.date_range[0]
        ET.SubElement(ET.SubElement(span, "endDate"), "calendarDate").text = meta.date_range[1]
    if meta.taxa:
        taxonomic = ET.SubElement(coverage, "taxonomicCoverage")
        for rank, name in meta.taxa:
            classification = ET.SubElement(taxonomic, "taxonomicClassification")
            ET.SubElement(classification, "taxonRankName").text = rank
            ET.SubElement(classification, "taxonRankValue").text = name
    contact = ET.SubElement(dataset, "contact")
    ET.SubElement(ET.SubElement(contact, "individualName"), "surName").text = meta.contact_name
    ET.SubElement(contact, "organizationName").text = meta.publisher
    ET.SubElement(contact, "electronicMailAddress").text = meta.contact_email
    ET.indent(root)
    return "<?xml version='1.0' encoding='utf-8'?>\n" + ET.tostring(root, encoding="unicode")
