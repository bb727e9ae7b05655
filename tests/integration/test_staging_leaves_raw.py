"""Staging does not write to raw: a dbt build leaves every raw.* table as the loader wrote it; typing rejects are models."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb
from dbt.cli.main import dbtRunner

from ingestion import sources
from tests.support.fixture_snapshots import FIXTURE_BY_DATASET, FIXTURES
from tests.support.snapshots import snapshot_over
from tests.support.staged import load
from warehouse import source_status

DBT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def _raw_state(db: Path) -> dict[str, list[str]]:
    """Every raw table's rows (as text, sorted) and columns: what a build must not change."""
    con = duckdb.connect(str(db))  # the configuration dbt-duckdb's in-process connection has
    try:
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' "
                                            "ORDER BY 1").fetchall()]
        state = {}
        for table in tables:
            cur = con.execute(f'SELECT * FROM raw."{table}"')
            state[table] = [repr([d[0] for d in cur.description])] + sorted(repr(row) for row in cur.fetchall())
        return state
    finally:
        con.close()


def test_a_dbt_build_of_staging_leaves_raw_untouched(tmp_path):
    db = tmp_path / "warehouse.duckdb"
    loaded = load({d: snapshot_over(FIXTURES / rel, d) for d, rel in FIXTURE_BY_DATASET.items()}, db)
    con = duckdb.connect(str(db))
    try:  # the status table the old post-hook also updated
        source_status.record(con, [source_status.SourceStatus(d, "ok", None, None, None, None)
                                  for d in sources.DATASETS])
    finally:
        con.close()
    before = _raw_state(db)
    assert before["_rejects"] and before["_loads"] and before["_source_status"]

    result = dbtRunner().invoke([
        "build", "--project-dir", str(DBT_DIR), "--profiles-dir", str(DBT_DIR), "--target", "pipeline",
        "--vars", json.dumps({"warehouse_path": str(db)}), "--target-path", str(tmp_path / "target"),
        "--log-path", str(tmp_path / "logs"), "--select", "path:models/staging", "--quiet"])
    assert result.success, result.exception

    assert _raw_state(db) == before
    con = duckdb.connect(str(db))
    try:  # the fixtures' bad rows are typing rejects, in staging, with their reasons; nothing is lost
        typing = con.execute("SELECT source, count(*) FROM staging.rejects WHERE kind = 'typing' "
                             "GROUP BY ALL").fetchall()
        assert typing and all(n > 0 for _, n in typing)
        for dataset, outcome in loaded.loads.items():
            table = sources.DATASETS[dataset][0].tables[0]
            staged = con.execute(f"SELECT count(*) FROM staging.stg_{table} WHERE source = ?", [dataset]).fetchone()
            rejects = con.execute("SELECT count(*) FROM staging.rejects WHERE source = ?", [dataset]).fetchone()
            assert staged[0] + rejects[0] == outcome.input_rows, dataset
    finally:
        con.close()
