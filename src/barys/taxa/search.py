"""Search across Kazakh, Russian, English and Latin names.

Every word of every name of a taxon is kept normalised (:mod:`barys.taxa.names`) in
:class:`SearchToken`; a query matches a taxon when each of its words is a prefix of one of the
taxon's words. Prefix lookups are index range scans (``token >= q AND token < q + U+FFFF``) on
SQLite and PostgreSQL alike, so search stays fast with tens of thousands of taxa.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import F, QuerySet

from barys.taxa.models import SPECIES_RANKS, SearchToken, Taxon
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
            batch.append(
                SearchToken(
                    taxon_id=taxon.pk,
                    token=token,
                    weight=weight,
                    species_level=taxon.rank in SPECIES_RANKS,
                )
            )
        if len(batch) >= 5000:
            SearchToken.objects.bulk_create(batch)
            written += len(batch)
            batch = []
    SearchToken.objects.bulk_create(batch)
    if taxa is None:
        _analyse()
    return written + len(batch)


def _analyse() -> None:
    """Refresh the planner's statistics after bulk changes (cheap; keeps plans sane)."""
    with connection.cursor() as cursor:
        for model in (SearchToken, Taxon):  # the taxa too: searches filter them by rank
            cursor.execute(f"ANALYZE {model._meta.db_table}")


@dataclass
class SearchResult:
    taxa: list[Taxon]
    total: int


def _ranked_sql(
    words: list[str], restrict: QuerySet[Taxon] | None, species_only: bool
) -> tuple[str, list[object]]:
    """SQL ranking taxa by the best-matching token of every query word (all must match)."""
    table = SearchToken._meta.db_table
    parts: list[str] = []
    params: list[object] = []
    level = "species_level = %s AND " if species_only else ""
    for index, word in enumerate(words):
        parts.append(
            f"SELECT taxon_id, {index} AS w, MAX(weight + CASE WHEN token = %s THEN 2 "
            f"ELSE 0 END) AS best FROM {table} WHERE {level}token >= %s AND token < %s "
            "GROUP BY taxon_id"
        )
        params += [word, *([True] if species_only else []), word, word + _HIGH]
    if len(parts) == 1:  # one word: its best token is the score, no regrouping needed
        sql = parts[0].replace(" AS best FROM", " AS score FROM", 1)
    else:
        sql = (
            f"SELECT taxon_id, SUM(best) AS score FROM ({' UNION ALL '.join(parts)}) AS m "
            f"GROUP BY taxon_id HAVING COUNT(*) = %s"
        )
        params.append(len(words))
    if restrict is not None:
        # a semi-join probed per matching taxon (the filter is not evaluated for every taxon)
        allowed = restrict.order_by().annotate(allowed_id=F("pk")).values("allowed_id")
        inner, inner_params = allowed.query.sql_with_params()
        sql = (
            f"SELECT taxon_id, score FROM ({sql}) AS r WHERE EXISTS "
            f"(SELECT 1 FROM ({inner}) AS allowed WHERE allowed.allowed_id = r.taxon_id)"
        )
        params += list(inner_params)
    return sql, params


def _words(query: str) -> list[str]:
    words = sorted({w for w in normalise(query).split() if w}, key=len, reverse=True)
    return words[:6]


def search(
    query: str = "",
    *,
    queryset: QuerySet[Taxon] | None = None,
    species_only: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> SearchResult:
    """Taxa matching ``query`` within ``queryset`` (filters applied by the caller), best
    first: exact word matches and scientific or preferred names rank higher.

    ``species_only`` keeps species and subspecies, read from the tokens' own index range
    (cheaper than a ``queryset`` filtering by rank).
    """
    base = queryset if queryset is not None else Taxon.objects.all()
    if species_only:
        base = base.filter(rank__in=SPECIES_RANKS)
    words = _words(query)
    if not words:
        total = base.count()
        return SearchResult(
            taxa=list(base.order_by("scientific_name")[offset : offset + limit]), total=total
        )
    sql, params = _ranked_sql(words, queryset, species_only)
    with connection.cursor() as cursor:
        # one pass: the page and the number of matches (a window over the ranked rows)
        cursor.execute(
            f"SELECT taxon_id, COUNT(*) OVER () FROM ({sql}) AS ranked "
            "ORDER BY score DESC, taxon_id LIMIT %s OFFSET %s",
            [*params, limit, offset],
        )
        rows = cursor.fetchall()
        if rows:
            total = int(rows[0][1])
        else:
            cursor.execute(f"SELECT COUNT(*) FROM ({sql}) AS c", params)
            total = int(cursor.fetchone()[0])
    page = [row[0] for row in rows]
    by_id = Taxon.objects.in_bulk(page)
    return SearchResult(taxa=[by_id[i] for i in page if i in by_id], total=total)


def _reindex_taxon(sender: type, instance: object, raw: bool = False, **kwargs: object) -> None:
    """Keep one taxon's tokens in step when it, a vernacular name or a synonym is saved
    or deleted one by one (curators' forms and the admin; bulk imports reindex at the end)."""
    if raw or _DEFERRED.get():
        return
    taxon_id = instance.pk if isinstance(instance, Taxon) else getattr(instance, "taxon_id", None)
    if taxon_id is not None:  # a taxon deleted meanwhile just loses its tokens
        reindex([Taxon(pk=taxon_id)])


_DEFERRED: ContextVar[bool] = ContextVar("taxa_search_deferred", default=False)


@contextmanager
def deferred() -> Iterator[None]:
    """Saves inside the block leave the tokens alone; the caller reindexes at the end."""
    token = _DEFERRED.set(True)
    try:
        yield
    finally:
        _DEFERRED.reset(token)


def connect_signals() -> None:
    from django.db.models.signals import post_delete, post_save

    from barys.taxa.models import Synonym, VernacularName

    post_save.connect(_reindex_taxon, sender=Taxon, dispatch_uid="taxa-search-taxon")
    for model in (VernacularName, Synonym):
        for signal in (post_save, post_delete):
            signal.connect(_reindex_taxon, sender=model, dispatch_uid=f"taxa-search-{model}")
