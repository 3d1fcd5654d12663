"""HotSpotter scoring: LNBNN match scores, name scoring and spatial verification.

Crall, Stewart, Berger-Wolf, Rubenstein & Sundaresan (2013), "HotSpotter - patterned
species instance recognition", IEEE WACV, pp. 230-237:

* **LNBNN** (local naive Bayes nearest neighbour, McCann & Lowe 2012): each query feature is
  matched to its K = 4 nearest database features; a match scores ``d_norm - d_match``, the
  Euclidean descriptor distance to the (K+1)-th neighbour (the normaliser) minus the
  distance to the match. Distances are between unit-length RootSIFT vectors, so scores lie
  in ``[0, sqrt(2)]``; matches scoring 0 are dropped.
* **Name scoring**: a query feature votes at most once per individual (its best match to
  that individual), so an individual with many similar annotations is not favoured.
* **Spatial verification**: for a shortlist of the best-scoring individuals (40) and their
  best annotations (3 each), an affine transform from query-chip to database-chip pixels is
  fitted with RANSAC (OpenCV ``estimateAffine2D``, reprojection tolerance 12 px in 700-px
  chips). An affine model is used rather than a homography: flank views within 30 degrees of
  yaw are close to affine, and it needs 3 instead of 4 correspondences per hypothesis, which
  matters when true matches are few. Transforms that mirror the image, change scale by more
  than 3x or shear strongly are rejected, and at least 4 inlying query features are required.
  Individuals are re-ranked by the name score over inlying matches only.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from barys.individuals.reid.features import DESCRIPTOR_SCALE

__all__ = ["Evidence", "Matches", "ScoringConfig", "lnbnn_matches", "one_vote", "verify"]


@dataclass(frozen=True)
class ScoringConfig:
    """``k``: matches per query feature (LNBNN K). ``shortlist_individuals`` and
    ``annotations_per_individual``: what spatial verification examines. ``min_inliers``:
    inlying query features required. ``ransac_threshold``: RANSAC tolerance in resized-chip
    pixels. ``max_scale_change``: largest accepted scale ratio between the two chips."""

    k: int = 4
    shortlist_individuals: int = 40
    annotations_per_individual: int = 3
    min_inliers: int = 4
    ransac_threshold: float = 12.0
    max_scale_change: float = 3.0

    def __post_init__(self) -> None:
        if self.k < 1 or self.shortlist_individuals < 1 or self.annotations_per_individual < 1:
            raise ValueError("k, shortlist_individuals and annotations_per_individual must be >= 1")
        if self.min_inliers < 3:
            raise ValueError("an affine fit needs min_inliers >= 3")


@dataclass(frozen=True)
class Matches:
    """Scored feature matches of one query: parallel arrays of the query feature index,
    database slot, database feature index (within its annotation) and LNBNN score."""

    query: np.ndarray
    slot: np.ndarray
    feature: np.ndarray
    score: np.ndarray

    def subset(self, keep: np.ndarray) -> Matches:
        return Matches(self.query[keep], self.slot[keep], self.feature[keep], self.score[keep])


@dataclass
class Evidence:
    """The verified support for one individual: total score over inlying matches, the raw
    (pre-verification) name score, the best annotation's slot, its inlier count and its
    inlying correspondences as ``(query feature, database feature)`` index pairs."""

    individual: int
    slot: int
    score: float
    raw_score: float
    inliers: int
    pairs: np.ndarray = field(repr=False)


def lnbnn_matches(
    distances: np.ndarray, slots: np.ndarray, features: np.ndarray, k: int
) -> Matches:
    """LNBNN-scored matches from a k-NN search with at least ``k + 1`` columns.

    ``distances`` are squared L2 in descriptor units, ascending per row; ``slots`` and
    ``features`` give each neighbour's annotation and feature index (``-1`` = none). A query
    feature with fewer than ``k + 1`` neighbours uses its last neighbour as normaliser.
    """
    valid = slots >= 0
    n_valid = valid.sum(axis=1)
    usable = n_valid >= 2
    euclid = np.sqrt(np.where(valid, distances, 0.0).astype(np.float64)) / DESCRIPTOR_SCALE
    norm_col = np.minimum(k, np.maximum(n_valid - 1, 0))
    normaliser = euclid[np.arange(len(euclid)), norm_col]
    columns = np.arange(distances.shape[1])[None, :]
    is_match = usable[:, None] & (columns < norm_col[:, None]) & valid
    score = normaliser[:, None] - euclid
    is_match &= score > 0.0
    qi, col = np.nonzero(is_match)
    return Matches(
        qi.astype(np.int64),
        slots[qi, col].astype(np.int64),
        features[qi, col].astype(np.int64),
        score[qi, col],
    )


def one_vote(query: np.ndarray, group: np.ndarray, score: np.ndarray, n_groups: int) -> np.ndarray:
    """Sum over query features of each feature's best score per group (one vote each)."""
    if len(query) == 0:
        return np.zeros(n_groups, np.float64)
    key = query * n_groups + group
    order = np.lexsort((-score, key))
    first = order[np.r_[True, key[order][1:] != key[order][:-1]]]
    return np.bincount(group[first], weights=score[first], minlength=n_groups)


