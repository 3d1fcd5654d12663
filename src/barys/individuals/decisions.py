"""Identification decisions: same / not same / cannot tell, new individual, merge, split, undo.

Each decision is one transaction that changes the registry through a
:class:`~barys.individuals.changes.ChangeSet` and stores it as a :class:`MatchDecision`, so
that :func:`undo` restores the previous state exactly. Every change is audited.

Identifying an annotation also keeps the camera-trap observations in step: an event with
annotations of an individual gets one event-level observation of that individual (Camtrap DP
``individualID``): an existing observation of one animal of the taxon is adopted, otherwise a
new one is made; both are released when no annotation of that individual remains in the
event (see :func:`_reconcile_event`).

Merging moves the source passport's annotations, camera observations, offspring and litter
records to the target, fills the target's empty facts from the source and sets the source's
``merged_into``; links held by other modules (collars, samples, incidents) stay on the source
passport, which points to the surviving one. Splitting moves chosen annotations to a new
passport.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from barys.core import audit, roles
from barys.individuals import passports
from barys.individuals.changes import ChangeSet, undo_operations
from barys.individuals.errors import InvalidInput, RegistryConflict, UndoConflict
from barys.individuals.models import Annotation, Individual, MatchDecision, MatchSuggestion
from barys.taxa.models import Taxon

#: Tag of the camera observations this module creates for identified individuals.
IDENTIFICATION_TAG = "barys:identification"
#: Tag of existing species-level observations that an identification adopted.
ADOPTED_TAG = "barys:identified"
_LIFE_STAGE = {"adult": "adult", "subadult": "subadult", "cub": "juvenile"}


def _is_person(actor: Any) -> bool:
    return bool(getattr(actor, "is_authenticated", False))


def _require(actor: Any, *scopes: str | None) -> None:
    """People need the researcher role in every scope involved; system actors (labels such
    as ``"demo"``) are trusted."""
    if isinstance(actor, str):
        return
    for scope in scopes or (None,):
        roles.require_role(actor, "researcher", scope)


def annotation_scope(annotation: Annotation) -> str | None:
    """Scope code of the station where the annotation's medium was taken."""
    station = annotation.media.deployment.station
    return station.scope_code or None


def _label(actor: Any) -> str:
    if isinstance(actor, str):
        return actor
    return actor.get_username() if _is_person(actor) else "system"


def _log(
    cs: ChangeSet,
    *,
    kind: str,
    summary: str,
    note: str = "",
    annotation: Annotation | None = None,
    individual: Individual | None = None,
    other: Individual | None = None,
    suggestion: MatchSuggestion | None = None,
) -> MatchDecision:
    decision = MatchDecision.objects.create(
        kind=kind,
        annotation=annotation,
        individual=individual,
        other_individual=other,
        suggestion=suggestion,
        summary=summary[:300],
        note=note,
        changes=cs.operations,
        decided_by=cs.actor if _is_person(cs.actor) else None,
        decided_by_label=_label(cs.actor)[:150],
    )
    audit.record_create(decision, actor=cs.actor, reason=cs.reason)
    return decision


def _schedule_sync(*taxa: Taxon | None) -> None:
    from barys.individuals import recognition

    for taxon in {t.pk: t for t in taxa if t is not None}.values():
        recognition.schedule_sync(taxon)


# -- camera observations -----------------------------------------------------------------


def _tags(text: str) -> list[str]:
    return [t.strip() for t in text.split("|") if t.strip()]


def _with_tag(text: str, tag: str) -> str:
    return "|".join([*_tags(text), tag]) if tag not in _tags(text) else text


def _without_tag(text: str, tag: str) -> str:
    return "|".join(t for t in _tags(text) if t != tag)


