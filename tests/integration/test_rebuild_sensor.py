"""The nightly `rebuild_what_changed` sensor rebuilds unless the observed snapshots and the code are the last publish's."""

from __future__ import annotations

import dagster as dg
import duckdb

from orchestration.definitions import build
from orchestration.defs.ingestion import TABLES_BY_DATASET, latest_state
from orchestration.fingerprint import code_fingerprint
from orchestration.settings import Settings
from tests.support.fixture_snapshots import make_fixture_snapshot_dir
from warehouse.publish_log import record_publish


def _evaluate(defs, instance, result):
    sensor = defs.get_sensor_def("rebuild_what_changed")
    run = instance.get_run_by_id(result.run_id)
    event = next(r.dagster_event for r in instance.all_logs(result.run_id, of_type=dg.DagsterEventType.RUN_SUCCESS))
    with dg.build_run_status_sensor_context(
            sensor_name=sensor.name, dagster_event=event, dagster_instance=instance, dagster_run=run,
            resources={"warehouse": defs.resources["warehouse"]}, repository_def=defs.get_repository_def()) as context:
        return sensor(context)


def test_the_sensor_skips_only_a_night_identical_to_the_last_publish(tmp_path):
    home = tmp_path / "home"
    defs = build(Settings(home=home, snapshot_dir=make_fixture_snapshot_dir(tmp_path / "snaps")))
    with dg.instance_for_test() as instance:
        observed = defs.resolve_job_def("observe_sources").execute_in_process(instance=instance)
        shas = {d: latest_state(instance, d).accepted_sha256 for d in TABLES_BY_DATASET}
        first = _evaluate(defs, instance, observed)
        assert isinstance(first, dg.RunRequest), "nothing published yet: rebuild"
        assert dg.AssetKey(["warehouse", "published"]) in first.asset_selection
        assert not any(k.path[0] == "snapshots" for k in first.asset_selection), "observed already: not again"
        home.mkdir(exist_ok=True)
        con = duckdb.connect(str(home / "warehouse.duckdb"))
        record_publish(con, "old", code_fingerprint(), shas | {"epoch_all": "0" * 64})
        con.close()
        assert isinstance(_evaluate(defs, instance, observed), dg.RunRequest), "a source changed: rebuild"
        con = duckdb.connect(str(home / "warehouse.duckdb"))
        record_publish(con, "new", code_fingerprint(), shas)
        con.close()
        assert isinstance(_evaluate(defs, instance, observed), dg.SkipReason), "nothing changed: no run"
