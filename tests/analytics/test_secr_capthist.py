"""Capture-history dataclasses, building histories from detections, usage and masks."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone

import numpy as np
import pytest
import shapely

from barys.analytics.secr import (
    CaptureHistory,
    Detection,
    Mask,
    Traps,
    capthist_from_detections,
    make_mask,
    read_mask_csv,
    usage_from_deployments,
)
from barys.analytics.secr.fit import _edge_points
from tests.analytics.test_secr_data import captdata
from tests.reference import reference_path

START = datetime(2024, 1, 1, tzinfo=UTC)


def line_traps(detector: str = "count") -> Traps:
    return Traps(("A", "B", "C"), np.array([0.0, 100.0, 200.0]), np.zeros(3), detector)  # type: ignore[arg-type]


def at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


def test_independence_window_counts_from_the_last_counted_encounter() -> None:
    detections = [
        Detection("SL-1", "A", at(0)),
        Detection("SL-1", "A", at(2)),  # within 4 h of 0 h: same encounter
        Detection("SL-1", "A", at(5)),  # 5 h after the counted 0 h encounter: new one
        Detection("SL-1", "A", at(8)),  # 3 h after 5 h: same encounter
        Detection("SL-1", "B", at(1)),  # another detector is independent
        ("SL-2", "C", at(30)),  # plain tuples work too; day 2 = occasion 2
    ]
    ch = capthist_from_detections(detections, line_traps(), start=START, n_occasions=3)
    assert ch.animal_ids == ("SL-1", "SL-2")
    assert ch.counts[0, 0].tolist() == [2, 1, 0]
    assert ch.counts[1, 1].tolist() == [0, 0, 1]
    assert ch.n_detections == 4 and ch.n_occasions == 3
    no_window = capthist_from_detections(
        detections, line_traps(), start=START, independence=timedelta(0)
    )
    assert no_window.counts[0, 0].tolist() == [4, 1, 0]
    assert no_window.n_occasions == 2  # last detection falls on occasion 2


def test_multi_catch_keeps_first_trap_and_proximity_is_binary() -> None:
    detections = [
        Detection("x", "B", at(3)),
        Detection("x", "A", at(1)),
        Detection("x", "A", at(9)),
    ]
    multi = capthist_from_detections(detections, line_traps("multi"), start=START)
    assert multi.counts[0, 0].tolist() == [1, 0, 0]
    prox = capthist_from_detections(detections, line_traps("proximity"), start=START)
    assert prox.counts[0, 0].tolist() == [1, 1, 0]
    weekly = capthist_from_detections(
        detections, line_traps(), start=START, occasion_length=timedelta(hours=6)
    )
    assert weekly.counts[0].tolist() == [[1, 1, 0], [1, 0, 0]]


def test_aware_times_are_converted_to_utc() -> None:
    almaty = timezone(timedelta(hours=5))
    # 03:00 local on 2 January is 22:00 UTC on 1 January: occasion 1
    d = Detection("x", "A", datetime(2024, 1, 2, 3, 0, tzinfo=almaty))
    ch = capthist_from_detections([d], line_traps(), start=START, n_occasions=2)
    assert ch.counts[0, :, 0].tolist() == [1, 0]


@pytest.mark.parametrize(
    ("detection", "message"),
    [
        (Detection("x", "Z", at(1)), "unknown detector 'Z'"),
        (Detection("x", "A", at(-1)), "before start"),
        (Detection("x", "A", at(80)), "after the last of 2 occasions"),
    ],
)
def test_bad_detections(detection: Detection, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        capthist_from_detections([detection], line_traps(), start=START, n_occasions=2)


def test_usage_from_deployments() -> None:
    traps = line_traps()
    usage = usage_from_deployments(
        traps,
        {"A": [(at(12), at(54))], "C": [(at(0), at(24)), (at(60), at(72))]},
        start=START,
        n_occasions=3,
    )
    assert usage.tolist() == [[0.5, 1.0, 0.25], [0.0, 0.0, 0.0], [1.0, 0.0, 0.5]]
    with pytest.raises(ValueError, match="unknown detector"):
        usage_from_deployments(traps, {"Q": []}, start=START, n_occasions=1)


def test_traps_validation() -> None:
    with pytest.raises(ValueError, match="unique"):
        Traps(("a", "a"), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="equal length"):
        Traps(("a",), np.zeros(2), np.zeros(2))
    with pytest.raises(ValueError, match="non-negative"):
        Traps(("a",), np.zeros(1), np.zeros(1), usage=np.array([[-1.0]]))
    with pytest.raises(ValueError, match="detector must be"):
        Traps(("a",), np.zeros(1), np.zeros(1), "single")  # type: ignore[arg-type]
    traps = Traps.from_xy([[0, 0], [3, 4]], usage=[[1, 0], [1, 1]])
    assert traps.ids == ("1", "2") and traps.spacing() == 5.0
    assert traps.usage_matrix(2).tolist() == [[1.0, 0.0], [1.0, 1.0]]
    with pytest.raises(ValueError, match="occasions"):
        traps.usage_matrix(3)


def test_capture_history_validation_and_summaries() -> None:
    traps = line_traps("multi")
    with pytest.raises(ValueError, match="at most once per occasion"):
        CaptureHistory(traps, ("a",), np.array([[[1, 1, 0]]]))
    with pytest.raises(ValueError, match="0/1"):
        CaptureHistory(traps.with_detector("proximity"), ("a",), np.array([[[2, 0, 0]]]))
    with pytest.raises(ValueError, match="at least once"):
        CaptureHistory(traps, ("a", "b"), np.array([[[1, 0, 0]], [[0, 0, 0]]]))
    # one animal seen at A (0 m) and C (200 m): RPSV = sqrt(2 * 100^2 / (2 * 1)) = 100 m
    ch = CaptureHistory(traps, ("a",), np.array([[[1, 0, 0], [0, 0, 1]]]))
    assert ch.rpsv() == pytest.approx(100.0)
    assert ch.histories().tolist() == [[1, 1]]
    assert ch.detector_visits().tolist() == [2]
    assert math.isnan(CaptureHistory(traps, ("a",), np.array([[[1, 0, 0]]])).rpsv())


def test_captdata_default_mask_follows_make_mask_rules() -> None:
    traps = captdata().traps
    mask = make_mask(traps, 100)
    assert mask.spacing == 470 / 64  # buffered x range / nx
    assert mask.x.min() == 265 + mask.spacing / 2
    assert mask.n_points == 3936
    assert mask.distance_to_nearest(traps).max() <= 100.0
    assert mask.area_ha == pytest.approx(3936 * (470 / 64) ** 2 / 10_000)
    rect = make_mask(traps, 100, type="traprect")
    assert rect.n_points == 64 * 64
    assert make_mask(traps, 100, spacing=10.0).n_points < mask.n_points


def test_mask_clipping_and_reading() -> None:
    mask = make_mask(captdata().traps, 100)
    habitat = [shapely.box(0, 0, 400, 1000), shapely.box(600, 0, 1000, 1000)]
    clipped = mask.clip(habitat)
    keep = (mask.x <= 400) | (mask.x >= 600)
    assert clipped.n_points == int(keep.sum())
    with pytest.raises(ValueError, match="no mask point"):
        mask.clip(shapely.box(5000, 5000, 5001, 5001))
    with pytest.raises(ValueError, match="polygon"):
        mask.clip(shapely.Point(0, 0))
    namkha = read_mask_csv(reference_path("snowleopard_namkha", "namkha_mask.csv"))
    assert (namkha.n_points, namkha.spacing, namkha.area_km2) == (2966, 1500.0, 6673.5)


def test_edge_points_of_a_full_grid() -> None:
    xs, ys = np.meshgrid(np.arange(3.0), np.arange(3.0))
    mask = Mask(xs.ravel() * 10, ys.ravel() * 10, 10.0)
    edge = _edge_points(mask)
    assert edge.sum() == 8 and not edge[4]
