"""Record pages (thin): the records browser with its map, a record, a source's quality."""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from barys.core import roles
from barys.records import quality, services
from barys.records.models import Occurrence, Source
from barys.taxa.models import Taxon


def record_list(request: HttpRequest) -> HttpResponse:
    filters = services.OccurrenceFilters.from_params(request.GET)
    try:
        after = int(request.GET["after"]) if request.GET.get("after") else None
    except ValueError:
        after = None
    rows, next_after = services.page(filters, limit=50, after_id=after)
    items = services.present(rows, user=request.user, surface="records page")
    params = request.GET.copy()
    params.pop("after", None)
    return render(
        request,
        "records/record_list.html",
        {
            "filters": filters,
            "items": items,
            "next_after": next_after,
            "query_string": params.urlencode(),
            "sources": Source.objects.all(),
            "taxa": services.taxa_with_records(),
            "flag_names": sorted(quality.FLAGS),
            "taxon": Taxon.objects.filter(slug=filters.taxon).first() if filters.taxon else None,
        },
    )


def record_detail(request: HttpRequest, occurrence_id: uuid.UUID) -> HttpResponse:
    record = get_object_or_404(
        Occurrence.objects.select_related("taxon", "source", "batch"), occurrence_id=occurrence_id
    )
    item = services.present([record], user=request.user, surface="record page")[0]
    return render(
        request,
        "records/record_detail.html",
        {
            "item": item,
            "record": record,
            "dwc": item.darwin_core(),
            "flags": [(name, quality.DESCRIPTIONS.get(name, "")) for name in item.flags],
        },
    )


def source_detail(request: HttpRequest, code: str) -> HttpResponse:
    source = get_object_or_404(Source, code=code)
    summary = services.source_quality(source)
    return render(
        request,
        "records/source_detail.html",
        {
            "source": source,
            "summary": summary,
            "show_rejections": roles.has_role_anywhere(request.user, "researcher"),
            "descriptions": quality.DESCRIPTIONS,
        },
    )
