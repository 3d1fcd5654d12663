"""Loaders of the SECR reference data shared by the SECR tests, and checks of what they load."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from barys.analytics.secr import CaptureHistory, Mask, Traps, read_capthist, read_mask_csv
from tests.reference import reference_path


def captdata() -> CaptureHistory:
    """secr's captdata: 76 animals, 235 captures, 5 occasions, 100 multi-catch traps."""
    return read_capthist(
        reference_path("secr_captdata", "capt.txt"),
        reference_path("secr_captdata", "trap.txt"),
        detector="multi",
    )


def namkha() -> tuple[CaptureHistory, Mask]:
    """The Namkha snow-leopard survey exactly as fitted in scr-workflow (model m0)."""
    with open(reference_path("snowleopard_namkha", "namkha_traps.csv"), encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    traps = Traps(
        tuple(r["trapID"] for r in rows),
        np.array([float(r["x"]) for r in rows]),
        np.array([float(r["y"]) for r in rows]),
        "count",
        np.array([[float(r["usage_days"])] for r in rows]),
    )
    with open(reference_path("snowleopard_namkha", "namkha_counts.csv"), encoding="utf-8") as f:
        counts_rows = list(csv.DictReader(f))
    animals = sorted({r["animalID"] for r in counts_rows})
    counts = np.zeros((len(animals), 1, traps.n_traps), dtype=np.int64)
    for r in counts_rows:
        counts[animals.index(r["animalID"]), 0, traps.index(r["trapID"])] += int(r["count"])
    mask = read_mask_csv(reference_path("snowleopard_namkha", "namkha_mask.csv"))
    return CaptureHistory(traps, tuple(animals), counts), mask


def test_captdata_summary() -> None:
    ch = captdata()
    assert (ch.n_animals, ch.n_detections, ch.n_occasions, ch.traps.n_traps) == (76, 235, 5, 100)
    assert ch.detector == "multi"


def test_namkha_summary() -> None:
    # summary(ch) in scr-workflow 04_model_fitting: 26 animals, 47 detections,
    # 24 detectors visited, 55 detectors, usage 2-251 days; mask 2966 cells of 1500 m
    ch, mask = namkha()
    assert (ch.n_animals, ch.n_detections, ch.n_occasions, ch.traps.n_traps) == (26, 47, 1, 55)
    assert int((ch.counts.sum(axis=(0, 1)) > 0).sum()) == 24
    assert (ch.usage().min(), ch.usage().max()) == (2.0, 251.0)
    assert (mask.n_points, mask.spacing, mask.area_ha) == (2966, 1500.0, 667350.0)
    assert ch.traps.spacing() == pytest.approx(2504.368, abs=1e-3)
