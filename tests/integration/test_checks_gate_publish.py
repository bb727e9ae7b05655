"""Write-audit-publish: a failing blocking check stops dbt, analytics and publish; warnings do not."""

from __future__ import annotations

import dagster as dg

from tests.support.fixture_snapshots import make_fixture_snapshot_dir


def test_empty_raw_table_blocks_publish(tmp_path, monkeypatch):
    snaps = make_fixture_snapshot_dir(tmp_path / "snaps")
    fyi = next(snaps.glob("layoffs_fyi_export_*.csv"))
    fyi.write_bytes(fyi.read_bytes().splitlines(keepends=True)[0])  # header only: zero rows
    monkeypatch.setenv("LAYOFFS_AI_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("LAYOFFS_AI_SNAPSHOT_DIR", str(snaps))
    from orchestration.definitions import build
    from orchestration.settings import Settings

    defs = build(Settings.from_env())

    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        assert defs.resolve_job_def("observe_sources").execute_in_process(instance=instance).success
        result = defs.resolve_job_def("refresh_all").execute_in_process(instance=instance, raise_on_error=False)
        evaluations = {
            (e.asset_key.to_user_string(), e.check_name): e.passed
            for e in (r.dagster_event.event_specific_data for r in instance.all_logs(
                result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION))
        }
        succeeded = {r.dagster_event.step_key for r in instance.all_logs(
            result.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)}
    assert evaluations[("raw/layoffs_fyi__layoffs", "not_empty")] is False
    assert evaluations[("raw/epoch__models", "not_empty")] is True
    # the truncation gate sits on the staging models, which never ran
    assert ("staging/stg_layoffs_fyi__layoffs", "no_row_drop") not in evaluations
    assert not result.success  # the blocking check fails the run ...
    assert "load_raw_tables" in succeeded
    assert not {"dbt_models", "run_analytics", "warehouse__published"} & succeeded  # ... before dbt runs
    assert not (tmp_path / "home" / "warehouse.duckdb").exists(), "nothing may be published"
