"""Ingestion assets: every source observed (fetched and layout-checked) concurrently, and the raw tables it loads."""

import hashlib
from datetime import datetime, timezone
from pathlib import Path

import dagster as dg

from ingestion import sources
from ingestion.core import IngestionError
from ingestion.snapshot import SnapshotStore
from warehouse import source_status
from warehouse.raw_load import PROVENANCE_MEANING, ensure_raw_tables, forget_source, raw_columns

from ..asset_metadata import OWNERS
from ..code_versions import code_version
from ..fingerprint import unchanged
from ..ingest_steps import fetch_all, parse_and_load
from ..resources import SourceFetcher, WarehouseResource
from ..source_checks import source_check_results, source_check_specs
from ..source_state import SourceState, decide

ALL_SOURCES_TAG = "layoffs_ai/all_sources_required"  # set by `layoffs-ai ingest`
# set by `layoffs-ai run` (not --force): when the fetched snapshots and the code are those of the last publish,
# the raw step yields nothing and Dagster skips every step after it (a quiet live night publishes nothing)
SKIP_IF_UNCHANGED_TAG = "layoffs_ai/skip_if_unchanged"
# dataset id -> raw tables its snapshot loads, as each source module declares them
TABLES_BY_DATASET: dict[str, tuple[str, ...]] = {d: ds.tables for d, (ds, _) in sources.DATASETS.items()}
RAW_TABLES: tuple[str, ...] = tuple(sources.RAW_TABLES)


def snapshot_key(dataset_id: str) -> dg.AssetKey:
    return dg.AssetKey(["snapshots", dataset_id])


def raw_key(table: str) -> dg.AssetKey:
    return dg.AssetKey(["raw", table])


def raw_schema(table: str) -> dg.TableSchema:
    """The columns of `raw.<table>` as the source module declares them (text as found) plus provenance."""
    return dg.TableSchema(columns=[
        dg.TableColumn(name, kind, description=PROVENANCE_MEANING.get(name) or "as found in the source file")
        for name, kind in raw_columns(sources.RAW_TABLES[table])])


def datasets_of(table: str) -> list[str]:
    return [d for d, tables in TABLES_BY_DATASET.items() if table in tables]


def latest_state(instance: dg.DagsterInstance, dataset_id: str) -> "SourceState | None":
    """The state recorded by the dataset's most recent observation (None: never observed)."""
    records = instance.fetch_observations(snapshot_key(dataset_id), limit=1).records
    if not records or records[0].asset_observation is None:
        return None
    return SourceState.from_metadata(records[0].asset_observation.metadata)


def _observation(state: SourceState, seconds: float) -> dict:
    meta = state.as_metadata() | {"fetch_seconds": round(seconds, 2)}
    if state.last_success_at:  # what the freshness check measures: the last successful fetch
        meta["dagster/last_updated_timestamp"] = dg.MetadataValue.timestamp(
            datetime.fromisoformat(state.last_success_at))
    if state.accepted_sidecar:
        meta["path"] = dg.MetadataValue.path(state.accepted_sidecar.removesuffix(".json"))
    return meta


@dg.multi_observable_source_asset(
    specs=[dg.AssetSpec(snapshot_key(d), group_name="snapshots", kinds={"file"}, owners=OWNERS,
                        description=f"The `{d}` source: each observation fetches it (live, or from "
                                    "LAYOFFS_AI_SNAPSHOT_DIR), stores an immutable snapshot with its provenance "
                                    "sidecar under $LAYOFFS_AI_HOME/raw/ and checks its layout. Data version: the "
                                    f"accepted snapshot's sha256. Its records load into raw.{TABLES_BY_DATASET[d][0]} "
                                    "(the column schema: the file's columns as raw keeps them).",
                        metadata={"dagster/column_schema": raw_schema(TABLES_BY_DATASET[d][0])})
           for d in TABLES_BY_DATASET],
    check_specs=source_check_specs(list(TABLES_BY_DATASET)),
    can_subset=True,
    name="fetch_sources",
    required_resource_keys={"fetcher"},
)
def fetch_sources(context: dg.AssetExecutionContext):
    """Fetch the selected sources concurrently; a failed source is stale (or missing), never fatal alone."""
    fetcher: SourceFetcher = context.resources.fetcher
    settings = fetcher.settings
    for warning in settings.warnings:
        context.log.warning(warning)
    # a WARN state left out of LAYOFFS_AI_WARN_STATES is not fetched (and not observed: no status to record)
    wanted = [d for d in settings.datasets if snapshot_key(d) in context.selected_asset_keys]
    previous = {d: latest_state(context.instance, d) for d in wanted}
    now = datetime.now(timezone.utc).isoformat(timespec="seconds")
    outcomes = fetch_all(wanted, settings, on_done=lambda o: context.log.info(
        f"{o.dataset}: {'ok' if o.ok else 'FAILED'} in {o.seconds:.1f}s" + ("" if o.ok else f": {o.error}")))
    store = SnapshotStore(settings.raw_dir)
    states = {}
    for d in wanted:
        states[d] = decide(outcomes[d], previous[d], now)
        yield dg.ObserveResult(
            asset_key=snapshot_key(d), data_version=dg.DataVersion(states[d].data_version),
            metadata=_observation(states[d], outcomes[d].seconds),
            check_results=source_check_results(states[d], store))
    failed = [d for d in wanted if states[d].status != "ok"]
    if failed and context.run.tags.get(ALL_SOURCES_TAG):  # `layoffs-ai ingest`: a failed source fails the run
        raise dg.Failure(description="; ".join(f"{d}: {states[d].error}" for d in failed), allow_retries=False)
    if wanted and len(failed) == len(wanted):
        raise dg.Failure(description="every source failed: " + "; ".join(
            f"{d}: {states[d].error}" for d in failed), allow_retries=False)


