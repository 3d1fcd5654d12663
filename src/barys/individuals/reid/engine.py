"""The re-identification engine: a catalogue of annotated chips that ranks individuals.

``ReidEngine`` keeps annotations (key, individual, viewpoint, event) and hands the image work
to a :class:`~barys.individuals.reid.backends.Backend` (by default the HotSpotter
local-feature backend). It applies the rules that do not depend on the backend:

* **Viewpoints** ``left``, ``right``, ``front``, ``back``, ``head``, ``tail`` fall into four
  compatibility groups, each with its own index: ``left``; ``right``; ``front`` with ``head``
  (both show the face); ``back`` with ``tail`` (both show the hindquarters and tail). A left
  flank therefore never matches a right flank: they are different patterns.
* **Exclusions**: a query never matches annotations of its own ``event`` (the same burst
  or encounter), nor keys in ``exclude`` or individuals in ``exclude_individuals``.
* **Calibration and bands** (:mod:`~barys.individuals.reid.calibration`): scores become
  probabilities of "same individual", and the top candidate sets the band.
* **Persistence**: :meth:`ReidEngine.save` writes one ``.npz`` file (arrays plus a JSON
  header, no pickles); :meth:`ReidEngine.load` restores it so that queries give identical
  results.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, overload

import numpy as np

from barys.individuals.reid.backends import Backend, GalleryView, backend_class, create_backend
from barys.individuals.reid.calibration import (
    DEFAULT_CALIBRATION,
    Bands,
    Calibration,
    fit_logistic,
)
from barys.individuals.reid.errors import (
    DuplicateAnnotationError,
    IndexFormatError,
    ReidInputError,
    UnknownAnnotationError,
)
from barys.individuals.reid.features import ImageLike, load_chip

__all__ = ["VIEWPOINTS", "VIEWPOINT_GROUPS", "Annotation", "Candidate", "QueryResult", "ReidEngine"]

logger = logging.getLogger(__name__)

VIEWPOINT_GROUPS: dict[str, str] = {
    "left": "left",
    "right": "right",
    "front": "front-head",
    "head": "front-head",
    "back": "back-tail",
    "tail": "back-tail",
}
VIEWPOINTS: tuple[str, ...] = tuple(VIEWPOINT_GROUPS)
_FORMAT = "barys-reid-index"
_VERSION = 1


@dataclass(frozen=True)
class Annotation:
    """A catalogue entry: ``key`` (unique), ``individual``, ``viewpoint`` and ``event``."""

    key: str
    individual: str
    viewpoint: str
    event: str | None


@dataclass(frozen=True)
class Candidate:
    """One proposed individual for a query.

    ``score``: verified score (sum of LNBNN margins over spatially consistent matches for
    the HotSpotter backend). ``probability``: calibrated probability that the query shows this
    individual. ``inliers``: spatially consistent matches with ``annotation`` (the best
    annotation key of the individual). ``matches``: ``(n, 4)`` float32 rows
    ``(x_query, y_query, x_db, y_db)`` in original image pixels. ``raw_score``: the name
    score before spatial verification. ``viewpoint``: the annotation's viewpoint.
    """

    individual: str
    annotation: str
    score: float
    probability: float
    inliers: int
    matches: np.ndarray = field(repr=False)
    raw_score: float = 0.0
    viewpoint: str = ""


@dataclass(frozen=True)
class QueryResult(Sequence[Candidate]):
    """Candidates best first (the result behaves as that sequence), the decision ``band``
    (``suggest_known``, ``needs_review`` or ``suggest_new``) with its ``bands`` thresholds,
    and whether the probabilities come from this catalogue's own ``calibrated`` fit."""

    candidates: tuple[Candidate, ...]
    band: str
    bands: Bands
    calibrated: bool

    @overload
    def __getitem__(self, index: int) -> Candidate: ...

    @overload
    def __getitem__(self, index: slice) -> Sequence[Candidate]: ...

    def __getitem__(self, index: int | slice) -> Candidate | Sequence[Candidate]:
        return self.candidates[index]

    def __len__(self) -> int:
        return len(self.candidates)

    def __iter__(self) -> Iterator[Candidate]:
        return iter(self.candidates)

    @property
    def best(self) -> Candidate | None:
        """The top candidate, or ``None``."""
        return self.candidates[0] if self.candidates else None


