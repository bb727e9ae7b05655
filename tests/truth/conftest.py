"""The published reference warehouse, charts and report, built once per session by the CLI from ../shared/data."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.truth.oracle import spec_of_html

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Published:
    """What a user sees after `layoffs-ai run`: the warehouse, each chart page and the report."""

    home: Path
    tables: dict[str, pd.DataFrame]

    def table(self, name: str) -> pd.DataFrame:
        if name not in self.tables:
            con = duckdb.connect(str(self.home / "warehouse.duckdb"), read_only=True)
            try:
                self.tables[name] = con.execute(f"SELECT * FROM {name}").df()
            finally:
                con.close()
        return self.tables[name].copy()

    def spec(self, chart: str) -> dict:
        return spec_of_html(self.home / "charts" / f"{chart}.html")

    @property
    def report_md(self) -> str:
        return (self.home / "report" / "report.md").read_text(encoding="utf-8")

    @property
    def report_html(self) -> str:
        return (self.home / "report" / "index.html").read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def published(reference_dir, tmp_path_factory) -> Published:
    """`layoffs-ai run` on the reference snapshots into a fresh home (about a minute)."""
    home = tmp_path_factory.mktemp("truth_home")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    env.update(LAYOFFS_AI_HOME=str(home), LAYOFFS_AI_SNAPSHOT_DIR=str(reference_dir))
    result = subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], cwd=REPO, env=env,
                            capture_output=True, text=True, timeout=1200)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return Published(home, {})