def _reconcile_event(cs: ChangeSet, event_pk: int) -> None:
    """One observation per individual annotated in the event.

    A species-level observation of one animal (no individual, count 1 or empty) is adopted
    for the first individual that needs one (tagged ``barys:identified``; released again when
    that identification goes); otherwise a new observation is created (tagged
    ``barys:identification``; deleted again when no longer wanted).
    """
    from barys.camtrap.models import Event, Observation

    event = Event.objects.select_related("deployment").filter(pk=event_pk).first()
    if event is None:
        return
    annotated = (
        Annotation.objects.filter(Q(event=event) | Q(media__event=event), individual__isnull=False)
        .select_related("individual", "taxon")
        .order_by("id")
    )
    desired: dict[int, Annotation] = {}
    for annotation in annotated:
        assert annotation.individual_id is not None
        desired.setdefault(annotation.individual_id, annotation)
    observations = list(Observation.objects.filter(event=event).order_by("id"))
    covered: set[int] = set()
    for observation in observations:
        tags = _tags(observation.tags)
        ours = IDENTIFICATION_TAG in tags or ADOPTED_TAG in tags
        individual_id = observation.individual_id
        if individual_id is None:
            continue
        if not ours or (individual_id in desired and individual_id not in covered):
            covered.add(individual_id)
            continue
        if IDENTIFICATION_TAG in tags:
            cs.delete(observation)
        else:
            cs.update(
                observation,
                individual=None,
                individual_ref="",
                sex="",
                tags=_without_tag(observation.tags, ADOPTED_TAG),
            )
            observation.individual_id = None
    free = [
        o
        for o in observations
        if o.pk is not None
        and o.individual_id is None
        and o.level == Observation.Level.EVENT
        and o.observation_type == Observation.Type.ANIMAL
        and (o.count is None or o.count <= 1)
        and IDENTIFICATION_TAG not in _tags(o.tags)
    ]
    for individual_id, source in desired.items():
        if individual_id in covered:
            continue
        individual = source.individual
        assert individual is not None
        adoptable = [o for o in free if o.taxon_id == source.taxon_id]
        if adoptable:
            observation = adoptable[0]
            free.remove(observation)
            cs.update(
                observation,
                individual=individual,
                individual_ref=individual.code,
                sex=_sex(individual),
                tags=_with_tag(observation.tags, ADOPTED_TAG),
            )
            continue
        cs.create(
            Observation,
            deployment=event.deployment,
            event=event,
            event_ref=event.event_id,
            level=Observation.Level.EVENT,
            event_start=event.start,
            event_end=event.end,
            observation_type=Observation.Type.ANIMAL,
            taxon=source.taxon,
            scientific_name=source.taxon.scientific_name,
            count=1,
            life_stage=_LIFE_STAGE.get(source.life_stage, ""),
            sex=_sex(individual),
            individual=individual,
            individual_ref=individual.code,
            classification_method=Observation.Method.HUMAN,
            classified_by=_label(cs.actor)[:200],
            classification_timestamp=cs.now,
            tags=IDENTIFICATION_TAG,
        )


def _sex(individual: Individual) -> str:
    return individual.sex if individual.sex in ("female", "male") else ""


def _event_pks(annotations: Iterable[Annotation]) -> set[int]:
    found: set[int] = set()
    for annotation in annotations:
        event_pk = annotation.media.event_id or annotation.event_id
        if event_pk:
            found.add(event_pk)
    return found


def _refresh_seen(cs: ChangeSet, *individuals: Individual | None) -> None:
    for individual in individuals:
        if individual is not None and Individual.objects.filter(pk=individual.pk).exists():
            cs.update(individual, **passports.seen_fields(individual))


def _assign(cs: ChangeSet, annotation: Annotation, individual: Individual | None) -> None:
    cs.update(
        annotation,
        individual=individual,
        identified_by=cs.actor if _is_person(cs.actor) and individual else None,
        identified_at=cs.now if individual else None,
    )


def _mark(cs: ChangeSet, suggestion: MatchSuggestion | None, status: str) -> None:
    if suggestion is not None:
        cs.update(suggestion, soft=True, status=status)


def _load(annotation: Annotation) -> Annotation:
    return Annotation.objects.select_related(
        "media__deployment__station", "individual", "taxon", "event"
    ).get(pk=annotation.pk)


def _check_suggestion(
    suggestion: MatchSuggestion | None, annotation: Annotation
) -> MatchSuggestion | None:
    if suggestion is not None and suggestion.annotation_id != annotation.pk:
        raise InvalidInput("the suggestion belongs to another annotation")
    return suggestion


# -- decisions on one annotation -----------------------------------------------------------