def _check_text(value: object, what: str) -> str:
    if not isinstance(value, str) or not value:
        raise ReidInputError(f"{what} must be a non-empty string, got {value!r}")
    return value


def _group(viewpoint: str) -> str:
    try:
        return VIEWPOINT_GROUPS[viewpoint]
    except (KeyError, TypeError):
        raise ReidInputError(
            f"unknown viewpoint {viewpoint!r}; use one of {', '.join(VIEWPOINTS)}"
        ) from None


class ReidEngine:
    """Catalogue and query engine for individual re-identification (see module docstring).

    ``backend``: a registered backend name (``"hotspotter"``, the default) or an instance;
    ``backend_options`` are passed to the named backend's ``from_config``. ``bands``: the
    probability thresholds of the decision bands.
    """

    def __init__(
        self,
        backend: str | Backend = "hotspotter",
        *,
        bands: Bands | None = None,
        **backend_options: Any,
    ) -> None:
        if isinstance(backend, str):
            self.backend: Backend = create_backend(backend, **backend_options)
        else:
            if backend_options:
                raise ReidInputError("backend options apply only to a backend given by name")
            self.backend = backend
        self.bands = bands or Bands()
        self.calibration: Calibration = DEFAULT_CALIBRATION
        self._slots: dict[str, int] = {}
        self._records: dict[int, Annotation] = {}
        self._next_slot = 0
        self._individuals: list[str] = []
        self._individual_index: dict[str, int] = {}
        self._individual_of_slot = np.full(16, -1, np.int64)
        self._by_event: dict[str, set[int]] = {}
        self._by_individual: dict[str, set[int]] = {}

    # -- catalogue ---------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self._records)

    def __contains__(self, key: object) -> bool:
        return key in self._slots

    def annotations(self) -> list[Annotation]:
        """The catalogue's annotations in insertion order."""
        return [self._records[s] for s in sorted(self._records)]

    def individuals(self) -> list[str]:
        """Individuals with at least one annotation, sorted."""
        return sorted(name for name, slots in self._by_individual.items() if slots)

    def describe(self, image: ImageLike) -> Any:
        """The backend's description of a chip (reusable with the ``*_description`` calls)."""
        return self.backend.describe(load_chip(image))

    def add(
        self, key: str, individual: str, image: ImageLike, viewpoint: str, event: str | None = None
    ) -> None:
        """Add the chip ``image`` as annotation ``key`` of ``individual`` seen from ``viewpoint``
        in ``event`` (an encounter or camera event id, or ``None``)."""
        self._check_new(key, individual, viewpoint, event)
        self.add_description(key, individual, self.describe(image), viewpoint, event)

    def add_description(
        self, key: str, individual: str, description: Any, viewpoint: str, event: str | None = None
    ) -> None:
        """Like :meth:`add` with a description from :meth:`describe` (no image work)."""
        self._check_new(key, individual, viewpoint, event)
        slot = self._next_slot
        self.backend.add(slot, _group(viewpoint), description)
        self._next_slot += 1
        self._slots[key] = slot
        self._records[slot] = Annotation(key, individual, viewpoint, event)
        if individual not in self._individual_index:
            self._individual_index[individual] = len(self._individuals)
            self._individuals.append(individual)
        if slot >= len(self._individual_of_slot):
            grown = np.full(max(2 * len(self._individual_of_slot), slot + 1), -1, np.int64)
            grown[: len(self._individual_of_slot)] = self._individual_of_slot
            self._individual_of_slot = grown
        self._individual_of_slot[slot] = self._individual_index[individual]
        self._by_individual.setdefault(individual, set()).add(slot)
        if event is not None:
            self._by_event.setdefault(event, set()).add(slot)

    def _check_new(self, key: str, individual: str, viewpoint: str, event: str | None) -> None:
        _check_text(key, "key")
        _check_text(individual, "individual")
        _group(viewpoint)
        if event is not None:
            _check_text(event, "event")
        if key in self._slots:
            raise DuplicateAnnotationError(f"annotation {key!r} is already in the catalogue")

    def remove(self, key: str) -> None:
        """Remove annotation ``key`` (raises :class:`UnknownAnnotationError` if absent)."""
        slot = self._slots.pop(key, None)
        if slot is None:
            raise UnknownAnnotationError(key)
        record = self._records.pop(slot)
        self.backend.remove(slot)
        self._individual_of_slot[slot] = -1
        self._by_individual[record.individual].discard(slot)
        if record.event is not None:
            self._by_event[record.event].discard(slot)

    # -- queries -----------------------------------------------------------------------
    def _excluded(
        self, exclude: Iterable[str], exclude_individuals: Iterable[str], event: str | None
    ) -> set[int]:
        if isinstance(exclude, str) or isinstance(exclude_individuals, str):
            raise ReidInputError(
                "exclude and exclude_individuals take collections of strings, not a string"
            )
        banned = {self._slots[k] for k in exclude if k in self._slots}
        for name in exclude_individuals:
            banned |= self._by_individual.get(name, set())
        if event is not None:
            banned |= self._by_event.get(event, set())
        return banned

    def query(
        self,
        image: ImageLike,
        viewpoint: str,
        top: int = 12,
        exclude: Iterable[str] = (),
        event: str | None = None,
        *,
        exclude_individuals: Iterable[str] = (),
    ) -> QueryResult:
        """Rank the catalogue's individuals for a chip seen from ``viewpoint``.

        At most ``top`` candidates, best first. Annotations of ``event``, the annotation keys
        in ``exclude`` and the individuals in ``exclude_individuals`` are never matched.
        """
        _group(viewpoint)
        return self.query_description(
            self.describe(image),
            viewpoint,
            top,
            exclude,
            event,
            exclude_individuals=exclude_individuals,
        )

    def query_description(
        self,
        description: Any,
        viewpoint: str,
        top: int = 12,
        exclude: Iterable[str] = (),
        event: str | None = None,
        *,
        exclude_individuals: Iterable[str] = (),
    ) -> QueryResult:
        """Like :meth:`query` with a description from :meth:`describe`."""
        group = _group(viewpoint)
        if not isinstance(top, int) or top < 1:
            raise ReidInputError(f"top must be a positive integer, got {top!r}")
        excluded = self._excluded(exclude, exclude_individuals, event)
        gallery = GalleryView(self._individual_of_slot, len(self._individuals))
        hits = self.backend.query(
            description, group=group, gallery=gallery, excluded=excluded, top=top
        )
        probabilities = self.calibration.probability(np.array([h.score for h in hits], np.float64))
        candidates = tuple(
            Candidate(
                individual=self._individuals[h.individual],
                annotation=self._records[h.slot].key,
                score=float(h.score),
                probability=float(p),
                inliers=int(h.inliers),
                matches=h.matches,
                raw_score=float(h.raw_score),
                viewpoint=self._records[h.slot].viewpoint,
            )
            for h, p in zip(hits, probabilities, strict=True)
        )
        top_probability = candidates[0].probability if candidates else None
        return QueryResult(
            candidates, self.bands.band(top_probability), self.bands, self.calibrated
        )

    # -- calibration -------------------------------------------------------------------
    @property
    def calibrated(self) -> bool:
        """Whether probabilities come from :meth:`calibrate` on this catalogue."""
        return self.calibration.source != DEFAULT_CALIBRATION.source

    def encounter_queries(
        self, max_queries: int | None = 400, candidates: int = 3, seed: int = 0
    ) -> tuple[np.ndarray, np.ndarray]:
        """Leave-one-encounter-out evidence: ``(scores, same)`` of the top ``candidates`` of
        each query. Each sampled annotation (at most ``max_queries``, seeded) is queried
        against the catalogue without its own event (annotations without an event are
        their own encounter); ``same`` is 1 where the candidate is the true individual."""
        records = self.annotations()
        rng = np.random.default_rng(seed)
        if max_queries is not None and len(records) > max_queries:
            chosen = sorted(rng.choice(len(records), size=max_queries, replace=False).tolist())
            records = [records[i] for i in chosen]
        scores: list[float] = []
        same: list[int] = []
        for record in records:
            slot = self._slots[record.key]
            excluded = {slot} | (self._by_event.get(record.event, set()) if record.event else set())
            gallery = GalleryView(self._individual_of_slot, len(self._individuals))
            hits = self.backend.query(
                self.backend.description(slot),
                group=_group(record.viewpoint),
                gallery=gallery,
                excluded=excluded,
                top=candidates,
            )
            for hit in hits:
                scores.append(hit.score)
                same.append(int(self._individuals[hit.individual] == record.individual))
        return np.array(scores, np.float64), np.array(same, np.int64)

    def calibrate(
        self, max_queries: int | None = 400, candidates: int = 3, seed: int = 0
    ) -> Calibration:
        """Fit the score-to-probability calibration on this catalogue's own leave-one-
        encounter-out queries (see :meth:`encounter_queries`), store it and return it.
        Raises :class:`~barys.individuals.reid.errors.CalibrationError` if the catalogue
        lacks same or different evidence (then the previous calibration stays)."""
        scores, same = self.encounter_queries(max_queries, candidates, seed)
        intercept, slope = fit_logistic(np.log1p(scores), same)
        self.calibration = Calibration(
            intercept,
            slope,
            "leave-one-encounter-out",
            int(same.sum()),
            int(len(same) - same.sum()),
        )
        logger.info(
            "calibrated on %d same / %d different candidates",
            self.calibration.n_same,
            self.calibration.n_different,
        )
        return self.calibration

    # -- persistence -------------------------------------------------------------------
    def save(self, path: str | Path) -> Path:
        """Write the catalogue and its index to ``path`` (a ``.npz`` file, replaced
        atomically). Returns the path."""
        target = Path(path)
        header = {
            "format": _FORMAT,
            "version": _VERSION,
            "backend": self.backend.name,
            "backend_config": self.backend.config(),
            "bands": {"known": self.bands.known, "new": self.bands.new},
            "calibration": self.calibration.to_dict(),
            "next_slot": self._next_slot,
            "individuals": self._individuals,
            "annotations": [
                [slot, r.key, r.individual, r.viewpoint, r.event]
                for slot, r in sorted(self._records.items())
            ],
        }
        arrays = {f"b/{k}": v for k, v in self.backend.state().items()}
        arrays["header"] = np.array(json.dumps(header))
        target.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=".reid-", suffix=".npz")
        try:
            with os.fdopen(handle, "wb") as stream:
                np.savez(stream, **arrays)  # type: ignore[arg-type]
            os.replace(temporary, target)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        return target

    @classmethod
    def load(cls, path: str | Path) -> ReidEngine:
        """Restore an engine written by :meth:`save` (raises :class:`IndexFormatError`)."""
        source = Path(path)
        try:
            loaded = np.load(source, allow_pickle=False)
        except FileNotFoundError:
            raise
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise IndexFormatError(f"{source}: not a re-identification index ({exc})") from exc
        if not isinstance(loaded, np.lib.npyio.NpzFile):
            raise IndexFormatError(f"{source}: not a re-identification index (a single array)")
        try:
            with loaded as archive:
                arrays = {name: archive[name] for name in archive.files}
        except (OSError, ValueError, EOFError, zipfile.BadZipFile) as exc:
            raise IndexFormatError(f"{source}: damaged index archive ({exc})") from exc
        try:
            header = json.loads(str(arrays.pop("header")))
        except (KeyError, ValueError) as exc:
            raise IndexFormatError(f"{source}: missing or unreadable header") from exc
        if not isinstance(header, dict) or header.get("format") != _FORMAT:
            raise IndexFormatError(f"{source}: not a re-identification index")
        if header.get("version") != _VERSION:
            raise IndexFormatError(f"{source}: unsupported index version {header.get('version')!r}")
        try:
            backend = backend_class(str(header["backend"])).from_config(header["backend_config"])
            backend.load_state({k[2:]: v for k, v in arrays.items() if k.startswith("b/")})
            engine = cls(backend, bands=Bands(**header["bands"]))
            engine.calibration = Calibration.from_dict(header["calibration"])
            engine._individuals = [str(name) for name in header["individuals"]]
            engine._individual_index = {name: i for i, name in enumerate(engine._individuals)}
            engine._next_slot = int(header["next_slot"])
            engine._individual_of_slot = np.full(max(16, engine._next_slot), -1, np.int64)
            for slot, key, individual, viewpoint, event in header["annotations"]:
                record = Annotation(
                    str(key), str(individual), str(viewpoint), None if event is None else str(event)
                )
                engine._slots[record.key] = int(slot)
                engine._records[int(slot)] = record
                engine._individual_of_slot[int(slot)] = engine._individual_index[record.individual]
                engine._by_individual.setdefault(record.individual, set()).add(int(slot))
                if record.event is not None:
                    engine._by_event.setdefault(record.event, set()).add(int(slot))
        except (KeyError, TypeError, ValueError, AttributeError, IndexError) as exc:
            if isinstance(exc, IndexFormatError):
                raise
            raise IndexFormatError(f"{source}: damaged index ({exc!r})") from exc
        return engine
