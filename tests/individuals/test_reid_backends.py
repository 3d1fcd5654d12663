"""The backend registry and the deep-embedding backend's behaviour without weights."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import ClassVar

import numpy as np
import pytest

from barys.individuals.reid import (
    SUGGEST_NEW,
    Backend,
    EmbeddingBackend,
    EmbeddingRuntimeMissing,
    EmbeddingWeightsMissing,
    LocalFeatureBackend,
    ReidEngine,
    ReidInputError,
    available_backends,
    create_backend,
    register_backend,
)
from barys.individuals.reid.embedding import WEIGHTS_VARIABLE, preprocess


def test_builtin_backends_are_registered() -> None:
    assert {"hotspotter", "embedding"} <= set(available_backends())
    backend = create_backend("hotspotter", scoring={"k": 3})
    assert isinstance(backend, LocalFeatureBackend) and isinstance(backend, Backend)
    assert backend.scoring.k == 3
    assert ReidEngine().backend.name == "hotspotter"
    with pytest.raises(ReidInputError, match="unknown re-identification backend"):
        ReidEngine("sift-and-pray")
    with pytest.raises(ReidInputError, match="unknown hotspotter settings"):
        create_backend("hotspotter", colour=True)


def test_embedding_backend_without_weights_says_so(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.delenv(WEIGHTS_VARIABLE, raising=False)
    with pytest.raises(EmbeddingWeightsMissing, match=WEIGHTS_VARIABLE):
        ReidEngine("embedding")
    with pytest.raises(EmbeddingWeightsMissing, match="not found: .*missing.onnx"):
        EmbeddingBackend(tmp_path / "missing.onnx")
    monkeypatch.setenv(WEIGHTS_VARIABLE, str(tmp_path / "also-missing.pt"))
    with pytest.raises(EmbeddingWeightsMissing, match="also-missing.pt"):
        EmbeddingBackend()
    odd = tmp_path / "weights.bin"
    odd.write_bytes(b"\x00" * 16)
    with pytest.raises(ReidInputError, match="unsupported weights format"):
        EmbeddingBackend(odd)


@pytest.mark.skipif(
    importlib.util.find_spec("onnxruntime") is not None, reason="onnxruntime is installed"
)
def test_onnx_weights_without_onnxruntime_say_so(tmp_path: Path) -> None:
    weights = tmp_path / "reid.onnx"
    weights.write_bytes(b"\x08\x07")
    with pytest.raises(EmbeddingRuntimeMissing, match="onnxruntime"):
        EmbeddingBackend(weights)


@pytest.mark.skipif(importlib.util.find_spec("torch") is not None, reason="torch is installed")
def test_torchscript_weights_without_torch_say_so(tmp_path: Path) -> None:
    weights = tmp_path / "reid.pt"
    weights.write_bytes(b"PK")
    with pytest.raises(EmbeddingRuntimeMissing, match="torch"):
        EmbeddingBackend(weights)


def test_preprocess_normalises_with_imagenet_statistics() -> None:
    chip = np.full((40, 60, 3), (124, 116, 104), np.uint8)  # the ImageNet mean, rounded
    batch = preprocess(chip, 32)
    assert batch.shape == (3, 32, 32) and batch.dtype == np.float32
    assert np.allclose(batch, 0.0, atol=0.01)


class MeanColour:
    """A deterministic stand-in *encoder* for the plumbing test: a chip's mean colour
    (no learned model; the engine only needs ``(N, 3, S, S)`` in, ``(N, D)`` out)."""

    input_size = 8

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return batch.mean(axis=(2, 3)) + 3.0


def test_an_embedding_backend_plugs_into_the_engine() -> None:
    engine = ReidEngine(EmbeddingBackend(encoder=MeanColour()))
    colours = {"red": (200, 30, 30), "green": (30, 200, 30), "blue": (30, 30, 200)}
    for name, colour in colours.items():
        engine.add(
            f"{name}-1", name, np.full((32, 32, 3), colour, np.uint8), "left", event=f"e-{name}"
        )
    result = engine.query(np.full((32, 32, 3), (190, 40, 35), np.uint8), "left")
    assert [c.individual for c in result][0] == "red"
    assert result.best is not None and result.best.matches.shape == (0, 4)
    assert engine.query(np.full((32, 32, 3), (190, 40, 35), np.uint8), "right").band == SUGGEST_NEW
    excluded = engine.query(np.full((32, 32, 3), (190, 40, 35), np.uint8), "left", event="e-red")
    assert "red" not in [c.individual for c in excluded]


def test_third_party_backends_register_by_name() -> None:
    @register_backend
    class Constant(EmbeddingBackend):
        name: ClassVar[str] = "constant-test"

        @classmethod
        def from_config(cls, config: dict[str, object]) -> Constant:
            return cls(encoder=MeanColour())

    assert "constant-test" in available_backends()
    engine = ReidEngine("constant-test")
    assert isinstance(engine.backend, Constant)
    with pytest.raises(ValueError, match="name"):
        register_backend(type("Nameless", (), {}))  # type: ignore[arg-type]
