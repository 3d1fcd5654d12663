"""Saving and loading the re-identification index: identical results, clear errors."""

from __future__ import annotations

import json
import zipfile
from functools import cache
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from barys.demo.coats import Coat, crop_chip, render_with_box
from barys.individuals.reid import (
    BackendUnavailableError,
    ChipFeatures,
    IndexFormatError,
    LocalFeatureBackend,
    QueryResult,
    ReidEngine,
)
from barys.individuals.reid.features import extract_features


@cache
def features(seed: int, side: str, shot: int, yaw: float = 0.0) -> ChipFeatures:
    rendering = render_with_box(
        Coat.for_individual(seed), side, yaw, 1.0, 0.0, False, shot % 4, shot_seed=shot
    )
    return extract_features(crop_chip(rendering.image, rendering.box))


def build(exact_limit: int) -> ReidEngine:
    """Eight individuals, both flanks, one event each."""
    engine = ReidEngine(index={"exact_limit": exact_limit})
    for i in range(8):
        for side in ("left", "right"):
            engine.add_description(
                f"k{i}{side}", f"ind{i}", features(700 + i, side, i), side, event=f"e{i}"
            )
    return engine


def queries() -> list[tuple[ChipFeatures, str]]:
    return [
        (features(700 + i, side, 50 + i, 15.0), side)
        for i, side in ((1, "left"), (4, "right"), (6, "left"))
    ]


def assert_same(a: QueryResult, b: QueryResult) -> None:
    assert a.band == b.band and len(a) == len(b) and a.calibrated == b.calibrated
    for x, y in zip(a, b, strict=True):
        assert (x.individual, x.annotation, x.inliers, x.viewpoint) == (
            y.individual,
            y.annotation,
            y.inliers,
            y.viewpoint,
        )
        assert x.score == y.score and x.probability == y.probability and x.raw_score == y.raw_score
        assert np.array_equal(x.matches, y.matches)


@pytest.mark.parametrize(("exact_limit", "kind"), [(1_000_000, "exact"), (0, "hnsw")])
def test_save_and_load_give_identical_results(tmp_path: Path, exact_limit: int, kind: str) -> None:
    engine = build(exact_limit)
    engine.remove("k7left")  # a tombstone must survive the round trip
    before = [
        engine.query_description(f, side, exclude=["k2left"], event="e3") for f, side in queries()
    ]
    backend = engine.backend
    assert isinstance(backend, LocalFeatureBackend)
    assert backend.index_kinds() == {"left": kind, "right": kind}
    path = engine.save(tmp_path / "catalogue.npz")
    loaded = ReidEngine.load(path)
    assert [a.key for a in loaded.annotations()] == [a.key for a in engine.annotations()]
    after = [
        loaded.query_description(f, side, exclude=["k2left"], event="e3") for f, side in queries()
    ]
    for a, b in zip(before, after, strict=True):
        assert_same(a, b)
    assert [r.best.individual if r.best else None for r in after] == ["ind1", "ind4", "ind6"]
    # The loaded engine keeps working: add, remove, query.
    loaded.add_description("new", "ind9", features(709, "left", 9), "left")
    found = loaded.query_description(features(709, "left", 60, 10.0), "left").best
    assert found is not None and found.individual == "ind9"


def test_hnsw_and_exact_search_rank_alike() -> None:
    exact, graph = build(1_000_000), build(0)
    for f, side in queries():
        a, b = exact.query_description(f, side), graph.query_description(f, side)
        assert a.best is not None and b.best is not None
        assert a.best.individual == b.best.individual
        assert abs(a.best.score - b.best.score) < 0.1 * a.best.score


def test_removal_rebuilds_after_many_tombstones() -> None:
    engine = build(0)
    for i in range(5):
        engine.remove(f"k{i}left")
    result = engine.query_description(*queries()[2])
    assert result.best is not None and result.best.individual == "ind6"
    assert {c.individual for c in result} <= {"ind5", "ind6", "ind7"}
    backend = engine.backend
    assert isinstance(backend, LocalFeatureBackend)
    assert backend.index_rows()["left"] == sum(len(features(700 + i, "left", i)) for i in (5, 6, 7))


def test_load_rejects_other_files(tmp_path: Path) -> None:
    text = tmp_path / "notes.npz"
    text.write_text("not an index")
    with pytest.raises(IndexFormatError, match="notes.npz"):
        ReidEngine.load(text)
    foreign = tmp_path / "foreign.npz"
    np.savez(foreign, header=np.array(json.dumps({"format": "something-else"})))
    with pytest.raises(IndexFormatError, match="not a re-identification index"):
        ReidEngine.load(foreign)
    future = tmp_path / "future.npz"
    np.savez(future, header=np.array(json.dumps({"format": "barys-reid-index", "version": 99})))
    with pytest.raises(IndexFormatError, match="version 99"):
        ReidEngine.load(future)
    with pytest.raises(FileNotFoundError):
        ReidEngine.load(tmp_path / "missing.npz")


def test_a_damaged_member_is_reported(tmp_path: Path) -> None:
    path = build(1_000_000).save(tmp_path / "ok.npz")
    damaged = tmp_path / "damaged.npz"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(damaged, "w") as target:
        for item in source.infolist():
            if "geometry/counts" not in item.filename:
                target.writestr(item, source.read(item.filename))
    with pytest.raises(IndexFormatError, match="damaged"):
        ReidEngine.load(damaged)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(st.binary(max_size=600))
def test_random_bytes_never_crash_the_loader(tmp_path: Path, blob: bytes) -> None:
    path = tmp_path / "blob.npz"
    path.write_bytes(blob)
    with pytest.raises(IndexFormatError):
        ReidEngine.load(path)


header_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=8),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.fixed_dictionaries(
        {"format": st.just("barys-reid-index"), "version": st.just(1)},
        optional={
            "backend": st.sampled_from(["hotspotter", "embedding", "nope"]) | st.text(max_size=5),
            "backend_config": header_values,
            "bands": header_values,
            "calibration": header_values,
            "next_slot": header_values,
            "individuals": header_values,
            "annotations": header_values,
        },
    )
)
def test_malformed_headers_give_a_format_error(tmp_path: Path, header: dict[str, object]) -> None:
    path = tmp_path / "header.npz"
    np.savez(path, header=np.array(json.dumps(header)))
    # A saved "embedding" backend without configured weights says so specifically.
    with pytest.raises((IndexFormatError, BackendUnavailableError)):
        ReidEngine.load(path)
