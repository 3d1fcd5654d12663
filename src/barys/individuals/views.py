"""Pages of the individual registry (thin: parse, call one service, render)."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.core import navigation, roles
from barys.core.models import Scope
from barys.individuals import (
    chips,
    decisions,
    forms,
    kinship,
    passports,
    pdf,
    presentation,
    recognition,
    sightings,
)
from barys.individuals.errors import IndividualsError, NotFound
from barys.individuals.models import (
    Annotation,
    Individual,
)
from barys.taxa.models import Taxon

View = Callable[..., HttpResponse]


def domain_errors(view: View) -> View:
    """Service permission errors become 403, missing objects 404."""

    @functools.wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except roles.PermissionDenied as exc:
            raise PermissionDenied(str(exc)) from exc
        except NotFound as exc:
            raise Http404(str(exc)) from exc

    return wrapped


def _individual(code: str) -> Individual:
    try:
        return passports.get_individual(code)
    except NotFound as exc:
        raise Http404(str(exc)) from exc


# -- passports ------------------------------------------------------------------------------


def individual_list(request: HttpRequest) -> HttpResponse:
    rows = Individual.objects.select_related("taxon", "scope", "mother").filter(
        merged_into__isnull=True
    )
    query = request.GET.get("q", "").strip()[:100]
    if query:
        rows = rows.filter(Q(code__icontains=query) | Q(name__icontains=query))
    park = request.GET.get("park", "")
    if park:
        rows = rows.filter(scope__code=park)
    status = request.GET.get("status", "")
    if status in Individual.Status.values:
        rows = rows.filter(status=status)
    sex = request.GET.get("sex", "")
    if sex in Individual.Sex.values:
        rows = rows.filter(sex=sex)
    rows = rows.annotate(n_annotations=Count("annotations")).order_by("code")[:500]
    items = []
    for individual in rows:
        exact = roles.has_role(request.user, "observer", passports.scope_code_of(individual))
        first, last = sightings.seen_text(individual, exact=exact)
        items.append({"individual": individual, "first_seen": first, "last_seen": last})
    return render(
        request,
        "individuals/individual_list.html",
        {
            "items": items,
            "query": query,
            "park": park,
            "status": status,
            "sex": sex,
            "parks": Scope.objects.filter(individuals__isnull=False).distinct(),
            "statuses": Individual.Status.choices,
            "sexes": Individual.Sex.choices,
            "can_create": roles.has_role_anywhere(request.user, "researcher"),
            "can_review": roles.has_role_anywhere(request.user, "researcher"),
        },
    )


def individual_detail(request: HttpRequest, code: str) -> HttpResponse:
    individual = _individual(code)
    passport = presentation.build(individual, user=request.user)
    return render(
        request,
        "individuals/individual_detail.html",
        {
            "p": passport,
            "individual": individual,
            "map_data": passport.view.map_data(),
            "panels": navigation.panels("individual", individual=individual, request=request),
            "merge_form": forms.MergeForm() if passport.can_edit else None,
        },
    )


def passport_pdf(request: HttpRequest, code: str) -> HttpResponse:
    individual = _individual(code)
    response = HttpResponse(pdf.passport_pdf(individual), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="passport-{individual.code}.pdf"'
    return response


@login_required
@domain_errors
def individual_edit(request: HttpRequest, code: str) -> HttpResponse:
    individual = _individual(code)
    passports.require_edit(request.user, individual)
    form = forms.IndividualForm(request.POST or None, instance=individual, taxon=individual.taxon)
    if request.method == "POST" and form.is_valid():
        fields = {name: form.cleaned_data[name] for name in form.Meta.fields}
        individual.refresh_from_db()
        try:
            passports.update_individual(individual=individual, actor=request.user, **fields)
        except IndividualsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Passport saved."))
            return redirect("individual-detail", code=individual.code)
    return render(
        request, "individuals/individual_form.html", {"form": form, "individual": individual}
    )


@login_required
@domain_errors
def individual_create(request: HttpRequest) -> HttpResponse:
    if not roles.has_role_anywhere(request.user, "researcher"):
        raise PermissionDenied
    form = forms.NewIndividualForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        taxon, scope, code = data.pop("taxon"), data.pop("scope"), data.pop("code")
        roles.require_role(request.user, "researcher", scope.code if scope else None)
        try:
            created = passports.create_individual(
                taxon=taxon, scope=scope, code=code or None, actor=request.user, **data
            )
        except IndividualsError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("individual-detail", code=created.code)
    return render(request, "individuals/individual_form.html", {"form": form, "individual": None})


@login_required
@require_POST
@domain_errors
def individual_merge(request: HttpRequest, code: str) -> HttpResponse:
    source = _individual(code)
    form = forms.MergeForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Give the code of the passport to merge into."))
    try:
        target = passports.get_individual(form.cleaned_data["target"].strip())
        decisions.merge(
            source=source, target=target, actor=request.user, note=form.cleaned_data["note"]
        )
    except IndividualsError as exc:
        messages.error(request, str(exc))
        return redirect("individual-detail", code=source.code)
    messages.success(
        request,
        _("%(source)s was merged into %(target)s.")
        % {"source": source.code, "target": target.code},
    )
    return redirect("individual-detail", code=target.code)


@login_required
@domain_errors
def individual_split(request: HttpRequest, code: str) -> HttpResponse:
    individual = _individual(code)
    passports.require_edit(request.user, individual)
    rows = list(
        individual.annotations.select_related(
            "media__deployment__station", "media__event"
        ).order_by("media__timestamp", "id")
    )
    if request.method == "POST":
        chosen_ids = set(request.POST.getlist("annotation"))
        chosen = [a for a in rows if str(a.annotation_id) in chosen_ids]
        try:
            decision = decisions.split(
                individual=individual,
                annotations=chosen,
                actor=request.user,
                code=request.POST.get("code", "").strip() or None,
                name=request.POST.get("name", "").strip()[:100],
                note=request.POST.get("note", "")[:2000],
            )
        except IndividualsError as exc:
            messages.error(request, str(exc))
        else:
            assert decision.individual is not None
            messages.success(
                request, _("New passport %(code)s created.") % {"code": decision.individual.code}
            )
            return redirect("individual-detail", code=decision.individual.code)
    return render(
        request, "individuals/individual_split.html", {"individual": individual, "rows": rows}
    )


# -- pictures -------------------------------------------------------------------------------


def annotation_or_404(annotation_id: uuid.UUID) -> Annotation:
    return get_object_or_404(
        Annotation.objects.select_related(
            "media__deployment__station", "media__event", "individual", "taxon"
        ),
        annotation_id=annotation_id,
    )


def _image(data: bytes) -> HttpResponse:
    response = HttpResponse(data, content_type="image/jpeg")
    response["Cache-Control"] = "private, max-age=3600"
    return response


def annotation_chip(request: HttpRequest, annotation_id: uuid.UUID) -> HttpResponse:
    annotation = annotation_or_404(annotation_id)
    if not chips.may_view_chip(request.user, annotation):
        raise PermissionDenied
    try:
        return _image(chips.chip_jpeg(annotation))
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def annotation_frame(request: HttpRequest, annotation_id: uuid.UUID) -> HttpResponse:
    annotation = annotation_or_404(annotation_id)
    if not chips.may_view_frame(request.user, annotation):
        raise PermissionDenied
    try:
        return _image(chips.frame_jpeg(annotation.media))
    except NotFound as exc:
        raise Http404(str(exc)) from exc


@login_required
def media_frame(request: HttpRequest, media_id: str) -> HttpResponse:
    from barys.camtrap.models import Media

    media = get_object_or_404(
        Media.objects.select_related("deployment__station"), media_id=media_id
    )
    if not roles.has_role(request.user, "observer", media.deployment.station.scope_code or None):
        raise PermissionDenied
    try:
        return _image(chips.frame_jpeg(media))
    except NotFound as exc:
        raise Http404(str(exc)) from exc


# -- re-identification index ----------------------------------------------------------------


@login_required
@domain_errors
def reid_index(request: HttpRequest) -> HttpResponse:
    if not roles.has_role_anywhere(request.user, "researcher"):
        raise PermissionDenied
    taxa = Taxon.objects.filter(annotations__isnull=False).distinct().order_by("scientific_name")
    if request.method == "POST":
        taxon = get_object_or_404(Taxon, slug=request.POST.get("taxon", ""))
        job = recognition.request_rebuild(taxon=taxon, user=request.user)
        return redirect("job", job_id=job.pk)
    rows = [
        {
            "taxon": taxon,
            "state": recognition.read_state(taxon),
            "annotations": recognition.eligible(taxon).count(),
        }
        for taxon in taxa
    ]
    return render(request, "individuals/reid_index.html", {"rows": rows})


# -- kinship --------------------------------------------------------------------------------


def kinship_page(request: HttpRequest) -> HttpResponse:
    """Females seen with cubs and litter sizes per year, per park."""
    park = request.GET.get("park", "")
    scope = Scope.objects.filter(code=park).first() if park else None
    rows = kinship.litters(scope=scope)
    return render(
        request,
        "individuals/kinship.html",
        {
            "park": scope,
            "parks": Scope.objects.filter(litter_records__isnull=False).distinct(),
            "rows": rows,
            "years": kinship.by_year(rows),
            "mothers": kinship.mothers(rows),
            "chart": kinship.litter_chart(rows),
            "can_add": roles.has_role_anywhere(request.user, "researcher"),
            "show_evidence": {
                litter.pk: roles.has_role(
                    request.user, "observer", litter.scope.code if litter.scope else None
                )
                for litter in rows
            },
        },
    )


@login_required
@domain_errors
def litter_create(request: HttpRequest) -> HttpResponse:
    if not roles.has_role_anywhere(request.user, "researcher"):
        raise PermissionDenied
    form = forms.LitterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            kinship.create_litter(
                taxon=data.pop("taxon"),
                year=data.pop("year"),
                cubs_count=data.pop("cubs_count"),
                mother=data.pop("mother"),
                cubs=data.pop("cubs"),
                scope=data.pop("scope"),
                actor=request.user,
                **data,
            )
        except IndividualsError as exc:
            form.add_error(None, str(exc))
        else:
            messages.success(request, _("Litter recorded."))
            return redirect("individual-kinship")
    return render(request, "individuals/litter_form.html", {"form": form})
