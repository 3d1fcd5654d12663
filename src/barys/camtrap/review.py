"""Human review of camera events: labels, review states, second opinions, disagreements.

A reviewer gives an event its *labels*: what it shows (an animal of a taxon with count, sex,
life stage and behaviour; a person; a vehicle; nothing; something unknown). The accepted labels
become the event's observations (event level, ``classificationMethod`` human) and, for animals,
occurrence records in the unified records (see :mod:`barys.camtrap.occurrences`).

Review states (``Event.review_state``):

* ``unreviewed`` — nobody has labelled the event;
* ``reviewed`` — a person's labels are accepted;
* ``second`` — a second opinion is needed: the first reviewer asked for one, or a second
  reviewer disagreed. Until resolved the event has no review observations.

In the second-reviewer mode a different person labels the flagged events without seeing the
first labels; when both agree the labels are accepted, otherwise the event is listed among the
disagreements, where a researcher accepts one of the two.

Observations made by the identification of individuals (those naming an individual) are kept
when an event is reviewed again; a label's count is reduced by the individuals already
observed of its taxon.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from barys.camtrap import occurrences
from barys.camtrap.errors import CamtrapError
from barys.camtrap.models import Deployment, Event, EventReview, Observation
from barys.core import audit, roles
from barys.core.roles import PermissionDenied
from barys.taxa.models import Taxon

REVIEW_TAG = "barys:review"
LABEL_TYPES = ("animal", "human", "vehicle", "blank", "unknown")
QUEUES = ("unreviewed", "second", "all")
MAX_COUNT = 999
Outcome = Literal["reviewed", "second", "agreed", "disagreement"]


class ReviewError(CamtrapError):
    """Labels that cannot be saved; the message names the row and the field."""


@dataclass(frozen=True)
class Label:
    """One kind of thing an event shows."""

    observation_type: str
    scientific_name: str = ""
    count: int | None = None
    life_stage: str = ""
    sex: str = ""
    behaviour: str = ""

    def key(self) -> tuple[Any, ...]:
        """What two reviewers must agree on (behaviour is free text and left out)."""
        return (self.observation_type, self.scientific_name, self.count, self.life_stage, self.sex)

    def as_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Label:
        return cls(**{k: data.get(k, v) for k, v in asdict(cls("")).items()})


def reviewer_name(user: Any) -> str:
    if isinstance(user, str):
        return user
    full = user.get_full_name() if hasattr(user, "get_full_name") else ""
    return (full or user.get_username())[:200]


def can_review(user: Any, deployment: Deployment) -> bool:
    """Researchers (or higher) of the station's protected area, or national ones."""
    if isinstance(user, str):
        return True
    return roles.has_role(user, "researcher", deployment.station.scope_code or None)


def require_review(user: Any, deployment: Deployment) -> None:
    if not can_review(user, deployment):
        raise PermissionDenied(_("Reviewing camera events needs the researcher role here."))


def _row_error(row: int, field: str, message: str) -> ReviewError:
    return ReviewError(
        _("Row %(row)d, %(field)s: %(message)s") % {"row": row, "field": field, "message": message}
    )


