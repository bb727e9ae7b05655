"""Ingest the real reference exports end to end: accepted rows + rejects = data rows per file; reload is a no-op."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "orchestration.cli"]

# data records per reference file (SOURCES.md / the issue), and where each lands
EXPECTED = {
    "crunchbase_tracker": ("crunchbase_tracker__layoffs", 379),
    "layoffs_fyi": ("layoffs_fyi__layoffs", 4_277),
    "epoch_notable": ("epoch__models", 924),
    "epoch_all": ("epoch__models", 2_228),
    "indeed_postings_by_sector": ("indeed__postings_by_sector", 78_246),
    "indeed_postings_aggregate": ("indeed__postings_aggregate", 4_774),
    "warn_wa": ("warn__notices", 1_521),
    "warn_or": ("warn__notices", 1_335),
    "warn_ny": ("warn__notices", 192),
}

pytestmark = pytest.mark.slow


def _ingest(home: Path, snapshot_dir: Path) -> subprocess.CompletedProcess:
    env = dict(os.environ, LAYOFFS_AI_HOME=str(home), LAYOFFS_AI_SNAPSHOT_DIR=str(snapshot_dir))
    return subprocess.run(CLI + ["ingest"], cwd=REPO, env=env, capture_output=True, text=True, timeout=300)


RUN_LOGS = ("_publish_log", "_source_status")  # one row per publish / rewritten with each run's times: not data


def _state(path: Path) -> dict:
    con = duckdb.connect(str(path), read_only=True)
    try:
        tables = [r[0] for r in con.execute(
            "SELECT table_name FROM duckdb_tables() WHERE schema_name='raw' ORDER BY 1").fetchall()
            if r[0] not in RUN_LOGS]
        with_extra = {r[0] for r in con.execute("SELECT table_name FROM duckdb_columns() WHERE schema_name='raw' "
                                                "AND column_name = '_extra'").fetchall()}
        return {t: con.execute(f"SELECT * EXCLUDE (_extra), md5(CAST(_extra AS VARCHAR)) FROM raw.{t} ORDER BY ALL"
                               if t in with_extra else f"SELECT * FROM raw.{t} ORDER BY ALL").fetchall()
                for t in tables}
    finally:
        con.close()


@pytest.fixture(scope="module")
def ingested(reference_dir, tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    result = _ingest(home, reference_dir)
    assert result.returncode == 0, result.stderr
    return home, result


def test_rows_plus_rejects_equal_data_rows_of_each_file(ingested):
    home, result = ingested
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    for dataset, (table, expected) in EXPECTED.items():
        # accepted: the rows staging typed; rejects: framing (the loader) and typing (staging)
        rows = con.execute(f"SELECT count(*) FROM staging.stg_{table} WHERE source = ?", [dataset]).fetchone()[0]
        rejects = con.execute("SELECT count(*) FROM staging.rejects WHERE source = ?", [dataset]).fetchone()[0]
        assert rows + rejects == expected, (dataset, rows, rejects)
        logged = con.execute("SELECT l.input_rows, o.accepted_rows FROM raw._loads AS l JOIN staging.load_outcomes "
                             "AS o ON o.source = l.source AND o.snapshot_sha256 = l.sha256 WHERE l.source = ?",
                             [dataset]).fetchall()
        assert logged == [(expected, rows)]
    dataset_split = dict(con.execute("SELECT _source, count(*) FROM raw.epoch__models GROUP BY ALL").fetchall())
    assert dataset_split["epoch_notable"] == 924
    unclear = con.execute("SELECT count(*) FROM staging.stg_crunchbase_tracker__layoffs "
                          "WHERE laid_off_unclear").fetchone()[0]
    assert unclear == 379 - 232  # 144 'Unclear' + 3 blank: null count, flagged, kept
    con.close()
    assert "published" in result.stdout


def test_every_row_carries_snapshot_sha_and_line(ingested):
    home, _ = ingested
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    for table in {t for t, _ in EXPECTED.values()}:
        bad = con.execute(f"SELECT count(*) FROM raw.{table} WHERE length(_snapshot_sha256) <> 64 "
                          "OR _line_number < 2 OR _source IS NULL").fetchone()[0]
        assert bad == 0, table
    con.close()


def test_reloading_the_same_snapshots_changes_nothing(ingested, reference_dir):
    home, _ = ingested
    before = _state(home / "warehouse.duckdb")
    again = _ingest(home, reference_dir)
    assert again.returncode == 0, again.stderr
    assert again.stdout.count(": unchanged") == len(EXPECTED)
    assert _state(home / "warehouse.duckdb") == before
