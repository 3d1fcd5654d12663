"""Re-identification backends: the :class:`Backend` protocol, its registry, and the built-in
local-feature (HotSpotter) backend.

A backend turns a chip into a *description* (local features, an embedding, ...), keeps the
descriptions of the catalogue's annotations per viewpoint group, and ranks individuals for a
query description. The engine (:mod:`barys.individuals.reid.engine`) owns everything else:
annotation keys, individuals, events, viewpoints, exclusions, calibration and persistence.
Annotations are identified towards a backend by integer *slots* that the engine assigns.

Backends register under a name (:func:`register_backend`); the engine creates its backend
from that name, and a saved index records it so that :meth:`ReidEngine.load` can restore it.
The built-in ``"hotspotter"`` backend registers itself the same way a deep-embedding
backend (``"embedding"``, :mod:`barys.individuals.reid.embedding`) does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import numpy as np

from barys.individuals.reid.errors import IndexFormatError, ReidInputError
from barys.individuals.reid.features import ChipFeatures, FeatureConfig, extract_features
from barys.individuals.reid.index import DescriptorIndex, IndexConfig
from barys.individuals.reid.scoring import ScoringConfig, lnbnn_matches, verify

__all__ = [
    "Backend",
    "BackendHit",
    "GalleryView",
    "LocalFeatureBackend",
    "available_backends",
    "backend_class",
    "create_backend",
    "register_backend",
]


@dataclass(frozen=True)
class GalleryView:
    """What a backend may know of the catalogue: the individual index of every slot
    (``-1`` for a removed slot) and the number of individuals."""

    individual_of_slot: np.ndarray
    n_individuals: int


@dataclass(frozen=True)
class BackendHit:
    """One ranked individual: its index, best annotation slot, verified ``score`` (>= 0,
    backend units), ``raw_score`` before verification, inlier count and matched keypoints
    ``(n, 4)`` float32 ``(x_query, y_query, x_db, y_db)`` in original-image pixels."""

    individual: int
    slot: int
    score: float
    raw_score: float
    inliers: int
    matches: np.ndarray = field(repr=False)


@runtime_checkable
class Backend(Protocol):
    """What the engine needs from a re-identification backend."""

    name: ClassVar[str]

    def describe(self, chip: np.ndarray) -> Any:
        """Describe a ``uint8`` RGB chip ``(h, w, 3)``."""
        ...

    def add(self, slot: int, group: str, description: Any) -> None:
        """Store annotation ``slot`` of viewpoint ``group``."""
        ...

    def remove(self, slot: int) -> None:
        """Forget annotation ``slot``."""
        ...

    def description(self, slot: int) -> Any:
        """The stored description of ``slot`` (used by calibration re-queries)."""
        ...

    def query(
        self, description: Any, *, group: str, gallery: GalleryView, excluded: set[int], top: int
    ) -> list[BackendHit]:
        """Individuals best first, never using an ``excluded`` slot."""
        ...

    def config(self) -> dict[str, Any]:
        """JSON-serialisable settings, enough for :meth:`from_config`."""
        ...

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> Backend:
        """A fresh, empty backend with these settings."""
        ...

    def state(self) -> dict[str, np.ndarray]:
        """The stored content as named arrays (no Python objects)."""
        ...

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        """Restore content saved by :meth:`state` into an empty backend."""
        ...


_REGISTRY: dict[str, type[Backend]] = {}


def register_backend(cls: type[Backend]) -> type[Backend]:
    """Register a backend class under ``cls.name`` (usable as a class decorator)."""
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name:
        raise ValueError("a backend class needs a non-empty string attribute 'name'")
    _REGISTRY[name] = cls
    return cls


def available_backends() -> list[str]:
    """Names of the registered backends."""
    return sorted(_REGISTRY)


def backend_class(name: str) -> type[Backend]:
    """The backend class registered as ``name``."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise ReidInputError(
            f"unknown re-identification backend {name!r}; known: {available_backends()}"
        ) from None


