"""Shared pytest fixtures: where the reference data lives, and repo paths."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
FIXTURES = REPO / "tests" / "fixtures"


def reference_data_dir() -> Path:
    """../shared/data beside the checkout (or LAYOFFS_AI_REFERENCE_DIR)."""
    return Path(os.environ.get("LAYOFFS_AI_REFERENCE_DIR") or REPO.parent / "shared" / "data")


@pytest.fixture(scope="session")
def reference_dir() -> Path:
    path = reference_data_dir()
    if not path.is_dir():
        pytest.skip(f"reference data not found at {path}")
    return path


@pytest.fixture(scope="session")
def fixtures_dir() -> Path:
    return FIXTURES
