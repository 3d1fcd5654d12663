"""A reviewer's verdict on an annotation, as the review page sends it: the decision it stands
for (:mod:`barys.individuals.decisions`), and the next photo of the same event that still
awaits one."""

from __future__ import annotations

from typing import Any

from barys.individuals import decisions
from barys.individuals.errors import InvalidInput
from barys.individuals.models import Annotation, Individual, MatchDecision, MatchSuggestion

#: Verdicts about one candidate individual (the others: ``new`` passport, ``unassign``).
ABOUT_A_CANDIDATE = frozenset({"same", "not_same", "unsure"})


def record_verdict(
    *,
    annotation: Annotation,
    verdict: str,
    individual: Individual | None,
    suggestion: MatchSuggestion | None,
    actor: Any,
    note: str = "",
    code: str | None = None,
) -> MatchDecision:
    """Carry out ``verdict`` on ``annotation``.

    Raises:
        InvalidInput: a verdict about a candidate without one, or an unknown verdict.
        IndividualsError: whatever the decision itself refuses.
    """
    if verdict in ABOUT_A_CANDIDATE:
        if individual is None:
            raise InvalidInput("a candidate or an ID code is needed for this verdict")
        decide = {
            "same": decisions.decide_same,
            "not_same": decisions.decide_not_same,
            "unsure": decisions.decide_unsure,
        }[verdict]
        return decide(
            annotation=annotation,
            individual=individual,
            suggestion=suggestion,
            actor=actor,
            note=note,
        )
    if verdict == "new":
        return decisions.create_from_annotation(
            annotation=annotation, actor=actor, code=code or None, note=note
        )
    if verdict == "unassign":
        return decisions.unassign(annotation=annotation, actor=actor, note=note)
    raise InvalidInput(f"unknown verdict {verdict!r}")


def next_awaiting(annotation: Annotation) -> Annotation | None:
    """The first other annotation of the same event (by photo time) without an individual."""
    if not annotation.media.event_id:
        return None
    return (
        Annotation.objects.filter(media__event_id=annotation.media.event_id)
        .filter(individual__isnull=True)
        .exclude(pk=annotation.pk)
        .order_by("media__timestamp", "id")
        .first()
    )
