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


@pytest.fixture(scope="session")
def reference_home(reference_dir, tmp_path_factory) -> Path:
    """A LAYOFFS_AI_HOME published by `layoffs-ai run` from the reference data (once per session, ~1 min)."""
    import subprocess
    import sys

    home = tmp_path_factory.mktemp("reference_home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    env |= {"LAYOFFS_AI_HOME": str(home), "LAYOFFS_AI_SNAPSHOT_DIR": str(reference_dir)}
    result = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (home / "warehouse.duckdb").is_file() and (home / "report" / "index.html").is_file()
    return home
