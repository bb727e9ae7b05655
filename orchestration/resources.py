"""Dagster resources: the warehouse (per-run working copy + publish) and the source fetcher (live or snapshots)."""

from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Optional

import dagster as dg
import duckdb

from ingestion.core import Snapshot
from warehouse.publish import PublishError, WarehousePaths, corrupt_warehouse_message, prepare_work_copy

from .ingest_steps import fetch_snapshot, make_client
from .settings import Settings


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse under LAYOFFS_AI_HOME: runs write a working copy, readers use the published file."""

    home: Optional[str] = None  # default: $LAYOFFS_AI_HOME, else ./data (read when the resource is used)

    def settings(self) -> Settings:
        env = dict(os.environ)
        if self.home:
            env["LAYOFFS_AI_HOME"] = self.home
        return Settings.from_env(env)

    @property
    def paths(self) -> WarehousePaths:
        return WarehousePaths(self.settings().home)

    def work_copy(self, run_id: str) -> Path:
        return prepare_work_copy(self.paths, run_id)

    @contextmanager
    def connect(self, run_id: str, read_only: bool = False) -> Iterator[duckdb.DuckDBPyConnection]:
        """Open the run's working copy; always closed on exit so the file can be published."""
        work = self.work_copy(run_id)
        try:
            con = duckdb.connect(str(work), read_only=read_only)
        except duckdb.Error as exc:  # the copy of the published file does not open: it is corrupt
            detail = " ".join(str(exc).split())[:200]
            raise PublishError(corrupt_warehouse_message(self.paths, detail)) from exc
        try:
            yield con
        finally:
            con.close()


class SourceFetcher(dg.ConfigurableResource):
    """Fetches source files: live over HTTP, or recorded copies from LAYOFFS_AI_SNAPSHOT_DIR."""

    snapshot_dir: Optional[str] = None  # default: $LAYOFFS_AI_SNAPSHOT_DIR; unset means live fetching
    home: Optional[str] = None

    def settings(self) -> Settings:
        env = dict(os.environ)
        if self.snapshot_dir:
            env["LAYOFFS_AI_SNAPSHOT_DIR"] = self.snapshot_dir
        if self.home:
            env["LAYOFFS_AI_HOME"] = self.home
        return Settings.from_env(env)

    def fetch(self, dataset_id: str) -> Snapshot:
        settings = self.settings()
        client = make_client(settings)
        return fetch_snapshot(dataset_id, settings, client)
