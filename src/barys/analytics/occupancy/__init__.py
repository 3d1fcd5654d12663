"""Single-season occupancy: detection histories from camera traps and the MacKenzie model.

Public API: :func:`detection_history` (:class:`DetectionHistory`), :func:`fit_occupancy`
(:class:`OccupancyFit`, :class:`Estimate`, :class:`Prediction`) and :func:`parse_formula`.
"""

from barys.analytics.occupancy.formula import INTERCEPT, Formula, parse_formula
from barys.analytics.occupancy.history import DetectionHistory, detection_history
from barys.analytics.occupancy.model import Estimate, OccupancyFit, Prediction, fit_occupancy

__all__ = [
    "INTERCEPT",
    "DetectionHistory",
    "Estimate",
    "Formula",
    "OccupancyFit",
    "Prediction",
    "detection_history",
    "fit_occupancy",
    "parse_formula",
]
