"""`layoffs-ai run` and `ingest`: decide from the publish log first (no Dagster), else one in-process run of the job."""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field

from .settings import Settings

STOP_GRACE = 5.0  # seconds Dagster gets to stop a run after SIGINT/SIGTERM before the command stops it itself
OFFLINE_HINT = "no network? run offline: LAYOFFS_AI_SNAPSHOT_DIR=<folder with the source files> make run"


class Refused(Exception):
    """A launch that must not start; its message says what to do instead."""


@dataclass
class Command:
    """What the alert of a failed command needs (cli.main): why it failed, and its run."""

    failure: str = ""
    run_ids: list[str] = field(default_factory=list)


def _say(text: str) -> None:
    print(text, flush=True)


def _nothing_new(settings: Settings) -> bool:
    """Offline, the files in LAYOFFS_AI_SNAPSHOT_DIR are the snapshots a run would use: hash them and compare with
    the publish log. Live, only a fetch can tell (and it must be recorded as the sources' observation): run."""
    from .fingerprint import offline_snapshots, unchanged

    if settings.snapshot_dir is None:
        return False
    return unchanged(settings.home / "warehouse.duckdb", offline_snapshots(settings.snapshot_dir, settings.datasets))


def execute(settings: Settings, command: Command, selection, tags: dict[str, str], fetching: int):
    """One in-process execution of `refresh_all` (or `selection` of it; a callable chooses it from the asset graph
    and may refuse it): progress from Dagster's event stream, Dagster's own console log in the run's log file."""
    import dagster as dg

    from safetext import CleanWriter
    from warehouse.write_audit_publish import WarehousePaths, check_published, discard_staging

    from .definitions import build
    from .pipeline_cli import prepare_dagster_home
    from .progress import Progress

    # before the run, SIGINT and SIGTERM are a KeyboardInterrupt; during it Dagster handles both (the step is
    # interrupted, dagster-dbt passes it on to dbt)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # `&`-started shells ignore SIGINT
    signal.signal(signal.SIGTERM, lambda *_: signal.raise_signal(signal.SIGINT))
    read_end, write_end = os.pipe()  # the numbers of the signals received (Dagster's handlers do not say)
    os.set_blocking(write_end, False)
    signal.set_wakeup_fd(write_end)
    received: list[int] = []

    def signals() -> list[int]:
        return [s for s in received if s in (signal.SIGINT, signal.SIGTERM)]


    prepare_dagster_home(settings)
    check_published(WarehousePaths(settings.home))  # a corrupt warehouse: say so before any work
    log_path = settings.home / "logs" / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
    log_path.parent.mkdir(parents=True, exist_ok=True)
    _say(f"  full log (dbt output, warnings): {log_path}")
    instance = dg.DagsterInstance.from_config(str(settings.dagster_home))
    progress = Progress(instance, sys.stdout, signals)

    def stop_now() -> None:
        signum = (signals() or [signal.SIGINT])[0]
        print(f"interrupted by {signal.Signals(signum).name}: the run was stopped; the published warehouse in "
              f"{settings.home} is unchanged", file=sys.__stderr__, flush=True)
        sys.__stdout__.flush()
        os._exit(128 + signum)  # a fetch thread may still wait on a slow server: do not wait for it

    def insist() -> None:
        """Record the signals. Dagster stops the run on the first (dagster-dbt stops dbt), but it can lose an
        interrupt that lands while it sets a step up, and the step then goes on (seen waiting for a hung download).
        A run still going STOP_GRACE seconds after a signal is stopped here: the staging folder goes, its Dagster
        run is marked canceled (and dbt, started through layoffs-ai-dbt, dies with this process)."""
        while not signals():
            received.extend(os.read(read_end, 64))
            if ended.is_set():
                return
        time.sleep(STOP_GRACE)
        discard_staging(WarehousePaths(settings.home))  # nothing the stopped run wrote may be published later
        for run_id in command.run_ids:
            with contextlib.suppress(Exception):
                run = instance.get_run_by_id(run_id)
                if run is not None and not run.is_finished:
                    instance.report_run_canceled(run, message="stopped by a signal (Ctrl-C or SIGTERM)")
        stop_now()

    ended = threading.Event()
    watcher = threading.Thread(target=insist, name="interrupts", daemon=True)
    watcher.start()
    result, interrupted = None, False
    try:
        defs = dg.Definitions.merge(build(settings), dg.Definitions(
            loggers={"console": dg.colored_console_logger, "progress": progress.logger_def()}))
        job = defs.resolve_job_def("refresh_all")
        if callable(selection):
            selection = selection(defs.resolve_asset_graph())
        _say(f"  fetching {fetching} source(s) concurrently ({settings.mode}; deadline "
             f"{settings.http.deadline:g} s each)")
        run_id = str(uuid.uuid4())
        command.run_ids.append(run_id)
        with open(log_path, "a") as handle:
            log = CleanWriter(handle)  # the run log gets no terminal escape and no secret either
            with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                result = job.execute_in_process(
                    instance=instance, run_id=run_id, raise_on_error=False, asset_selection=selection, tags=tags,
                    run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}, "progress": {}}})
    except KeyboardInterrupt:
        interrupted = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the run has ended: a repeated interrupt must not land in what follows
    if interrupted or progress.interrupted or signals():
        stop_now()
    ended.set()  # a normal end: the watcher returns (a thread left blocked keeps DuckDB objects alive at exit)
    signal.set_wakeup_fd(-1)
    os.write(write_end, b"\0")
    watcher.join(timeout=5)
    os.close(write_end)
    os.close(read_end)
    return result, progress, log_path


