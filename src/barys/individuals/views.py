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
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.core import navigation, roles
from barys.core.models import Scope
from barys.individuals import annotations as annotation_services
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
    verdicts,
)
from barys.individuals.errors import IndividualsError, NotFound
from barys.individuals.models import (
    Annotation,
    Individual,
    MatchDecision,
    MatchSuggestion,
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


def _annotation(annotation_id: uuid.UUID) -> Annotation:
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
    annotation = _annotation(annotation_id)
    if not chips.may_view_chip(request.user, annotation):
        raise PermissionDenied
    try:
        return _image(chips.chip_jpeg(annotation))
    except NotFound as exc:
        raise Http404(str(exc)) from exc


def annotation_frame(request: HttpRequest, annotation_id: uuid.UUID) -> HttpResponse:
    annotation = _annotation(annotation_id)
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


# -- identification of a camera event --------------------------------------------------------


def _event(event_id: str) -> Any:
    from barys.camtrap.models import Event

    return get_object_or_404(
        Event.objects.select_related("deployment__station__survey"), event_id=str(event_id)
    )


def _identify_post(request: HttpRequest, event: Any) -> HttpResponse:
    from barys.camtrap.models import Detection, Media

    action = request.POST.get("action", "")
    target = reverse("individual-identify", args=[event.event_id])
    try:
        if action == "add":
            form = forms.AnnotationForm(request.POST)
            if not form.is_valid():
                messages.error(request, _("Check the box and the viewpoint."))
                return redirect(target)
            data = form.cleaned_data
            media = get_object_or_404(Media, pk=data["media"], event=event)
            annotation_services.create_annotation(
                media=media,
                viewpoint=data["viewpoint"],
                quality=data["quality"],
                life_stage=data["life_stage"],
                box=(data["x"], data["y"], data["width"], data["height"]),
                actor=request.user,
            )
            messages.success(request, _("Annotation added."))
        elif action == "detection":
            detection_form = forms.DetectionAnnotationForm(request.POST)
            if not detection_form.is_valid():
                return HttpResponseBadRequest(_("Choose a detection and a viewpoint."))
            detection = get_object_or_404(
                Detection.objects.select_related("media"),
                pk=detection_form.cleaned_data["detection"],
                media__event=event,
            )
            annotation_services.create_annotation(
                media=detection.media,
                detection=detection,
                viewpoint=detection_form.cleaned_data["viewpoint"],
                actor=request.user,
            )
            messages.success(request, _("Annotation added."))
        elif action == "edit":
            annotation = get_object_or_404(
                Annotation, annotation_id=request.POST.get("annotation", ""), media__event=event
            )
            edit = forms.AnnotationEditForm(request.POST)
            if not edit.is_valid():
                return HttpResponseBadRequest(_("Check the viewpoint and quality."))
            annotation_services.update_annotation(
                annotation=annotation, actor=request.user, **edit.cleaned_data
            )
            messages.success(request, _("Annotation saved."))
        elif action == "delete":
            annotation = get_object_or_404(
                Annotation, annotation_id=request.POST.get("annotation", ""), media__event=event
            )
            annotation_services.delete_annotation(annotation=annotation, actor=request.user)
            messages.success(request, _("Annotation deleted."))
        elif action == "suggest":
            job = recognition.request_suggestions(
                event_id=event.event_id,
                user=request.user,
                include_identified=bool(request.POST.get("all")),
            )
            return redirect("job", job_id=job.pk)
        else:
            return HttpResponseBadRequest(_("Unknown action."))
    except IndividualsError as exc:
        messages.error(request, str(exc))
    return redirect(target)


@login_required
@domain_errors
def identify(request: HttpRequest, event_id: str) -> HttpResponse:
    """All annotations of a camera event, with what is known and what is suggested."""
    event = _event(event_id)
    station = event.deployment.station
    roles.require_role(request.user, "researcher", station.scope_code or None)
    if request.method == "POST":
        return _identify_post(request, event)
    media = list(event.media.order_by("timestamp", "file_name").prefetch_related("detections"))
    rows = recognition.annotations_of_event(event.event_id, include_identified=True)
    best = {
        s.annotation_id: s
        for s in MatchSuggestion.objects.filter(annotation__in=rows, rank=1).select_related(
            "individual"
        )
    }
    return render(
        request,
        "individuals/identify.html",
        {
            "event": event,
            "station": station,
            "media": media,
            "rows": [
                {
                    "annotation": a,
                    "best": best.get(a.pk),
                    "form": forms.AnnotationEditForm(
                        initial={
                            "viewpoint": a.viewpoint,
                            "quality": a.quality,
                            "life_stage": a.life_stage,
                            "is_reference": a.is_reference,
                        }
                    ),
                }
                for a in rows
            ],
            "add_form": forms.AnnotationForm(),
            "viewpoints": forms.Viewpoint.choices,
            "has_index": any(recognition.index_path(a.taxon).exists() for a in rows),
        },
    )


# -- match review ---------------------------------------------------------------------------


def _candidates(request: HttpRequest, annotation: Annotation) -> list[dict[str, Any]]:
    query_url = reverse("annotation-chip", args=[annotation.annotation_id])
    query_size = chips.chip_size(annotation)
    found = []
    suggestions = annotation.suggestions.select_related(
        "individual", "candidate_annotation__media", "individual__merged_into"
    ).order_by("rank")[: recognition.TOP]
    for suggestion in suggestions:
        candidate = suggestion.candidate_annotation
        picture = None
        if candidate is not None and candidate.media.file_id:
            picture = chips.match_svg(
                query_url=query_url,
                query_size=query_size,
                candidate_url=reverse("annotation-chip", args=[candidate.annotation_id]),
                candidate_size=chips.chip_size(candidate),
                matches=suggestion.matches,
                title=_("Query beside %(code)s with %(n)s matched keypoints")
                % {"code": suggestion.individual.code, "n": suggestion.inliers},
            )
        found.append({"suggestion": suggestion, "picture": picture})
    return found


@login_required
def review_queue(request: HttpRequest) -> HttpResponse:
    """Annotations awaiting identification in the areas the person reviews."""
    if not roles.has_role_anywhere(request.user, "researcher"):
        raise PermissionDenied
    scopes = roles.scopes_with_role(request.user, "researcher")
    rows = Annotation.objects.filter(individual__isnull=True).select_related(
        "media__deployment__station", "media__event", "taxon"
    )
    if scopes is not None:
        rows = rows.filter(media__deployment__station__scope_code__in=sorted(scopes))
    items = []
    for annotation in rows.order_by("-media__timestamp", "id")[:200]:
        best = annotation.suggestions.select_related("individual").order_by("rank").first()
        items.append({"annotation": annotation, "best": best})
    return render(request, "individuals/review_queue.html", {"items": items})


@login_required
@domain_errors
def review(request: HttpRequest, annotation_id: uuid.UUID) -> HttpResponse:
    """The query chip beside each candidate, with keyboard decisions."""
    annotation = _annotation(annotation_id)
    roles.require_role(request.user, "researcher", decisions.annotation_scope(annotation))
    try:
        position = max(0, int(request.GET.get("c", "0")))
    except ValueError:
        position = 0
    event = annotation.media.event
    siblings = (
        list(
            Annotation.objects.filter(media__event=event)
            .order_by("media__timestamp", "id")
            .values_list("annotation_id", flat=True)
        )
        if event is not None
        else [annotation.annotation_id]
    )
    index = siblings.index(annotation.annotation_id) if annotation.annotation_id in siblings else 0
    return render(
        request,
        "individuals/review.html",
        {
            "annotation": annotation,
            "event": event,
            "candidates": _candidates(request, annotation),
            "position": position,
            "previous_id": siblings[index - 1] if index > 0 else None,
            "next_id": siblings[index + 1] if index + 1 < len(siblings) else None,
            "last_decision": decisions.last_undoable(request.user),
            "recent": annotation.decisions.select_related("decided_by").order_by("-decided_at")[
                :10
            ],
        },
    )


@login_required
@require_POST
@domain_errors
def decide(request: HttpRequest, annotation_id: uuid.UUID) -> HttpResponse:
    annotation = _annotation(annotation_id)
    form = forms.DecisionForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Unknown decision."))
    data = form.cleaned_data
    kind = data["decision"]
    suggestion = None
    if data.get("suggestion"):
        suggestion = get_object_or_404(
            MatchSuggestion.objects.select_related("individual"),
            pk=data["suggestion"],
            annotation=annotation,
        )
    position = data.get("position") or 0
    try:
        individual = (
            suggestion.individual
            if suggestion is not None
            else passports.get_individual(data["individual"].strip())
            if data.get("individual")
            else None
        )
        if kind in verdicts.ABOUT_A_CANDIDATE and individual is None:
            messages.error(request, _("Choose a candidate or give an ID code."))
            return redirect(reverse("individual-review", args=[annotation.annotation_id]))
        decision = verdicts.record_verdict(
            annotation=annotation,
            verdict=kind,
            individual=individual,
            suggestion=suggestion,
            actor=request.user,
            note=data["note"],
            code=data["code"].strip(),
        )
    except IndividualsError as exc:
        messages.error(request, str(exc))
    else:
        if kind in ("not_same", "unsure"):
            position += 1  # on to the next candidate
        elif kind == "unassign":
            messages.success(request, _("Identification removed."))
        else:
            if kind == "same":
                assert individual is not None
                done = _("Identified as %(code)s.") % {"code": individual.code}
            else:
                assert decision.individual is not None
                done = _("New passport %(code)s created.") % {"code": decision.individual.code}
            messages.success(request, done)
            waiting = verdicts.next_awaiting(annotation)
            if waiting is not None:  # on to the next photo of the event awaiting a decision
                return redirect("individual-review", annotation_id=waiting.annotation_id)
    return redirect(
        reverse("individual-review", args=[annotation.annotation_id]) + f"?c={position}"
    )


@login_required
def decision_log(request: HttpRequest) -> HttpResponse:
    if not roles.has_role_anywhere(request.user, "researcher"):
        raise PermissionDenied
    rows = MatchDecision.objects.select_related("decided_by", "annotation").order_by(
        "-decided_at", "-id"
    )
    if request.GET.get("mine"):
        rows = rows.filter(decided_by=request.user)
    return render(request, "individuals/decisions.html", {"rows": rows[:200]})


@login_required
@require_POST
@domain_errors
def undo_decision(request: HttpRequest, pk: int) -> HttpResponse:
    decision = get_object_or_404(MatchDecision, pk=pk)
    try:
        decisions.undo(decision=decision, actor=request.user)
    except IndividualsError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("Decision undone: %(summary)s") % {"summary": decision.summary})
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return redirect(target)
    return redirect("individual-decisions")


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
