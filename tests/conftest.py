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
    """A LAYOFFS_AI_HOME published by `layoffs-ai run` from the reference data: built once per session (across
    xdist workers, ~1 min) and shared read-only; copy it before changing anything."""
    import subprocess
    import sys

    from tests.support.built_once import built_once

    def build(home: Path) -> None:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
        env |= {"LAYOFFS_AI_HOME": str(home), "LAYOFFS_AI_SNAPSHOT_DIR": str(reference_dir)}
        result = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], cwd=REPO, env=env,
                                capture_output=True, text=True, timeout=600)
        assert result.returncode == 0, result.stderr[-3000:]

    home = built_once(tmp_path_factory, "reference_home", build)
    assert (home / "warehouse.duckdb").is_file() and (home / "report" / "index.html").is_file()
    return home


@pytest.fixture(scope="session", autouse=True)
def dbt_defs_state(tmp_path_factory) -> None:
    """The dbt component's state (`dg utils refresh-defs-state`, i.e. dbt parse), made once when this checkout
    has none (a fresh clone run without `make prepare`); the Definitions and every CLI run need it."""
    import subprocess
    import sys

    from filelock import FileLock

    from tests.support.built_once import shared_root

    state = REPO / "orchestration" / "defs" / ".local_defs_state"
    manifest = REPO / "dbt_project" / "target" / "manifest.json"
    if state.is_dir() and manifest.is_file():
        return
    with FileLock(str(shared_root(tmp_path_factory) / "defs_state.lock")):
        if not (state.is_dir() and manifest.is_file()):
            dg = Path(sys.executable).with_name("dg")  # PYTHONPATH: this checkout's code, whichever one is installed
            result = subprocess.run([str(dg), "utils", "refresh-defs-state"], cwd=REPO, capture_output=True,
                                    text=True, env={**os.environ, "PYTHONPATH": str(REPO)})
            assert result.returncode == 0, result.stderr[-3000:]
