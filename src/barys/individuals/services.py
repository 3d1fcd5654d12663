"""The individual registry's service functions in one place (see each module for details).

* passports: :func:`create_individual`, :func:`update_individual`, :func:`next_code`
* annotations: :func:`create_annotation`, :func:`update_annotation`, :func:`delete_annotation`
* decisions (undoable): :func:`decide_same`, :func:`decide_not_same`, :func:`decide_unsure`,
  :func:`create_from_annotation`, :func:`unassign`, :func:`merge`, :func:`split`, :func:`undo`
* re-identification: :func:`build_index`, :func:`sync_index`, :func:`suggest`
* kinship: :func:`create_litter`, :func:`update_litter`, :func:`delete_litter`
* exchange: :func:`camtrap_dp_individuals`, :func:`organism_id`
"""

from barys.individuals.annotations import create_annotation, delete_annotation, update_annotation
from barys.individuals.decisions import (
    create_from_annotation,
    decide_not_same,
    decide_same,
    decide_unsure,
    merge,
    split,
    unassign,
    undo,
)
from barys.individuals.export import camtrap_dp_individuals, organism_id
from barys.individuals.kinship import create_litter, delete_litter, update_litter
from barys.individuals.passports import create_individual, next_code, update_individual
from barys.individuals.recognition import build_index, suggest, sync_index

__all__ = [
    "build_index",
    "camtrap_dp_individuals",
    "create_annotation",
    "create_from_annotation",
    "create_individual",
    "create_litter",
    "decide_not_same",
    "decide_same",
    "decide_unsure",
    "delete_annotation",
    "delete_litter",
    "merge",
    "next_code",
    "organism_id",
    "split",
    "suggest",
    "sync_index",
    "unassign",
    "undo",
    "update_annotation",
    "update_individual",
    "update_litter",
]
