"""Plain-Python glue shared by the Dagster assets and the CLI: fetch one dataset and load its rows into raw."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

import duckdb

from ingestion import sources
from ingestion.core import IngestionError, SchemaError, Snapshot
from ingestion.http import HttpClient
from ingestion.snapshot import SnapshotStore
from safetext import safe_line
from warehouse.raw_load import LoadResult, ensure_raw_tables, latest_load, load_rows

from .settings import Settings
from .source_state import FetchOutcome


@dataclass(frozen=True)
class IngestOutcome:
    """What happened to one dataset in one run."""

    snapshot: Snapshot
    load: LoadResult  # raw rows and framing rejects; staging adds the typing rejects to raw._rejects and raw._loads


def make_client(settings: Settings) -> HttpClient:
    return HttpClient(settings.http)


def fetch_snapshot(dataset_id: str, settings: Settings, client: HttpClient | None = None) -> Snapshot:
    """Download (or copy from LAYOFFS_AI_SNAPSHOT_DIR) one dataset into the immutable snapshot store."""
    dataset, module = sources.get(dataset_id)
    store = SnapshotStore(settings.raw_dir)
    if client is None:
        client = make_client(settings)
    return module.fetch(dataset, store=store, client=client, snapshot_dir=settings.snapshot_dir,
                        url=settings.url_overrides.get(dataset_id))


def parse_and_load(con: duckdb.DuckDBPyConnection, dataset_id: str, snapshot: Snapshot,
                   parser_version: str | None = None, run_id: str | None = None) -> LoadResult:
    """Load one snapshot's rows as text (DuckDB reads a CSV; an extractor reads a page or JSON), after checking
    that its stored bytes still match the sidecar; one already loaded by this loader version is not read again.
    Typing, and the data-through date, happen in staging."""
    SnapshotStore(snapshot.path.parent).verify(snapshot)
    previous = latest_load(con, snapshot.source)
    if previous is not None and previous[0] == snapshot.sha256 and previous[3] == parser_version:
        return LoadResult(snapshot.source, snapshot.sha256, "unchanged", previous[1], previous[2], previous[4])
    dataset, _ = sources.get(dataset_id)
    ensure_raw_tables(con, {t: sources.RAW_TABLES[t] for t in dataset.tables})
    rows = sources.read(dataset_id, snapshot)
    return load_rows(con, rows, source=snapshot.source, sha256=snapshot.sha256, snapshot_date=snapshot.snapshot_date,
                     snapshot_path=str(snapshot.path), parser_version=parser_version, run_id=run_id)


def ingest_one(con: duckdb.DuckDBPyConnection, dataset_id: str, settings: Settings,
               client: HttpClient | None = None, run_id: str | None = None) -> IngestOutcome:
    snapshot = fetch_snapshot(dataset_id, settings, client)
    return IngestOutcome(snapshot, parse_and_load(con, dataset_id, snapshot, run_id=run_id))


def fetch_and_check(dataset_id: str, settings: Settings) -> FetchOutcome:
    """Fetch one dataset (own HTTP client: its own deadline) and check its layout; never raises for a
    bad source: the error becomes the outcome's one-line reason."""
    started = time.monotonic()
    snapshot = None
    try:
        with make_client(settings) as client:
            snapshot = fetch_snapshot(dataset_id, settings, client)
        sources.check_layout(dataset_id, snapshot)
        error = ""
    except IngestionError as exc:
        error = " ".join(str(exc).split())
        if isinstance(exc, SchemaError):
            error = f"layout changed, download kept at {snapshot.path if snapshot else '?'}: {error}"
    except Exception as exc:  # noqa: BLE001 - one bad source must never stop the others
        error = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
    error = safe_line(error)  # it is logged (Dagster's events), shown and stored: no escape, no secret
    return FetchOutcome(dataset_id, snapshot, error, time.monotonic() - started, settings.snapshot_dir is not None)


def fetch_all(dataset_ids: list[str], settings: Settings, on_done=None) -> dict[str, FetchOutcome]:
    """Fetch every dataset concurrently: a night costs the slowest source, not the sum of them."""
    outcomes: dict[str, FetchOutcome] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, len(dataset_ids)), thread_name_prefix="fetch")
    try:
        futures = {pool.submit(fetch_and_check, d, settings): d for d in dataset_ids}
        for future in as_completed(futures):
            outcome = future.result()
            outcomes[outcome.dataset] = outcome
            if on_done is not None:
                on_done(outcome)
    finally:
        pool.shutdown(wait=False, cancel_futures=True)  # an interrupt must not wait for slow downloads
    return {d: outcomes[d] for d in dataset_ids}
