"""Dagster resources: the warehouse of one home (one writer, one staging folder) and the source fetcher."""


from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import dagster as dg
import duckdb
from pydantic import PrivateAttr

from warehouse.write_audit_publish import (
    PublishError,
    WarehousePaths,
    WriterLock,
    corrupt_warehouse_message,
    end_run,
    prepare_staging,
)

from .launch_rules import writes_warehouse
from .settings import Settings

PUBLISHED_KEY = dg.AssetKey(["warehouse", "published"])


class OutOfMemory(Exception):
    """DuckDB hit the run's memory limit (LAYOFFS_AI_DUCKDB_MEMORY_LIMIT) in an operation it cannot spill."""


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse of a home. A run that writes it holds the home's writer lock from start to end and
    builds in the home's staging folder (warehouse copy, charts, report); `warehouse/published` publishes that
    folder. What a successful run built stays staged for the publish that follows it (in the same run, or the
    `publish_after_build` sensor's); a failed run's staging is dropped. A run that only reads reads the published file.
    """

    settings: dg.ResourceDependency[Settings]
    _lock: Optional[WriterLock] = PrivateAttr(default=None)
    _run_id: Optional[str] = PrivateAttr(default=None)

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(self.settings.home)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        run = context.run
        if run is None:  # definitions load, sensors: nothing to guard
            return
        if writes_warehouse(run.asset_selection or None):  # None or empty: the whole job
            self._lock = WriterLock(self.paths, f"run {run.run_id}").acquire()
            self._run_id = run.run_id
            try:
                prepare_staging(self.paths, run.run_id)  # before any step
            except BaseException:
                self._lock.release()
                raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_id is not None:
            end_run(self.paths, self._run_id, succeeded=_every_step_succeeded(context.instance, self._run_id))
        if self._lock is not None:
            self._lock.release()

    def staging(self, run_id: str) -> Path:
        """The staging folder this run builds in (writers only)."""
        if self._run_id != run_id:
            raise PublishError(f"run {run_id} does not write the warehouse (its selection has no warehouse asset)")
        return prepare_staging(self.paths, run_id)

    def staging_copy(self, run_id: str) -> Path:
        return self.staging(run_id) / self.paths.published.name

    @contextmanager
    def connect(self, run_id: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """The staging copy (writers) or the published file read-only (a run of checks only)."""
        path, read_only = (self.staging_copy(run_id), False) if self._run_id == run_id else (self.paths.published, True)
        try:
            con = duckdb.connect(str(path), read_only=read_only,
                                 config={"memory_limit": self.settings.duckdb_memory_limit})
        except duckdb.OutOfMemoryException as exc:
            raise self._out_of_memory(exc) from exc
        except duckdb.Error as exc:  # the published file (or its copy) does not open: it is corrupt
            raise PublishError(corrupt_warehouse_message(self.paths, " ".join(str(exc).split())[:200])) from exc
        try:
            yield con
        except duckdb.OutOfMemoryException as exc:
            raise self._out_of_memory(exc) from exc
        finally:
            con.close()

    def _out_of_memory(self, exc: duckdb.Error) -> OutOfMemory:
        """DuckDB's own message names its limit, not the variable that set it."""
        return OutOfMemory(f"DuckDB ran out of memory under LAYOFFS_AI_DUCKDB_MEMORY_LIMIT="
                           f"{self.settings.duckdb_memory_limit} and could not spill to disk: raise it, e.g. to 4GB "
                           f"({(str(exc).strip().splitlines() or [''])[0][:160]})")


def _every_step_succeeded(instance: dg.DagsterInstance, run_id: str) -> bool:
    """No step failed, and every step that started finished (an interrupted step did not)."""
    kinds = {dg.DagsterEventType.STEP_START, dg.DagsterEventType.STEP_SUCCESS, dg.DagsterEventType.STEP_FAILURE}
    steps: dict[str, set] = {kind: set() for kind in kinds}
    for record in instance.get_records_for_run(run_id, of_type=kinds, limit=10_000).records:
        steps[record.event_log_entry.dagster_event_type].add(record.event_log_entry.step_key)
    started, succeeded = steps[dg.DagsterEventType.STEP_START], steps[dg.DagsterEventType.STEP_SUCCESS]
    return not steps[dg.DagsterEventType.STEP_FAILURE] and started <= succeeded


class SourceFetcher(dg.ConfigurableResource):
    """Fetches source files: live over HTTP, or recorded copies from LAYOFFS_AI_SNAPSHOT_DIR."""

    settings: dg.ResourceDependency[Settings]
