"""The publish step: the audited staging folder becomes the published generation."""

import dagster as dg

from warehouse import source_status
from warehouse.write_audit_publish import publish
from warehouse.publish_log import record_publish

from .code_versions import code_version
from .fingerprint import code_fingerprint
from .launch_rules import PUBLISHED
from .resources import WarehouseResource


def published_asset(writers: list[dg.AssetKey]) -> dg.AssetsDefinition:
    """warehouse/published, depending on every asset that writes the warehouse: in any selection it runs last,
    and a failed blocking check anywhere upstream stops it (not only along a chain of selected assets)."""

    @dg.asset(
        key=PUBLISHED,
        group_name="publish",
        deps=writers,
        kinds={"duckdb"},
        owners=["team:layoffs-ai"],
        code_version=code_version("publish"),
        description="Publishes the audited staging folder: $LAYOFFS_AI_HOME/warehouse.duckdb, charts/ and "
                    "report/ switch to it together, atomically (one rename of `current`).",
    )
    def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
        selection = context.run.asset_selection
        # a subset (`--select`, `ingest`) did not rebuild everything from its snapshots: the next `run` will
        complete = not selection or set(writers) <= set(selection)
        return _publish(context, warehouse, code_fingerprint() if complete else "partial")

    return published_warehouse


def _publish(context: dg.AssetExecutionContext, warehouse: WarehouseResource, fingerprint: str) -> dg.MaterializeResult:
    run_id = context.run.run_id
    with warehouse.connect(run_id) as con:
        snaps = dict(con.execute(
            "SELECT source, arg_max(sha256, loaded_at) FROM raw._loads GROUP BY source").fetchall())
        source_status.refresh_data_through(con)  # staging has typed this run's loads by now
        record_publish(con, run_id, fingerprint, snaps)
        counts = con.execute(
            "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables() "
            "WHERE schema_name IN ('raw','marts','analytics') ORDER BY 1").fetchall()
        con.execute("CHECKPOINT")
    target = publish(warehouse.paths, run_id)
    context.log.info(f"published {target} with its charts and report")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target)), "bytes": target.stat().st_size,
        "tables": len(counts), "rows": dg.MetadataValue.json({k: v for k, v in counts})})
