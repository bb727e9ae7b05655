"""Plain-Python glue shared by the Dagster assets and the CLI: fetch, parse and load one dataset."""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

from ingestion import sources
from ingestion.core import ParseResult, Snapshot
from ingestion.http import HttpClient, HttpConfig
from ingestion.snapshot import SnapshotStore
from warehouse.raw_load import LoadResult, latest_load, load_parsed

from .settings import Settings


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one dataset in one run."""

    snapshot: Snapshot
    parsed: ParseResult
    load: LoadResult


def make_client(environ=None) -> HttpClient:
    import os

    return HttpClient(HttpConfig.from_env(os.environ if environ is None else environ))


def fetch_snapshot(dataset_id: str, settings: Settings, client: HttpClient | None = None) -> Snapshot:
    """Download (or copy from LAYOFFS_AI_SNAPSHOT_DIR) one dataset into the immutable snapshot store."""
    dataset, module = sources.get(dataset_id)
    store = SnapshotStore(settings.raw_dir)
    if settings.snapshot_dir is None and client is None:
        client = make_client()
    return module.fetch(dataset, store=store, client=client, snapshot_dir=settings.snapshot_dir,
                        url=settings.url_overrides.get(dataset_id))


def parse_snapshot(dataset_id: str, snapshot: Snapshot) -> ParseResult:
    """Verify the stored bytes still match the sidecar's sha256, then parse them (pure)."""
    SnapshotStore(snapshot.path.parent).verify(snapshot)
    _, module = sources.get(dataset_id)
    return module.parse(snapshot)


def load_snapshot(con: duckdb.DuckDBPyConnection, snapshot: Snapshot, parsed: ParseResult,
                  force: bool = False) -> LoadResult:
    return load_parsed(
        con,
        source=snapshot.source,
        sha256=snapshot.sha256,
        tables=parsed.tables,
        rejects=parsed.rejects,
        input_rows=parsed.input_rows,
        snapshot_path=str(snapshot.path),
        force=force,
    )


def parse_and_load(con: duckdb.DuckDBPyConnection, dataset_id: str, snapshot: Snapshot,
                   force: bool = False) -> LoadResult:
    """Parse and load one snapshot; an already-loaded sha256 is not even parsed (fast no-op nights)."""
    if not force:
        previous = latest_load(con, snapshot.source)
        if previous is not None and previous[0] == snapshot.sha256:
            SnapshotStore(snapshot.path.parent).verify(snapshot)
            return LoadResult(snapshot.source, snapshot.sha256, "unchanged", previous[1], previous[2],
                              previous[1] + previous[2])
    return load_snapshot(con, snapshot, parse_snapshot(dataset_id, snapshot), force=force)


def ingest_one(con: duckdb.DuckDBPyConnection, dataset_id: str, settings: Settings,
               client: HttpClient | None = None) -> IngestOutcome:
    snapshot = fetch_snapshot(dataset_id, settings, client)
    parsed = parse_snapshot(dataset_id, snapshot)
    return IngestOutcome(snapshot, parsed, load_snapshot(con, snapshot, parsed))
