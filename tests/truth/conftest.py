"""The published reference warehouse, charts and report, built once per session by the CLI from ../shared/data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import pandas as pd
import pytest

from tests.truth.oracle import spec_of_html

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
def published(reference_home) -> Published:
    """The session's reference home (tests/conftest.py: `layoffs-ai run` on ../shared/data), read only."""
    return Published(reference_home, {})
