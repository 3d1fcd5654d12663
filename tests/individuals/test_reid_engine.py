"""ReidEngine on procedural snow leopards: ranking, bands, viewpoints, exclusions, removal."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

import cv2
import numpy as np
import pytest

from barys.demo.coats import Coat, crop_chip, render_with_box
from barys.individuals.reid import (
    SUGGEST_KNOWN,
    SUGGEST_NEW,
    CalibrationError,
    DuplicateAnnotationError,
    ReidEngine,
    ReidInputError,
    UnknownAnnotationError,
)

N_INDIVIDUALS = 20


@cache
def chip(seed: int, side: str, yaw: float, scale: float, station: int, shot: int) -> np.ndarray:
    """A day-light chip of individual ``seed`` (cached: rendering is the slow part)."""
    rendering = render_with_box(
        Coat.for_individual(seed),
        side,
        yaw,
        scale,
        0.0,
        False,
        station,
        shot_seed=shot,
    )
    return crop_chip(rendering.image, rendering.box)


def name(i: int) -> str:
    return f"SL-{i:02d}"


def gallery_chip(i: int, side: str) -> np.ndarray:
    return chip(500 + i, side, float((i * 7) % 21 - 10), 1.0, i % 5, i)


def query_chip(i: int, side: str = "left") -> np.ndarray:
    """The same flank at another yaw, scale, station and shot."""
    yaw = 20.0 if i % 2 else -20.0
    return chip(500 + i, side, yaw, 0.8 if i % 2 else 1.15, 10 + i % 3, 100 + i)


@pytest.fixture(scope="module")
def engine() -> Iterator[ReidEngine]:
    """20 individuals' left flanks; individuals 0-9 also with their right flank."""
    reid = ReidEngine()
    for i in range(N_INDIVIDUALS):
        reid.add(f"{name(i)}-left", name(i), gallery_chip(i, "left"), "left", event=f"enc-{i}")
        if i < 10:
            reid.add(
                f"{name(i)}-right", name(i), gallery_chip(i, "right"), "right", event=f"enc-{i}"
            )
    yield reid


def test_same_flank_is_found_at_rank_one_and_suggested_known(engine: ReidEngine) -> None:
    for i in (0, 3, 6, 11, 14, 19):
        result = engine.query(query_chip(i), "left")
        assert result.best is not None
        assert result.best.individual == name(i)
        assert result.best.annotation == f"{name(i)}-left"
        assert result.best.inliers >= 20
        assert result.band == SUGGEST_KNOWN
        assert result.best.probability >= 0.8
        # Impostors are ranked after, with far lower scores.
        assert all(c.score < 0.2 * result.best.score for c in result.candidates[1:])
        assert len(result) <= 12


def test_unknown_individual_is_suggested_new(engine: ReidEngine) -> None:
    stranger = chip(9_999, "left", 10.0, 1.0, 3, 77)
    result = engine.query(stranger, "left")
    assert result.band == SUGGEST_NEW
    assert result.best is None or result.best.probability < 0.2


def test_left_query_never_returns_right_flank_annotations(engine: ReidEngine) -> None:
    # The right flank of SL-03 is catalogued as "right": a right-flank chip queried as
    # "left" must not reach it (the groups are separate indexes) ...
    as_left = engine.query(query_chip(3, "right"), "left")
    assert all(c.viewpoint == "left" and c.annotation.endswith("-left") for c in as_left)
    assert as_left.band == SUGGEST_NEW
    # ... while the same chip queried as "right" finds it.
    as_right = engine.query(query_chip(3, "right"), "right")
    assert as_right.best is not None and as_right.best.annotation == "SL-03-right"
    assert all(c.viewpoint == "right" for c in as_right)


