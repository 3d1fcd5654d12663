"""LNBNN, name scoring, spatial verification, calibration and the index, on hand-made cases."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from barys.individuals.reid import (
    NEEDS_REVIEW,
    SUGGEST_KNOWN,
    SUGGEST_NEW,
    Bands,
    CalibrationError,
    ReidInputError,
)
from barys.individuals.reid.calibration import Calibration, fit_logistic
from barys.individuals.reid.features import (
    DESCRIPTOR_SCALE,
    FeatureConfig,
    extract_features,
    load_chip,
)
from barys.individuals.reid.index import DescriptorIndex, IndexConfig
from barys.individuals.reid.scoring import Matches, ScoringConfig, lnbnn_matches, one_vote, verify


def squared(units: list[float]) -> np.ndarray:
    """Euclidean RootSIFT distances as the squared descriptor-unit distances faiss returns."""
    return (np.array(units) * DESCRIPTOR_SCALE) ** 2


def test_lnbnn_scores_are_normaliser_minus_match_distance() -> None:
    distances = np.array([squared([0.1, 0.2, 0.3, 0.4, 0.5]), squared([0.3, 0.35, 0.4, 0.45, 0.5])])
    slots = np.array([[7, 8, 7, 9, 3], [1, 1, 2, -1, -1]])
    features = np.array([[0, 1, 2, 3, 4], [5, 6, 7, -1, -1]])
    m = lnbnn_matches(distances, slots, features, k=4)
    # Row 0: K = 4 matches against the 5th neighbour (0.5): 0.4, 0.3, 0.2, 0.1.
    # Row 1: only 3 neighbours: the last (0.4) normalises the first two: 0.1 and 0.05.
    assert m.query.tolist() == [0, 0, 0, 0, 1, 1]
    assert m.slot.tolist() == [7, 8, 7, 9, 1, 1]
    assert m.feature.tolist() == [0, 1, 2, 3, 5, 6]
    assert np.allclose(m.score, [0.4, 0.3, 0.2, 0.1, 0.1, 0.05])


def test_lnbnn_drops_features_without_a_normaliser_and_zero_margins() -> None:
    distances = np.array([squared([0.2, 0.0, 0.0, 0.0, 0.0]), squared([0.3, 0.3, 0.3, 0.3, 0.3])])
    slots = np.array([[4, -1, -1, -1, -1], [1, 2, 3, 4, 5]])
    m = lnbnn_matches(distances, slots, np.zeros_like(slots), k=4)
    assert len(m.query) == 0


def test_one_vote_per_feature_per_individual() -> None:
    # Feature 0 matches individual 1 twice (0.4 and 0.3) and individual 2 once (0.2);
    # feature 1 matches individual 1 once (0.1).
    query = np.array([0, 0, 0, 1])
    individual = np.array([1, 1, 2, 1])
    score = np.array([0.3, 0.4, 0.2, 0.1])
    assert np.allclose(one_vote(query, individual, score, 3), [0.0, 0.5, 0.2])


def test_spatial_verification_keeps_the_consistent_matches() -> None:
    rng = np.random.default_rng(4)
    query_xy = rng.uniform(0, 600, (60, 2)).astype(np.float32)
    # Annotation slot 0 (individual 0) is the query under a similarity transform;
    # slot 1 (individual 1) gets the same number of matches with random positions.
    angle, scale, shift = np.radians(5.0), 1.2, np.array([30.0, -12.0])
    rotation = scale * np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    db0 = (query_xy @ rotation.T + shift).astype(np.float32)
    db1 = rng.uniform(0, 600, (60, 2)).astype(np.float32)
    outliers = np.arange(40, 60)  # a third of slot 0's matches are wrong
    db0[outliers] = rng.uniform(0, 600, (20, 2))
    q = np.concatenate([np.arange(60), np.arange(60)])
    matches = Matches(
        q, np.repeat([0, 1], 60), np.concatenate([np.arange(60), np.arange(60)]), np.full(120, 0.1)
    )
    evidence = verify(matches, np.array([0, 1]), 2, query_xy, {0: db0, 1: db1}, ScoringConfig())
    assert [e.individual for e in evidence] == [0, 1]
    best = evidence[0]
    assert 40 <= best.inliers <= 42 and np.allclose(best.score, 0.1 * best.inliers)
    assert set(best.pairs[:, 0].tolist()) >= set(range(40))
    assert best.raw_score == pytest.approx(6.0)
    assert evidence[1].score < 0.5


def test_mirrored_matches_are_rejected() -> None:
    rng = np.random.default_rng(5)
    query_xy = rng.uniform(0, 600, (30, 2)).astype(np.float32)
    mirrored = query_xy * np.array([-1.0, 1.0], np.float32) + np.array([600.0, 0.0], np.float32)
    matches = Matches(np.arange(30), np.zeros(30, np.int64), np.arange(30), np.full(30, 0.2))
    evidence = verify(matches, np.array([0]), 1, query_xy, {0: mirrored}, ScoringConfig())
    assert evidence[0].score == 0.0 and evidence[0].inliers == 0
    assert evidence[0].raw_score == pytest.approx(6.0)


def test_logistic_fit_matches_the_closed_form() -> None:
    # Saturated model on x in {0, 1}: 1 of 4 positive at x = 0 and 3 of 4 at x = 1, so the
    # MLE is intercept = logit(1/4) = -ln 3 and slope = logit(3/4) - logit(1/4) = 2 ln 3.
    x = np.array([0, 0, 0, 0, 1, 1, 1, 1], float)
    y = np.array([1, 0, 0, 0, 1, 1, 1, 0])
    intercept, slope = fit_logistic(x, y, ridge=0.0)
    assert intercept == pytest.approx(-math.log(3.0), abs=1e-9)
    assert slope == pytest.approx(2.0 * math.log(3.0), abs=1e-9)
    # Perfectly separated classes stay finite thanks to the ridge.
    a, b = fit_logistic(np.array([0.0, 0.1, 2.0, 2.1]), np.array([0, 0, 1, 1]))
    assert np.isfinite(a) and 0 < b < 1e3
    with pytest.raises(CalibrationError, match="0 same"):
        fit_logistic(np.array([1.0, 2.0]), np.array([0, 0]))


def test_calibration_probability_and_bands() -> None:
    calibration = Calibration(intercept=-math.log(3.0), slope=1.0, source="test")
    # log1p(e - 1) = 1: z = 1 - ln 3, p = 1 / (1 + 3 / e).
    assert float(calibration.probability(math.e - 1.0)) == pytest.approx(1.0 / (1.0 + 3.0 / math.e))
    assert float(calibration.probability(0.0)) == pytest.approx(0.25)
    assert Calibration.from_dict(calibration.to_dict()) == calibration
    bands = Bands()
    assert [bands.band(p) for p in (None, 0.1, 0.2, 0.5, 0.79, 0.8, 0.99)] == [
        SUGGEST_NEW,
        SUGGEST_NEW,
        NEEDS_REVIEW,
        NEEDS_REVIEW,
        NEEDS_REVIEW,
        SUGGEST_KNOWN,
        SUGGEST_KNOWN,
    ]
    with pytest.raises(ValueError):
        Bands(known=0.3, new=0.6)


def unit_rows(indices: list[int], value: int = 200) -> np.ndarray:
    rows = np.zeros((len(indices), 128), np.uint8)
    rows[np.arange(len(indices)), indices] = value
    return rows


@pytest.mark.parametrize("exact_limit", [1000, 0])
def test_index_search_with_exclusions_and_tombstones(exact_limit: int) -> None:
    index = DescriptorIndex(IndexConfig(exact_limit=exact_limit, ef_search=64))
    index.add(10, unit_rows([0, 1]))
    index.add(11, unit_rows([2, 3]))
    index.add(12, unit_rows([0], value=190))
    query = unit_rows([0])
    distances, slots, rows = index.search(query, 3)
    assert index.kind == ("exact" if exact_limit else "hnsw")
    # Nearest: slot 10's first row (distance 0), then slot 12 (10^2), then a row at 2 x 200^2.
    assert slots[0, :2].tolist() == [10, 12] and distances[0, :2].tolist() == [0.0, 100.0]
    assert distances[0, 2] == 80_000.0
    assert index.row_offsets(rows, slots)[0, :2].tolist() == [0, 0]
    _, slots, _ = index.search(query, 2, excluded={10})
    assert slots[0, 0] == 12 and 10 not in slots[0].tolist()
    index.remove(12)
    distances, slots, _ = index.search(query, 5)
    assert 12 not in slots[0].tolist()
    assert slots[0].tolist().count(-1) == 1 and np.isinf(distances[0, -1])
    assert index.descriptors(11).tolist() == unit_rows([2, 3]).tolist()
    assert index.live_rows == 4


@settings(max_examples=40, deadline=None)
@given(
    hnp.arrays(
        dtype=st.sampled_from([np.uint8, np.float32, np.float64, np.int32]),
        shape=hnp.array_shapes(min_dims=1, max_dims=4, min_side=0, max_side=40),
        elements={"allow_nan": True, "allow_infinity": True},
    )
)
def test_arbitrary_arrays_are_a_chip_or_a_clear_error(array: np.ndarray) -> None:
    try:
        chip = load_chip(array)
    except ReidInputError:
        return
    assert chip.dtype == np.uint8 and chip.ndim == 3 and chip.shape[2] == 3
    features = extract_features(chip, FeatureConfig(chip_side=64))
    assert features.descriptors.shape == (len(features), 128)


@settings(max_examples=30, deadline=None)
@given(st.binary(max_size=300))
def test_unreadable_image_files_give_a_clear_error(
    tmp_path_factory: pytest.TempPathFactory, blob: bytes
) -> None:
    path = tmp_path_factory.mktemp("chips") / "chip.jpg"
    path.write_bytes(blob)
    with pytest.raises(ReidInputError, match="chip.jpg"):
        load_chip(path)
