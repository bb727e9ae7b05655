"""Run the refresh_all selection with Dagster's default multiprocess executor (bench only; one process per step).

Usage (env as for `layoffs-ai run`): LAYOFFS_AI_HOME=... LAYOFFS_AI_SNAPSHOT_DIR=... python bench/multiprocess_job.py
DAGSTER_HOME defaults to $LAYOFFS_AI_HOME/dagster_home (the multiprocess executor needs a persistent instance).
"""

from __future__ import annotations

import sys
import time

import dagster as dg

from orchestration.settings import Settings

JOB = "refresh_all_multiprocess"


def multiprocess_refresh_all() -> dg.JobDefinition:
    """The same assets, checks and resources as orchestration.definitions, job with the multiprocess executor."""
    from orchestration.definitions import build

    defs = build()

    job = dg.define_asset_job(JOB, selection=dg.AssetSelection.all(), executor_def=dg.multiprocess_executor)
    merged = dg.Definitions(
        assets=defs.assets,
        asset_checks=defs.asset_checks,
        resources=defs.resources,
        jobs=[job],
    )
    return merged.resolve_job_def(JOB)


def main() -> int:
    dagster_home = Settings.from_env().dagster_home  # the one configuration object; the environment is not changed
    dagster_home.mkdir(parents=True, exist_ok=True)
    config = dagster_home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    started = time.monotonic()
    with dg.DagsterInstance.from_config(str(dagster_home)) as instance:
        result = dg.execute_job(dg.reconstructable(multiprocess_refresh_all), instance=instance, raise_on_error=False)
        skipped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"]
        took = time.monotonic() - started
        if not result.success:
            failures = [e.step_key for e in result.all_events if e.event_type_value == "STEP_FAILURE"]
            print(f"multiprocess run {result.run_id} FAILED after {took:.1f}s (steps: {failures})", file=sys.stderr)
            return 1
        print(f"multiprocess run {result.run_id} succeeded in {took:.1f}s ({len(skipped)} steps skipped)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
