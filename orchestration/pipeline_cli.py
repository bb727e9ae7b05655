"""`layoffs-ai run` (whole pipeline in-process, with progress lines) and `layoffs-ai ui` (dg dev)."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
import threading
import time
from pathlib import Path

from .settings import Settings, child_environment

REPO = Path(__file__).resolve().parents[1]
DAGSTER_YAML = """# written by layoffs-ai; Dagster instance settings for this LAYOFFS_AI_HOME
telemetry:
  enabled: false
nux:
  enabled: false   # no "Join the Dagster community" modal on the first visit of the UI
concurrency:
  runs:
    max_concurrent_runs: 1   # one writer at a time: runs queue behind each other
"""


def prepare_dagster_home(settings: Settings) -> Path:
    """The Dagster instance folder, with our dagster.yaml unless somebody else wrote one."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    current = config.read_text() if config.exists() else None
    if current is None or (current.startswith("# written by layoffs-ai") and current != DAGSTER_YAML):
        config.write_text(DAGSTER_YAML)  # never overwrite a dagster.yaml somebody else wrote
    return home


def root_message(error) -> str:
    """The first error under Dagster's wrappers, on one line (not 'DagsterExecutionStepExecutionError: ...'):
    our own errors already say what to do, better than the OS error they were raised from."""
    if error is None:
        return "failed"
    while error.cause is not None and (error.cls_name or "").startswith("Dagster"):
        error = error.cause
    lines = [line.strip() for line in error.message.strip().splitlines() if line.strip()]
    text = lines[0] if lines else error.cls_name or "failed"
    if error.cls_name and not error.cls_name.startswith("Dagster"):  # "warehouse.write_audit_publish.WriterBusy: ..." -> "..."
        text = re.sub(rf"^[\w.]*\b{re.escape(error.cls_name)}: ", "", text)
    return text if len(text) <= 400 else text[:397] + "..."


def _describe(event) -> str | None:
    et = event.dagster_event
    if et is None:
        return None
    kind = et.event_type_value
    step = et.step_key or ""
    if step.endswith("_checks"):
        if kind != "ASSET_CHECK_EVALUATION":
            return None  # one line per check result is enough
    if kind == "STEP_START":
        return f"start   {step}"
    if kind == "STEP_SUCCESS":
        return f"done    {step}"
    if kind == "STEP_SKIPPED":
        return f"skipped {step} (nothing upstream changed)"
    if kind == "STEP_FAILURE":
        return f"FAILED  {step}: {root_message(et.step_failure_data.error)}"
    if kind == "ASSET_CHECK_EVALUATION":
        data = et.event_specific_data
        if not data.passed:  # a blocking failure's description is the run's failure line: said once, at the end
            name = f"{data.asset_key.to_user_string()}:{data.check_name}"
            if data.severity.value == "ERROR":
                return f"check   {name} did not pass (ERROR, blocks the publish)"
            why = f": {data.description}" if data.description else ""
            return f"check   {name} did not pass ({data.severity.value}){why}"
    return None


def follow(instance, run_id: str, stop: threading.Event, out) -> None:
    """Print a progress line per step event, reading only new events (cursor) once a second (each read costs
    ≈30 ms of CPU in Dagster's SQLite storage, taken from the run on a 2-core machine)."""
    import dagster as dg

    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_SKIPPED,
             dg.DagsterEventType.STEP_FAILURE, dg.DagsterEventType.ASSET_CHECK_EVALUATION}
    cursor = None
    while True:
        done = stop.is_set()
        page = instance.get_records_for_run(run_id, cursor=cursor, of_type=kinds)
        for record in page.records:
            line = _describe(record.event_log_entry)
            if line:
                print(f"  {time.strftime('%H:%M:%S')} {line}", file=out, flush=True)
        cursor = page.cursor
        if done:
            return
        stop.wait(1.0)


def exit_now(code: int) -> int:
    """After an interrupt the worker thread may still be inside DuckDB or a download: exit without waiting."""
    if code >= 128:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    return code


def _cmd_run(args: argparse.Namespace) -> int:
    from .interrupts import run_interruptibly
    from .run_phases import PipelineRun, RunOptions

    settings = Settings.from_env()
    prepare_dagster_home(settings)
    print(f"layoffs-ai run: home {settings.home}; sources: {settings.mode}", flush=True)
    run = PipelineRun(settings, RunOptions(strict=args.strict, force=args.force, select=args.select,
                                           accept_drop=tuple(args.accept_drop or ())))
    args.pipeline_run = run  # its failure line and run id go into the alert (cli.main)
    code = exit_now(run_interruptibly(run.execute, run.abort))
    if code in (0, 3):
        print(f"  warehouse: {settings.home / 'warehouse.duckdb'}   (query: layoffs-ai sql \"SELECT ...\")")
        print(f"  charts:    {settings.charts_dir}")
        print(f"  report:    {settings.report_dir / 'index.html'}")
        print(f"  snapshots: {settings.raw_dir}")
    return code


def _cmd_ui(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    dagster_home = prepare_dagster_home(settings)
    bin_dir = Path(sys.executable).parent
    argv = [str(bin_dir / "dg"), "dev", "-h", args.host, "-p", str(args.port)]
    print(f"starting Dagster UI on http://{args.host}:{args.port} (dg dev; DAGSTER_HOME={dagster_home})", flush=True)
    path = os.pathsep.join(filter(None, [str(bin_dir), child_environment().get("PATH")]))
    env = child_environment(DAGSTER_HOME=str(dagster_home), VIRTUAL_ENV=str(bin_dir.parent), PATH=path)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # `&`-started shells ignore SIGINT; dg dev must not
    # dg dev leads its own process group under a watchdog: if this command dies, even by SIGKILL, dg dev gets
    # its clean-shutdown SIGTERM and its webserver, daemon and code server go with it (issue 20: no orphans)
    from .child_guard import supervise

    return supervise(argv, env, REPO)


def register(sub) -> None:
    run = sub.add_parser(
        "run", help="fetch every source, rebuild what changed, publish (in-process)",
        description="Fetch every source concurrently (live, or from LAYOFFS_AI_SNAPSHOT_DIR), then rebuild only the "
                    "assets whose inputs or code changed (raw load, dbt build, analytics) and publish the warehouse. "
                    "A source that fails is kept stale (its last good rows stay); when every source fails nothing "
                    "is published. Exit codes: 0 ok, 1 failed, 3 --strict and a source is stale or missing, "
                    "130/143 interrupted.")
    run.add_argument("--strict", action="store_true", help="exit 3 (after publishing) when a source is stale or missing")
    run.add_argument("--force", action="store_true", help="rebuild and publish everything even when nothing changed")
    run.add_argument("--accept-drop", nargs="+", metavar="DATASET", help="publish even though these datasets lost more "
                     "than LAYOFFS_AI_MAX_ROW_DROP of their rows or rejected over 10%% (a real shrink a person checked)")
    run.add_argument("--select", metavar="SELECTION", help="a Dagster asset selection to rebuild instead of "
                     "what changed, e.g. 'key:\"marts/layoffs_monthly\"+' ")
    run.set_defaults(func=_cmd_run)
    ui = sub.add_parser("ui", help="start the Dagster UI and daemon (dg dev) with a persistent DAGSTER_HOME",
                        description="Run `dg dev`: the Dagster UI, the daemon (nightly schedule, sensors, run queue) "
                                    "and the code location, with DAGSTER_HOME=$LAYOFFS_AI_HOME/dagster_home (or "
                                    "$DAGSTER_HOME). Stop it with Ctrl-C.")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=_cmd_ui)
