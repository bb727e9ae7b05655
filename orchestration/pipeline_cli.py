"""`layoffs-ai run` (whole pipeline in-process, with progress lines) and `layoffs-ai ui` (dagster dev)."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
import uuid
from pathlib import Path

from .settings import Settings

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
    """Use $DAGSTER_HOME, else a persistent $LAYOFFS_AI_HOME/dagster_home with our dagster.yaml."""
    home = Path(os.environ.get("DAGSTER_HOME") or settings.home / "dagster_home").resolve()
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    current = config.read_text() if config.exists() else None
    if current is None or (current.startswith("# written by layoffs-ai") and current != DAGSTER_YAML):
        config.write_text(DAGSTER_YAML)  # never overwrite a dagster.yaml somebody else wrote
    os.environ["DAGSTER_HOME"] = str(home)
    return home


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
        msg = et.step_failure_data.error.message.strip().splitlines() if et.step_failure_data.error else ["failed"]
        return f"FAILED  {step}: {msg[-1] if msg else ''}"
    if kind == "ASSET_CHECK_EVALUATION":
        data = et.event_specific_data
        if not data.passed:
            return f"check   {data.asset_key.to_user_string()}:{data.check_name} did not pass ({data.severity.value})"
    return None


def _follow(instance, run_id: str, stop: threading.Event, out) -> None:
    """Print a progress line per step event, reading only new events (cursor) twice a second."""
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
        stop.wait(0.5)


def _cmd_run(args: argparse.Namespace) -> int:
    import dagster as dg

    settings = Settings.from_env()
    dagster_home = prepare_dagster_home(settings)
    print(f"layoffs-ai run: home {settings.home}; sources: {settings.mode}", flush=True)
    from .definitions import defs

    instance = dg.DagsterInstance.get()
    run_id = str(uuid.uuid4())
    stop = threading.Event()
    log_path = settings.home / "logs" / f"run-{run_id}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    print(f"  full log (dbt output, warnings): {log_path}", flush=True)
    follower = threading.Thread(target=_follow, args=(instance, run_id, stop, sys.stdout), daemon=True)
    follower.start()
    started = time.monotonic()
    try:
        with open(log_path, "w") as log, contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            result = defs.resolve_job_def("refresh_all").execute_in_process(
                instance=instance, run_id=run_id, raise_on_error=False,
                run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}})
    finally:
        stop.set()
        follower.join(timeout=5)
    took = time.monotonic() - started
    skipped = [e.step_key for e in result.all_events if e.event_type_value == "STEP_SKIPPED"]
    if not result.success:
        print(f"run {run_id} FAILED after {took:.1f}s; the published warehouse is unchanged "
              f"(run history: DAGSTER_HOME={dagster_home})", file=sys.stderr)
        return 1
    if "dbt_models" in skipped:
        print(f"nothing new: every snapshot is unchanged since the published warehouse; dbt, analytics and "
              f"publish skipped ({took:.1f}s)")
    else:
        print(f"run {run_id} succeeded in {took:.1f}s")
    print(f"  warehouse: {settings.home / 'warehouse.duckdb'}   (query: layoffs-ai sql \"SELECT ...\")")
    print(f"  charts:    {settings.charts_dir}")
    print(f"  report:    {settings.report_dir / 'index.html'}")
    print(f"  snapshots: {settings.raw_dir}")
    return 0


def _cmd_ui(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    prepare_dagster_home(settings)
    from .dbt_project import ensure_manifest

    ensure_manifest()
    dagster = Path(sys.executable).with_name("dagster")
    argv = [str(dagster), "dev", "-h", args.host, "-p", str(args.port)]
    print(f"starting Dagster UI on http://{args.host}:{args.port} (DAGSTER_HOME={os.environ['DAGSTER_HOME']})",
          flush=True)
    signal.signal(signal.SIGINT, signal.SIG_DFL)  # `&`-started shells ignore SIGINT; dagster dev must not
    os.chdir(REPO)
    os.execv(argv[0], argv)
    return 0  # not reached


def register(sub) -> None:
    run = sub.add_parser("run", help="materialise every asset in-process: fetch, load, dbt build, analytics, publish")
    run.set_defaults(func=_cmd_run)
    ui = sub.add_parser("ui", help="start the Dagster UI (dagster dev) with a persistent DAGSTER_HOME")
    ui.add_argument("--host", default="127.0.0.1")
    ui.add_argument("--port", type=int, default=3000)
    ui.set_defaults(func=_cmd_ui)
