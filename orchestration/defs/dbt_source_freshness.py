"""`dbt source freshness` on the run's working copy, as one WARN check per raw table (its dbt source)."""

import json
from datetime import datetime, timezone

import dagster as dg
from dagster_dbt import DbtProject

from ingestion import sources

from ..components.dbt import DBT_PROJECT_DIR, dbt_cli, pipeline_vars
from ..resources import WarehouseResource
from .ingestion import RAW_TABLES, raw_key

CHECK = "dbt_source_freshness"


@dg.multi_asset_check(
    name="dbt_source_freshness",
    specs=[dg.AssetCheckSpec(CHECK, asset=raw_key(t), description=(
        "dbt's source freshness of this table (warn_after / error_after in models/staging/<source>/, measured "
        "on raw._loads): fails (WARN) when dbt reports warn or error.")) for t in RAW_TABLES],
    can_subset=True,
)
def dbt_source_freshness(context: dg.AssetCheckExecutionContext, warehouse: WarehouseResource):
    run_id = context.run.run_id
    target = warehouse.settings.home / "dbt_target" / f"{run_id[:8]}-freshness"
    project = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
    tables = [t for t in RAW_TABLES if dg.AssetCheckKey(raw_key(t), CHECK) in context.selected_asset_check_keys]
    selection = [arg for t in tables for arg in ("--select", f"source:{sources.MODULE_OF_TABLE[t]}.{t}")]
    dbt_cli(project).cli(["source", "freshness", "--target", "pipeline", "--vars",
                          pipeline_vars(warehouse.work_copy(run_id), warehouse.settings.dbt_threads), *selection],
                         target_path=target, raise_on_error=False).wait()
    results = {}
    sources_json = target / "sources.json"
    if sources_json.exists():
        results = {r["unique_id"].rsplit(".", 1)[-1]: r for r in json.loads(sources_json.read_text())["results"]}
    for table in tables:
        result = results.get(table, {})
        status = result.get("status", "not run")
        age = result.get("age")
        yield dg.AssetCheckResult(
            asset_key=raw_key(table), check_name=CHECK, passed=status == "pass", severity=dg.AssetCheckSeverity.WARN,
            description=None if status == "pass" else f"dbt source freshness: {status}",
            metadata={"status": status, "max_loaded_at": str(result.get("max_loaded_at", "")),
                      "age_hours": round(age / 3600, 1) if isinstance(age, (int, float)) else -1.0,
                      "checked_at": datetime.now(timezone.utc).isoformat(timespec="seconds")})
