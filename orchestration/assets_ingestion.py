"""Ingestion assets: one snapshot asset per dataset and the raw tables they load (group `ingestion`)."""


import hashlib

import dagster as dg

from ingestion.core import Snapshot
from warehouse.publish import discard_stale_work, discard_work_copy
from warehouse.publish_log import last_fingerprint

from .fingerprint import code_fingerprint
from .ingest_steps import parse_and_load
from .resources import SourceFetcher, WarehouseResource

# dataset id -> raw tables its snapshot loads (checked against the parsers by tests/test_definitions.py)
TABLES_BY_DATASET: dict[str, tuple[str, ...]] = {
    "crunchbase_tracker": ("crunchbase_tracker__layoffs", "crunchbase_tracker__weekly_tallies"),
    "layoffs_fyi": ("layoffs_fyi__layoffs",),
    "epoch_notable": ("epoch__models",),
    "epoch_all": ("epoch__models",),
    "indeed_postings_by_sector": ("indeed__postings_by_sector",),
    "indeed_postings_aggregate": ("indeed__postings_aggregate",),
}
RAW_TABLES: tuple[str, ...] = tuple(dict.fromkeys(t for ts in TABLES_BY_DATASET.values() for t in ts))
FETCH_RETRY = dg.RetryPolicy(max_retries=2, delay=15, backoff=dg.Backoff.EXPONENTIAL, jitter=dg.Jitter.PLUS_MINUS)


def snapshot_key(dataset_id: str) -> dg.AssetKey:
    return dg.AssetKey(["snapshots", dataset_id])


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def datasets_of(table: str) -> list[str]:
    return [d for d, tables in TABLES_BY_DATASET.items() if table in tables]


def _snapshot_asset(dataset_id: str) -> dg.AssetsDefinition:
    @dg.asset(
        key=snapshot_key(dataset_id),
        group_name="ingestion",
        retry_policy=FETCH_RETRY,
        kinds={"python", "file"},
        description=f"Immutable raw download of `{dataset_id}` with its provenance sidecar (url, sha256, license).",
    )
    def _fetch(context: dg.AssetExecutionContext, fetcher: SourceFetcher) -> dg.Output[Snapshot]:
        snap = fetcher.fetch(dataset_id)
        context.log.info(f"{dataset_id}: snapshot {snap.path.name} sha256 {snap.sha256[:12]} ({snap.bytes:,} bytes)")
        return dg.Output(
            snap,
            data_version=dg.DataVersion(snap.sha256),
            metadata={
                "source_url": dg.MetadataValue.url(snap.url) if snap.url.startswith("http") else snap.url,
                "sha256": snap.sha256,
                "snapshot_date": snap.accessed_at[:10],
                "accessed_at": snap.accessed_at,
                "bytes": snap.bytes,
                "path": dg.MetadataValue.path(str(snap.path)),
                "license": snap.license,
            },
        )

    return _fetch


SNAPSHOT_ASSETS = [_snapshot_asset(d) for d in TABLES_BY_DATASET]


def _preview(con, table: str) -> str:
    frame = con.execute(
        f"SELECT * EXCLUDE (_extra) FROM raw.{table} ORDER BY _source, _line_number LIMIT 5").df()
    return frame.to_markdown(index=False) if len(frame) else "(empty)"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(raw_key(t), group_name="ingestion", skippable=True, kinds={"duckdb"},
                     deps=[snapshot_key(d) for d in datasets_of(t)],
                     description=f"Typed rows of `raw.{t}`; every row carries its snapshot sha256 and line number.")
        for t in RAW_TABLES
    ],
    ins={d: dg.AssetIn(snapshot_key(d)) for d in TABLES_BY_DATASET},
    name="load_raw_tables",
)
def load_raw_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource, **snapshots: Snapshot):
    """Parse every snapshot and load it into the run's working copy; yields nothing when nothing changed."""
    run_id = context.run.run_id
    removed = discard_stale_work(warehouse.paths, keep={run_id})  # copies of killed runs
    if removed:
        context.log.info(f"removed {len(removed)} file(s) left by dead runs in {warehouse.paths.work_dir}")
    fingerprint = code_fingerprint()
    loads, nothing_new = {}, False
    with warehouse.connect(run_id) as con:
        force = last_fingerprint(con) != fingerprint
        for dataset_id, snap in snapshots.items():
            loads[dataset_id] = parse_and_load(con, dataset_id, snap, force=force)
            context.log.info(f"{dataset_id}: {loads[dataset_id].status}, {loads[dataset_id].rows:,} rows + "
                             f"{loads[dataset_id].rejects:,} rejects = {loads[dataset_id].input_rows:,} input rows")
        nothing_new = not force and all(r.status == "unchanged" for r in loads.values())
        if not nothing_new:
            previews = {t: _preview(con, t) for t in RAW_TABLES}
            counts = {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in RAW_TABLES}
    if nothing_new:
        context.log.info("nothing new: every snapshot is unchanged since the published warehouse; "
                         "skipping dbt, analytics and publish")
        discard_work_copy(warehouse.paths, run_id)
        return
    for table in RAW_TABLES:
        ds = datasets_of(table)
        version = hashlib.sha256("|".join(snapshots[d].sha256 for d in ds).encode()).hexdigest()
        yield dg.MaterializeResult(
            asset_key=raw_key(table),
            data_version=dg.DataVersion(version),
            metadata={
                "rows": counts[table],
                "rejects": sum(loads[d].rejects for d in ds),
                "input_rows": sum(loads[d].input_rows for d in ds),
                "load_status": ", ".join(f"{d}: {loads[d].status}" for d in ds),
                "snapshot_sha256": ", ".join(snapshots[d].sha256 for d in ds),
                "snapshot_date": ", ".join(snapshots[d].accessed_at[:10] for d in ds),
                "source_url": ", ".join(snapshots[d].url for d in ds),
                "preview": dg.MetadataValue.md(previews[table]),
            },
        )
