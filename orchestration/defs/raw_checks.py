"""Blocking checks beside the raw tables: not empty, no sudden shrink, few rejects (the truncation gate)."""

import dagster as dg

from warehouse import source_status
from warehouse.volume_gate import MAX_REJECT_SHARE, VolumeGate, problems

from .ingestion import RAW_TABLES, datasets_of, raw_key
from ..resources import WarehouseResource

OPTIONAL_TABLES = {"crunchbase_tracker__weekly_tallies"}  # only filled when the tracker is read from its HTML page
ACCEPT_DROP_TAG = "layoffs_ai/accept_drop"  # comma-separated dataset ids whose shrink a person accepted

WARN, ERROR = dg.AssetCheckSeverity.WARN, dg.AssetCheckSeverity.ERROR


def _not_empty(con, table: str, _found: dict) -> dg.AssetCheckResult:
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


def _gate(name: str):
    def check(_con, table: str, found: dict) -> dg.AssetCheckResult:
        lines = [found[d][name] for d in datasets_of(table) if name in found[d]]
        return dg.AssetCheckResult(asset_key=raw_key(table), check_name=name, passed=not lines, severity=ERROR,
                                   description="; ".join(lines) or None)
    return check


RAW_CHECKS = {
    "not_empty": (_not_empty, "holds at least one row unless its source is missing (blocks dbt and publish)"),
    "no_row_drop": (_gate("no_row_drop"), "lost no more than LAYOFFS_AI_MAX_ROW_DROP (default 20%) of a source's "
                                          "rows against the published warehouse (blocks the publish; "
                                          "`layoffs-ai run --accept-drop <dataset>` accepts a real shrink)"),
    "rejects_share": (_gate("rejects_share"), f"rejected at most {MAX_REJECT_SHARE:.0%} of a source's input rows "
                                              "(blocks the publish)"),
}


@dg.multi_asset_check(
    name="raw_table_checks",
    specs=[dg.AssetCheckSpec(name, asset=raw_key(t), blocking=name != "not_empty" or t not in OPTIONAL_TABLES,
                             description=f"raw.{t} {text}.")
           for t in RAW_TABLES for name, (_, text) in RAW_CHECKS.items()],
    can_subset=True,
)
def raw_table_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Every selected raw-table check in one step, against the run's working copy."""
    selected = context.selected_asset_check_keys
    accepted = frozenset(filter(None, context.run.tags.get(ACCEPT_DROP_TAG, "").split(",")))
    gate = VolumeGate(max_row_drop=warehouse.settings.max_row_drop, accepted=accepted)
    run_id = context.run.run_id
    with warehouse.connect(run_id) as con:
        found = {d: problems(con, d, run_id, gate) for t in RAW_TABLES for d in datasets_of(t)}
        results = [check(con, t, found) for t in RAW_TABLES for name, (check, _) in RAW_CHECKS.items()
                   if dg.AssetCheckKey(raw_key(t), name) in selected]
    yield from results


CHECKS = [raw_table_checks]
