"""Nearest-neighbour index over the 8-bit RootSIFT descriptors of many annotations.

One :class:`DescriptorIndex` holds the descriptors of every annotation of one viewpoint
group. Rows of one annotation ("slot") are contiguous. Search is

* **exact** while the index holds at most ``exact_limit`` live rows (default 60,000, about
  40-50 chips): brute-force L2 with BLAS (``faiss.knn``), and
* **HNSW** above that: a hierarchical navigable small-world graph (Malkov & Yashunin 2018,
  faiss ``IndexHNSWSQ`` with ``QT_8bit_direct`` storage). The 8-bit storage keeps the
  descriptors' exact integer values - no training, no product quantisation - so distances
  are the same as an ``IndexHNSWFlat`` over the same vectors, at a quarter of the memory.

Removed annotations are tombstoned (excluded from every search) and the index is rebuilt
when tombstones exceed a quarter of its rows. Exclusions per query (an event, keys,
individuals) are applied *inside* the search with a row bitmap, so the k neighbours
returned are the k nearest among the allowed rows. Distances are squared Euclidean in
descriptor units (see :data:`barys.individuals.reid.features.DESCRIPTOR_SCALE`).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any

import faiss
import numpy as np

from barys.individuals.reid.errors import IndexFormatError
from barys.individuals.reid.features import DESCRIPTOR_DIM

__all__ = ["DescriptorIndex", "IndexConfig"]

logger = logging.getLogger(__name__)
_ADD_CHUNK = 65_536  # rows converted to float32 and added to the graph at a time


class IndexConfig:
    """Search settings. ``exact_limit``: live rows up to which search is exact.
    ``hnsw_m``: graph degree. ``ef_construction`` / ``ef_search``: HNSW beam widths.
    ``rebuild_fraction``: tombstoned share of rows that triggers a rebuild."""

    __slots__ = ("ef_construction", "ef_search", "exact_limit", "hnsw_m", "rebuild_fraction")

    def __init__(
        self,
        exact_limit: int = 60_000,
        hnsw_m: int = 16,
        ef_construction: int = 40,
        ef_search: int = 48,
        rebuild_fraction: float = 0.25,
    ) -> None:
        if exact_limit < 0 or hnsw_m < 4 or ef_construction < 8 or ef_search < 8:
            raise ValueError("invalid index configuration")
        self.exact_limit = int(exact_limit)
        self.hnsw_m = int(hnsw_m)
        self.ef_construction = int(ef_construction)
        self.ef_search = int(ef_search)
        self.rebuild_fraction = float(rebuild_fraction)

    def as_dict(self) -> dict[str, float]:
        return {name: getattr(self, name) for name in self.__slots__}


class DescriptorIndex:
    """The descriptors of the annotations of one viewpoint group, searchable by L2."""

    def __init__(self, config: IndexConfig | None = None) -> None:
        self.config = config or IndexConfig()
        self._blocks: dict[int, np.ndarray] = {}  # slot -> uint8 rows not yet indexed / exact
        self._order: list[int] = []  # slots in row order (indexed part)
        self._starts: dict[int, tuple[int, int]] = {}  # slot -> row range in the index
        self._row_slot = np.zeros(0, np.int32)
        self._dead: set[int] = set()
        self._dead_rows = 0
        self._pending: list[int] = []
        self._hnsw: Any = None  # faiss.IndexHNSWSQ once the group outgrows exact search
        self._matrix: np.ndarray | None = None  # float32 rows for exact search
        self._slot_start: np.ndarray | None = None  # slot -> first row, for row_offsets

    # -- content -----------------------------------------------------------------------
    @property
    def kind(self) -> str:
        """``"hnsw"`` or ``"exact"`` (the search the next query will use)."""
        return "hnsw" if self._hnsw is not None else "exact"

    @property
    def live_rows(self) -> int:
        """Descriptors of annotations currently in the group."""
        pending = sum(len(self._blocks[s]) for s in self._pending)
        return len(self._row_slot) - self._dead_rows + pending

    def memory_bytes(self) -> int:
        """Bytes held by the searchable structures (codes or float rows, graph, row table)."""
        total = self._row_slot.nbytes + sum(b.nbytes for b in self._blocks.values())
        if self._matrix is not None:
            total += self._matrix.nbytes
        if self._hnsw is not None:
            graph = self._hnsw.hnsw
            total += self._hnsw.ntotal * DESCRIPTOR_DIM  # QT_8bit_direct: one byte per component
            total += graph.neighbors.size() * 4 + graph.levels.size() * 4 + graph.offsets.size() * 8
        return int(total)

    def __contains__(self, slot: int) -> bool:
        return (slot in self._starts and slot not in self._dead) or slot in self._pending

    def add(self, slot: int, descriptors: np.ndarray) -> None:
        """Queue the ``(n, 128)`` uint8 descriptors of annotation ``slot``."""
        if (
            descriptors.dtype != np.uint8
            or descriptors.ndim != 2
            or descriptors.shape[1] != DESCRIPTOR_DIM
        ):
            raise ValueError("descriptors must be a (n, 128) uint8 array")
        if slot in self:
            raise ValueError(f"slot {slot} is already indexed")
        self._blocks[slot] = descriptors
        self._pending.append(slot)

    def remove(self, slot: int) -> None:
        """Drop annotation ``slot`` (tombstoned until the next rebuild)."""
        if slot in self._pending:
            self._pending.remove(slot)
            del self._blocks[slot]
            return
        if slot in self._starts and slot not in self._dead:
            start, end = self._starts[slot]
            self._dead.add(slot)
            self._dead_rows += end - start

    def descriptors(self, slot: int) -> np.ndarray:
        """The uint8 descriptors of ``slot`` (decoded from the graph's storage for HNSW)."""
        block = self._blocks.get(slot)
        if block is not None:
            return block
        if slot not in self._starts or slot in self._dead or self._hnsw is None:
            raise KeyError(slot)
        start, end = self._starts[slot]
        decoded = self._hnsw.reconstruct_n(start, end - start)
        return np.rint(decoded).astype(np.uint8)

    def slots(self) -> list[int]:
        """Live slots in row order."""
        return [s for s in self._order if s not in self._dead] + list(self._pending)

    # -- building ----------------------------------------------------------------------
    def _new_hnsw(self) -> Any:
        direct: Any = faiss.ScalarQuantizer.QT_8bit_direct
        index: Any = faiss.IndexHNSWSQ(DESCRIPTOR_DIM, direct, self.config.hnsw_m)
        index.hnsw.efConstruction = self.config.ef_construction
        if not index.is_trained:
            index.train(np.zeros((1, DESCRIPTOR_DIM), np.float32))
        return index

    def _rebuild(self, hnsw: bool) -> None:
        live = self.slots()
        blocks = [self.descriptors(s) for s in live]
        self._blocks = dict(zip(live, blocks, strict=True))
        self._order, self._starts, self._dead, self._dead_rows = [], {}, set(), 0
        self._slot_start = None
        self._row_slot = np.zeros(0, np.int32)
        self._hnsw = self._new_hnsw() if hnsw else None
        self._matrix = None
        self._pending = list(live)
        self._index_pending()

    def _index_pending(self) -> None:
        if not self._pending:
            return
        blocks = [self._blocks[s] for s in self._pending]
        start = len(self._row_slot)
        offsets = np.cumsum([0] + [len(b) for b in blocks]) + start
        for slot, a, b in zip(self._pending, offsets[:-1], offsets[1:], strict=True):
            self._starts[slot] = (int(a), int(b))
        self._slot_start = None
        self._row_slot = np.concatenate(
            [self._row_slot, np.repeat(np.array(self._pending, np.int32), [len(b) for b in blocks])]
        )
        self._order.extend(self._pending)
        if self._hnsw is not None:
            batch: list[np.ndarray] = []
            for position, block in enumerate(blocks):
                batch.append(block)
                if sum(len(b) for b in batch) >= _ADD_CHUNK or position == len(blocks) - 1:
                    # Bounded float32 copies: the graph stores the rows as 8-bit codes.
                    self._hnsw.add(np.concatenate(batch).astype(np.float32))
                    batch = []
            for slot in self._pending:
                del self._blocks[slot]
        else:
            self._matrix = None
        self._pending = []

    def prepare(self) -> None:
        """Bring the index up to date (done lazily before a search)."""
        total = len(self._row_slot) + sum(len(self._blocks[s]) for s in self._pending)
        if self._hnsw is None and self.live_rows > self.config.exact_limit:
            logger.info("switching a viewpoint group to HNSW at %d rows", self.live_rows)
            self._rebuild(hnsw=True)
        elif self._dead_rows > self.config.rebuild_fraction * max(total, 1):
            self._rebuild(hnsw=self._hnsw is not None)
        else:
            self._index_pending()
        if self._hnsw is None and self._matrix is None:
            blocks = [self._blocks[s] for s in self._order]
            stacked = np.concatenate(blocks) if blocks else np.zeros((0, DESCRIPTOR_DIM), np.uint8)
            self._matrix = stacked.astype(np.float32)

    # -- search ------------------------------------------------------------------------
    def search(
        self, queries: np.ndarray, k: int, excluded: Iterable[int] = ()
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The ``k`` nearest allowed rows of each uint8 query descriptor.

        Returns ``(distances, slots, rows)``, each ``(n, k)``: squared L2 distances (float32,
        descriptor units, ascending; ``inf`` where fewer than ``k`` rows are allowed), the
        annotation slot of each neighbour and its row (``-1`` where missing).
        """
        self.prepare()
        n = len(queries)
        distances = np.full((n, k), np.inf, np.float32)
        rows = np.full((n, k), -1, np.int64)
        total = len(self._row_slot)
        if n == 0 or total == 0:
            return distances, rows.astype(np.int32), rows
        banned = [self._starts[s] for s in set(excluded) | self._dead if s in self._starts]
        query = np.ascontiguousarray(queries, dtype=np.float32)
        if self._hnsw is not None:
            params: Any = faiss.SearchParametersHNSW()  # type: ignore[attr-defined]
            params.efSearch = max(self.config.ef_search, k)
            bitmap = None
            if banned:
                allowed = np.ones(total, bool)
                for a, b in banned:
                    allowed[a:b] = False
                bitmap = np.packbits(allowed, bitorder="little")
                params.sel = faiss.IDSelectorBitmap(total, faiss.swig_ptr(bitmap))
            found_d, found_i = self._hnsw.search(query, k, params=params)
            del bitmap
        else:
            assert self._matrix is not None
            if banned:
                allowed_rows = np.ones(total, bool)
                for a, b in banned:
                    allowed_rows[a:b] = False
                kept = np.flatnonzero(allowed_rows)
                if len(kept) == 0:
                    return distances, rows.astype(np.int32), rows
                kk = min(k, len(kept))
                found_d, local = faiss.knn(query, np.ascontiguousarray(self._matrix[kept]), kk)
                found_i = np.where(local >= 0, kept[np.maximum(local, 0)], -1)
            else:
                kk = min(k, total)
                found_d, found_i = faiss.knn(query, self._matrix, kk)
        kk = found_i.shape[1]
        valid = found_i >= 0
        distances[:, :kk] = np.where(valid, found_d, np.inf)
        rows[:, :kk] = np.where(valid, found_i, -1)
        slots = np.where(rows >= 0, self._row_slot[np.maximum(rows, 0)], -1).astype(np.int32)
        return distances, slots, rows

    def row_offsets(self, rows: np.ndarray, slots: np.ndarray) -> np.ndarray:
        """Position of each row inside its annotation's descriptors (``-1`` where the row
        is ``-1``); ``slots`` are the rows' slots as :meth:`search` returns them."""
        if not self._starts:
            return np.full(rows.shape, -1, np.int64)
        size = max(self._starts) + 1
        if self._slot_start is None or len(self._slot_start) != size:
            table = np.zeros(size, np.int64)
            for slot, (a, _b) in self._starts.items():
                table[slot] = a
            self._slot_start = table
        return np.where(rows >= 0, rows - self._slot_start[np.maximum(slots, 0)], -1)

    # -- persistence -------------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        """Arrays that restore this index exactly (see :meth:`from_state`)."""
        self.prepare()
        live = self.slots()
        starts = np.array([self._starts[s] for s in self._order], np.int64).reshape(-1, 2)
        state: dict[str, np.ndarray] = {
            "order": np.array(self._order, np.int64),
            "starts": starts,
            "dead": np.array(sorted(self._dead), np.int64),
            "live": np.array(live, np.int64),
        }
        if self._hnsw is not None:
            state["hnsw"] = faiss.serialize_index(self._hnsw)
        else:
            blocks = [self._blocks[s] for s in self._order]
            state["rows"] = (
                np.concatenate(blocks) if blocks else np.zeros((0, DESCRIPTOR_DIM), np.uint8)
            )
        return state

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray], config: IndexConfig) -> DescriptorIndex:
        """Rebuild an index saved with :meth:`state`."""
        index = cls(config)
        try:
            order = [int(s) for s in state["order"]]
            starts = state["starts"].astype(np.int64)
            index._order = order
            index._starts = {s: (int(a), int(b)) for s, (a, b) in zip(order, starts, strict=True)}
            index._dead = {int(s) for s in state["dead"]}
            index._dead_rows = sum(index._starts[s][1] - index._starts[s][0] for s in index._dead)
            total = int(starts[:, 1].max()) if len(starts) else 0
            row_slot = np.zeros(total, np.int32)
            for s, (a, b) in index._starts.items():
                row_slot[a:b] = s
            index._row_slot = row_slot
            if "hnsw" in state:
                hnsw: Any = faiss.deserialize_index(np.asarray(state["hnsw"], np.uint8))
                if hnsw.ntotal != total:
                    raise IndexFormatError("HNSW graph and row table disagree")
                hnsw.hnsw.efConstruction = config.ef_construction
                index._hnsw = hnsw
            else:
                rows = np.asarray(state["rows"])
                if rows.dtype != np.uint8 or rows.shape != (total, DESCRIPTOR_DIM):
                    raise IndexFormatError("descriptor rows have the wrong type or shape")
                index._blocks = {s: rows[a:b] for s, (a, b) in index._starts.items()}
        except (KeyError, ValueError, RuntimeError) as exc:
            if isinstance(exc, IndexFormatError):
                raise
            raise IndexFormatError(f"damaged descriptor index: {exc}") from exc
        return index