def cmd_run(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    command = args.pipeline_run = Command()  # its failure line and run id go into the alert (cli.main)
    started = time.monotonic()
    _say(f"layoffs-ai run: home {settings.home}; sources: {settings.mode}")
    if not args.force and not args.select and _nothing_new(settings):
        _say(f"nothing new: every source and all code are unchanged since the last publish; nothing to rebuild or "
             f"publish ({time.monotonic() - started:.1f}s)")
        return _where(settings, 0)
    import dagster as dg

    from .defs.ingestion import SKIP_IF_UNCHANGED_TAG, TABLES_BY_DATASET, snapshot_key
    from .defs.raw_checks import ACCEPT_DROP_TAG
    from .launch_rules import PUBLISHED

    def chosen(graph) -> list:
        """--select: the sources' observation, the selected assets, and the publish of what they built."""
        picked = dg.AssetSelection.from_string(args.select).resolve(graph)
        keys = [k for k in graph.toposorted_asset_keys if k in picked and graph.get(k).is_materializable]
        if not keys:
            raise Refused(f"refused: --select {args.select!r} names no asset of the pipeline (see `dg list defs`)")
        return [snapshot_key(d) for d in TABLES_BY_DATASET] + [k for k in keys if k != PUBLISHED] + [PUBLISHED]

    tags = {ACCEPT_DROP_TAG: ",".join(args.accept_drop)} if args.accept_drop else {}
    if not args.force and not args.select:
        tags[SKIP_IF_UNCHANGED_TAG] = "true"
    result, progress, log_path = execute(settings, command, chosen if args.select else None, tags,
                                         len(settings.datasets))
    took = time.monotonic() - started
    states = {d: progress.states.get(d) for d in settings.datasets}  # left-out WARN states: not stale
    if not result.success:
        from .progress import failure_line

        command.failure = failure_line(result)
        _say(f"run FAILED after {took:.1f}s: {command.failure}")
        if all(s is None or s.status != "ok" for s in states.values()) and settings.snapshot_dir is None:
            _say(OFFLINE_HINT)
        _say(f"  the published warehouse, charts and report are unchanged (details: {log_path})")
        return 1
    stale = [d for d, s in states.items() if s is None or s.status != "ok"]
    note = f" with {len(stale)} stale or missing source(s): {', '.join(stale)}" if stale else ""
    if not any(e.asset_key == PUBLISHED for e in result.get_asset_materialization_events()):
        _say(f"nothing new: the snapshots fetched and all code are those of the last publish; nothing was rebuilt "
             f"or published ({took:.1f}s{note})")
    else:
        _say(f"run succeeded in {took:.1f}s{note}")
    if args.strict and stale:
        _say("--strict: a source is stale or missing, exit code 3")
        return _where(settings, 3)
    return _where(settings, 0)


def _where(settings: Settings, code: int) -> int:
    print(f"  warehouse: {settings.home / 'warehouse.duckdb'}   (query: layoffs-ai sql \"SELECT ...\")")
    print(f"  charts:    {settings.charts_dir}")
    print(f"  report:    {settings.report_dir / 'index.html'}")
    print(f"  snapshots: {settings.raw_dir}")
    return code


def cmd_ingest(args: argparse.Namespace) -> int:
    """The same job, selecting the datasets' snapshots, raw tables and staging models, and the publish."""
    from ingestion import sources

    unknown = [i for i in args.only or () if i not in sources.DATASETS]
    if unknown:
        print(f"error: unknown dataset(s) {', '.join(unknown)}; known: {', '.join(sources.DATASETS)}", file=sys.stderr)
        return 2
    settings = Settings.from_env()
    ids = list(dict.fromkeys(args.only or settings.datasets))
    left_out = [i for i in ids if i not in settings.datasets]
    if left_out:
        print(f"error: {', '.join(left_out)} not selected by LAYOFFS_AI_WARN_STATES "
              f"({','.join(settings.warn_states) or 'none'})", file=sys.stderr)
        return 2
    command = args.pipeline_run = Command()
    _say(f"layoffs-ai ingest: home {settings.home}; sources: {settings.mode}")
    from .defs.ingestion import ALL_SOURCES_TAG, raw_key, snapshot_key
    from .defs.raw_checks import ACCEPT_DROP_TAG, staging_key, typing_outcome_keys
    from .launch_rules import PUBLISHED

    # every source by default: the tables of WARN states left out too, so that their rows leave the warehouse
    left_out = [] if args.only else [d for d in sources.DATASETS if d not in settings.datasets]
    tables = list(dict.fromkeys(t for d in ids + left_out for t in sources.get(d)[0].tables))
    selection = ([snapshot_key(d) for d in ids] + [raw_key(t) for t in tables] + [staging_key(t) for t in tables]
                 + typing_outcome_keys(tables) + [PUBLISHED])
    tags = {ALL_SOURCES_TAG: "true"} | ({ACCEPT_DROP_TAG: ",".join(args.accept_drop)} if args.accept_drop else {})
    result, progress, _ = execute(settings, command, selection, tags, len(ids))
    published = settings.home / "warehouse.duckdb"
    if not result.success:
        from .progress import failure_line

        failed = {d: s for d, s in progress.states.items() if d in ids and s.status != "ok"}
        lines = [f"{d}: {s.error}" for d, s in failed.items()] or [failure_line(result)]
        command.failure = "; ".join(lines)
        for line in lines:
            print(f"error: {line}", file=sys.stderr)
        print(f"the published warehouse {published} is unchanged", file=sys.stderr)
        return 1
    _report_loads(published, ids, result.run_id)
    return 0


def _report_loads(published, ids: list[str], run_id: str) -> None:
    import duckdb

    con = duckdb.connect(str(published), read_only=True)
    try:
        for i, dataset in enumerate(ids, 1):
            rows, rejects, inputs, sha, load_run = con.execute(
                "SELECT coalesce(o.accepted_rows, l.rows), l.input_rows - coalesce(o.accepted_rows, l.rows), "
                "l.input_rows, l.sha256, l.run_id FROM raw._loads AS l LEFT JOIN staging.load_outcomes AS o "
                "ON o.source = l.source AND o.snapshot_sha256 = l.sha256 WHERE l.source = ? "
                "ORDER BY l.loaded_at DESC LIMIT 1", [dataset]).fetchone()
            what = "loaded" if load_run == run_id else "unchanged (this snapshot was already loaded)"
            print(f"[{i}/{len(ids)}] {dataset}: {what}; {rows:,} rows, {rejects:,} rejects from {inputs:,} input "
                  f"rows (sha256 {sha[:12]})", flush=True)
    finally:
        con.close()
    print(f"published {published}", flush=True)


def register(sub) -> None:
    run = sub.add_parser(
        "run", help="fetch every source, rebuild, publish (in-process); nothing when nothing changed",
        description="Offline (LAYOFFS_AI_SNAPSHOT_DIR), first compare the source files' sha256 and the code with "
                    "what the published warehouse was built from (raw._publish_log): when nothing changed, say so "
                    "and stop. Otherwise run the `refresh_all` job once, in-process: fetch every source "
                    "concurrently, load raw, build dbt, run analytics and publish the warehouse. A source that "
                    "fails is kept stale (its last good rows stay); when every source fails nothing is published. "
                    "Exit codes: 0 ok, 1 failed, 2 refused, 3 --strict and a source is stale or missing, "
                    "130/143 interrupted.")
    run.add_argument("--strict", action="store_true", help="exit 3 (after publishing) when a source is stale or missing")
    run.add_argument("--force", action="store_true", help="rebuild and publish everything even when nothing changed")
    run.add_argument("--accept-drop", nargs="+", metavar="DATASET", help="publish even though these datasets lost more "
                     "than LAYOFFS_AI_MAX_ROW_DROP of their rows or rejected over 10%% (a real shrink a person checked)")
    run.add_argument("--select", metavar="SELECTION", help="a Dagster asset selection to rebuild, then publish (after "
                     "fetching the sources; warehouse/published is added), e.g. 'key:\"marts/layoffs_monthly\"+' ")
    run.set_defaults(func=cmd_run)
    ingest = sub.add_parser(
        "ingest", help="fetch sources, load their raw tables and type them in staging, then publish (no marts, "
                       "no analytics)",
        description="Run the `refresh_all` job restricted to snapshots/<dataset>, raw/<table>, staging/stg_<table> "
                    "and warehouse/published for the given sources (all by default). Intermediate models, marts "
                    "and analytics are left as they were. Any failing source, layout check or the truncation gate "
                    "fails the command with one `error:` line and publishes nothing. For debugging a source.")
    ingest.add_argument("--only", nargs="+", metavar="DATASET", help="these dataset ids only")
    ingest.add_argument("--accept-drop", nargs="+", metavar="DATASET", help="publish even though these datasets "
                        "shrank by more than LAYOFFS_AI_MAX_ROW_DROP or rejected over 10%% of their rows")
    ingest.set_defaults(func=cmd_ingest)
