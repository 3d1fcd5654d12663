"""From a candidate's score to the probability that it is the same individual, and bands.

The engine's leave-one-encounter-out queries (:meth:`ReidEngine.calibrate`) give labelled
examples: each annotation of the catalogue is queried against the catalogue without its own
encounter, and its top candidates are labelled *same* or *different* individual (an
individual seen in only one encounter yields only *different* candidates: the open-set case).
A logistic regression on ``log(1 + score)`` is fitted to these labels by Newton's method
with a small ridge penalty; its two coefficients are stored in the saved index.

The probability of the top candidate sets the band of a query:

* ``suggest_known`` when it is at least ``Bands.known`` (default 0.80);
* ``suggest_new`` when it is below ``Bands.new`` (default 0.20) or there is no candidate;
* ``needs_review`` in between.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from barys.individuals.reid.errors import CalibrationError

__all__ = [
    "DEFAULT_CALIBRATION",
    "NEEDS_REVIEW",
    "SUGGEST_KNOWN",
    "SUGGEST_NEW",
    "Bands",
    "Calibration",
    "fit_logistic",
]

SUGGEST_KNOWN = "suggest_known"
NEEDS_REVIEW = "needs_review"
SUGGEST_NEW = "suggest_new"


@dataclass(frozen=True)
class Bands:
    """Probability thresholds of the three decision bands (see the module docstring)."""

    known: float = 0.80
    new: float = 0.20

    def __post_init__(self) -> None:
        if not 0.0 < self.new <= self.known < 1.0:
            raise ValueError(f"need 0 < new <= known < 1, got new={self.new}, known={self.known}")

    def band(self, top_probability: float | None) -> str:
        """The band for the top candidate's probability (``None``: no candidate)."""
        if top_probability is None or top_probability < self.new:
            return SUGGEST_NEW
        if top_probability >= self.known:
            return SUGGEST_KNOWN
        return NEEDS_REVIEW


@dataclass(frozen=True)
class Calibration:
    """``P(same | score) = 1 / (1 + exp(-(intercept + slope * log(1 + score))))``.

    ``source`` says where the coefficients come from (``"default"``: fitted on the procedural
    benchmark, see ``docs/reid.md``; ``"leave-one-encounter-out"``: this catalogue).
    ``n_same`` / ``n_different``: labelled candidates used.
    """

    intercept: float
    slope: float
    source: str
    n_same: int = 0
    n_different: int = 0

    def probability(self, score: float | np.ndarray) -> np.ndarray:
        """Probability of "same individual" for verified score(s) (>= 0)."""
        z = self.intercept + self.slope * np.log1p(np.maximum(np.asarray(score, np.float64), 0.0))
        return 1.0 / (1.0 + np.exp(-z))

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibration:
        try:
            return cls(
                float(data["intercept"]),
                float(data["slope"]),
                str(data["source"]),
                int(data.get("n_same", 0)),
                int(data.get("n_different", 0)),
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError(f"bad calibration record: {exc}") from exc


#: Used until :meth:`ReidEngine.calibrate` has run on a catalogue (source ``"default"``).
DEFAULT_CALIBRATION = Calibration(intercept=-7.14, slope=3.21, source="default")


def fit_logistic(
    x: np.ndarray, y: np.ndarray, ridge: float = 1e-3, iterations: int = 50
) -> tuple[float, float]:
    """Maximum-likelihood ``(intercept, slope)`` of ``P(y=1) = sigmoid(a + b x)``.

    Newton-Raphson with a ridge penalty ``ridge * b**2`` on the slope (the intercept is not
    penalised), which keeps the fit finite when the classes are perfectly separated.
    Raises :class:`CalibrationError` when either class is missing.
    """
    x = np.asarray(x, np.float64)
    y = np.asarray(y, np.float64)
    if x.shape != y.shape or x.ndim != 1:
        raise ValueError("x and y must be 1-d arrays of the same length")
    positives = int(y.sum())
    if positives == 0 or positives == len(y):
        raise CalibrationError(
            f"calibration needs both same and different examples, got {positives} same "
            f"and {len(y) - positives} different"
        )
    design = np.column_stack([np.ones_like(x), x])
    prior = math.log(positives / (len(y) - positives))
    beta = np.array([prior, 0.0])
    penalty = np.diag([0.0, ridge * len(y)])
    for _ in range(iterations):
        p = 1.0 / (1.0 + np.exp(-(design @ beta)))
        gradient = design.T @ (y - p) - penalty @ beta
        hessian = design.T @ (design * (p * (1.0 - p))[:, None]) + penalty
        step = np.linalg.solve(hessian + 1e-9 * np.eye(2), gradient)
        beta = beta + step
        if float(np.abs(step).max()) < 1e-10:
            break
    return float(beta[0]), float(beta[1])
