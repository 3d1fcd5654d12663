"""Linear predictors for occupancy submodels: a tiny formula language and design matrices.

Supported: ``"~ 1"`` (intercept only), ``"~ a + b"`` (intercept plus covariates),
``"~ a - 1"`` or ``"~ 0 + a"`` (no intercept), or a list of covariate names (intercept added).
A covariate given as strings is categorical and coded with treatment contrasts against its
first level in sorted order (columns named ``"<name><level>"``, as R names them). Interactions
and transformations are not supported: compute such columns beforehand.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

INTERCEPT = "(Intercept)"
_NAME = re.compile(r"^[A-Za-z_.][A-Za-z0-9_.]*$")


@dataclass(frozen=True)
class Formula:
    """Parsed right-hand side: covariate names and whether an intercept is included."""

    terms: tuple[str, ...]
    intercept: bool = True

    def __str__(self) -> str:
        text = " + ".join(self.terms) if self.terms else "1"
        return "~ " + text + ("" if self.intercept else " - 1")


def parse_formula(spec: str | Sequence[str]) -> Formula:
    """Parse ``"~ x + y"``, ``"~ 1"``, ``"~ x - 1"``, ``"~ 0 + x"`` or a list of names.

    Raises ``ValueError`` naming the unsupported part.
    """
    if not isinstance(spec, str):
        names = [str(n) for n in spec]
        for name in names:
            if not _NAME.match(name):
                raise ValueError(f"covariate name {name!r} is not a plain name")
        return Formula(terms=tuple(dict.fromkeys(names)), intercept=True)
    text = spec.strip()
    if not text.startswith("~"):
        raise ValueError(f"formula {spec!r} must start with '~'")
    body = text[1:].replace(" ", "")
    tokens = re.findall(r"([+-]?)([^+-]+)", body)
    if not tokens or "".join(sign + token for sign, token in tokens) != body:
        raise ValueError(f"formula {spec!r}: cannot read it (expected '~ 1' or '~ a + b')")
    intercept = True
    terms: list[str] = []
    for sign, token in tokens:
        if token == "1":
            intercept = intercept and sign != "-"
        elif token == "0" and sign != "-":
            intercept = False
        elif sign == "-":
            raise ValueError(f"formula {spec!r}: removing the term {token!r} is not supported")
        elif not _NAME.match(token):
            raise ValueError(
                f"formula {spec!r}: term {token!r} is not supported (only plain covariate names)"
            )
        else:
            terms.append(token)
    if not intercept and not terms:
        raise ValueError(f"formula {spec!r} has no parameters")
    return Formula(terms=tuple(dict.fromkeys(terms)), intercept=intercept)


def design_matrix(
    formula: Formula,
    covariates: Mapping[str, NDArray[np.generic]],
    shape: tuple[int, ...],
    *,
    submodel: str,
    levels: Mapping[str, tuple[str, ...]] | None = None,
) -> tuple[tuple[str, ...], NDArray[np.float64], dict[str, tuple[str, ...]]]:
    """Column names, the design array of shape ``shape + (n_columns,)`` and categorical levels.

    ``covariates`` maps a name to an array that broadcasts to ``shape`` (site covariates are
    given as ``(n_sites, 1)`` for observation-level submodels). Missing numeric values stay
    ``NaN`` in the design; the caller drops the affected sites or observations. ``levels``
    fixes the levels of categorical covariates (used when predicting for new data).
    """
    names: list[str] = [INTERCEPT] if formula.intercept else []
    columns: list[NDArray[np.float64]] = [np.ones(shape)] if formula.intercept else []
    used_levels: dict[str, tuple[str, ...]] = {}
    for term in formula.terms:
        if term not in covariates:
            known = ", ".join(sorted(covariates)) or "none"
            raise KeyError(
                f"{submodel} formula uses covariate {term!r}, which is not given (known: {known})"
            )
        raw = np.asarray(covariates[term])
        try:
            values = np.broadcast_to(raw, shape)
        except ValueError:
            raise ValueError(
                f"covariate {term!r} has shape {raw.shape}, which does not fit {shape}"
            ) from None
        if values.dtype.kind in "biuf":
            names.append(term)
            columns.append(values.astype(np.float64))
            continue
        text = values.astype(str)
        missing = np.isin(text, ["", "nan", "NaN", "None", "NA"])
        known_levels = levels.get(term) if levels else None
        term_levels = known_levels or tuple(sorted(set(text[~missing].ravel().tolist())))
        if len(term_levels) < 2:
            raise ValueError(f"categorical covariate {term!r} has fewer than two levels")
        unknown = set(text[~missing].ravel().tolist()) - set(term_levels)
        if unknown:
            raise ValueError(f"categorical covariate {term!r}: unknown level(s) {sorted(unknown)}")
        used_levels[term] = term_levels
        for level in term_levels[1:]:
            column = (text == level).astype(np.float64)
            column[missing] = np.nan
            names.append(f"{term}{level}")
            columns.append(column)
    return tuple(names), np.stack(columns, axis=-1), used_levels