def test_matches_are_in_original_pixel_coordinates(engine: ReidEngine) -> None:
    original = gallery_chip(5, "left")
    half = cv2.resize(original, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA)
    best = engine.query(half, "left").best
    assert best is not None and best.annotation == "SL-05-left"
    matches = best.matches
    assert matches.shape == (best.inliers, 4) and matches.dtype == np.float32
    # The database chip is twice the query chip: x_db = 2 x_query + 0.5 (pixel centres).
    error = np.hypot(
        matches[:, 2] - (2 * matches[:, 0] + 0.5), matches[:, 3] - (2 * matches[:, 1] + 0.5)
    )
    assert np.median(error) < 2.0
    assert matches[:, 2].max() <= original.shape[1] and matches[:, 0].max() <= half.shape[1]


def test_same_event_and_excluded_keys_and_individuals_are_never_matched(engine: ReidEngine) -> None:
    burst = query_chip(4)
    engine.add("SL-04-burst", name(4), burst, "left", event="burst-1")
    try:
        plain = engine.query(burst, "left")
        assert plain.best is not None and plain.best.annotation == "SL-04-burst"
        same_event = engine.query(burst, "left", event="burst-1")
        assert same_event.best is not None and same_event.best.annotation == "SL-04-left"
        assert all(c.annotation != "SL-04-burst" for c in same_event)
        keys = engine.query(burst, "left", exclude=["SL-04-burst", "SL-04-left"])
        assert name(4) not in [c.individual for c in keys]
        individuals = engine.query(burst, "left", exclude_individuals=[name(4)])
        assert name(4) not in [c.individual for c in individuals]
        with pytest.raises(ReidInputError):
            engine.query(burst, "left", exclude="SL-04-left")
    finally:
        engine.remove("SL-04-burst")
    assert "SL-04-burst" not in engine


def test_catalogue_rules() -> None:
    reid = ReidEngine()
    image = gallery_chip(1, "left")
    reid.add("a", "SL-A", image, "left", event="e1")
    reid.add("b", "SL-B", gallery_chip(2, "left"), "left")
    assert len(reid) == 2 and "a" in reid and reid.individuals() == ["SL-A", "SL-B"]
    with pytest.raises(DuplicateAnnotationError):
        reid.add("a", "SL-A", image, "left")
    with pytest.raises(ReidInputError, match="viewpoint"):
        reid.add("c", "SL-C", image, "upside-down")
    with pytest.raises(ReidInputError, match="key"):
        reid.add("", "SL-C", image, "left")
    with pytest.raises(ReidInputError, match="top"):
        reid.query(image, "left", top=0)
    with pytest.raises(UnknownAnnotationError):
        reid.remove("zzz")
    first = reid.query(image, "left").best
    assert first is not None and first.individual == "SL-A"
    reid.remove("a")
    after = reid.query(image, "left")
    assert "SL-A" not in [c.individual for c in after]
    assert [a.key for a in reid.annotations()] == ["b"]
    # The front/head and back/tail groups are empty: no candidates, band "new".
    assert reid.query(image, "head").band == SUGGEST_NEW


def test_calibration_needs_repeat_encounters_then_fits(engine: ReidEngine) -> None:
    # Every individual was seen in one encounter: leaving it out leaves no "same" evidence.
    with pytest.raises(CalibrationError, match="same"):
        engine.calibrate(max_queries=6, seed=1)
    assert not engine.calibrated
    for i in range(6):
        engine.add(f"{name(i)}-later", name(i), query_chip(i), "left", event=f"later-{i}")
    try:
        calibration = engine.calibrate(max_queries=14, seed=3)
        assert engine.calibrated and calibration.source == "leave-one-encounter-out"
        assert calibration.n_same >= 3 and calibration.n_different >= 3
        assert calibration.slope > 0
        result = engine.query(query_chip(2), "left", event="later-2")
        assert result.best is not None and result.best.individual == name(2)
        assert result.calibrated and result.best.probability > 0.5
    finally:
        for i in range(6):
            engine.remove(f"{name(i)}-later")
