"""Two CLI runs on fixture snapshots: the first builds and publishes everything, the second has nothing to do."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ingestion import sources
from tests.support.fixture_snapshots import make_fixture_snapshot_dir

REPO = Path(__file__).resolve().parents[2]


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(home: Path, snaps: Path, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    env.update(LAYOFFS_AI_HOME=str(home), LAYOFFS_AI_SNAPSHOT_DIR=str(snaps))
    return subprocess.run([sys.executable, "-m", "orchestration.cli", "run", *args], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    snaps = make_fixture_snapshot_dir(tmp_path_factory.mktemp("snaps"))
    first = _run(home, snaps)
    sha_first = _sha(home / "warehouse.duckdb") if (home / "warehouse.duckdb").exists() else None
    second = _run(home, snaps)
    return {"home": home, "snaps": snaps, "first": first, "second": second, "sha_first": sha_first,
            "sha_second": _sha(home / "warehouse.duckdb")}


def _instance_runs(home: Path) -> list:
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        return [(r.job_name, r.status) for r in instance.get_runs()]


def test_first_run_publishes_every_layer(two_runs):
    assert two_runs["first"].returncode == 0, two_runs["first"].stdout + two_runs["first"].stderr
    con = duckdb.connect(str(two_runs["home"] / "warehouse.duckdb"), read_only=True)
    schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
    assert {"raw", "marts", "analytics"} <= schemas
    assert con.execute("SELECT count(*) FROM marts.layoffs_vs_ai_monthly").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM raw._publish_log").fetchone()[0] == 1
    statuses = dict(con.execute("SELECT dataset, status FROM raw._source_status").fetchall())
    con.close()
    assert set(statuses.values()) == {"ok"} and set(statuses) == set(sources.DATASETS)
    assert not (two_runs["home"] / "work" / "staging" / ".writing").exists(), "the staging folder was released"
    assert (two_runs["home"] / "report" / "index.html").exists()


def test_a_successful_run_ends_on_its_summary(two_runs):
    """Nothing after the summary: no warning of a thread or library left alive at exit (DuckDB's nanobind prints
    one per leaked object when the interpreter ends with DuckDB objects still referenced)."""
    first = two_runs["first"]
    assert first.returncode == 0, first.stdout + first.stderr
    assert "leaked" not in first.stdout + first.stderr and "Traceback" not in first.stderr
    assert first.stdout.rstrip().splitlines()[-1].lstrip().startswith("snapshots:"), first.stdout[-500:]


def test_second_run_with_unchanged_sources_builds_nothing(two_runs):
    second = two_runs["second"]
    assert second.returncode == 0, second.stdout + second.stderr
    assert "nothing new" in second.stdout
    assert two_runs["sha_second"] == two_runs["sha_first"], "nothing new: the published file is untouched"
    runs = _instance_runs(two_runs["home"])
    # one run (fetch, build, publish): the quiet night launched no run that could mark checks SKIPPED
    assert sorted(name for name, _ in runs) == ["refresh_all"]


def test_snapshot_data_version_is_its_sha256(two_runs):
    home = two_runs["home"]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    shas = dict(con.execute("SELECT source, sha256 FROM raw._loads").fetchall())
    con.close()
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        for dataset in ("layoffs_fyi", "epoch_all"):
            record = instance.get_latest_data_version_record(dg.AssetKey(["snapshots", dataset]))
            assert record is not None
            assert record.asset_observation.tags["dagster/data_version"] == shas[dataset]


def test_offline_provenance_is_the_files_mtime_and_the_data_through_date(two_runs):
    home, snaps = two_runs["home"], two_runs["snaps"]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    rows = {r[0]: r[1:] for r in con.execute(
        "SELECT dataset, retrieved_at, data_through FROM raw._source_status").fetchall()}
    fyi_max = con.execute("SELECT max(reported_date) FROM staging.stg_layoffs_fyi__layoffs").fetchone()[0]
    con.close()
    fyi_file = next(snaps.glob("layoffs_fyi_export_*.csv"))
    assert abs(rows["layoffs_fyi"][0].timestamp() - fyi_file.stat().st_mtime) < 1
    assert rows["layoffs_fyi"][1] == fyi_max
    report = (home / "report" / "report.md").read_text(encoding="utf-8")
    assert f"{fyi_max.isoformat()}" in report


def test_analytics_tables_are_described_and_granger_carries_adf(two_runs):
    con = duckdb.connect(str(two_runs["home"] / "warehouse.duckdb"), read_only=True)
    comments = dict(con.execute(
        "SELECT table_name, comment FROM duckdb_tables() WHERE schema_name = 'analytics'").fetchall())
    columns = {r[0] for r in con.execute(
        "SELECT column_name FROM duckdb_columns() WHERE schema_name='analytics' AND table_name='granger_tests'")
        .fetchall()}
    con.close()
    for table in ("correlations", "lagged_correlations", "granger_tests", "company_layoffs_vs_releases"):
        assert comments.get(table), f"analytics.{table} has no description"
    assert {"cause_adf_p", "effect_adf_p", "status", "reason"} <= columns


def test_a_forced_rebuild_reuses_dbts_parse_and_leaves_unit_tests_to_make_test(two_runs):
    """A night's dbt does not re-parse the project (its path and vars are the same as last night's), and it runs
    the models and data tests, not the SQL unit tests (tests/integration/test_dbt_build.py runs those). Last in this file:
    it publishes again."""
    home = two_runs["home"]
    forced = _run(home, two_runs["snaps"], "--force")
    assert forced.returncode == 0, forced.stdout + forced.stderr
    builds = sorted((home / "dbt_target").iterdir(),
                    key=lambda p: p.stat().st_mtime)
    assert len(builds) >= 2, "two runs built with dbt"
    log = (builds[-1] / "dbt.log").read_text(encoding="utf-8")
    assert "PartialParsingEnabled" in log and "UnableToPartialParse" not in log, "dbt parsed the project again"
    kinds = {r["unique_id"].split(".")[0] for r in json.loads((builds[-1] / "run_results.json").read_text())["results"]}
    assert {"model", "test"} <= kinds and "unit_test" not in kinds, kinds
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    assert con.execute("SELECT count(*) FROM marts.fct_layoff_events").fetchone()[0] > 0
    con.close()