def clean_labels(labels: Sequence[Label]) -> tuple[list[Label], dict[str, Taxon]]:
    """Checks the labels; returns them with the taxa they name.

    Animal labels need a known taxon and get a count of 1 when none is given; ``blank``
    stands alone; identical labels are merged by adding their counts.
    """
    if not labels:
        raise ReviewError(_("Give at least one label (or mark the event blank)."))
    names = {label.scientific_name.strip() for label in labels if label.scientific_name.strip()}
    taxa = {t.scientific_name: t for t in Taxon.objects.filter(scientific_name__in=names)}
    cleaned: dict[tuple[Any, ...], Label] = {}
    for row, label in enumerate(labels, start=1):
        kind = label.observation_type
        if kind not in LABEL_TYPES:
            raise _row_error(row, "type", _("unknown type %(kind)r") % {"kind": kind})
        name = label.scientific_name.strip()
        if kind == "animal" and not name:
            raise _row_error(row, _("species"), _("an animal needs its species (or use unknown)"))
        if name and name not in taxa:
            raise _row_error(
                row, _("species"), _("%(name)r is not in the registry") % {"name": name}
            )
        if kind != "animal" and name:
            raise _row_error(row, _("species"), _("only animals have a species"))
        count = label.count
        if count is not None and not 1 <= count <= MAX_COUNT:
            raise _row_error(
                row, _("count"), _("must be between 1 and %(max)d") % {"max": MAX_COUNT}
            )
        if kind == "animal" and count is None:
            count = 1
        if label.sex and label.sex not in Observation.Sex.values:
            raise _row_error(row, _("sex"), _("unknown value %(value)r") % {"value": label.sex})
        if label.life_stage and label.life_stage not in Observation.LifeStage.values:
            raise _row_error(
                row, _("life stage"), _("unknown value %(value)r") % {"value": label.life_stage}
            )
        if len(label.behaviour) > 500:
            raise _row_error(row, _("behaviour"), _("at most 500 characters"))
        item = Label(kind, name, count, label.life_stage, label.sex, label.behaviour.strip())
        merge_key = item.key()[:2] + item.key()[3:]
        if merge_key in cleaned:
            other = cleaned[merge_key]
            total = (other.count or 0) + (item.count or 0) or None
            item = Label(kind, name, total, item.life_stage, item.sex, other.behaviour)
        cleaned[merge_key] = item
    result = list(cleaned.values())
    if any(label.observation_type == "blank" for label in result) and len(result) > 1:
        raise ReviewError(_("A blank event cannot show anything else."))
    return result, taxa


def same_labels(a: Iterable[Label], b: Iterable[Label]) -> bool:
    return sorted(label.key() for label in a) == sorted(label.key() for label in b)


def _labels(review: EventReview) -> list[Label]:
    return [Label.from_json(item) for item in review.labels]


def _write_observations(
    event: Event, labels: list[Label], taxa: dict[str, Taxon], reviewer: str
) -> None:
    """Replaces the event's review observations by ``labels`` (none: only removes)."""
    existing = list(
        Observation.objects.filter(event=event, level=Observation.Level.EVENT).order_by("pk")
    )
    kept = [o for o in existing if o.individual_id is not None]
    replaced = [
        o.pk
        for o in existing
        if o.individual_id is None
        and (REVIEW_TAG in o.tags.split("|") or o.classification_method == Observation.Method.HUMAN)
    ]
    if replaced:
        Observation.objects.filter(pk__in=replaced).delete()
    now = timezone.now()
    rows = []
    for label in labels:
        taxon = taxa.get(label.scientific_name)
        count = label.count
        if taxon is not None:
            seen = sum(1 for o in kept if o.taxon_id == taxon.pk)
            if seen >= (count or 1):
                continue
            count = (count or 1) - seen
        rows.append(
            Observation(
                deployment_id=event.deployment_id,
                event=event,
                event_ref=event.event_id,
                level=Observation.Level.EVENT,
                event_start=event.start,
                event_end=event.end,
                observation_type=label.observation_type,
                taxon=taxon,
                scientific_name=label.scientific_name,
                count=count,
                life_stage=label.life_stage,
                sex=label.sex,
                behaviour=label.behaviour,
                classification_method=Observation.Method.HUMAN,
                classified_by=reviewer,
                classification_timestamp=now,
                tags=REVIEW_TAG,
            )
        )
    Observation.objects.bulk_create(rows)


def _set_state(event: Event, state: Any, actor: Any) -> None:
    if event.review_state == state:
        return
    before = audit.snapshot(event)
    event.review_state = state
    event.save(update_fields=["review_state"])
    audit.record_update(event, before, actor=actor, reason="camera-event review")


