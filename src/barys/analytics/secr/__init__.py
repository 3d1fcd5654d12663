"""Spatially explicit capture–recapture (SECR) by maximum likelihood.

Borchers, D. L. & Efford, M. G. (2008) Spatially explicit maximum likelihood methods for
capture–recapture studies. Biometrics 64:377–385. Results are validated against the R
package secr (Efford) on its ``captdata`` example. Distances are metres, density is animals
per hectare (``SecrFit.density_per_100km2`` gives animals per 100 km^2).
"""

from barys.analytics.secr.capthist import (
    DETECTOR_TYPES,
    CaptureHistory,
    Detection,
    DetectorType,
    Traps,
    capthist_from_detections,
    usage_from_deployments,
)
from barys.analytics.secr.fit import Estimate, SecrFit, fit_secr
from barys.analytics.secr.likelihood import DetectFn, hazard
from barys.analytics.secr.mask import Mask, make_mask, read_mask_csv
from barys.analytics.secr.simulate import simulate_capthist
from barys.analytics.secr.textfiles import (
    CapthistFormatError,
    read_capthist,
    read_captures,
    read_traps,
    write_capthist,
    write_captures,
    write_traps,
)

__all__ = [
    "DETECTOR_TYPES",
    "CaptureHistory",
    "CapthistFormatError",
    "Detection",
    "DetectFn",
    "DetectorType",
    "Estimate",
    "Mask",
    "SecrFit",
    "Traps",
    "capthist_from_detections",
    "fit_secr",
    "hazard",
    "make_mask",
    "read_capthist",
    "read_captures",
    "read_mask_csv",
    "read_traps",
    "simulate_capthist",
    "usage_from_deployments",
    "write_capthist",
    "write_captures",
    "write_traps",
]
