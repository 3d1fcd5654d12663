"""Individual re-identification of patterned animals (snow leopards) from cropped chips.

The stable entry point is :class:`ReidEngine`; see ``docs/reid.md``.
"""

from barys.individuals.reid.backends import (
    Backend,
    BackendHit,
    GalleryView,
    LocalFeatureBackend,
    available_backends,
    create_backend,
    register_backend,
)
from barys.individuals.reid.calibration import (
    NEEDS_REVIEW,
    SUGGEST_KNOWN,
    SUGGEST_NEW,
    Bands,
    Calibration,
)
from barys.individuals.reid.embedding import EmbeddingBackend
from barys.individuals.reid.engine import (
    VIEWPOINT_GROUPS,
    VIEWPOINTS,
    Annotation,
    Candidate,
    QueryResult,
    ReidEngine,
)
from barys.individuals.reid.errors import (
    BackendUnavailableError,
    CalibrationError,
    DuplicateAnnotationError,
    EmbeddingRuntimeMissing,
    EmbeddingWeightsMissing,
    IndexFormatError,
    ReidError,
    ReidInputError,
    UnknownAnnotationError,
)
from barys.individuals.reid.features import ChipFeatures, FeatureConfig, extract_features
from barys.individuals.reid.index import IndexConfig
from barys.individuals.reid.scoring import ScoringConfig

__all__ = [
    "NEEDS_REVIEW",
    "SUGGEST_KNOWN",
    "SUGGEST_NEW",
    "VIEWPOINTS",
    "VIEWPOINT_GROUPS",
    "Annotation",
    "Backend",
    "BackendHit",
    "BackendUnavailableError",
    "Bands",
    "Calibration",
    "CalibrationError",
    "Candidate",
    "ChipFeatures",
    "DuplicateAnnotationError",
    "EmbeddingBackend",
    "EmbeddingRuntimeMissing",
    "EmbeddingWeightsMissing",
    "FeatureConfig",
    "GalleryView",
    "IndexConfig",
    "IndexFormatError",
    "LocalFeatureBackend",
    "QueryResult",
    "ReidEngine",
    "ReidError",
    "ReidInputError",
    "ScoringConfig",
    "UnknownAnnotationError",
    "available_backends",
    "create_backend",
    "extract_features",
    "register_backend",
]
