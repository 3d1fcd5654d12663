"""Deep-embedding re-identification backend for user-supplied weights.

Barys ships no model weights and never downloads any (design rule 8). An installation that
has a re-identification network (for example a MegaDescriptor-style model exported to ONNX,
or a TorchScript file) points the backend at it: ``EmbeddingBackend(weights=path)``, or the
``BARYS_REID_EMBEDDING_WEIGHTS`` environment variable. Without weights the backend raises
:class:`~barys.individuals.reid.errors.EmbeddingWeightsMissing`; when the runtime the file
needs (``onnxruntime`` for ``.onnx``, ``torch`` for ``.pt``/``.pth``/``.torchscript``) is not
installed it raises :class:`~barys.individuals.reid.errors.EmbeddingRuntimeMissing`.

Model contract: input ``(N, 3, S, S)`` float32 RGB, scaled to [0, 1] and normalised with the
ImageNet mean and standard deviation (S from the ONNX input shape, else ``input_size``);
output ``(N, D)`` embeddings. Chips are resized to S x S without padding. Embeddings are
L2-normalised, and an individual's score is its best cosine similarity (clipped at 0) over
the allowed annotations of the query's viewpoint group. Scores are therefore not on the
HotSpotter scale: calibrate (:meth:`ReidEngine.calibrate`) before trusting probabilities.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, ClassVar, Protocol

import cv2
import numpy as np

from barys.individuals.reid.backends import BackendHit, GalleryView, register_backend
from barys.individuals.reid.errors import (
    EmbeddingRuntimeMissing,
    EmbeddingWeightsMissing,
    IndexFormatError,
    ReidInputError,
)

__all__ = ["WEIGHTS_VARIABLE", "EmbeddingBackend", "Encoder", "load_encoder", "preprocess"]

#: Environment variable naming the weights file when none is passed.
WEIGHTS_VARIABLE = "BARYS_REID_EMBEDDING_WEIGHTS"
_MEAN = np.array([0.485, 0.456, 0.406], np.float32)
_STD = np.array([0.229, 0.224, 0.225], np.float32)


class Encoder(Protocol):
    """A network: ``(N, 3, S, S)`` float32 batch in, ``(N, D)`` embeddings out."""

    input_size: int

    def __call__(self, batch: np.ndarray) -> np.ndarray: ...


def preprocess(chip: np.ndarray, size: int) -> np.ndarray:
    """A uint8 RGB chip as a ``(3, size, size)`` ImageNet-normalised float32 array."""
    resized = (
        cv2.resize(chip, (size, size), interpolation=cv2.INTER_AREA).astype(np.float32) / 255.0
    )
    return np.ascontiguousarray(((resized - _MEAN) / _STD).transpose(2, 0, 1))


class _OnnxEncoder:
    def __init__(self, path: Path, input_size: int) -> None:
        try:
            import onnxruntime  # type: ignore[import-not-found]
        except ImportError as exc:
            raise EmbeddingRuntimeMissing(
                f"{path} is an ONNX model but the 'onnxruntime' package is not installed"
            ) from exc
        self.session = onnxruntime.InferenceSession(str(path), providers=["CPUExecutionProvider"])
        first = self.session.get_inputs()[0]
        self.input_name = first.name
        side = first.shape[2] if len(first.shape) == 4 else None
        self.input_size = int(side) if isinstance(side, int) else input_size

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        output = self.session.run(None, {self.input_name: batch})[0]
        return np.asarray(output, np.float32).reshape(len(batch), -1)


class _TorchScriptEncoder:
    def __init__(self, path: Path, input_size: int) -> None:
        try:
            import torch  # type: ignore[import-not-found]
        except ImportError as exc:
            raise EmbeddingRuntimeMissing(
                f"{path} is a TorchScript model but the 'torch' package is not installed"
            ) from exc
        self._torch = torch
        self.model = torch.jit.load(str(path), map_location="cpu").eval()
        self.input_size = input_size

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        with self._torch.inference_mode():
            output = self.model(self._torch.from_numpy(batch))
        return np.asarray(output.detach().cpu().numpy(), np.float32).reshape(len(batch), -1)


def load_encoder(weights: str | Path | None, input_size: int = 224) -> Encoder:
    """Open a weights file (``.onnx``, ``.pt``, ``.pth``, ``.torchscript``).

    ``weights=None`` falls back to ``$BARYS_REID_EMBEDDING_WEIGHTS``; raises
    :class:`EmbeddingWeightsMissing` when neither names an existing file.
    """
    chosen = weights if weights not in (None, "") else os.environ.get(WEIGHTS_VARIABLE, "")
    if not chosen:
        raise EmbeddingWeightsMissing(
            "the embedding re-identification backend needs model weights: pass weights=PATH "
            f"or set {WEIGHTS_VARIABLE} to an .onnx or TorchScript file (none is bundled)"
        )
    path = Path(chosen)
    if not path.is_file():
        raise EmbeddingWeightsMissing(f"embedding weights file not found: {path}")
    suffix = path.suffix.lower()
    if suffix == ".onnx":
        return _OnnxEncoder(path, input_size)
    if suffix in (".pt", ".pth", ".torchscript"):
        return _TorchScriptEncoder(path, input_size)
    raise ReidInputError(
        f"{path}: unsupported weights format {suffix!r} (use .onnx, .pt, .pth or .torchscript)"
    )


@register_backend
class EmbeddingBackend:
    """Global-embedding backend: cosine similarity between chips' network embeddings.

    ``weights``: path of the model (see :func:`load_encoder`); ``encoder``: an already
    opened :class:`Encoder` (weights are then not reopened, and a saved index records
    ``weights`` only). ``input_size``: network input side (px) if the model does not say.
    """

    name: ClassVar[str] = "embedding"

    def __init__(
        self,
        weights: str | Path | None = None,
        *,
        encoder: Encoder | None = None,
        input_size: int = 224,
    ) -> None:
        self.encoder: Encoder = (
            encoder if encoder is not None else load_encoder(weights, input_size)
        )
        self.weights = None if weights is None else str(weights)
        self.input_size = int(input_size)
        self._vectors: dict[int, np.ndarray] = {}
        self._group_of: dict[int, str] = {}

    def describe(self, chip: np.ndarray) -> np.ndarray:
        batch = preprocess(chip, self.encoder.input_size)[None]
        vector = np.asarray(self.encoder(batch), np.float32).reshape(-1)
        norm = float(np.linalg.norm(vector))
        if not np.isfinite(norm) or norm == 0.0:
            raise ReidInputError("the embedding network returned a zero or non-finite vector")
        return vector / norm

    def add(self, slot: int, group: str, description: Any) -> None:
        vector = np.asarray(description, np.float32)
        if vector.ndim != 1:
            raise ReidInputError("an embedding description is a 1-d vector")
        self._vectors[slot] = vector
        self._group_of[slot] = group

    def remove(self, slot: int) -> None:
        self._vectors.pop(slot, None)
        self._group_of.pop(slot, None)

    def description(self, slot: int) -> np.ndarray:
        return self._vectors[slot]

    def query(
        self, description: Any, *, group: str, gallery: GalleryView, excluded: set[int], top: int
    ) -> list[BackendHit]:
        slots = [s for s, g in self._group_of.items() if g == group and s not in excluded]
        if not slots:
            return []
        matrix = np.stack([self._vectors[s] for s in slots])
        similarity = matrix @ np.asarray(description, np.float32)
        individuals = gallery.individual_of_slot[np.array(slots)]
        best = np.full(gallery.n_individuals, -np.inf)
        np.maximum.at(best, individuals, similarity)
        ranked = [int(i) for i in np.argsort(-best, kind="stable") if np.isfinite(best[i])][:top]
        hits = []
        empty = np.zeros((0, 4), np.float32)
        for ind in ranked:
            members = np.flatnonzero(individuals == ind)
            slot = slots[int(members[np.argmax(similarity[members])])]
            hits.append(
                BackendHit(ind, slot, max(0.0, float(best[ind])), float(best[ind]), 0, empty)
            )
        return hits

    def config(self) -> dict[str, Any]:
        return {"weights": self.weights, "input_size": self.input_size}

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> EmbeddingBackend:
        return cls(config.get("weights"), input_size=int(config.get("input_size", 224)))

    def state(self) -> dict[str, np.ndarray]:
        slots = sorted(self._vectors)
        groups = sorted(set(self._group_of.values()))
        return {
            "slots": np.array(slots, np.int64),
            "groups": np.array(groups, dtype=str),
            "group_of": np.array([groups.index(self._group_of[s]) for s in slots], np.int64),
            "vectors": np.stack([self._vectors[s] for s in slots])
            if slots
            else np.zeros((0, 0), np.float32),
        }

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        try:
            groups = [str(g) for g in state["groups"]]
            for i, slot in enumerate(state["slots"]):
                self._vectors[int(slot)] = np.asarray(state["vectors"][i], np.float32)
                self._group_of[int(slot)] = groups[int(state["group_of"][i])]
        except (KeyError, IndexError) as exc:
            raise IndexFormatError(f"damaged embedding state: {exc}") from exc
