"""Progress lines of a CLI run, from Dagster's own event stream (a run logger), and the one line saying why it failed."""

from __future__ import annotations

import logging
import re
import time
from typing import Callable, TextIO

import dagster as dg

from .source_state import SourceState


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


def failure_line(result) -> str:
    """The one line that says why a run failed: its failed blocking checks' reasons (the truncation gate
    first), else the failed step's root error, else the run's own failure (e.g. refused at start)."""
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


def source_line(state: SourceState | None) -> str:
    if state is None:
        return "  MISSING  (a source was never observed)"
    if state.status == "ok":
        return f"  ok       {state.dataset:<27} retrieved {state.retrieved_at[:10]}  sha256 {state.accepted_sha256[:12]}"
    kept = (f"; keeping its rows retrieved {state.retrieved_at[:10]}" if state.status == "stale" else
            "; it has no rows yet")
    return f"  {state.status.upper():<8} {state.dataset:<27} {state.error}{kept}"


def describe(event: dg.DagsterEvent, interrupted: bool = False) -> str | None:
    """One progress line for a step, source or check event (None: not shown)."""
    kind, step = event.event_type_value, event.step_key or ""
    if step.endswith("_checks") and kind != "ASSET_CHECK_EVALUATION":
        return None  # one line per check result is enough
    if kind == "STEP_START":
        return f"start   {step}"
    if kind == "STEP_SUCCESS":
        return f"done    {step}"
    if kind == "STEP_SKIPPED":
        return f"skipped {step} (an upstream step did not succeed)"
    if kind == "STEP_FAILURE":
        if event.step_failure_data.error_source.value == "INTERRUPT" or interrupted:
            return f"stopped {step}"
        return f"FAILED  {step}: {root_message(event.step_failure_data.error)}"
    if kind == "ASSET_CHECK_EVALUATION":
        data = event.event_specific_data
        if not data.passed:  # a blocking failure's description is the run's failure line: said once, at the end
            name = f"{data.asset_key.to_user_string()}:{data.check_name}"
            if data.severity.value == "ERROR":
                return f"check   {name} did not pass (ERROR, blocks the publish)"
            why = f": {data.description}" if data.description else ""
            return f"check   {name} did not pass ({data.severity.value}){why}"
    return None


class Progress(logging.Handler):
    """Receives every event of the run as Dagster logs it: prints progress lines, keeps the sources' states, and
    marks the run canceling when a step was interrupted (a person stopped it: Dagster then records it canceled,
    not failed)."""

    def __init__(self, instance: dg.DagsterInstance, out: TextIO, signals: Callable[[], list[int]]):
        super().__init__(logging.DEBUG)
        self.instance, self.out, self.signals = instance, out, signals
        self.states: dict[str, SourceState | None] = {}
        self.interrupted = False

    def emit(self, record: logging.LogRecord) -> None:
        try:
            self._show((getattr(record, "dagster_meta", None) or {}), record)
        except Exception:  # noqa: BLE001 - a progress line must never fail the run
            self.handleError(record)

    def _show(self, meta: dict, record: logging.LogRecord) -> None:
        event = meta.get("dagster_event")
        if event is None:
            return
        if event.event_type_value == "ASSET_OBSERVATION":
            observation = event.event_specific_data.asset_observation
            state = SourceState.from_metadata(observation.metadata)
            if state is not None:
                self.states[state.dataset] = state
                print(source_line(state), file=self.out, flush=True)
            return
        # Dagster turns SIGINT and SIGTERM into an interrupt of the step; inside a DuckDB query DuckDB reports it
        # as its own error ("Query interrupted"): a step that fails after a signal was stopped, not broken
        if event.is_step_failure and not self.interrupted and (
                event.step_failure_data.error_source.value == "INTERRUPT" or self.signals()):
            self.interrupted = True
            run = self.instance.get_run_by_id(meta.get("run_id") or "")
            if run is not None and not run.is_finished:
                self.instance.report_run_canceling(run, message="stopped by a signal (Ctrl-C or SIGTERM)")
        line = describe(event, self.interrupted)
        if line:
            print(f"  {time.strftime('%H:%M:%S')} {line}", file=self.out, flush=True)

    def logger_def(self) -> dg.LoggerDefinition:
        """A run logger that hands every record to this handler."""
        handler = self

        @dg.logger(description="layoffs-ai CLI progress lines")
        def progress(_context) -> logging.Logger:
            log = logging.Logger("layoffs-ai.progress", logging.DEBUG)
            log.addHandler(handler)
            return log

        return progress
