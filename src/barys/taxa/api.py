"""Registry endpoints of the JSON API (thin): taxa list/search/detail, assessments,
population series. Names come in the requested language (``lang`` or the Accept-Language)."""

from __future__ import annotations

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import translation
from ninja import Query, Router, Schema

from barys.taxa import queries
from barys.taxa.models import Taxon

router = Router(tags=["registry"])


class TaxonOut(Schema):
    slug: str
    scientific_name: str
    authorship: str
    rank: str
    name: str
    names: dict[str, str]
    class_name: str
    national_category: str
    iucn_category: str
    in_red_book: bool
    sensitivity_category: int | None
    url: str


class TaxonPage(Schema):
    count: int
    results: list[TaxonOut]


class AssessmentOut(Schema):
    edition: str
    edition_year: int | None
    national_category: str
    iucn_category: str
    iucn_criteria: str
    year: int | None
    rationale: str
    uncertain: bool


class EstimateOut(Schema):
    area: str
    year_start: int
    year_end: int | None
    value: float | None
    lower: float | None
    upper: float | None
    unit: str
    method: str
    source: str
    uncertain: bool


class TaxonDetailOut(TaxonOut):
    lineage: list[str]
    synonyms: list[str]
    vernacular_names: dict[str, list[str]]
    cites_appendix: str
    gbif_key: int | None
    iucn_sis_id: int | None


class TaxonQuery(Schema):
    q: str = ""
    lang: str | None = None
    class_name: str = ""
    national_category: str = ""
    iucn_category: str = ""
    edition: str = ""
    red_book: bool = False
    limit: int = 50
    offset: int = 0


def _language(request: HttpRequest, lang: str | None) -> str:
    if lang in {"kk", "ru", "en"}:
        return str(lang)
    return translation.get_language_from_request(request)[:2]


def _out(taxon: Taxon, language: str) -> dict:
    return {
        "slug": taxon.slug,
        "scientific_name": taxon.scientific_name,
        "authorship": taxon.authorship,
        "rank": taxon.rank,
        "name": taxon.name(language),
        "names": {
            "kk": taxon.name_kk,
            "ru": taxon.name_ru,
            "en": taxon.name_en,
            "la": taxon.scientific_name,
        },
        "class_name": taxon.class_name,
        "national_category": taxon.national_category,
        "iucn_category": taxon.iucn_category,
        "in_red_book": taxon.in_red_book,
        "sensitivity_category": taxon.sensitivity_category,
        "url": f"/{language}/species/{taxon.slug}/",
    }


@router.get("/taxa", response=TaxonPage)
def taxa_list(request: HttpRequest, params: Query[TaxonQuery]) -> dict:
    language = _language(request, params.lang)
    filters = queries.TaxonFilters(
        q=params.q,
        class_name=params.class_name,
        national_category=params.national_category,
        iucn_category=params.iucn_category,
        edition=params.edition,
        red_book_only=params.red_book,
    )
    result = queries.find_taxa(
        filters, limit=max(1, min(params.limit, 500)), offset=max(0, params.offset)
    )
    return {"count": result.total, "results": [_out(t, language) for t in result.taxa]}


@router.get("/taxa/{slug}", response=TaxonDetailOut)
def taxon_detail(request: HttpRequest, slug: str, lang: str | None = None) -> dict:
    language = _language(request, lang)
    taxon = get_object_or_404(Taxon.objects.select_related("parent"), slug=slug)
    vernacular: dict[str, list[str]] = {"kk": [], "ru": [], "en": []}
    for name in taxon.vernacular_names.all():
        vernacular.setdefault(name.language, []).append(name.name)
    return {
        **_out(taxon, language),
        "lineage": [t.scientific_name for t in taxon.ancestors()],
        "synonyms": [s.name for s in taxon.synonyms.all()],
        "vernacular_names": vernacular,
        "cites_appendix": taxon.cites_appendix,
        "gbif_key": taxon.gbif_key,
        "iucn_sis_id": taxon.iucn_sis_id,
    }


@router.get("/taxa/{slug}/assessments", response=list[AssessmentOut])
def taxon_assessments(request: HttpRequest, slug: str, lang: str | None = None) -> list[dict]:
    language = _language(request, lang)
    taxon = get_object_or_404(Taxon, slug=slug)
    return [
        {
            "edition": a.edition.code if a.edition else "IUCN",
            "edition_year": a.edition.year if a.edition else None,
            "national_category": a.national_category,
            "iucn_category": a.iucn_category,
            "iucn_criteria": a.iucn_criteria,
            "year": a.year,
            "rationale": a.rationale(language),
            "uncertain": a.uncertain,
        }
        for a in queries.status_history(taxon)
    ]


@router.get("/taxa/{slug}/population", response=list[EstimateOut])
def taxon_population(request: HttpRequest, slug: str) -> list:
    taxon = get_object_or_404(Taxon, slug=slug)
    return list(taxon.population_estimates.order_by("area", "year_start"))
