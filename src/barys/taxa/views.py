"""Registry pages (thin): species list and page, edition diff, curator forms."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from barys.core import navigation, roles
from barys.taxa import editions, queries, services
from barys.taxa.forms import AssessmentForm, PopulationEstimateForm
from barys.taxa.models import Edition, Taxon

PAGE_SIZE = 50


def species_list(request: HttpRequest) -> HttpResponse:
    filters = queries.TaxonFilters.from_params(request.GET)
    try:
        page = max(1, int(request.GET.get("page", "1")))
    except ValueError:
        page = 1
    result = queries.find_taxa(filters, limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
    params = request.GET.copy()
    params.pop("page", None)
    return render(
        request,
        "taxa/species_list.html",
        {
            "filters": filters,
            "result": result,
            "page": page,
            "query_string": params.urlencode(),
            "has_next": page * PAGE_SIZE < result.total,
            "choices": queries.filter_choices(),
            "labels": queries.category_labels(),
        },
    )


def species_detail(request: HttpRequest, slug: str) -> HttpResponse:
    taxon = get_object_or_404(Taxon.objects.select_related("parent"), slug=slug)
    return render(
        request,
        "taxa/species_detail.html",
        {
            "taxon": taxon,
            "lineage": taxon.ancestors(),
            "history": queries.status_history(taxon),
            "labels": queries.category_labels(),
            "chart": queries.population_chart(taxon),
            "estimates": taxon.population_estimates.order_by("area", "year_start"),
            "programmes": taxon.programmes.prefetch_related("milestones", "releases"),
            "vernacular": taxon.vernacular_names.order_by("language", "-preferred", "name"),
            "synonyms": taxon.synonyms.all(),
            "panels": navigation.panels("species", taxon=taxon, request=request),
            "can_edit": roles.has_role(request.user, "curator"),
        },
    )


def edition_diff(request: HttpRequest) -> HttpResponse:
    all_editions = list(Edition.objects.all())
    if len(all_editions) < 2:
        raise Http404
    new_code = request.GET.get("new") or next(
        (e.code for e in reversed(all_editions) if e.is_current), all_editions[-1].code
    )
    new = get_object_or_404(Edition, code=new_code)
    earlier = [e for e in all_editions if e.year < new.year]
    default_old = next(
        (e.code for e in reversed(earlier) if e.scope in {new.scope, "animals", "vertebrates"}),
        all_editions[0].code,
    )
    old = get_object_or_404(Edition, code=request.GET.get("old") or default_old)
    result = editions.diff(old, new)
    return render(
        request,
        "taxa/edition_diff.html",
        {"diff": result, "editions": all_editions, "labels": queries.category_labels()},
    )


def _require_curator(request: HttpRequest) -> None:
    if not roles.has_role(request.user, "curator"):
        raise PermissionDenied


def assessment_edit(request: HttpRequest, slug: str) -> HttpResponse:
    _require_curator(request)
    taxon = get_object_or_404(Taxon, slug=slug)
    form = AssessmentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        edition = data.pop("edition")
        services.save_assessment(taxon=taxon, edition=edition, actor=request.user, **data)
        messages.success(request, _("The assessment was saved."))
        return redirect("species-detail", slug=taxon.slug)
    return render(
        request, "taxa/form.html", {"taxon": taxon, "form": form, "title": _("Assessment")}
    )


def population_add(request: HttpRequest, slug: str) -> HttpResponse:
    _require_curator(request)
    taxon = get_object_or_404(Taxon, slug=slug)
    form = PopulationEstimateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.save_population_estimate(taxon=taxon, actor=request.user, **form.cleaned_data)
        except services.RegistryError as exc:
            field, _sep, reason = str(exc).partition(": ")
            form.add_error(field if field in form.fields else None, reason or str(exc))
        else:
            messages.success(request, _("The population estimate was saved."))
            return redirect("species-detail", slug=taxon.slug)
    return render(
        request, "taxa/form.html", {"taxon": taxon, "form": form, "title": _("Population estimate")}
    )
