"""A stale source warns (Dagster's last-update freshness checks, fed by the observations); it never blocks, and no
second dbt process measures it."""

from __future__ import annotations

import time

import dagster as dg

from orchestration.defs.ingestion import TABLES_BY_DATASET, snapshot_key
from orchestration.definitions import build
from orchestration.settings import Settings


def _freshness_checks(defs: dg.Definitions) -> dict[dg.AssetCheckKey, dg.AssetCheckSpec]:
    graph = defs.resolve_asset_graph()
    return {key: graph.get_check_spec(key) for key in graph.asset_check_keys
            if key.asset_key.path[0] == "snapshots" and "freshness_check" in key.name}


def test_every_source_has_a_warning_freshness_check_and_dbt_has_none(tmp_path):
    defs = build(Settings(home=tmp_path, snapshot_dir=None))
    checks = _freshness_checks(defs)
    assert {key.asset_key for key in checks} == {snapshot_key(d) for d in TABLES_BY_DATASET}
    assert not any(spec.blocking for spec in checks.values()), "a stale source must not block publishing"
    names = {key.name for key in defs.resolve_asset_graph().asset_check_keys}
    assert "dbt_source_freshness" not in names, "freshness is not measured by a second dbt process"


def test_an_old_observation_makes_the_source_check_fail_as_a_warning(tmp_path):
    settings = Settings(home=tmp_path, snapshot_dir=None, stale_after_hours=26)
    defs = build(settings)
    key = snapshot_key(next(iter(TABLES_BY_DATASET)))
    check = next(k for k in _freshness_checks(defs) if k.asset_key == key)
    only_check = dg.define_asset_job("source_freshness", selection=dg.AssetSelection.checks(check))
    job = dg.Definitions.merge(defs, dg.Definitions(jobs=[only_check])).resolve_job_def("source_freshness")
    (tmp_path / "dagster_home").mkdir()
    with dg.instance_for_test(temp_dir=str(tmp_path / "dagster_home")) as instance:
        results = {}
        for hours in (1, 30):  # last successful fetch 1 h ago (fresh), 30 h ago (stale after 26 h)
            instance.report_runless_asset_event(dg.AssetObservation(key, metadata={
                "dagster/last_updated_timestamp": dg.MetadataValue.timestamp(time.time() - hours * 3600)}))
            run = job.execute_in_process(instance=instance, raise_on_error=False)
            assert run.success, "a failed freshness check fails no run"
            evaluation = [e for e in run.get_asset_check_evaluations() if e.asset_check_key == check]
            results[hours] = (evaluation[0].passed, evaluation[0].severity)
    assert results[1][0] is True
    assert results[30] == (False, dg.AssetCheckSeverity.WARN)
