"""Blocking checks: every raw table holds rows, and the truncation gate on the staging models (accepted rows)."""

import dagster as dg

from ingestion import sources
from warehouse import source_status
from warehouse.volume_gate import MAX_REJECT_SHARE, VolumeGate, problems

from .ingestion import RAW_TABLES, TABLES_BY_DATASET, datasets_of, raw_key
from ..resources import WarehouseResource

OPTIONAL_TABLES = sources.OPTIONAL_TABLES  # raw tables a source module declares may stay empty
ACCEPT_DROP_TAG = "layoffs_ai/accept_drop"  # comma-separated dataset ids whose shrink a person accepted
# the table each dataset's rows land in; its staging model types them and carries the truncation gate
PRIMARY_TABLES: tuple[str, ...] = tuple(dict.fromkeys(tables[0] for tables in TABLES_BY_DATASET.values()))

WARN, ERROR = dg.AssetCheckSeverity.WARN, dg.AssetCheckSeverity.ERROR


def staging_key(table: str) -> dg.AssetKey:
    """The staging model that types a raw table: `staging/stg_<table>` (models/staging/<source module>/)."""
    return dg.AssetKey(["staging", f"stg_{table}"])


def typing_outcome_keys(tables: list[str]) -> list[dg.AssetKey]:
    """What typing `tables` also rebuilds beside their staging models: their sources' rejects models
    (`stg_<source>__rejects`), `staging.rejects` (every reject) and `staging.load_outcomes` (the gate reads it)."""
    rejects = dict.fromkeys(f"stg_{table.split('__')[0]}__rejects" for table in tables)
    return [dg.AssetKey(["staging", name]) for name in [*rejects, "rejects", "load_outcomes"]]


@dg.multi_asset_check(
    name="raw_table_checks",
    specs=[dg.AssetCheckSpec("not_empty", asset=raw_key(t), blocking=t not in OPTIONAL_TABLES,
                             description=f"raw.{t} holds at least one row unless its source is missing "
                                         "(blocks dbt and publish).")
           for t in RAW_TABLES],
    can_subset=True,
)
def raw_table_checks(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """Every selected raw table holds rows, against the staging copy."""
    with warehouse.connect(context.run.run_id) as con:
        statuses = source_status.read(con)
        results = []
        for table in RAW_TABLES:
            if dg.AssetCheckKey(raw_key(table), "not_empty") not in context.selected_asset_check_keys:
                continue
            rows = con.execute(f"SELECT count(*) FROM raw.{table}").fetchone()[0]
            optional = table in OPTIONAL_TABLES
            active = [d for d in datasets_of(table) if d in warehouse.settings.datasets]  # LAYOFFS_AI_WARN_STATES
            missing = [d for d in active if d in statuses and statuses[d].status == "missing"]
            excused = optional or len(missing) == len(active)  # source_status reports a missing source; none active
            results.append(dg.AssetCheckResult(
                asset_key=raw_key(table), check_name="not_empty", passed=rows > 0 or excused,
                severity=WARN if optional else ERROR, metadata={"rows": rows},
                description=None if rows else f"raw.{table} is empty" + (
                    f" (source missing: {', '.join(missing)})" if missing else "")))
    yield from results


GATE_CHECKS = {
    "no_row_drop": "lost no more than LAYOFFS_AI_MAX_ROW_DROP (default 20%) of a source's accepted rows against the "
                   "published warehouse (blocks the publish; `layoffs-ai run --accept-drop <dataset>` accepts a "
                   "real shrink)",
    "rejects_share": f"rejected at most {MAX_REJECT_SHARE:.0%} of a source's input rows, framing and typing rejects "
                     "together (blocks the publish)",
}


@dg.multi_asset_check(
    name="truncation_gate",
    specs=[dg.AssetCheckSpec(name, asset=staging_key(t), blocking=True, description=f"staging.stg_{t} {text}.")
           for t in PRIMARY_TABLES for name, text in GATE_CHECKS.items()],
    can_subset=True,
)
def truncation_gate(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    """The truncation gate, once staging has typed this run's rows: accepted rows (the staging table) and all
    rejects (input lines less accepted) per source, against the previous load (staging.load_outcomes)."""
    accepted = frozenset(filter(None, context.run.tags.get(ACCEPT_DROP_TAG, "").split(",")))
    gate = VolumeGate(max_row_drop=warehouse.settings.max_row_drop, accepted=accepted)
    run_id = context.run.run_id
    with warehouse.connect(run_id) as con:
        found = {d: problems(con, d, f"stg_{t}", run_id, gate) for t in PRIMARY_TABLES for d in datasets_of(t)}
    for table in PRIMARY_TABLES:
        for name in GATE_CHECKS:
            if dg.AssetCheckKey(staging_key(table), name) not in context.selected_asset_check_keys:
                continue
            lines = [found[d][name] for d in datasets_of(table) if name in found[d]]
            yield dg.AssetCheckResult(asset_key=staging_key(table), check_name=name, passed=not lines,
                                      severity=ERROR, description="; ".join(lines) or None)


CHECKS = [raw_table_checks, truncation_gate]
