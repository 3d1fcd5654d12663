"""Exports of the collection: Darwin Core MaterialSample records and GGBN-style CSV.

Places where material was collected go through the sensitivity policy for the person who
exports (the export is written to the access log when it holds exact places). Times are UTC
(ISO 8601). Terms: Darwin Core (http://rs.tdwg.org/dwc/terms/) and the GGBN Data Standard
(http://data.ggbn.org/schemas/ggbn/terms/).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from barys.cryobank import access
from barys.cryobank.models import PRESERVATION_TEMPERATURE_C, Sample

INSTITUTION_CODE = "BARYS"
COLLECTION_CODE = "CRYO"
BATCH = 500

#: Darwin Core MaterialSample terms, in the order of the export.
DWC_MATERIAL_SAMPLE_TERMS: tuple[str, ...] = (
    "materialSampleID",
    "catalogNumber",
    "basisOfRecord",
    "institutionCode",
    "collectionCode",
    "scientificName",
    "scientificNameAuthorship",
    "taxonRank",
    "kingdom",
    "class",
    "vernacularName",
    "organismID",
    "sex",
    "eventDate",
    "year",
    "samplingProtocol",
    "eventRemarks",
    "country",
    "countryCode",
    "locality",
    "decimalLatitude",
    "decimalLongitude",
    "coordinateUncertaintyInMeters",
    "geodeticDatum",
    "recordedBy",
    "preparations",
    "disposition",
    "materialEntityRemarks",
    "dataGeneralizations",
    "informationWithheld",
)
#: GGBN-style columns (GGBN terms plus the Darwin Core identifiers they hang on).
GGBN_TERMS: tuple[str, ...] = (
    "materialSampleID",
    "catalogNumber",
    "scientificName",
    "organismID",
    "materialSampleType",
    "preparationType",
    "preparationMaterials",
    "preparedBy",
    "preparationDate",
    "preservationType",
    "preservationTemperature",
    "preservationDateBegin",
    "volume",
    "volumeUnit",
    "weight",
    "weightUnit",
    "concentration",
    "concentrationUnit",
    "ratioOfAbsorbance260_280",
    "quality",
    "qualityRemarks",
    "qualityCheckDate",
    "permitType",
    "permitStatus",
    "permitText",
    "loanIdentifier",
    "loanDate",
    "loanDestination",
    "relatedResourceID",
    "relationshipOfResource",
    "blocked",
)

MATERIAL_SAMPLE_TYPE = {"dna": "DNA", "rna": "RNA", "cell_culture": "culture"}
PRESERVATION_TYPE = {
    "ln2_vapour": "liquid nitrogen vapour phase",
    "ln2_liquid": "liquid nitrogen",
    "minus80": "frozen -80C",
    "minus20": "frozen -20C",
    "ethanol": "ethanol",
    "dry": "silica gel",
    "other": "other",
}
VOLUME_UNITS = {"ml": "ml", "ul": "µl"}
WEIGHT_UNITS = {"g": "g", "mg": "mg", "ug": "µg"}
DISPOSITION = {
    "stored": "in collection",
    "out": "in collection",
    "on_loan": "on loan",
    "used_up": "used up",
    "discarded": "discarded",
}
PERMIT_TYPE = {
    "cites_export": "CITES export permit",
    "cites_import": "CITES import permit",
    "cites_reexport": "CITES re-export certificate",
    "collection": "Collecting Permit",
    "transfer": "Material Transfer Agreement",
    "other": "Other",
}


def _num(value: Any) -> str:
    if value is None:
        return ""
    text = f"{value}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def _iter_presented(samples: Iterable[Sample], *, user: Any) -> Iterator[access.PresentedSample]:
    """Samples with their places as ``user`` may see them, read in batches (no N+1)."""
    batch: list[Sample] = []
    for sample in samples:
        batch.append(sample)
        if len(batch) >= BATCH:
            yield from access.present(batch, user=user, surface="cryobank export")
            batch = []
    if batch:
        yield from access.present(batch, user=user, surface="cryobank export")


def _queryset(samples: Iterable[Sample]) -> Iterable[Sample]:
    if hasattr(samples, "select_related"):
        return samples.select_related(  # type: ignore[union-attr]
            "taxon", "individual", "scope", "parent", "source_incident"
        ).prefetch_related("permits", "loans")
    return samples


def dwc_row(item: access.PresentedSample) -> dict[str, str]:
    """One Darwin Core MaterialSample record."""
    sample, loc = item.sample, item.location
    taxon = sample.taxon
    preparations = " | ".join(
        p
        for p in (
            sample.get_material_display(),
            sample.preparation,
            sample.get_preservation_display(),
        )
        if p
    )
    remarks = [f"derived from {sample.parent.code}"] if sample.parent_id else []
    if sample.remarks:
        remarks.append(sample.remarks)
    event_date = (
        loc.event_date
        if not loc.exact
        else (sample.collected_at.isoformat().replace("+00:00", "Z") if sample.collected_at else "")
    )
    return {
        "materialSampleID": f"urn:uuid:{sample.uuid}",
        "catalogNumber": sample.code,
        "basisOfRecord": "MaterialSample",
        "institutionCode": INSTITUTION_CODE,
        "collectionCode": COLLECTION_CODE,
        "scientificName": taxon.scientific_name,
        "scientificNameAuthorship": taxon.authorship,
        "taxonRank": taxon.rank,
        "kingdom": "Animalia",
        "class": taxon.class_name,
        "vernacularName": taxon.name_en,
        "organismID": sample.individual.code if sample.individual_id else "",
        "sex": sample.individual.sex
        if sample.individual_id and sample.individual.sex != "unknown"
        else "",
        "eventDate": event_date,
        "year": event_date[:4] if event_date else "",
        "samplingProtocol": sample.get_source_kind_display(),
        "eventRemarks": " ".join(
            p
            for p in (
                f"incident {sample.source_incident.code}" if sample.source_incident_id else "",
                sample.source_detail,
            )
            if p
        ),
        "country": "Kazakhstan" if sample.country_code == "KZ" else "",
        "countryCode": sample.country_code,
        "locality": loc.locality,
        "decimalLatitude": _num(loc.latitude),
        "decimalLongitude": _num(loc.longitude),
        "coordinateUncertaintyInMeters": _num(
            round(loc.uncertainty_m) if loc.uncertainty_m else None
        ),
        "geodeticDatum": "WGS84" if loc.latitude is not None else "",
        "recordedBy": sample.collected_by,
        "preparations": preparations,
        "disposition": DISPOSITION.get(sample.status, sample.status),
        "materialEntityRemarks": "; ".join(remarks),
        "dataGeneralizations": loc.data_generalizations,
        "informationWithheld": loc.information_withheld,
    }


def ggbn_row(sample: Sample) -> dict[str, str]:
    """One GGBN-style row (material, preparation, preservation, quality, permits, loans);
    it holds no places, so no generalisation is needed."""
    permits = list(sample.permits.all())
    loans = sorted(sample.loans.all(), key=lambda loan: loan.loaned_at)
    last_loan = loans[-1] if loans else None
    volume = sample.unit in VOLUME_UNITS
    weight = sample.unit in WEIGHT_UNITS
    quality = ""
    if sample.ratio_260_280 is not None:
        quality = "good" if 1.7 <= float(sample.ratio_260_280) <= 2.1 else "check"
    return {
        "materialSampleID": f"urn:uuid:{sample.uuid}",
        "catalogNumber": sample.code,
        "scientificName": sample.taxon.scientific_name,
        "organismID": sample.individual.code if sample.individual_id else "",
        "materialSampleType": MATERIAL_SAMPLE_TYPE.get(sample.material, "tissue"),
        "preparationType": sample.get_material_display(),
        "preparationMaterials": sample.preparation,
        "preparedBy": sample.prepared_by,
        "preparationDate": sample.prepared_at.isoformat() if sample.prepared_at else "",
        "preservationType": PRESERVATION_TYPE.get(sample.preservation, sample.preservation),
        "preservationTemperature": PRESERVATION_TEMPERATURE_C.get(sample.preservation, ""),
        "preservationDateBegin": sample.prepared_at.isoformat() if sample.prepared_at else "",
        "volume": _num(sample.quantity) if volume else "",
        "volumeUnit": VOLUME_UNITS.get(sample.unit, "") if volume else "",
        "weight": _num(sample.quantity) if weight else "",
        "weightUnit": WEIGHT_UNITS.get(sample.unit, "") if weight else "",
        "concentration": _num(sample.concentration_ng_ul),
        "concentrationUnit": "ng/µl" if sample.concentration_ng_ul is not None else "",
        "ratioOfAbsorbance260_280": _num(sample.ratio_260_280),
        "quality": quality,
        "qualityRemarks": sample.quality_remarks,
        "qualityCheckDate": sample.quality_checked_on.isoformat()
        if sample.quality_checked_on
        else "",
        "permitType": " | ".join(PERMIT_TYPE.get(p.kind, p.kind) for p in permits),
        "permitStatus": "Permit available" if permits else "Unknown",
        "permitText": " | ".join(
            f"{p.number} ({p.issued_by})" if p.issued_by else p.number for p in permits
        ),
        "loanIdentifier": last_loan.reference if last_loan else "",
        "loanDate": last_loan.loaned_at.date().isoformat() if last_loan else "",
        "loanDestination": last_loan.borrower if last_loan else "",
        "relatedResourceID": f"urn:uuid:{sample.parent.uuid}" if sample.parent_id else "",
        "relationshipOfResource": "derived from" if sample.parent_id else "",
        "blocked": "no" if sample.status in {"stored", "out"} else "yes",
    }


def _write(rows: Iterable[dict[str, str]], terms: tuple[str, ...], out: io.TextIOBase | Any) -> int:
    writer = csv.DictWriter(out, fieldnames=list(terms), lineterminator="\n")
    writer.writeheader()
    count = 0
    for row in rows:
        writer.writerow(row)
        count += 1
    return count


def write_dwc_material_samples(samples: Iterable[Sample], out: Any, *, user: Any) -> int:
    """Write Darwin Core MaterialSample CSV to ``out``; returns the number of records."""
    return _write(
        (dwc_row(i) for i in _iter_presented(_queryset(samples), user=user)),
        DWC_MATERIAL_SAMPLE_TERMS,
        out,
    )


def write_ggbn(samples: Iterable[Sample], out: Any, *, user: Any) -> int:
    """Write GGBN-style CSV to ``out``; returns the number of rows."""
    return _write((ggbn_row(s) for s in _queryset(samples)), GGBN_TERMS, out)


def export_text(samples: Iterable[Sample], *, user: Any, flavour: str) -> str:
    """The whole export as text (``flavour`` ``dwc`` or ``ggbn``)."""
    buffer = io.StringIO()
    if flavour == "ggbn":
        write_ggbn(samples, buffer, user=user)
    elif flavour == "dwc":
        write_dwc_material_samples(samples, buffer, user=user)
    else:
        raise ValueError(f"unknown export {flavour!r}; expected dwc or ggbn")
    return buffer.getvalue()
