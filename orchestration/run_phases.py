"""`layoffs-ai run` and `ingest` in two phases: observe the sources (concurrently), then build what must be built."""

from __future__ import annotations

import contextlib
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from safetext import CleanWriter

from .settings import Settings
from .source_state import SourceState

SETTLE_SECONDS = 2.0  # after stopping dbt, how long its run may take to record its end before it is marked canceled
OFFLINE_HINT = "no network? run offline: LAYOFFS_AI_SNAPSHOT_DIR=<folder with the source files> make run"


class Refused(Exception):
    """A launch that must not start; its message says what to do instead."""


@dataclass
class RunOptions:
    strict: bool = False  # exit 3 when a source is stale or missing (after publishing)
    force: bool = False  # rebuild everything even when nothing changed
    select: str | None = None  # a Dagster asset selection string instead of "whatever changed"
    accept_drop: tuple[str, ...] = ()  # datasets whose shrink (or reject share) a person accepted
    only: tuple[str, ...] = ()  # `ingest --only`: these datasets' raw tables, then publish


@dataclass
class PipelineRun:
    """One CLI command: its Dagster runs (in-process), the log file verbose output goes to, what it printed."""

    settings: Settings
    options: RunOptions
    out: TextIO = field(default_factory=lambda: sys.stdout)
    run_ids: list[str] = field(default_factory=list)
    log_path: Path | None = None
    instance: object = None
    defs: object = None
    failure: str = ""  # why the command failed, in one line (what its alert says)

    def say(self, text: str) -> None:
        print(text, file=self.out, flush=True)

    def _execute(self, job_name: str, asset_selection=None, tags=None):
        """One in-process Dagster run, progress lines on screen, everything else in the log file."""
        from .pipeline_cli import follow

        run_id = str(uuid.uuid4())
        self.run_ids.append(run_id)
        stop = threading.Event()
        follower = threading.Thread(target=follow, args=(self.instance, run_id, stop, self.out), daemon=True)
        follower.start()
        try:
            with open(self.log_path, "a") as handle:
                log = CleanWriter(handle)  # the run log gets no terminal escape and no secret either
                with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
                    return self.defs.resolve_job_def(job_name).execute_in_process(
                        instance=self.instance, run_id=run_id, raise_on_error=False, asset_selection=asset_selection,
                        tags=tags, run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}})
        finally:
            stop.set()
            follower.join(timeout=5)

    def _start(self) -> None:
        import dagster as dg

        from warehouse.write_audit_publish import WarehousePaths, check_published

        from .definitions import build

        check_published(WarehousePaths(self.settings.home))  # a corrupt warehouse: say so before any work
        self.defs = build(self.settings)
        self.instance = dg.DagsterInstance.from_config(str(self.settings.dagster_home))
        self.log_path = self.settings.home / "logs" / f"run-{time.strftime('%Y%m%dT%H%M%S')}.log"
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self.say(f"  full log (dbt output, warnings): {self.log_path}")

    def observe(self, datasets: list[str]) -> tuple[bool, dict[str, SourceState | None]]:
        """Phase 1: fetch and layout-check `datasets` concurrently; one line per source."""
        import dagster as dg

        from .defs.ingestion import latest_state, snapshot_key

        self.say(f"  fetching {len(datasets)} source(s) concurrently ({self.settings.mode}; deadline "
                 f"{self.settings.http.deadline:g} s each)")
        observed = self._execute("observe_sources", asset_selection=[snapshot_key(d) for d in datasets])
        states = {d: latest_state(self.instance, d) for d in datasets}
        for state in states.values():
            self.say(_source_line(state))
        return observed.success, states

    def build_keys(self, keys: list) -> object:
        """Phase 2: one run of `keys` (refused first if its work could not be published)."""
        from .defs.raw_checks import ACCEPT_DROP_TAG
        from .launch_rules import selection_problem

        problem = selection_problem(keys)
        if problem:
            raise Refused(f"refused: {problem}")
        tags = {ACCEPT_DROP_TAG: ",".join(self.options.accept_drop)} if self.options.accept_drop else None
        result = self._execute("refresh_all", asset_selection=keys, tags=tags)
        if not result.success:
            self.discard_work()
        return result

    def execute(self) -> int:
        from .defs.ingestion import TABLES_BY_DATASET

        self._start()
        started = time.monotonic()
        ok, states = self.observe(list(TABLES_BY_DATASET))
        if not ok:
            if self.settings.snapshot_dir is None:
                self.say(OFFLINE_HINT)
            self.say(f"every source failed: nothing was published ({time.monotonic() - started:.1f}s)")
            self.failure = "every source failed: " + "; ".join(
                f"{d}: {s.error if s else 'never observed'}" for d, s in states.items() if s is None or s.error)
            return 1
        keys = self._selection()
        if not keys:
            self.say(f"nothing new: every source and all code are unchanged since the last build; nothing to "
                     f"rebuild or publish ({time.monotonic() - started:.1f}s)")
            return self._exit_code(states)
        result = self.build_keys(keys)
        took = time.monotonic() - started
        if not result.success:
            from .ingest_cli import failure_line

            self.failure = failure_line(result)
            self.say(f"run FAILED after {took:.1f}s: {self.failure}")
            self.say(f"  the published warehouse, charts and report are unchanged (details: {self.log_path})")
            return 1
        stale = [d for d, s in states.items() if s is None or s.status != "ok"]
        note = f" with {len(stale)} stale or missing source(s): {', '.join(stale)}" if stale else ""
        self.say(f"run succeeded in {took:.1f}s: rebuilt {len(keys)} asset(s){note}")
        return self._exit_code(states)

    def _selection(self) -> list:
        import dagster as dg

        from warehouse.publish_log import published_run_ids

        from .staleness import keys_to_refresh

        graph = self.defs.resolve_asset_graph()
        job_keys = [k for k in graph.toposorted_asset_keys if graph.get(k).is_materializable]
        if self.options.select:
            chosen = dg.AssetSelection.from_string(self.options.select).resolve(graph)
            return [k for k in job_keys if k in chosen]
        if self.options.force:
            return job_keys
        published = published_run_ids(self.settings.home / "warehouse.duckdb")
        return keys_to_refresh(graph, self.instance, job_keys, published)

    def _exit_code(self, states: dict[str, SourceState | None]) -> int:
        if self.options.strict and any(s is None or s.status != "ok" for s in states.values()):
            self.say("--strict: a source is stale or missing, exit code 3")
            return 3
        return 0

    def discard_work(self) -> None:
        from warehouse.write_audit_publish import WarehousePaths, discard_work

        paths = WarehousePaths(self.settings.home)
        for run_id in self.run_ids:
            with contextlib.suppress(OSError):
                discard_work(paths, run_id)

    def abort(self, signum: int) -> None:
        """After SIGINT/SIGTERM: stop dbt, drop this command's working folders, mark its Dagster runs canceled."""
        from .interrupts import stop_children

        stopped = stop_children()
        self.discard_work()
        runs = self._settled_runs(SETTLE_SECONDS if "dbt" in stopped else 0.0)
        for run in runs:
            if run.status != run.status.SUCCESS:  # a step killed by us is not a failure
                with contextlib.suppress(Exception):
                    self.instance.report_run_canceled(run, message=f"interrupted by signal {signum}")
        print(f"the published warehouse in {self.settings.home} is unchanged", file=sys.__stderr__, flush=True)

    def _settled_runs(self, limit: float) -> list:
        """This command's runs, once each has ended or `limit` seconds have passed: a run whose dbt was just
        stopped records its failure within a moment, and the cancel must come after it, not be overwritten."""
        deadline = time.monotonic() + limit
        while True:
            runs = []
            with contextlib.suppress(Exception):
                runs = [r for r in map(self.instance.get_run_by_id, self.run_ids) if r is not None]
            if all(r.is_finished for r in runs) or time.monotonic() >= deadline:
                return runs
            time.sleep(0.05)


def _source_line(state: SourceState | None) -> str:
    if state is None:
        return "  MISSING  (a source was never observed)"
    if state.status == "ok":
        return f"  ok       {state.dataset:<27} retrieved {state.retrieved_at[:10]}  sha256 {state.accepted_sha256[:12]}"
    kept = (f"; keeping its rows retrieved {state.retrieved_at[:10]}" if state.status == "stale" else
            "; it has no rows yet")
    return f"  {state.status.upper():<8} {state.dataset:<27} {state.error}{kept}"
