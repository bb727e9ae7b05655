"""`layoffs-ai ingest [--only DATASET ...]`: the same job as `run`, selecting raw tables, their staging models and
the publish."""

from __future__ import annotations

import argparse
import sys

from .settings import Settings


def failure_line(result) -> str:
    """The one line that says why a run failed: its failed blocking checks' reasons (the truncation gate
    first), else the failed step's root error, else the run's own failure (e.g. refused at start)."""
    from .pipeline_cli import root_message

    checks = [event.event_specific_data for event in result.all_events
              if event.event_type_value == "ASSET_CHECK_EVALUATION"]
    failed = [c for c in checks if not c.passed and c.description and c.severity.value == "ERROR"]
    failed.sort(key=lambda c: c.check_name == "not_empty")  # a gate line names counts and the setting
    if failed:
        return " | ".join(dict.fromkeys(c.description for c in failed))
    for event in result.all_events:
        if event.is_step_failure:
            return root_message(event.step_failure_data.error)
        if event.event_type_value == "RESOURCE_INIT_FAILURE" and event.engine_event_data.error:
            return root_message(event.engine_event_data.error)  # e.g. refused at start, or another writer
    for event in result.all_events:
        if event.event_type_value == "RUN_FAILURE":
            return event.message or "the run failed (see the log)"
    return "the run failed (see the log)"


def _ingest(run, ids: list[str]) -> int:
    import duckdb

    from ingestion import sources

    from .defs.ingestion import raw_key
    from .defs.raw_checks import staging_key, typing_outcome_keys
    from .launch_rules import PUBLISHED

    run._start()
    ok, states = run.observe(ids)
    failed = {d: s for d, s in states.items() if s is None or s.status != "ok"}
    published = run.settings.home / "warehouse.duckdb"
    if failed:
        lines = [f"{dataset}: {state.error if state else 'never observed'}" for dataset, state in failed.items()]
        run.failure = "; ".join(lines)
        for line in lines:
            print(f"error: {line}", file=sys.stderr)
        print(f"the published warehouse {published} is unchanged", file=sys.stderr)
        return 1
    tables = list(dict.fromkeys(t for d in ids for t in sources.get(d)[0].tables))
    # staging types the rows (its rejects, accepted rows and the truncation gate come with it)
    result = run.build_keys([raw_key(t) for t in tables] + [staging_key(t) for t in tables]
                            + typing_outcome_keys(tables) + [PUBLISHED])
    if not result.success:
        run.failure = failure_line(result)
        print(f"error: {run.failure}", file=sys.stderr)
        print(f"the published warehouse {published} is unchanged", file=sys.stderr)
        return 1
    con = duckdb.connect(str(published), read_only=True)
    try:
        for i, dataset in enumerate(ids, 1):
            rows, rejects, inputs, sha, load_run = con.execute(
                "SELECT coalesce(o.accepted_rows, l.rows), l.input_rows - coalesce(o.accepted_rows, l.rows), "
                "l.input_rows, l.sha256, l.run_id FROM raw._loads AS l LEFT JOIN staging.load_outcomes AS o "
                "ON o.source = l.source AND o.snapshot_sha256 = l.sha256 WHERE l.source = ? "
                "ORDER BY l.loaded_at DESC LIMIT 1", [dataset]).fetchone()
            what = "loaded" if load_run == result.run_id else "unchanged (this snapshot was already loaded)"
            print(f"[{i}/{len(ids)}] {dataset}: {what}; {rows:,} rows, {rejects:,} rejects from {inputs:,} input "
                  f"rows (sha256 {sha[:12]})", flush=True)
    finally:
        con.close()
    print(f"published {published}", flush=True)
    return 0


def cmd_ingest(args: argparse.Namespace) -> int:
    from ingestion import sources

    from .interrupts import run_interruptibly
    from .pipeline_cli import exit_now, prepare_dagster_home
    from .run_phases import PipelineRun, RunOptions

    ids = list(dict.fromkeys(args.only or sources.DATASETS))
    unknown = [i for i in ids if i not in sources.DATASETS]
    if unknown:
        print(f"error: unknown dataset(s) {', '.join(unknown)}; known: {', '.join(sources.DATASETS)}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    prepare_dagster_home(settings)
    print(f"layoffs-ai ingest: home {settings.home}; sources: {settings.mode}", flush=True)
    run = PipelineRun(settings, RunOptions(accept_drop=tuple(args.accept_drop or ())))
    args.pipeline_run = run  # its failure line and run id go into the alert (cli.main)
    return exit_now(run_interruptibly(lambda: _ingest(run, ids), run.abort))


def register(sub) -> None:
    ingest = sub.add_parser(
        "ingest", help="fetch sources, load their raw tables and type them in staging, then publish (no marts, "
                       "no analytics)",
        description="Observe the given sources (all by default), load their raw tables into a working copy and "
                    "type them in their staging models, then publish it: the `refresh_all` job restricted to "
                    "raw/<table>, staging/stg_<table> and warehouse/published. Intermediate models, marts and "
                    "analytics are left as they were (Dagster shows them stale). Any failing source, "
                    "layout check or the truncation gate fails the command with one `error:` line and publishes "
                    "nothing. For debugging a source.")
    ingest.add_argument("--only", nargs="+", metavar="DATASET", help="these dataset ids only")
    ingest.add_argument("--accept-drop", nargs="+", metavar="DATASET", help="publish even though these datasets "
                        "shrank by more than LAYOFFS_AI_MAX_ROW_DROP or rejected over 10%% of their rows")
    ingest.set_defaults(func=cmd_ingest)
