"""Asset checks beside the raw tables: non-empty tables, row drops and the rejects share."""

import dagster as dg

from warehouse import source_status

from .assets_ingestion import RAW_TABLES, datasets_of, raw_key
from .resources import WarehouseResource

MAX_ROW_DROP = 0.20
MAX_REJECT_SHARE = 0.05
OPTIONAL_TABLES = {"crunchbase_tracker__weekly_tallies"}  # only filled when the tracker is read from its HTML page

WARN, ERROR = dg.AssetCheckSeverity.WARN, dg.AssetCheckSeverity.ERROR


def _loads(con, dataset_id: str, n: int = 2):
    return con.execute(
        "SELECT sha256, rows, rejects, input_rows FROM raw._loads WHERE source = ? ORDER BY loaded_at DESC LIMIT ?",
        [dataset_id, n]).fetchall()


def _not_empty(con, table: str) -> dg.AssetCheckResult:
    rows = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
    optional = table in OPTIONAL_TABLES
    statuses = source_status.read(con)
    missing = [d for d in datasets_of(table) if d in statuses and statuses[d].status == "missing"]
    excused = optional or len(missing) == len(datasets_of(table))  # a missing source is reported by source_status
    return dg.AssetCheckResult(
        asset_key=raw_key(table), check_name="not_empty", passed=rows > 0 or excused,
        severity=WARN if optional else ERROR, metadata={"rows": rows},
        description=None if rows else f"raw.{table} is empty" + (f" (source missing: {', '.join(missing)})"
                                                                  if missing else ""))


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
    can_subset=True,
)
def raw_table_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Every selected raw-table check in one step, against the run's working copy."""
    selected = context.selected_asset_check_keys
    with warehouse.connect(context.run.run_id) as con:
        results = [check(con, t) for t in RAW_TABLES for name, (check, _) in RAW_CHECKS.items()
                   if dg.AssetCheckKey(raw_key(t), name) in selected]
    yield from results


CHECKS = [raw_table_checks]
