"""Who may use the cryobank, and how the places where material was collected are shown.

- Field staff (observers) and everyone above see the collection and register samples of their
  protected areas; researchers (in any scope or nationally) and curators also register any
  sample, keep the storage (moves, thaws, withdrawals, loans) and export the collection.
- The public sees nothing of the cryobank.
- Collection places go through :mod:`barys.core.sensitivity` (at least category 2, like
  incidents); exact views and exports are written to the access log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from barys.core import roles, sensitivity
from barys.core.access_log import log_access
from barys.cryobank.models import Sample

MINIMUM_CATEGORY = 2


def may_view(user: Any) -> bool:
    return roles.has_role_anywhere(user, "observer")


def may_register(user: Any, scope_code: str | None) -> bool:
    if roles.has_role_anywhere(user, "researcher"):
        return True
    return bool(scope_code) and roles.has_role(user, "observer", scope_code)


def may_keep_storage(user: Any) -> bool:
    """Moves, thaws, withdrawals, loans and containers."""
    return roles.has_role_anywhere(user, "researcher")


def may_export(user: Any) -> bool:
    return roles.has_role_anywhere(user, "researcher")


def require(allowed: bool, what: str) -> None:
    if not allowed:
        raise roles.PermissionDenied(f"your role does not allow you to {what}")


def category_of(sample: Sample) -> int:
    taxon_category = sample.taxon.sensitivity_category if sample.taxon_id else None
    found = sensitivity.effective_category(taxon_category, regional=[MINIMUM_CATEGORY])
    return int(found or MINIMUM_CATEGORY)


@dataclass(frozen=True)
class PresentedSample:
    sample: Sample
    location: sensitivity.LocationView


def _date(sample: Sample) -> str:
    return sample.collected_at.date().isoformat() if sample.collected_at else ""


def present(samples: Sequence[Sample], *, user: Any, surface: str) -> list[PresentedSample]:
    """Samples with their collection place as ``user`` may see it (exact views counted once
    in the access log)."""
    out: list[PresentedSample] = []
    exact_count = 0
    for sample in samples:
        category = category_of(sample)
        if sensitivity.may_see_exact(user, sample.scope_codes):
            view = sensitivity.exact_view(
                latitude=sample.latitude,
                longitude=sample.longitude,
                uncertainty_m=sample.uncertainty_m,
                locality=sample.locality,
                event_date=sample.collected_at.isoformat() if sample.collected_at else "",
                category=category,
            )
            exact_count += int(sample.latitude is not None or bool(sample.locality))
        else:
            view = sensitivity.generalise(
                latitude=sample.latitude,
                longitude=sample.longitude,
                uncertainty_m=sample.uncertainty_m,
                locality=sample.locality,
                event_date=_date(sample),
                category=category,
            )
        out.append(PresentedSample(sample, view))
    if exact_count:
        log_access(
            actor=user,
            surface=surface,
            object_type="cryobank.sample",
            object_id="*",
            count=exact_count,
        )
    return out
