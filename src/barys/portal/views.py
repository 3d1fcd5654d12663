"""Public portal pages (thin): statistics and the richness map data."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_page

from barys.core import navigation
from barys.portal import services


def statistics(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/statistics.html",
        {
            "headlines": services.headlines(),
            "per_year": services.records_per_year_svg(),
            "by_class": services.records_by_class(),
            "by_category": services.taxa_by_category(),
            "trends": services.trends_svg(),
            "panels": navigation.panels("statistics", request=request),
        },
    )


@cache_page(300)
def richness(request: HttpRequest) -> JsonResponse:
    return JsonResponse(services.richness_geojson())
