""""Materialize" on one asset, as the UI launches it: the run builds it in staging with its checks, the
`publish_after_build` sensor then publishes it; a failed build leaves nothing that could be published later."""

from __future__ import annotations

import shutil

import dagster as dg
import duckdb
import pytest

from orchestration.definitions import build
from orchestration.settings import Settings

from .conftest import sha256_file

MART = dg.AssetKey(["marts", "layoffs_monthly"])
PUBLISHED = dg.AssetKey(["warehouse", "published"])


@pytest.fixture
def ui(published_run, tmp_path):
    """A copy of a published home, its definitions and its Dagster instance (what `layoffs-ai ui` serves)."""
    home = tmp_path / "home"
    shutil.copytree(published_run.home, home, symlinks=True)
    defs = build(Settings(home=home, snapshot_dir=published_run.snapshots))
    with dg.DagsterInstance.from_config(str(home / "dagster_home")) as instance:
        yield home, defs, instance


def _materialize(defs, instance, keys) -> dg.ExecuteInProcessResult:
    """What the UI's "Materialize" button launches: the selected assets of the implicit asset job."""
    job = defs.resolve_implicit_global_asset_job_def()
    return job.execute_in_process(instance=instance, asset_selection=keys, raise_on_error=False)


def _sensor(defs, instance, result):
    sensor = defs.get_sensor_def("publish_after_build")
    run = instance.get_run_by_id(result.run_id)
    kind = dg.DagsterEventType.RUN_SUCCESS if result.success else dg.DagsterEventType.RUN_FAILURE
    event = next(r.dagster_event for r in instance.all_logs(result.run_id, of_type=kind))
    with dg.build_run_status_sensor_context(sensor_name=sensor.name, dagster_event=event, dagster_instance=instance,
                                            dagster_run=run, repository_def=defs.get_repository_def()) as context:
        return sensor(context)


def _rows(db, sql="SELECT * FROM marts.layoffs_monthly ORDER BY ALL"):
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_one_mart_is_built_then_published_by_the_sensor(ui):
    home, defs, instance = ui
    published_before, log_before = sha256_file(home / "warehouse.duckdb"), _rows(
        home / "warehouse.duckdb", "SELECT run_id FROM raw._publish_log ORDER BY published_at")
    staging = home / "work" / "staging" / "warehouse.duckdb"
    con = duckdb.connect(str(staging))  # make the rebuild visible: staging's mart holds a row no build would make
    con.execute("INSERT INTO marts.layoffs_monthly SELECT * FROM marts.layoffs_monthly LIMIT 1")
    con.close()
    stale = _rows(staging)

    built = _materialize(defs, instance, [MART])
    assert built.success
    checks = [e.event_specific_data for e in built.all_events if e.event_type == dg.DagsterEventType.ASSET_CHECK_EVALUATION]
    assert checks and all(c.passed for c in checks if c.asset_key == MART), [c.check_name for c in checks if not c.passed]
    assert sha256_file(home / "warehouse.duckdb") == published_before, "building publishes nothing by itself"
    rebuilt = _rows(staging)
    assert rebuilt != stale and len(rebuilt) == len(stale) - 1, "dbt rebuilt the mart in staging"

    request = _sensor(defs, instance, built)
    assert isinstance(request, dg.RunRequest) and list(request.asset_selection) == [PUBLISHED]
    published = defs.resolve_job_def(request.job_name or "refresh_all").execute_in_process(
        instance=instance, asset_selection=request.asset_selection, raise_on_error=False)
    assert published.success
    assert _rows(home / "warehouse.duckdb") == rebuilt
    log = _rows(home / "warehouse.duckdb", "SELECT run_id, code_fingerprint FROM raw._publish_log ORDER BY published_at")
    assert [r[0] for r in log[:-1]] == [r[0] for r in log_before] and log[-1] == (published.run_id, "partial")
    assert isinstance(_sensor(defs, instance, published), dg.SkipReason), "a publish is not published again"
    assert not instance.get_runs(filters=dg.RunsFilter(statuses=[dg.DagsterRunStatus.FAILURE]))


def test_a_failed_build_publishes_nothing_then_or_later(ui):
    home, defs, instance = ui
    published_before = sha256_file(home / "warehouse.duckdb")
    staging = home / "work" / "staging"
    con = duckdb.connect(str(staging / "warehouse.duckdb"))
    con.execute("CREATE TABLE raw.poison AS SELECT 666 AS v")  # what the failed run leaves in staging ...
    [schema] = con.execute("SELECT schema_name FROM duckdb_tables() WHERE table_name = 'fct_source_layoffs'").fetchone()
    con.execute(f'DROP TABLE "{schema}".fct_source_layoffs')  # ... when dbt fails on an input it reads
    con.close()

    failed = _materialize(defs, instance, [MART])
    assert not failed.success
    assert sha256_file(home / "warehouse.duckdb") == published_before
    assert not staging.exists(), "the failed run's staging folder was dropped"

    publish = defs.resolve_job_def("refresh_all").execute_in_process(
        instance=instance, asset_selection=[PUBLISHED], raise_on_error=False)  # e.g. launched by hand afterwards
    assert publish.success
    assert _rows(home / "warehouse.duckdb", "SELECT count(*) FROM duckdb_tables() WHERE table_name = 'poison'") == [(0,)]
