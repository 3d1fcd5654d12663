"""Search across Kazakh, Russian, English and Latin names.

Every word of every name of a taxon is kept normalised (:mod:`barys.taxa.names`) in
:class:`SearchToken`; a query matches a taxon when each of its words is a prefix of one of the
taxon's words. Prefix lookups are index range scans (``token >= q AND token < q + U+FFFF``) on
SQLite and PostgreSQL alike, so search stays fast with tens of thousands of taxa.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import QuerySet

from barys.taxa.models import SearchToken, Taxon
from barys.taxa.names import normalise, tokens

_HIGH = "\uffff"
# Weights: the scientific name and preferred names rank above other vernacular names/synonyms.
W_SCIENTIFIC, W_PREFERRED, W_OTHER = 3, 2, 1


def taxon_name_weights(taxon: Taxon) -> dict[str, int]:
    """Normalised token → weight for all names of ``taxon`` (uses prefetched relations)."""
    weights: dict[str, int] = {}

    def add(text: str, weight: int) -> None:
        for token in tokens(text):
            weights[token[:100]] = max(weight, weights.get(token[:100], 0))

    add(taxon.scientific_name, W_SCIENTIFIC)
    for name in (taxon.name_kk, taxon.name_ru, taxon.name_en):
        add(name, W_PREFERRED)
    for vernacular in taxon.vernacular_names.all():
        add(vernacular.name, W_PREFERRED if vernacular.preferred else W_OTHER)
    for synonym in taxon.synonyms.all():
        add(synonym.name, W_OTHER)
    return weights


@transaction.atomic
def reindex(taxa: Iterable[Taxon] | None = None) -> int:
    """Rebuild the search tokens of ``taxa`` (all when None); returns the tokens written."""
    queryset = Taxon.objects.prefetch_related("vernacular_names", "synonyms")
    if taxa is not None:
        ids = [t.pk for t in taxa]
        queryset = queryset.filter(pk__in=ids)
        SearchToken.objects.filter(taxon_id__in=ids).delete()
    else:
        SearchToken.objects.all().delete()
    batch: list[SearchToken] = []
    written = 0
    for taxon in queryset.iterator(chunk_size=2000):
        for token, weight in taxon_name_weights(taxon).items():
            batch.append(SearchToken(taxon_id=taxon.pk, token=token, weight=weight))
        if len(batch) >= 5000:
            SearchToken.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    SearchToken.objects.bulk_create(batch)
    return written + len(batch)


@dataclass
class SearchResult:
    taxa: list[Taxon]
    total: int


def _prefix_ids(word: str) -> QuerySet:
    return SearchToken.objects.filter(token__gte=word, token__lt=word + _HIGH)


def matching_ids(query: str) -> list[int] | None:
    """Ids of taxa matching every word of ``query``, best first; None for an empty query."""
    words = sorted(set(normalise(query).split()), key=len, reverse=True)
    words = [w for w in words if w]
    if not words:
        return None
    scores: dict[int, int] = {}
    first = True
    for word in words[:6]:
        rows = _prefix_ids(word).values_list("taxon_id", "token", "weight")
        found: dict[int, int] = {}
        for taxon_id, token, weight in rows:
            bonus = 2 if token == word else 0
            found[taxon_id] = max(found.get(taxon_id, 0), weight + bonus)
        if first:
            scores = found
            first = False
        else:
            scores = {k: v + found[k] for k, v in scores.items() if k in found}
        if not scores:
            return []
    return [taxon_id for taxon_id, _score in sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))]


def search(
    query: str = "", *, queryset: QuerySet[Taxon] | None = None, limit: int = 50, offset: int = 0
) -> SearchResult:
    """Taxa matching ``query`` within ``queryset`` (filters applied by the caller)."""
    base = queryset if queryset is not None else Taxon.objects.all()
    ids = matching_ids(query)
    if ids is None:
        total = base.count()
        return SearchResult(
            taxa=list(base.order_by("scientific_name")[offset : offset + limit]), total=total
        )
    if not ids:
        return SearchResult(taxa=[], total=0)
    allowed = (
        set(base.filter(pk__in=ids[:5000]).values_list("pk", flat=True))
        if queryset is not None
        else set(ids)
    )
    ordered = [i for i in ids if i in allowed]
    page = ordered[offset : offset + limit]
    by_id = Taxon.objects.in_bulk(page)
    return SearchResult(taxa=[by_id[i] for i in page if i in by_id], total=len(ordered))
