"""Asset checks beside the ingestion assets: non-empty tables, row drops, rejects share, snapshot freshness."""

from datetime import datetime, timezone

import dagster as dg

from ingestion.snapshot import SnapshotStore

from .assets_ingestion import RAW_TABLES, TABLES_BY_DATASET, datasets_of, raw_key, snapshot_key
from .resources import WarehouseResource

MAX_ROW_DROP = 0.20
MAX_REJECT_SHARE = 0.05
MAX_SNAPSHOT_AGE_DAYS = 8
OPTIONAL_TABLES = {"crunchbase_tracker__weekly_tallies"}  # only filled when the tracker is read from its HTML page

WARN, ERROR = dg.AssetCheckSeverity.WARN, dg.AssetCheckSeverity.ERROR


def _loads(con, dataset_id: str, n: int = 2):
    return con.execute(
        "SELECT sha256, rows, rejects, input_rows FROM raw._loads WHERE source = ? ORDER BY loaded_at DESC LIMIT ?",
        [dataset_id, n]).fetchall()


def _not_empty(con, table: str) -> dg.AssetCheckResult:
    rows = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
    optional = table in OPTIONAL_TABLES
    return dg.AssetCheckResult(
        asset_key=raw_key(table), check_name="not_empty", passed=rows > 0 or optional,
        severity=WARN if optional else ERROR, metadata={"rows": rows},
        description=None if rows else f"raw.{table} is empty")


def _row_drop(con, table: str) -> dg.AssetCheckResult:
    drops = {}
    for d in datasets_of(table):
        history = _loads(con, d)
        if len(history) == 2 and history[1][1] > 0:
            drops[d] = 1 - history[0][1] / history[1][1]
    worst = max(drops.values(), default=0.0)
    return dg.AssetCheckResult(
        asset_key=raw_key(table), check_name="no_row_drop", passed=worst <= MAX_ROW_DROP, severity=WARN,
        metadata={f"drop_{d}": round(v, 4) for d, v in drops.items()} | {"worst_drop": round(worst, 4)})


def _reject_share(con, table: str) -> dg.AssetCheckResult:
    rejects = inputs = 0
    for d in datasets_of(table):
        for _, _, dataset_rejects, dataset_inputs in _loads(con, d, 1):
            rejects += dataset_rejects
            inputs += dataset_inputs
    share = rejects / inputs if inputs else 0.0
    return dg.AssetCheckResult(
        asset_key=raw_key(table), check_name="rejects_share", passed=share <= MAX_REJECT_SHARE, severity=WARN,
        metadata={"rejects": rejects, "input_rows": inputs, "share": round(share, 4)})


RAW_CHECKS = {
    "not_empty": (_not_empty, "holds at least one row (blocks dbt and publish otherwise)"),
    "no_row_drop": (_row_drop, f"no dataset loading it lost more than {MAX_ROW_DROP:.0%} of its rows against "
                               "its previous load"),
    "rejects_share": (_reject_share, f"rejected rows stay under {MAX_REJECT_SHARE:.0%} of the input rows"),
}


@dg.multi_asset_check(
    name="raw_table_checks",
    specs=[dg.AssetCheckSpec(name, asset=raw_key(t), blocking=name == "not_empty" and t not in OPTIONAL_TABLES,
                             description=f"raw.{t} {text}.")
           for t in RAW_TABLES for name, (_, text) in RAW_CHECKS.items()],
)
def raw_table_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Every raw-table check in one step, against the run's working copy."""
    with warehouse.connect(context.run.run_id) as con:
        results = [check(con, t) for t in RAW_TABLES for check, _ in RAW_CHECKS.values()]
    yield from results


def _freshness(store: SnapshotStore, dataset_id: str) -> dg.AssetCheckResult:
    history = store.list(dataset_id)
    if not history:
        return dg.AssetCheckResult(asset_key=snapshot_key(dataset_id), check_name="snapshot_freshness",
                                   passed=False, severity=WARN, description="no snapshot stored yet")
    latest = history[-1]
    first_seen = min(s.accessed_at for s in history if s.sha256 == latest.sha256)
    age = datetime.now(timezone.utc) - datetime.fromisoformat(first_seen)
    return dg.AssetCheckResult(
        asset_key=snapshot_key(dataset_id), check_name="snapshot_freshness",
        passed=age.days <= MAX_SNAPSHOT_AGE_DAYS, severity=WARN,
        metadata={"content_unchanged_since": first_seen, "age_days": age.days, "sha256": latest.sha256})


@dg.multi_asset_check(
    name="snapshot_freshness_checks",
    specs=[dg.AssetCheckSpec("snapshot_freshness", asset=snapshot_key(d),
                             description=f"The source's content changed within the last {MAX_SNAPSHOT_AGE_DAYS} "
                                         "days (same sha256 for longer: the source may have stopped updating).")
           for d in TABLES_BY_DATASET],
)
def snapshot_freshness_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    store = SnapshotStore(warehouse.settings().raw_dir)
    for dataset_id in TABLES_BY_DATASET:
        yield _freshness(store, dataset_id)


CHECKS = [raw_table_checks, snapshot_freshness_checks]