def _data_through(con, dataset_id: str):
    """The latest event/publication date of the accepted rows the warehouse holds for a dataset, as staging last
    found it (staging.load_outcomes; NULL for a snapshot loaded in this run until staging types its rows)."""
    return source_status.staged_data_through(con).get(dataset_id)


def _held_snapshot_retrieved(con, dataset_id: str):
    """When the snapshot behind the rows this warehouse holds for a dataset was retrieved (its last load)."""
    row = con.execute("SELECT snapshot_path FROM raw._loads WHERE source = ? ORDER BY loaded_at DESC LIMIT 1",
                      [dataset_id]).fetchone()
    sidecar = Path(f"{row[0]}.json") if row and row[0] else None
    if sidecar is None or not sidecar.exists():
        return None
    return datetime.fromisoformat(SnapshotStore(sidecar.parent).load(sidecar).retrieved)


def _load_dataset(con, dataset_id: str, state: "SourceState | None", version: str,
                  run_id: str) -> source_status.SourceStatus:
    """Load the accepted snapshot of an ok source; a failed one keeps the rows the warehouse holds (stale),
    or has none (missing)."""
    loaded, error = False, (state.error if state else "never fetched: no observation yet")
    if state is not None and state.status == "ok":
        try:
            sidecar = Path(state.accepted_sidecar)
            parse_and_load(con, dataset_id, SnapshotStore(sidecar.parent).load(sidecar), parser_version=version,
                           run_id=run_id)
            loaded, error = True, ""
        except IngestionError as exc:  # e.g. the stored file no longer matches its sha256
            error = " ".join(str(exc).split())
    rows = con.execute(f"SELECT count(*) FROM raw.{sources.get(dataset_id)[0].tables[0]} WHERE _source = ?",
                       [dataset_id]).fetchone()[0]
    status = "ok" if loaded else ("stale" if rows else "missing")
    previous = source_status.read(con).get(dataset_id)
    last_success = (datetime.fromisoformat(state.last_success_at) if state and state.last_success_at else
                    previous.last_success_at if previous else None)
    return source_status.SourceStatus(
        dataset_id, status, _held_snapshot_retrieved(con, dataset_id) if rows else None,
        _data_through(con, dataset_id), last_success, error or None)


def _preview(con, table: str) -> str:
    frame = con.execute(
        f"SELECT * EXCLUDE (_extra) FROM raw.{table} ORDER BY _source, _line_number LIMIT 5").df()
    return frame.to_markdown(index=False) if len(frame) else "(empty)"


@dg.multi_asset(
    specs=[
        dg.AssetSpec(raw_key(t), group_name="raw", kinds={"duckdb"}, code_version=code_version("raw"),
                     skippable=True, deps=[snapshot_key(d) for d in datasets_of(t)], owners=OWNERS,
                     metadata={"dagster/table_name": f"raw.{t}", "dagster/column_schema": raw_schema(t)},
                     description=f"Rows of `raw.{t}`, every field as text as found; every row carries its snapshot "
                                 "sha256 and line number. Lines that are not a record are in raw._rejects.")
        for t in RAW_TABLES
    ],
    can_subset=True,
    name="load_raw_tables",
)
def load_raw_tables(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Load each selected source's accepted snapshot into the staging copy and record its status."""
    tables = [t for t in RAW_TABLES if raw_key(t) in context.selected_asset_keys]
    active = warehouse.settings.datasets  # LAYOFFS_AI_WARN_STATES leaves WARN states out
    selected = [d for d in TABLES_BY_DATASET if set(TABLES_BY_DATASET[d]) & set(tables)]
    datasets = [d for d in selected if d in active]
    states = {d: latest_state(context.instance, d) for d in datasets}
    if context.run.tags.get(SKIP_IF_UNCHANGED_TAG) and set(datasets) == set(active) and unchanged(
            warehouse.paths.published, {d: s.accepted_sha256 if s else None for d, s in states.items()},
            {d: s.status if s else "missing" for d, s in states.items()}):
        context.log.info("nothing new: every snapshot fetched and all code are those of the last publish; "
                         "nothing is rebuilt or published")
        return  # no output: Dagster skips dbt, analytics and the publish after this step
    with warehouse.connect(context.run.run_id) as con:
        ensure_raw_tables(con, sources.RAW_TABLES)
        left_out = [d for d in selected if d not in active]
        for dataset in left_out:
            if forget_source(con, dataset):
                context.log.info(f"{dataset}: not selected (LAYOFFS_AI_WARN_STATES); its rows were removed")
        source_status.forget(con, left_out)
        statuses = [_load_dataset(con, d, states[d], code_version("raw"), context.run.run_id) for d in datasets]
        source_status.record(con, statuses)
        counts = {t: con.execute(f"SELECT count(*) FROM raw.{t}").fetchone()[0] for t in tables}
        previews = {t: _preview(con, t) for t in tables}
    by_dataset = {s.dataset: s for s in statuses}
    for status in statuses:
        if status.status != "ok":
            context.log.warning(f"{status.dataset} is {status.status}: {status.last_error}")
    for table in tables:
        ds = [d for d in datasets_of(table) if d in active]
        versions = "|".join(states[d].data_version if states[d] else "missing" for d in ds)
        yield dg.MaterializeResult(
            asset_key=raw_key(table),
            data_version=dg.DataVersion(hashlib.sha256(versions.encode()).hexdigest()),
            metadata={
                "dagster/row_count": counts[table],
                "source_status": ", ".join(f"{d}: {by_dataset[d].status}" for d in ds),
                "data_through": ", ".join(f"{d}: {by_dataset[d].data_through or '-'}" for d in ds),
                "preview": dg.MetadataValue.md(previews[table]),
            },
        )