@transaction.atomic
def decide_same(
    *,
    annotation: Annotation,
    individual: Individual,
    actor: Any,
    suggestion: MatchSuggestion | None = None,
    note: str = "",
) -> MatchDecision:
    """The annotation shows ``individual`` (a merged passport stands for the surviving one)."""
    annotation = _load(annotation)
    individual = passports.surviving(individual)
    _require(actor, annotation_scope(annotation))
    _check_suggestion(suggestion, annotation)
    if individual.taxon_id != annotation.taxon_id:
        raise RegistryConflict(f"{individual.code} is of another taxon than the annotation")
    if annotation.individual_id == individual.pk:
        raise RegistryConflict(f"the annotation is already identified as {individual.code}")
    previous = annotation.individual
    cs = ChangeSet(actor=actor, reason="identification: same individual")
    _assign(cs, annotation, individual)
    _mark(cs, suggestion, str(MatchSuggestion.Status.SAME))
    for event_pk in _event_pks([annotation]):
        _reconcile_event(cs, event_pk)
    _refresh_seen(cs, individual, previous)
    summary = f"{annotation.annotation_id} ({annotation.viewpoint}) is {individual.code}"
    if previous is not None:
        summary += f" (was {previous.code})"
    decision = _log(
        cs,
        kind=str(MatchDecision.Kind.SAME),
        summary=summary,
        note=note,
        annotation=annotation,
        individual=individual,
        other=previous,
        suggestion=suggestion,
    )
    _schedule_sync(annotation.taxon)
    return decision


def _record_only(
    kind: str,
    status: str,
    *,
    annotation: Annotation,
    individual: Individual,
    actor: Any,
    suggestion: MatchSuggestion | None,
    note: str,
) -> MatchDecision:
    annotation = _load(annotation)
    _require(actor, annotation_scope(annotation))
    _check_suggestion(suggestion, annotation)
    cs = ChangeSet(actor=actor, reason=f"identification: {kind}")
    _mark(cs, suggestion, status)
    word = "is not" if kind == str(MatchDecision.Kind.NOT_SAME) else "may or may not be"
    return _log(
        cs,
        kind=kind,
        summary=f"{annotation.annotation_id} ({annotation.viewpoint}) {word} {individual.code}",
        note=note,
        annotation=annotation,
        individual=individual,
        suggestion=suggestion,
    )


@transaction.atomic
def decide_not_same(
    *,
    annotation: Annotation,
    individual: Individual,
    actor: Any,
    suggestion: MatchSuggestion | None = None,
    note: str = "",
) -> MatchDecision:
    """The annotation does not show ``individual`` (recorded; the registry is unchanged)."""
    return _record_only(
        str(MatchDecision.Kind.NOT_SAME),
        str(MatchSuggestion.Status.NOT_SAME),
        annotation=annotation,
        individual=individual,
        actor=actor,
        suggestion=suggestion,
        note=note,
    )


@transaction.atomic
def decide_unsure(
    *,
    annotation: Annotation,
    individual: Individual,
    actor: Any,
    suggestion: MatchSuggestion | None = None,
    note: str = "",
) -> MatchDecision:
    """The reviewer cannot tell whether the annotation shows ``individual`` (recorded)."""
    return _record_only(
        str(MatchDecision.Kind.UNSURE),
        str(MatchSuggestion.Status.UNSURE),
        annotation=annotation,
        individual=individual,
        actor=actor,
        suggestion=suggestion,
        note=note,
    )


@transaction.atomic
def create_from_annotation(
    *,
    annotation: Annotation,
    actor: Any,
    code: str | None = None,
    name: str = "",
    sex: str = str(Individual.Sex.UNKNOWN),
    note: str = "",
) -> MatchDecision:
    """A new passport for an animal not in the registry, identified by ``annotation``.

    The passport takes the taxon of the annotation and the protected area of its station;
    its code defaults to the area's next free code.
    """
    from barys.core.models import Scope

    annotation = _load(annotation)
    scope_code = annotation_scope(annotation)
    _require(actor, scope_code)
    if sex not in Individual.Sex.values:
        raise InvalidInput(f"sex {sex!r}: expected one of {', '.join(Individual.Sex.values)}")
    scope = Scope.objects.filter(code=scope_code).first() if scope_code else None
    new_code = (
        passports.check_code(code)
        if code
        else passports.next_code(taxon=annotation.taxon, scope=scope)
    )
    previous = annotation.individual
    cs = ChangeSet(actor=actor, reason="identification: new individual")
    individual = cs.create(
        Individual,
        code=new_code,
        taxon=annotation.taxon,
        scope=scope,
        name=name,
        sex=sex,
        notes=f"Created from annotation {annotation.annotation_id}.",
    )
    _assign(cs, annotation, individual)
    for event_pk in _event_pks([annotation]):
        _reconcile_event(cs, event_pk)
    _refresh_seen(cs, individual, previous)
    decision = _log(
        cs,
        kind=str(MatchDecision.Kind.NEW),
        summary=f"new individual {individual.code} from {annotation.annotation_id}",
        note=note,
        annotation=annotation,
        individual=individual,
        other=previous,
    )
    _schedule_sync(annotation.taxon)
    return decision


