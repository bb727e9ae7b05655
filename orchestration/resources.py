"""Dagster resources: the warehouse of one home (one writer, a working folder per run) and the source fetcher."""


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
    discard_work,
    prepare_work,
)

from .launch_rules import selection_problem, writes_warehouse
from .settings import Settings

PUBLISHED_KEY = dg.AssetKey(["warehouse", "published"])


class OutOfMemory(Exception):
    """DuckDB hit the run's memory limit (LAYOFFS_AI_DUCKDB_MEMORY_LIMIT) in an operation it cannot spill."""


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse of a home. A run that writes it holds the home's writer lock from start to end,
    builds in its own working folder (warehouse copy, charts, report) and publishes them together; a run
    that fails or is refused leaves no working folder. A run that only reads (checks) reads the published file.
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
        selection = run.asset_selection or None  # None or empty: the whole job (e.g. refresh_all from its page)
        problem = selection_problem(selection)
        if problem:
            raise dg.Failure(description=f"refused before it started: {problem}", allow_retries=False)
        if writes_warehouse(selection):
            self._lock = WriterLock(self.paths, f"run {run.run_id}").acquire()
            self._run_id = run.run_id
            try:
                prepare_work(self.paths, run.run_id)  # the copy of the published warehouse, before any step
            except BaseException:
                self._lock.release()
                raise

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        if self._run_id is not None:
            discard_work(self.paths, self._run_id)  # published: already moved away; failed: nothing kept
        if self._lock is not None:
            self._lock.release()

    def work(self, run_id: str) -> Path:
        """This run's working folder, holding a copy of the published warehouse (writers only)."""
        if self._run_id != run_id:
            raise PublishError(f"run {run_id} does not write the warehouse (its selection has no warehouse asset)")
        return prepare_work(self.paths, run_id)

    def work_copy(self, run_id: str) -> Path:
        return self.work(run_id) / self.paths.published.name

    @contextmanager
    def connect(self, run_id: str) -> Iterator[duckdb.DuckDBPyConnection]:
        """The run's working copy (writers) or the published file read-only (a run of checks only)."""
        path, read_only = (self.work_copy(run_id), False) if self._run_id == run_id else (self.paths.published, True)
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


class SourceFetcher(dg.ConfigurableResource):
    """Fetches source files: live over HTTP, or recorded copies from LAYOFFS_AI_SNAPSHOT_DIR."""

    settings: dg.ResourceDependency[Settings]