def _store(event: Event, round_: Any, labels: list[Label], user: Any, **fields: Any) -> EventReview:
    review, _created = EventReview.objects.update_or_create(
        event=event,
        round=round_,
        defaults={
            "labels": [label.as_json() for label in labels],
            "reviewer": None if isinstance(user, str) else user,
            **fields,
        },
    )
    return review


def _accept(
    event: Event, review: EventReview, actor: Any, labels: list[Label], taxa: dict[str, Taxon]
) -> None:
    """Makes ``review`` the accepted one: its ``labels`` (with the ``taxa`` they name)
    become the event's observations."""
    EventReview.objects.filter(event=event).exclude(pk=review.pk).update(accepted=False)
    review.accepted = True
    review.save(update_fields=["accepted", "updated_at"])
    name = reviewer_name(review.reviewer) if review.reviewer else reviewer_name(actor)
    _write_observations(event, labels, taxa, name)
    _set_state(event, Event.ReviewState.REVIEWED, actor)


def _wait_for_second_opinion(event: Event, actor: Any) -> None:
    _write_observations(event, [], {}, "")
    _set_state(event, Event.ReviewState.SECOND_OPINION, actor)


def _save(
    event: Event,
    cleaned: list[Label],
    taxa: dict[str, Taxon],
    reviewer: Any,
    *,
    second_round: bool,
    needs_second_opinion: bool,
) -> Outcome:
    """Stores checked labels (the callers check the labels and the reviewer's role)."""
    with transaction.atomic():
        event = Event.objects.select_for_update().select_related("deployment").get(pk=event.pk)
        first = EventReview.objects.filter(event=event, round=EventReview.Round.FIRST).first()
        outcome: Outcome
        if second_round and first is not None:
            if not isinstance(reviewer, str) and first.reviewer_id == reviewer.pk:
                raise ReviewError(
                    _("You made the first review; a second opinion must come from someone else.")
                )
            _store(event, EventReview.Round.SECOND, cleaned, reviewer, accepted=False)
            first_labels = _labels(first)
            if same_labels(first_labels, cleaned):
                # the same species on both sides: the taxa of these labels serve the first's
                _accept(event, first, reviewer, first_labels, taxa)
                outcome = "agreed"
            else:
                _wait_for_second_opinion(event, reviewer)
                outcome = "disagreement"
        else:
            review = _store(
                event,
                EventReview.Round.FIRST,
                cleaned,
                reviewer,
                needs_second_opinion=needs_second_opinion,
                accepted=False,
            )
            if needs_second_opinion:
                _wait_for_second_opinion(event, reviewer)
                outcome = "second"
            else:
                _accept(event, review, reviewer, cleaned, taxa)
                outcome = "reviewed"
        occurrences.sync_events([event], actor=None if isinstance(reviewer, str) else reviewer)
    return outcome


def save_review(
    *,
    event: Event,
    labels: Sequence[Label],
    reviewer: Any,
    second_round: bool = False,
    needs_second_opinion: bool = False,
) -> Outcome:
    """Saves a reviewer's labels for ``event`` (see the module docstring for the rounds)."""
    require_review(reviewer, event.deployment)
    cleaned, taxa = clean_labels(labels)
    return _save(
        event,
        cleaned,
        taxa,
        reviewer,
        second_round=second_round,
        needs_second_opinion=needs_second_opinion,
    )


def bulk_review(*, events: Sequence[Event], labels: Sequence[Label], reviewer: Any) -> int:
    """Gives every event of the selection the same labels (one transaction); the labels and
    the reviewer's role in each deployment are checked once."""
    if not events:
        raise ReviewError(_("Select at least one event."))
    cleaned, taxa = clean_labels(labels)
    deployments = Deployment.objects.select_related("station").in_bulk(
        {event.deployment_id for event in events}
    )
    for deployment in deployments.values():
        require_review(reviewer, deployment)
    with transaction.atomic():
        for event in events:
            _save(event, cleaned, taxa, reviewer, second_round=False, needs_second_opinion=False)
    return len(events)