@transaction.atomic
def unassign(*, annotation: Annotation, actor: Any, note: str = "") -> MatchDecision:
    """Remove the identification of an annotation."""
    annotation = _load(annotation)
    _require(actor, annotation_scope(annotation))
    previous = annotation.individual
    if previous is None:
        raise RegistryConflict("the annotation is not identified")
    cs = ChangeSet(actor=actor, reason="identification removed")
    _assign(cs, annotation, None)
    for event_pk in _event_pks([annotation]):
        _reconcile_event(cs, event_pk)
    _refresh_seen(cs, previous)
    decision = _log(
        cs,
        kind=str(MatchDecision.Kind.UNASSIGN),
        summary=f"{annotation.annotation_id} is no longer {previous.code}",
        note=note,
        annotation=annotation,
        other=previous,
    )
    _schedule_sync(annotation.taxon)
    return decision


# -- merge and split -----------------------------------------------------------------------


@transaction.atomic
def merge(*, source: Individual, target: Individual, actor: Any, note: str = "") -> MatchDecision:
    """``source`` and ``target`` are one animal: everything moves to ``target``."""
    from barys.camtrap.models import Observation

    source = passports.get_individual(source.code)
    target = passports.get_individual(target.code)
    _require(actor, passports.scope_code_of(source), passports.scope_code_of(target))
    if source.pk == target.pk:
        raise RegistryConflict("an individual cannot be merged into itself")
    if source.taxon_id != target.taxon_id:
        raise RegistryConflict(f"{source.code} and {target.code} are of different taxa")
    if source.merged_into_id:
        raise RegistryConflict(f"{source.code} was already merged")
    if target.merged_into_id:
        raise RegistryConflict(f"{target.code} was merged into another passport; merge into that")
    known = {Individual.Sex.FEMALE, Individual.Sex.MALE}
    if source.sex in known and target.sex in known and source.sex != target.sex:
        raise RegistryConflict(
            f"{source.code} is {source.sex} and {target.code} is {target.sex}; correct one first"
        )
    if target.mother_id == source.pk or source.mother_id == target.pk:
        raise RegistryConflict(f"{source.code} and {target.code} are mother and offspring")
    clash = set(source.litters.values_list("year", flat=True)) & set(
        target.litters.values_list("year", flat=True)
    )
    if clash:
        years = ", ".join(str(y) for y in sorted(clash))
        raise RegistryConflict(f"both have a litter record in {years}; keep one first")
    cs = ChangeSet(actor=actor, reason=f"merge of {source.code} into {target.code}")
    annotations = list(source.annotations.select_related("media"))
    for annotation in annotations:
        cs.update(annotation, individual=target)
    events = _event_pks(annotations)
    for observation in Observation.objects.filter(individual=source).order_by("id"):
        cs.update(observation, individual=target, individual_ref=target.code)
        if observation.event_id:
            events.add(observation.event_id)
    for child in source.offspring.order_by("id"):
        cs.update(child, mother=target)
    for litter in source.litters.order_by("id"):
        cs.update(litter, mother=target)
    for litter in source.litters_as_cub.order_by("id"):
        cs.m2m(litter, "cubs", add=[target.pk], remove=[source.pk])
    filled: dict[str, Any] = {}
    if not target.name and source.name:
        filled["name"] = source.name
    if target.sex == str(Individual.Sex.UNKNOWN) and source.sex != str(Individual.Sex.UNKNOWN):
        filled["sex"] = source.sex
    if target.birth_year is None and source.birth_year is not None:
        filled["birth_year"] = source.birth_year
        filled["birth_year_exact"] = source.birth_year_exact
    if target.mother_id is None and source.mother_id is not None:
        filled["mother"] = source.mother
    if (
        source.distinguishing_marks
        and source.distinguishing_marks not in target.distinguishing_marks
    ):
        filled["distinguishing_marks"] = "\n".join(
            t for t in (target.distinguishing_marks, source.distinguishing_marks) if t
        )
    if filled:
        cs.update(target, **filled)
    cs.update(source, merged_into=target)
    for event_pk in sorted(events):
        _reconcile_event(cs, event_pk)
    _refresh_seen(cs, target)
    decision = _log(
        cs,
        kind=str(MatchDecision.Kind.MERGE),
        summary=f"{source.code} merged into {target.code}",
        note=note,
        individual=target,
        other=source,
    )
    _schedule_sync(target.taxon)
    return decision