def create_backend(name: str, **config: Any) -> Backend:
    """A new backend ``name`` built from keyword settings."""
    return backend_class(name).from_config(config)


def _features_to_arrays(items: Iterable[tuple[int, ChipFeatures]]) -> dict[str, np.ndarray]:
    slots, counts, meta, xy, chip_xy, size = [], [], [], [], [], []
    for slot, f in items:
        slots.append(slot)
        counts.append(len(f))
        meta.append((f.image_shape[0], f.image_shape[1], f.factor))
        xy.append(f.xy)
        chip_xy.append(f.chip_xy)
        size.append(f.size)
    empty2 = np.zeros((0, 2), np.float32)
    return {
        "slots": np.array(slots, np.int64),
        "counts": np.array(counts, np.int64),
        "meta": np.array(meta, np.float64).reshape(-1, 3),
        "xy": np.concatenate(xy) if xy else empty2,
        "chip_xy": np.concatenate(chip_xy) if chip_xy else empty2,
        "size": np.concatenate(size) if size else np.zeros(0, np.float32),
    }


@register_backend
class LocalFeatureBackend:
    """HotSpotter: upright RootSIFT, one k-NN index per viewpoint group, LNBNN, name
    scoring and RANSAC spatial verification (see :mod:`~barys.individuals.reid.scoring`).
    Scores are sums of LNBNN distance margins (RootSIFT Euclidean units)."""

    name: ClassVar[str] = "hotspotter"

    def __init__(
        self,
        features: FeatureConfig | None = None,
        index: IndexConfig | None = None,
        scoring: ScoringConfig | None = None,
    ) -> None:
        self.features = features or FeatureConfig()
        self.index_config = index or IndexConfig()
        self.scoring = scoring or ScoringConfig()
        self._geometry: dict[int, ChipFeatures] = {}  # keypoints (descriptors live in the index)
        self._group_of: dict[int, str] = {}
        self._groups: dict[str, DescriptorIndex] = {}

    # -- Backend protocol --------------------------------------------------------------
    def describe(self, chip: np.ndarray) -> ChipFeatures:
        return extract_features(chip, self.features)

    def add(self, slot: int, group: str, description: Any) -> None:
        if not isinstance(description, ChipFeatures):
            raise ReidInputError("the hotspotter backend stores ChipFeatures descriptions")
        empty = np.zeros((0, 128), np.uint8)
        self._geometry[slot] = ChipFeatures(
            description.xy,
            description.chip_xy,
            description.size,
            empty,
            description.image_shape,
            description.factor,
        )
        self._group_of[slot] = group
        index = self._groups.get(group)
        if index is None:
            index = self._groups[group] = DescriptorIndex(self.index_config)
        index.add(slot, description.descriptors)

    def remove(self, slot: int) -> None:
        group = self._group_of.pop(slot, None)
        self._geometry.pop(slot, None)
        if group is not None:
            self._groups[group].remove(slot)

    def description(self, slot: int) -> ChipFeatures:
        geometry = self._geometry[slot]
        descriptors = self._groups[self._group_of[slot]].descriptors(slot)
        return ChipFeatures(
            geometry.xy,
            geometry.chip_xy,
            geometry.size,
            descriptors,
            geometry.image_shape,
            geometry.factor,
        )

    def query(
        self, description: Any, *, group: str, gallery: GalleryView, excluded: set[int], top: int
    ) -> list[BackendHit]:
        if not isinstance(description, ChipFeatures):
            raise ReidInputError("the hotspotter backend queries with ChipFeatures descriptions")
        index = self._groups.get(group)
        if index is None or len(description) == 0:
            return []
        k = self.scoring.k + 1
        distances, slots, rows = index.search(description.descriptors, k, excluded)
        offsets = index.row_offsets(rows, slots)
        matches = lnbnn_matches(distances, slots, offsets, self.scoring.k)
        db_xy = {int(s): self._geometry[int(s)].chip_xy for s in np.unique(matches.slot)}
        evidence = verify(
            matches,
            gallery.individual_of_slot,
            gallery.n_individuals,
            description.chip_xy,
            db_xy,
            self.scoring,
        )
        hits = []
        for item in evidence[:top]:
            db = self._geometry[item.slot].xy[item.pairs[:, 1]]
            pairs = np.hstack([description.xy[item.pairs[:, 0]], db]).astype(np.float32)
            hits.append(
                BackendHit(
                    item.individual, item.slot, item.score, item.raw_score, item.inliers, pairs
                )
            )
        return hits

    def config(self) -> dict[str, Any]:
        return {
            "features": asdict(self.features),
            "index": self.index_config.as_dict(),
            "scoring": asdict(self.scoring),
        }

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> LocalFeatureBackend:
        known = {"features", "index", "scoring"}
        if not isinstance(config, dict) or not all(
            isinstance(config.get(k, {}), dict) for k in known
        ):
            raise ReidInputError("hotspotter settings must be a mapping of mappings")
        unknown = set(config) - known
        if unknown:
            raise ReidInputError(f"unknown hotspotter settings: {sorted(unknown)}")
        try:
            return cls(
                FeatureConfig(**config.get("features", {})),
                IndexConfig(**config.get("index", {})),
                ScoringConfig(**config.get("scoring", {})),
            )
        except TypeError as exc:
            raise ReidInputError(f"bad hotspotter settings: {exc}") from exc

    def state(self) -> dict[str, np.ndarray]:
        state = {
            f"geometry/{k}": v
            for k, v in _features_to_arrays(sorted(self._geometry.items())).items()
        }
        state["groups"] = np.array(sorted(self._groups), dtype=str)
        state["group_of"] = np.array(
            [[slot, sorted(self._groups).index(g)] for slot, g in sorted(self._group_of.items())],
            np.int64,
        ).reshape(-1, 2)
        for position, name in enumerate(sorted(self._groups)):
            for key, value in self._groups[name].state().items():
                state[f"index/{position}/{key}"] = value
        return state

    def load_state(self, state: dict[str, np.ndarray]) -> None:
        try:
            groups = [str(g) for g in state["groups"]]
            slots = state["geometry/slots"]
            counts = state["geometry/counts"]
            meta = state["geometry/meta"]
            bounds = np.concatenate([[0], np.cumsum(counts)])
            xy, chip_xy, size = (
                state["geometry/xy"],
                state["geometry/chip_xy"],
                state["geometry/size"],
            )
            empty = np.zeros((0, 128), np.uint8)
            for i, slot in enumerate(slots):
                a, b = int(bounds[i]), int(bounds[i + 1])
                self._geometry[int(slot)] = ChipFeatures(
                    xy[a:b],
                    chip_xy[a:b],
                    size[a:b],
                    empty,
                    (int(meta[i, 0]), int(meta[i, 1])),
                    float(meta[i, 2]),
                )
            self._group_of = {int(s): groups[int(g)] for s, g in state["group_of"]}
            for position, name in enumerate(groups):
                prefix = f"index/{position}/"
                part = {k[len(prefix) :]: v for k, v in state.items() if k.startswith(prefix)}
                self._groups[name] = DescriptorIndex.from_state(part, self.index_config)
        except (KeyError, IndexError, ValueError) as exc:
            if isinstance(exc, IndexFormatError):
                raise
            raise IndexFormatError(f"damaged hotspotter state: {exc}") from exc

    # -- extras ------------------------------------------------------------------------
    def index_kinds(self) -> dict[str, str]:
        """Search kind (``"exact"`` or ``"hnsw"``) per viewpoint group."""
        return {name: index.kind for name, index in sorted(self._groups.items())}

    def index_memory(self) -> dict[str, int]:
        """Bytes of the search structures per viewpoint group (see ``DescriptorIndex``)."""
        return {name: index.memory_bytes() for name, index in sorted(self._groups.items())}

    def index_rows(self) -> dict[str, int]:
        """Live descriptor rows per viewpoint group."""
        return {name: index.live_rows for name, index in sorted(self._groups.items())}