def resolve(*, event: Event, choose: str, resolver: Any) -> None:
    """Ends a disagreement by accepting the first or the second review's labels."""
    require_review(resolver, event.deployment)
    if choose not in (EventReview.Round.FIRST, EventReview.Round.SECOND):
        raise ReviewError(_("Choose the first or the second review."))
    with transaction.atomic():
        event = Event.objects.select_for_update().select_related("deployment").get(pk=event.pk)
        review = EventReview.objects.filter(event=event, round=choose).first()
        if review is None:
            raise ReviewError(_("This event has no such review."))
        labels, taxa = clean_labels(_labels(review))
        _accept(event, review, resolver, labels, taxa)
        occurrences.sync_events([event], actor=resolver)


@dataclass(frozen=True)
class Disagreement:
    event: Event
    first: EventReview
    second: EventReview

    @property
    def first_labels(self) -> list[Label]:
        return _labels(self.first)

    @property
    def second_labels(self) -> list[Label]:
        return _labels(self.second)

    @property
    def sides(self) -> list[tuple[str, list[Label], Any]]:
        """(round, labels, reviewer) of both reviews, for showing them side by side."""
        return [
            ("first", self.first_labels, self.first.reviewer),
            ("second", self.second_labels, self.second.reviewer),
        ]


def disagreements(deployment: Deployment) -> list[Disagreement]:
    """Events of ``deployment`` where two reviewers disagree and nobody has resolved it."""
    reviews = EventReview.objects.filter(
        event__deployment=deployment, event__review_state=Event.ReviewState.SECOND_OPINION
    ).select_related("event", "reviewer")
    by_event: dict[int, dict[str, EventReview]] = {}
    for review in reviews:
        by_event.setdefault(review.event_id, {})[review.round] = review
    found = [
        Disagreement(pair["first"].event, pair["first"], pair["second"])
        for pair in by_event.values()
        if "first" in pair and "second" in pair
    ]
    return sorted(found, key=lambda d: (d.event.start, d.event.event_id))


def queue(deployment: Deployment, name: str, user: Any) -> QuerySet[Event]:
    """The events a reviewer goes through, in time order.

    ``unreviewed``: not yet labelled; ``second``: waiting for a second opinion that ``user``
    may give (someone else made the first review, nobody the second); ``all``: every event.
    """
    events = Event.objects.filter(deployment=deployment)
    if name == "unreviewed":
        events = events.filter(review_state=Event.ReviewState.UNREVIEWED)
    elif name == "second":
        events = events.filter(review_state=Event.ReviewState.SECOND_OPINION).exclude(
            reviews__round=EventReview.Round.SECOND
        )
        if not isinstance(user, str) and getattr(user, "pk", None) is not None:
            own = EventReview.objects.filter(round=EventReview.Round.FIRST, reviewer=user)
            events = events.exclude(pk__in=own.values("event_id"))
    elif name != "all":
        raise ReviewError(_("Unknown queue %(name)r.") % {"name": name})
    return events.order_by("start", "event_id")


def next_event(events: QuerySet[Event], event: Event) -> Event | None:
    """The event after ``event`` in ``events`` (time order, eventID breaking ties). Two
    index-range queries rather than one with ``OR``, which the databases cannot range-scan."""
    tied = events.filter(start=event.start, event_id__gt=event.event_id).order_by("event_id")
    return tied.first() or events.filter(start__gt=event.start).first()


def previous_event(events: QuerySet[Event], event: Event) -> Event | None:
    tied = events.filter(start=event.start, event_id__lt=event.event_id).order_by("-event_id")
    return (
        tied.first() or events.filter(start__lt=event.start).order_by("-start", "-event_id").first()
    )
