"""Review pages (thin): label events one by one with the keyboard, in bulk, a second opinion,
and the list of disagreements."""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as HttpForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from barys.camtrap import review, review_pages, services
from barys.camtrap.errors import CamtrapError, NotFound
from barys.camtrap.models import Deployment, Event, Observation
from barys.core.roles import PermissionDenied

OUTCOME_MESSAGES = {
    "reviewed": gettext_lazy("Saved."),
    "second": gettext_lazy("Saved; the event waits for a second opinion."),
    "agreed": gettext_lazy("Both reviews agree; the labels are accepted."),
    "disagreement": gettext_lazy(
        "The reviews disagree; the event is listed among the disagreements."
    ),
}


def _mode(request: HttpRequest) -> tuple[str, bool]:
    second_round = request.GET.get("mode", request.POST.get("mode", "")) == "second"
    queue = request.GET.get("queue", request.POST.get("queue", ""))
    if queue not in review.QUEUES:
        queue = "second" if second_round else "unreviewed"
    return queue, second_round


def _deployment(request: HttpRequest, code: str) -> Deployment:
    """The deployment, if the signed-in person may review its events (404, 403 otherwise)."""
    try:
        deployment = services.get_deployment(code)
        review.require_review(request.user, deployment)
    except NotFound:
        raise Http404 from None
    except PermissionDenied:
        raise HttpForbidden from None
    return deployment


def _review_url(event: Event, queue: str, second_round: bool) -> str:
    query = {"queue": queue, **({"mode": "second"} if second_round else {})}
    return reverse("camtrap-review", args=[event.event_id]) + "?" + urlencode(query)


@login_required
def start(request: HttpRequest, code: str) -> HttpResponse:
    """The first event of the queue, or a page saying the queue is empty."""
    deployment = _deployment(request, code)
    queue, second_round = _mode(request)
    first = review.queue(deployment, queue, request.user).first()
    if first is not None:
        return redirect(_review_url(first, queue, second_round))
    return render(
        request,
        "camtrap/review_done.html",
        {
            "deployment": deployment,
            "queue": queue,
            "second_round": second_round,
            "disagreements": len(review.disagreements(deployment)),
        },
    )


@login_required
def event_review(request: HttpRequest, event_id: str) -> HttpResponse:
    try:
        event = review_pages.get_event(event_id)
        review.require_review(request.user, event.deployment)
    except NotFound:
        raise Http404 from None
    except PermissionDenied:
        raise HttpForbidden from None
    queue, second_round = _mode(request)
    error = ""
    if request.method == "POST":
        try:
            outcome = review.save_review(
                event=event,
                labels=review_pages.labels_from_form(request.POST),
                reviewer=request.user,
                second_round=second_round,
                needs_second_opinion=request.POST.get("second_opinion") == "on",
            )
        except CamtrapError as exc:
            error = str(exc)
        else:
            messages.success(request, OUTCOME_MESSAGES[outcome])
            following = review.next_event(
                review.queue(event.deployment, queue, request.user), event
            )
            if following is None:
                start_url = reverse("camtrap-review-start", args=[event.deployment.code])
                return redirect(start_url + "?" + urlencode({"queue": queue}))
            return redirect(_review_url(following, queue, second_round))
    page = review_pages.review_page(
        event=event, user=request.user, queue=queue, second_round=second_round
    )
    context = {
        "page": page,
        "error": error,
        "species_names": review_pages.species_names(),
        "sex_choices": [("", _("unknown"))] + list(Observation.Sex.choices),
        "life_stage_choices": [("", _("unknown"))] + list(Observation.LifeStage.choices),
        "type_choices": review_pages.type_choices(),
        "previous_url": _review_url(page.previous, queue, second_round) if page.previous else "",
        "next_url": _review_url(page.next, queue, second_round) if page.next else "",
    }
    return render(request, "camtrap/review.html", context, status=400 if error else 200)


@login_required
@require_POST
def bulk(request: HttpRequest, code: str) -> HttpResponse:
    """Gives the events selected on the events page the same label."""
    deployment = _deployment(request, code)
    ids = request.POST.getlist("event")
    events = list(Event.objects.filter(deployment=deployment, event_id__in=ids))
    try:
        labels = review_pages.labels_from_form(request.POST)
        done = review.bulk_review(events=events, labels=labels, reviewer=request.user)
    except CamtrapError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)d events labelled.") % {"n": done})
    back = reverse("camtrap-events", args=[deployment.code])
    page = request.POST.get("page", "")
    return redirect(back + (f"?page={page}" if page.isdigit() else ""))


@login_required
def disagreements(request: HttpRequest, code: str) -> HttpResponse:
    deployment = _deployment(request, code)
    if request.method == "POST":
        event = Event.objects.filter(
            deployment=deployment, event_id=request.POST.get("event", "")
        ).first()
        if event is None:
            messages.error(request, _("No such event."))
        else:
            try:
                review.resolve(
                    event=event, choose=request.POST.get("choose", ""), resolver=request.user
                )
            except CamtrapError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The disagreement is resolved."))
        return redirect("camtrap-disagreements", code=deployment.code)
    items = review.disagreements(deployment)
    return render(
        request,
        "camtrap/disagreements.html",
        {"deployment": deployment, "items": items},
    )
