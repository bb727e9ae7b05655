"""Per-step durations of the latest Dagster run in a DAGSTER_HOME, from its event log (JSON on stdout).

Usage: DAGSTER_HOME=<home>/dagster_home python bench/steps.py
Output: {"run_id", "run_s" (PIPELINE_START..end), "steps": {step_key: seconds}, "dbt_nodes": {unique_id: seconds}}
"""

from __future__ import annotations

import json
import sys

import dagster as dg

_END = {"STEP_SUCCESS", "STEP_FAILURE"}


def step_timings(instance: dg.DagsterInstance, run_id: str) -> dict:
    starts: dict[str, float] = {}
    steps: dict[str, float] = {}
    dbt_nodes: dict[str, float] = {}
    run_start = run_end = None
    for record in instance.all_logs(run_id):
        event = record.dagster_event
        if event is None:
            continue
        kind, key, ts = event.event_type_value, event.step_key, record.timestamp
        if kind == "PIPELINE_START":
            run_start = ts
        elif kind in ("PIPELINE_SUCCESS", "PIPELINE_FAILURE"):
            run_end = ts
        elif kind == "STEP_START":
            starts[key] = ts
        elif kind in _END and key in starts:
            steps[key] = round(ts - starts[key], 3)
        elif kind == "STEP_SKIPPED":
            steps[key] = 0.0
        elif kind == "ASSET_MATERIALIZATION" and key == "dbt_models":
            meta = event.event_specific_data.materialization.metadata
            if "Execution Duration" in meta and "unique_id" in meta:
                dbt_nodes[str(meta["unique_id"].value)] = round(float(meta["Execution Duration"].value), 3)
    run_s = round(run_end - run_start, 3) if run_start and run_end else None
    return {"run_id": run_id, "run_s": run_s, "steps": steps, "dbt_nodes": dbt_nodes}


def main() -> int:
    with dg.DagsterInstance.get() as instance:
        runs = instance.get_runs(limit=1)
        if not runs:
            print("steps: no run in this DAGSTER_HOME", file=sys.stderr)
            return 1
        print(json.dumps(step_timings(instance, runs[0].run_id)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