def _plausible(transform: np.ndarray, max_scale_change: float) -> bool:
    """Reject mirrored, degenerate or strongly sheared affine transforms."""
    linear = transform[:, :2]
    if np.linalg.det(linear) <= 0.0:
        return False
    singular = np.linalg.svd(linear, compute_uv=False)
    if singular[1] <= 1e-9:
        return False
    scale = float(np.sqrt(singular[0] * singular[1]))
    return (1.0 / max_scale_change <= scale <= max_scale_change) and singular[0] / singular[
        1
    ] <= 2.5


def _fit(query_xy: np.ndarray, db_xy: np.ndarray, config: ScoringConfig) -> np.ndarray | None:
    """RANSAC affine fit; the boolean inlier mask or ``None`` when no plausible model."""
    if len(query_xy) < config.min_inliers:
        return None
    transform, mask = cv2.estimateAffine2D(
        query_xy.astype(np.float32),
        db_xy.astype(np.float32),
        method=cv2.RANSAC,
        ransacReprojThreshold=config.ransac_threshold,
        maxIters=2000,
        confidence=0.995,
        refineIters=10,
    )
    if transform is None or mask is None or not _plausible(transform, config.max_scale_change):
        return None
    return mask.ravel().astype(bool)


def verify(
    matches: Matches,
    individual_of_slot: np.ndarray,
    n_individuals: int,
    query_xy: np.ndarray,
    db_xy: dict[int, np.ndarray],
    config: ScoringConfig,
) -> list[Evidence]:
    """Shortlist by name score, verify spatially, and re-rank (best first).

    ``query_xy``: ``(n, 2)`` query keypoints in resized-chip pixels; ``db_xy[slot]``: the same
    for each database annotation. Individuals that fail verification are returned after the
    verified ones with ``score`` 0 (their raw score is kept for review screens).
    """
    if len(matches.query) == 0:
        return []
    individual = individual_of_slot[matches.slot]
    raw = one_vote(matches.query, individual, matches.score, n_individuals)
    shortlisted = [
        int(i)
        for i in np.argsort(-raw, kind="stable")[: config.shortlist_individuals]
        if raw[i] > 0
    ]
    slot_size = int(matches.slot.max()) + 1
    per_slot = one_vote(matches.query, matches.slot, matches.score, slot_size)
    order = np.argsort(matches.slot, kind="stable")
    sorted_slots = matches.slot[order]
    bounds = np.searchsorted(sorted_slots, np.arange(slot_size + 1))
    slots_of: dict[int, list[int]] = {}
    for slot in np.unique(matches.slot):
        slots_of.setdefault(int(individual_of_slot[slot]), []).append(int(slot))
    inlying: list[np.ndarray] = []
    best: dict[int, tuple[float, int, np.ndarray]] = {}
    for ind in shortlisted:
        candidates = sorted(slots_of[ind], key=lambda s: -per_slot[s])[
            : config.annotations_per_individual
        ]
        for slot in candidates:
            rows = order[bounds[slot] : bounds[slot + 1]]
            mask = _fit(query_xy[matches.query[rows]], db_xy[slot][matches.feature[rows]], config)
            if mask is None:
                continue
            kept = rows[mask]
            if len(np.unique(matches.query[kept])) < config.min_inliers:
                continue
            inlying.append(kept)
            slot_score = float(
                one_vote(
                    matches.query[kept], np.zeros(len(kept), np.int64), matches.score[kept], 1
                )[0]
            )
            if ind not in best or slot_score > best[ind][0]:
                best[ind] = (slot_score, slot, kept)
    verified = np.zeros(n_individuals, np.float64)
    if inlying:
        kept_all = np.concatenate(inlying)
        verified = one_vote(
            matches.query[kept_all], individual[kept_all], matches.score[kept_all], n_individuals
        )
    evidence: list[Evidence] = []
    for ind in shortlisted:
        if ind in best:
            _score, slot, kept = best[ind]
            kept = kept[np.argsort(-matches.score[kept], kind="stable")]
            unique_q, first = np.unique(matches.query[kept], return_index=True)
            pairs = np.stack([unique_q, matches.feature[kept][first]], axis=1)
            evidence.append(
                Evidence(ind, slot, float(verified[ind]), float(raw[ind]), len(unique_q), pairs)
            )
        else:
            slot = max(slots_of[ind], key=lambda s: per_slot[s])
            evidence.append(
                Evidence(ind, slot, 0.0, float(raw[ind]), 0, np.zeros((0, 2), np.int64))
            )
    evidence.sort(key=lambda e: (-e.score, -e.raw_score, e.individual))
    return evidence
