"""Cryobank services: containers, samples, aliquots, moves, thaws, withdrawals, loans.

Every change of where a sample is, or how much of it is left, appends a custody entry (who,
when, from, to, why) in the same transaction; every change is also audited. Two samples can
never share a box position: the target box row is locked (``SELECT … FOR UPDATE``) before the
position is checked, and a partial unique index on (container, position) stops any writer
that bypasses the services. Quantities are in the sample's unit.
"""

from __future__ import annotations

from barys.cryobank.services.common import (
    ALLOWED_PARENTS,
    DESCRIPTIVE_FIELDS,
    CryobankError,
    PositionOccupied,
    SampleUnavailable,
)
from barys.cryobank.services.containers import create_container, move_container
from barys.cryobank.services.custody_ops import (
    discard,
    mark_used_up,
    move_sample,
    record_thaw,
    take_out,
    withdraw,
)
from barys.cryobank.services.loans import add_permit, loan_sample, return_loan
from barys.cryobank.services.samples import (
    create_aliquots,
    register_sample,
    register_samples_from_event,
    update_sample,
)

__all__ = [
    "ALLOWED_PARENTS",
    "DESCRIPTIVE_FIELDS",
    "CryobankError",
    "PositionOccupied",
    "SampleUnavailable",
    "add_permit",
    "create_aliquots",
    "create_container",
    "discard",
    "loan_sample",
    "mark_used_up",
    "move_container",
    "move_sample",
    "record_thaw",
    "register_sample",
    "register_samples_from_event",
    "return_loan",
    "take_out",
    "update_sample",
    "withdraw",
]
