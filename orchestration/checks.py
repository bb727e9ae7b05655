"""Asset checks beside the ingestion assets: non-empty tables, row drops, rejects share, snapshot freshness."""


from datetime import datetime, timezone

import dagster as dg

from ingestion.snapshot import SnapshotStore

from .assets_ingestion import RAW_TABLES, TABLES_BY_DATASET, datasets_of, raw_key, snapshot_key
from .resources import WarehouseResource

MAX_ROW_DROP = 0.20
MAX_REJECT_SHARE = 0.05
MAX_SNAPSHOT_AGE_DAYS = 8


def _not_empty(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=raw_key(table), name="not_empty", blocking=True,
                    description=f"raw.{table} holds at least one row (blocks dbt and publish otherwise).")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        with warehouse.connect(context.run.run_id) as con:
            rows = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
        # the weekly tallies only exist when the tracker was read from its HTML page
        optional = table == "crunchbase_tracker__weekly_tallies"
        return dg.AssetCheckResult(
            passed=rows > 0 or optional, metadata={"rows": rows},
            severity=dg.AssetCheckSeverity.WARN if optional else dg.AssetCheckSeverity.ERROR,
            description=None if rows else f"raw.{table} is empty")

    return _check


def _loads(con, dataset_id: str, n: int = 2):
    return con.execute(
        "SELECT sha256, rows, rejects, input_rows FROM raw._loads WHERE source = ? ORDER BY loaded_at DESC LIMIT ?",
        [dataset_id, n]).fetchall()


def _row_drop(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=raw_key(table), name="no_row_drop",
                    description=f"No dataset loading raw.{table} lost more than {MAX_ROW_DROP:.0%} of its rows "
                                "against its previous load.")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        drops = {}
        with warehouse.connect(context.run.run_id) as con:
            for d in datasets_of(table):
                history = _loads(con, d)
                if len(history) == 2 and history[1][1] > 0:
                    drops[d] = 1 - history[0][1] / history[1][1]
        worst = max(drops.values(), default=0.0)
        return dg.AssetCheckResult(
            passed=worst <= MAX_ROW_DROP, severity=dg.AssetCheckSeverity.WARN,
            metadata={f"drop_{d}": round(v, 4) for d, v in drops.items()} | {"worst_drop": round(worst, 4)})

    return _check


def _reject_share(table: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=raw_key(table), name="rejects_share",
                    description=f"Rejected rows stay under {MAX_REJECT_SHARE:.0%} of the input rows.")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        rejects = inputs = 0
        with warehouse.connect(context.run.run_id) as con:
            for d in datasets_of(table):
                history = _loads(con, d, 1)
                if history:
                    rejects += history[0][2]
                    inputs += history[0][3]
        share = rejects / inputs if inputs else 0.0
        return dg.AssetCheckResult(passed=share <= MAX_REJECT_SHARE, severity=dg.AssetCheckSeverity.WARN,
                                   metadata={"rejects": rejects, "input_rows": inputs, "share": round(share, 4)})

    return _check


def _freshness(dataset_id: str) -> dg.AssetChecksDefinition:
    @dg.asset_check(asset=snapshot_key(dataset_id), name="snapshot_freshness",
                    description=f"The source's content changed within the last {MAX_SNAPSHOT_AGE_DAYS} days "
                                "(same sha256 for longer means the source may have stopped updating).")
    def _check(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource) -> dg.AssetCheckResult:
        store = SnapshotStore(warehouse.settings().raw_dir)
        history = store.list(dataset_id)
        if not history:
            return dg.AssetCheckResult(passed=False, severity=dg.AssetCheckSeverity.WARN,
                                       description="no snapshot stored yet")
        latest = history[-1]
        first_seen = min(s.accessed_at for s in history if s.sha256 == latest.sha256)
        age = datetime.now(timezone.utc) - datetime.fromisoformat(first_seen)
        return dg.AssetCheckResult(
            passed=age.days <= MAX_SNAPSHOT_AGE_DAYS, severity=dg.AssetCheckSeverity.WARN,
            metadata={"content_unchanged_since": first_seen, "age_days": age.days, "sha256": latest.sha256})

    return _check


CHECKS = (
    [_not_empty(t) for t in RAW_TABLES]
    + [_row_drop(t) for t in RAW_TABLES]
    + [_reject_share(t) for t in RAW_TABLES]
    + [_freshness(d) for d in TABLES_BY_DATASET]
)
