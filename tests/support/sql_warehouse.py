"""A small hand-built warehouse and a subprocess runner shared by the SQL CLI tests."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]

SCHEMA_SQL = """
CREATE SCHEMA raw; CREATE SCHEMA marts; CREATE SCHEMA analytics;
CREATE TABLE raw.layoffs_fyi__layoffs (company VARCHAR, total_laid_off BIGINT, date DATE);
INSERT INTO raw.layoffs_fyi__layoffs VALUES ('Acme Widgets', 120, DATE '2023-01-05'),
  ('Bluefin Robotics', NULL, DATE '2023-01-20'), ('Cobalt Cloud', 45, DATE '2023-02-02');
CREATE TABLE marts.layoffs_monthly (month DATE, source VARCHAR, events BIGINT, laid_off BIGINT);
INSERT INTO marts.layoffs_monthly VALUES (DATE '2023-01-01', 'layoffs_fyi', 2, 120),
  (DATE '2023-02-01', 'layoffs_fyi', 1, NULL), (DATE '2023-03-01', 'layoffs_fyi', 3, 1500);
COMMENT ON TABLE marts.layoffs_monthly IS 'Layoff events and people laid off per month';
COMMENT ON COLUMN marts.layoffs_monthly.laid_off IS 'Sum of known counts (NULL when none known)';
CREATE TABLE analytics.lagged_correlations (lag INTEGER, r DOUBLE, n BIGINT);
INSERT INTO analytics.lagged_correlations VALUES (0, 0.25, 30), (3, 0.5, 27);
COMMENT ON TABLE analytics.lagged_correlations IS 'Layoffs vs model releases at lags 0-12 months';
CREATE VIEW marts.top_months AS SELECT month, laid_off FROM marts.layoffs_monthly ORDER BY laid_off DESC NULLS LAST;
COMMENT ON VIEW marts.top_months IS 'Months by people laid off';
CREATE TABLE analytics.layoffs_monthly (month DATE);
"""
TINY = "SELECT month, events, laid_off FROM marts.layoffs_monthly ORDER BY month LIMIT 2"


def build_warehouse(path: Path, version: int = 0) -> Path:
    con = duckdb.connect(str(path))
    con.execute(SCHEMA_SQL)
    con.execute("CREATE TABLE raw._version AS SELECT ? AS v", [version])
    con.close()
    return path


@pytest.fixture()
def wh(tmp_path: Path) -> Path:
    return build_warehouse(tmp_path / "warehouse.duckdb")


def run_cli(*args: str, stdin: str | None = None, env_home: Path | None = None,
            extra_env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO), **(extra_env or {})}
    if env_home is not None:
        env["LAYOFFS_AI_HOME"] = str(env_home)
    return subprocess.run(
        [sys.executable, "-m", "orchestration.cli", *args],
        input=stdin, capture_output=True, text=True, cwd=REPO, env=env, timeout=60,
    )

