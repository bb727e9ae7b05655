"""Two in-process runs on fixture snapshots: the first publishes, the second skips dbt/analytics/publish."""

from __future__ import annotations

import hashlib
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from tests.support.fixture_snapshots import make_fixture_snapshot_dir


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _events(instance, run_id: str, kind: dg.DagsterEventType) -> set[str]:
    return {r.dagster_event.step_key for r in instance.all_logs(run_id, of_type=kind)}


@pytest.fixture(scope="module")
def two_runs(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    snaps = make_fixture_snapshot_dir(tmp_path_factory.mktemp("snaps"))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("LAYOFFS_AI_HOME", str(home))
        mp.setenv("LAYOFFS_AI_SNAPSHOT_DIR", str(snaps))
        from orchestration.definitions import defs

        job = defs.resolve_job_def("refresh_all")
        (home / "dagster_home").mkdir()
        with dg.instance_for_test(temp_dir=str(home / "dagster_home")) as instance:
            first = job.execute_in_process(instance=instance, raise_on_error=False)
            published_after_first = _sha(home / "warehouse.duckdb") if (home / "warehouse.duckdb").exists() else None
            second = job.execute_in_process(instance=instance, raise_on_error=False)
            yield {
                "home": home, "instance": instance, "first": first, "second": second,
                "sha_first": published_after_first, "sha_second": _sha(home / "warehouse.duckdb"),
                "versions": {
                    key: instance.get_latest_data_version_record(dg.AssetKey(["snapshots", key]))
                    for key in ("layoffs_fyi", "epoch_all")
                },
            }


def test_first_run_publishes_every_layer(two_runs):
    assert two_runs["first"].success
    con = duckdb.connect(str(two_runs["home"] / "warehouse.duckdb"), read_only=True)
    schemas = {r[0] for r in con.execute("SELECT DISTINCT schema_name FROM duckdb_tables()").fetchall()}
    assert {"raw", "marts", "analytics"} <= schemas
    assert con.execute("SELECT count(*) FROM marts.layoffs_vs_ai_monthly").fetchone()[0] > 0
    assert con.execute("SELECT count(*) FROM raw._publish_log").fetchone()[0] == 1
    con.close()
    assert not list((two_runs["home"] / "work").glob("*.duckdb")), "the working copy was moved into place"
    assert (two_runs["home"] / "report" / "index.html").exists()


def test_second_run_with_unchanged_snapshots_skips_dbt_and_analytics(two_runs):
    second, instance = two_runs["second"], two_runs["instance"]
    assert second.success
    skipped = _events(instance, second.run_id, dg.DagsterEventType.STEP_SKIPPED)
    assert {"dbt_models", "run_analytics", "warehouse__published"} <= skipped
    succeeded = _events(instance, second.run_id, dg.DagsterEventType.STEP_SUCCESS)
    assert "load_raw_tables" in succeeded and "dbt_models" not in succeeded
    assert two_runs["sha_second"] == two_runs["sha_first"], "nothing new: the published file is untouched"
    logs = [r.user_message for r in instance.all_logs(second.run_id) if r.user_message]
    assert any("nothing new" in m for m in logs)


def test_snapshot_data_version_is_its_sha256(two_runs):
    home = two_runs["home"]
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    shas = dict(con.execute("SELECT source, sha256 FROM raw._loads").fetchall())
    con.close()
    for key, record in two_runs["versions"].items():
        assert record is not None
        assert record.asset_materialization.tags["dagster/data_version"] == shas[key]


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
