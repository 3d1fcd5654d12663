"""Locate the shared public reference data used by the tests.

The data lives beside the repository in ``shared/reference-data`` (see its ``SOURCES.md``);
``BARYS_REFERENCE_DATA`` overrides the location.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]


def reference_dir() -> Path:
    override = os.environ.get("BARYS_REFERENCE_DATA")
    if override:
        return Path(override)
    return REPO_ROOT.parent / "shared" / "reference-data"


def reference_path(*parts: str) -> Path:
    """Path of a file in the reference data; fails the test loudly when it is missing."""
    path = reference_dir().joinpath(*parts)
    if not path.exists():
        pytest.fail(f"reference data missing: {path} (set BARYS_REFERENCE_DATA)")
    return path
