"""Pages of the individual registry's identification work (thin): annotating a camera event's
photos, reviewing match suggestions and the decision log."""

from __future__ import annotations

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from barys.core import roles
from barys.individuals import annotations as annotation_services
from barys.individuals import (
    chips,
    decisions,
    forms,
    passports,
    recognition,
    verdicts,
)
from barys.individuals.errors import IndividualsError
from barys.individuals.models import (
    Annotation,
    MatchDecision,
    MatchSuggestion,
)
from barys.individuals.views import annotation_or_404, domain_errors

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
    annotation = annotation_or_404(annotation_id)
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
    annotation = annotation_or_404(annotation_id)
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
