"""The dagster-dbt project handle (its own module so `dagster-dbt project prepare-and-package` can target it)."""

from __future__ import annotations

import sys
from pathlib import Path

from dagster_dbt import DbtCliResource, DbtProject

DBT_PROJECT_DIR = Path(__file__).resolve().parents[1] / "dbt_project"
_SOURCE_DIRS = ("models", "macros", "tests", "seeds", "snapshots", "analyses")

dbt_project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)


def dbt_executable() -> str:
    """The dbt installed beside this Python (the venv is usually not on PATH)."""
    return str(Path(sys.executable).with_name("dbt"))


def _newest_source_mtime() -> float:
    files = [DBT_PROJECT_DIR / "dbt_project.yml"]
    for folder in _SOURCE_DIRS:
        base = DBT_PROJECT_DIR / folder
        if base.is_dir():
            files.extend(p for p in base.rglob("*") if p.is_file())
    return max(p.stat().st_mtime for p in files if p.exists())


def ensure_manifest() -> Path:
    """(Re)parse the dbt project when the manifest is missing or older than any dbt file.

    This is what lets definitions load on a fresh clone without a manual `dbt parse` step.
    """
    manifest = dbt_project.manifest_path
    if not manifest.exists() or manifest.stat().st_mtime < _newest_source_mtime():
        DbtCliResource(project_dir=dbt_project, dbt_executable=dbt_executable()).cli(
            ["parse", "--quiet"], target_path=dbt_project.target_path).wait()
    return manifest
