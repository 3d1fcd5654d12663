"""What the review pages show (no HTTP): one event with its media, boxes, suggestions and
labels; the queue around it; species hotkeys; disagreements."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.cache import cache
from django.db.models import Count
from django.utils.translation import gettext as _

from barys.camtrap import pages, review
from barys.camtrap.errors import NotFound
from barys.camtrap.models import (
    Deployment,
    Event,
    EventClassification,
    EventReview,
    Observation,
    Survey,
)
from barys.camtrap.review import Label, ReviewError
from barys.taxa.models import Taxon

HOTKEYS = 9
HOTKEY_SECONDS = 300
MACHINE_TYPES = {"animal": "animal", "human": "human", "vehicle": "vehicle", "blank": "blank"}


@dataclass
class LabelRow:
    label: Label
    machine: bool = False
    probability: float | None = None


@dataclass
class ReviewPage:
    event: Event
    deployment: Deployment
    card: pages.EventCard
    queue: str
    second_round: bool
    rows: list[LabelRow]
    hotkeys: list[Taxon]
    classification: EventClassification | None
    previous: Event | None
    next: Event | None
    remaining: int
    total: int
    first_review: EventReview | None
    reviews: list[EventReview] = field(default_factory=list)

    @property
    def any_machine(self) -> bool:
        return any(row.machine for row in self.rows)


def get_event(event_id: str) -> Event:
    event = (
        Event.objects.select_related("deployment__station__survey")
        .filter(event_id=event_id)
        .first()
    )
    if event is None:
        raise NotFound(_("no such event"))
    return event


def hotkey_taxa(deployment: Deployment) -> list[Taxon]:
    """Up to nine species for the number keys: the survey's target taxa, then the species
    most often recorded in the survey (counted at most every few minutes per survey)."""
    key = f"barys:camtrap:hotkeys:{deployment.station.survey_id}"
    ids = cache.get(key)
    if ids is None:
        ids = [t.pk for t in _hotkey_taxa(deployment.station.survey)]
        cache.set(key, ids, HOTKEY_SECONDS)
    by_id = Taxon.objects.in_bulk(ids)
    return [by_id[i] for i in ids if i in by_id]


def _hotkey_taxa(survey: Survey) -> list[Taxon]:
    chosen: list[Taxon] = list(survey.target_taxa.order_by("scientific_name"))
    seen = (
        Observation.objects.filter(
            deployment__station__survey=survey, taxon__isnull=False, observation_type="animal"
        )
        .values("taxon")
        .annotate(n=Count("id"))
        .order_by("-n", "taxon")[: HOTKEYS * 2]
    )
    ids = [row["taxon"] for row in seen if row["taxon"] not in {t.pk for t in chosen}]
    by_id = Taxon.objects.in_bulk(ids)
    chosen += [by_id[i] for i in ids if i in by_id]
    return chosen[:HOTKEYS]


def _rows(
    event: Event,
    second_round: bool,
    first: EventReview | None,
    classification: EventClassification | None,
) -> list[LabelRow]:
    """The labels the form starts with: the accepted or first review's (not in the second
    round, which is blind), else the observations, else the machine's suggestion."""
    if first is not None and not second_round:
        return [LabelRow(Label.from_json(item)) for item in first.labels]
    observations = list(event.observations.filter(level=Observation.Level.EVENT).order_by("pk"))
    people = [o for o in observations if o.classification_method == Observation.Method.HUMAN]
    if people and not second_round:
        return [LabelRow(_label_of(o)) for o in people]
    machine = [o for o in observations if o.classification_method == Observation.Method.MACHINE]
    if machine:
        return [
            LabelRow(_label_of(o), machine=True, probability=o.classification_probability)
            for o in machine
        ]
    if classification is not None and classification.observation_type in MACHINE_TYPES:
        kind = MACHINE_TYPES[classification.observation_type]
        return [
            LabelRow(Label(kind, count=None), machine=True, probability=classification.probability)
        ]
    return []


def _label_of(observation: Observation) -> Label:
    kind = observation.observation_type
    if kind not in review.LABEL_TYPES:
        kind = "unknown"
    return Label(
        kind,
        observation.scientific_name if kind == "animal" else "",
        observation.count,
        observation.life_stage,
        observation.sex,
        observation.behaviour,
    )


def _event_total(deployment: Deployment) -> int:
    """Events of the deployment (changes only when a card is ingested; counted at most every
    few minutes)."""
    key = f"barys:camtrap:events:{deployment.pk}"
    total = cache.get(key)
    if total is None:
        total = Event.objects.filter(deployment=deployment).count()
        cache.set(key, total, HOTKEY_SECONDS)
    return int(total)


def review_page(*, event: Event, user: Any, queue: str, second_round: bool) -> ReviewPage:
    deployment = event.deployment
    pages.require_area(user, deployment)
    events = review.queue(deployment, queue, user)
    run = pages.latest_run(deployment)
    card = pages.cards(user, deployment.station.scope_code, [event], run)[0]
    reviews = list(event.reviews.select_related("reviewer"))
    first = next((r for r in reviews if r.round == EventReview.Round.FIRST), None)
    return ReviewPage(
        event=event,
        deployment=deployment,
        card=card,
        queue=queue,
        second_round=second_round,
        rows=_rows(event, second_round, first, card.classification),
        hotkeys=hotkey_taxa(deployment),
        classification=card.classification,
        previous=review.previous_event(events, event),
        next=review.next_event(events, event),
        remaining=events.count(),
        total=_event_total(deployment),
        first_review=first,
        reviews=reviews if not second_round else [],
    )


def labels_from_form(data: Mapping[str, Any]) -> list[Label]:
    """Labels from the review form: parallel lists ``type``, ``species``, ``count``, ``sex``,
    ``life_stage``, ``behaviour`` (empty rows are skipped)."""

    def column(name: str) -> Sequence[str]:
        getter = getattr(data, "getlist", None)
        values = getter(name) if getter else data.get(name, [])
        return [str(v) for v in values]

    kinds = column("type")
    columns = {
        name: column(name) for name in ("species", "count", "sex", "life_stage", "behaviour")
    }
    labels = []
    for index, kind in enumerate(kinds):

        def value(name: str, index: int = index) -> str:
            values = columns[name]
            return values[index].strip() if index < len(values) else ""

        if not kind:
            continue
        count_text = value("count")
        try:
            count = int(count_text) if count_text else None
        except ValueError:
            raise ReviewError(
                _("Row %(row)d, count: %(value)r is not a whole number")
                % {"row": index + 1, "value": count_text}
            ) from None
        labels.append(
            Label(
                kind,
                value("species"),
                count,
                value("life_stage"),
                value("sex"),
                value("behaviour"),
            )
        )
    return labels


def type_choices() -> list[tuple[str, str]]:
    return [
        ("animal", _("animal")),
        ("blank", _("blank")),
        ("unknown", _("unknown")),
        ("human", _("person")),
        ("vehicle", _("vehicle")),
    ]


def species_names() -> list[str]:
    """Scientific names offered while typing a species (species and subspecies); read from
    the registry at most every few minutes."""
    key = "barys:camtrap:species-names"
    names = cache.get(key)
    if names is None:
        names = list(
            Taxon.objects.filter(rank__in=("species", "subspecies"))
            .order_by("scientific_name")
            .values_list("scientific_name", flat=True)
        )
        cache.set(key, names, HOTKEY_SECONDS)
    return list(names)