@transaction.atomic
def split(
    *,
    individual: Individual,
    annotations: Iterable[Annotation],
    actor: Any,
    code: str | None = None,
    name: str = "",
    note: str = "",
) -> MatchDecision:
    """The chosen annotations of ``individual`` show another animal: they move to a new
    passport (same taxon and area; facts unknown until a person adds them)."""
    from barys.camtrap.models import Observation

    individual = passports.get_individual(individual.code)
    _require(actor, passports.scope_code_of(individual))
    chosen = list(
        Annotation.objects.select_related("media")
        .filter(pk__in=[a.pk for a in annotations])
        .order_by("id")
    )
    if not chosen:
        raise InvalidInput("choose at least one annotation to split off")
    strangers = [a for a in chosen if a.individual_id != individual.pk]
    if strangers:
        raise InvalidInput(f"annotation {strangers[0].annotation_id} is not of {individual.code}")
    if len(chosen) == individual.annotations.count():
        raise RegistryConflict("keep at least one annotation on the original passport")
    new_code = (
        passports.check_code(code)
        if code
        else passports.next_code(taxon=individual.taxon, scope=individual.scope)
    )
    cs = ChangeSet(actor=actor, reason=f"split of {individual.code}")
    created = cs.create(
        Individual,
        code=new_code,
        taxon=individual.taxon,
        scope=individual.scope,
        name=name,
        status=individual.status,
        notes=f"Split from {individual.code}.",
    )
    for annotation in chosen:
        cs.update(annotation, individual=created)
    events = _event_pks(chosen)
    for event_pk in sorted(events):
        still_there = Annotation.objects.filter(
            Q(event_id=event_pk) | Q(media__event_id=event_pk), individual=individual
        ).exists()
        if still_there:
            continue
        for observation in Observation.objects.filter(
            event_id=event_pk, individual=individual
        ).exclude(tags__contains=IDENTIFICATION_TAG):
            cs.update(observation, individual=created, individual_ref=created.code)
    for event_pk in sorted(events):
        _reconcile_event(cs, event_pk)
    _refresh_seen(cs, individual, created)
    decision = _log(
        cs,
        kind=str(MatchDecision.Kind.SPLIT),
        summary=f"{len(chosen)} annotation(s) of {individual.code} split off as {created.code}",
        note=note,
        individual=created,
        other=individual,
    )
    _schedule_sync(individual.taxon)
    return decision


# -- undo -------------------------------------------------------------------------------------


def decision_scopes(decision: MatchDecision) -> list[str | None]:
    scopes: list[str | None] = []
    if decision.annotation_id and decision.annotation:
        scopes.append(annotation_scope(_load(decision.annotation)))
    for individual in (decision.individual, decision.other_individual):
        if individual is not None:
            scopes.append(passports.scope_code_of(individual))
    return scopes


@transaction.atomic
def undo(*, decision: MatchDecision, actor: Any) -> MatchDecision:
    """Restore the registry exactly as it was before ``decision``.

    Raises :class:`UndoConflict` when the decision was undone already or when later
    decisions changed the same rows (undo those first).
    """
    decision = MatchDecision.objects.select_for_update().get(pk=decision.pk)
    if decision.undone:
        raise UndoConflict("this decision was undone already")
    _require(actor, *decision_scopes(decision))
    taxa = {
        t
        for t in (
            decision.annotation.taxon if decision.annotation else None,
            decision.individual.taxon if decision.individual else None,
            decision.other_individual.taxon if decision.other_individual else None,
        )
        if t is not None
    }
    before = audit.snapshot(decision)
    undo_operations(decision.changes, actor=actor, reason=f"undo of decision {decision.pk}")
    MatchDecision.objects.filter(pk=decision.pk).update(
        undone_at=timezone.now(), undone_by=actor if _is_person(actor) else None
    )
    decision.refresh_from_db()
    audit.record_update(decision, before, actor=actor, reason="undo")
    _schedule_sync(*taxa)
    return decision


def last_undoable(actor: Any) -> MatchDecision | None:
    """The person's latest decision that is not undone (for the undo key)."""
    if not _is_person(actor):
        return None
    return (
        MatchDecision.objects.filter(decided_by=actor, undone_at__isnull=True)
        .order_by("-decided_at", "-id")
        .first()
    )
