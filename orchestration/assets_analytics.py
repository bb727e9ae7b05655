"""Analytics assets (thin wrappers over `analytics.run_analytics`) and the publish step that ends every run."""


import json
from pathlib import Path

import dagster as dg

from ingestion import sources
from warehouse import source_status
from warehouse.publish import publish, writer_lock
from warehouse.publish_log import record_publish

from .code_versions import code_version
from .resources import WarehouseResource

MART_INPUTS = (
    "layoffs_vs_ai_monthly", "fct_layoff_events", "fct_model_releases", "model_releases_monthly",
    "job_postings_monthly", "layoff_count_stats", "layoffs_monthly", "ai_cited_layoffs_monthly", "ai_attribution_sample",
)
ANALYTICS_TABLES = ("correlations", "lagged_correlations", "granger_tests", "company_layoffs_vs_releases")
ANALYTICS_FILES = ("charts", "report")


def _mart_key(name: str) -> dg.AssetKey:
    return dg.AssetKey(["marts", name])


def source_provenance(con) -> list[dict]:
    """Every dataset: name, url, status, data-through and retrieval dates, sha256, license (status table +
    the sidecar of the snapshot its rows come from)."""
    loads = dict((r[0], r[1:]) for r in con.execute(
        "SELECT source, sha256, snapshot_path FROM raw._loads QUALIFY row_number() OVER "
        "(PARTITION BY source ORDER BY loaded_at DESC) = 1").fetchall())
    out = []
    for dataset, status in sorted(source_status.read(con).items()):
        sha, path = loads.get(dataset, ("", ""))
        sidecar = Path(f"{path}.json")
        meta = json.loads(sidecar.read_text()) if path and sidecar.exists() else {}
        origin = sources.get(dataset)[0].origin
        out.append({
            "name": meta.get("origin_name") or origin.name, "dataset": dataset,
            "url": meta.get("origin_url") or meta.get("url") or origin.url, "status": status.status,
            "error": status.last_error or "",
            "data_through": status.data_through.isoformat() if status.data_through else "",
            "retrieved": status.retrieved_at.date().isoformat() if status.retrieved_at else "",
            "sha256": sha, "license": meta.get("license") or origin.license,
            "citation": meta.get("citation") or origin.citation,
        })
    return out


@dg.multi_asset(
    specs=[dg.AssetSpec(["analytics", t], group_name="analytics", kinds={"duckdb", "python"},
                        code_version=code_version("analytics"),
                        deps=[_mart_key(m) for m in MART_INPUTS]) for t in ANALYTICS_TABLES]
    + [dg.AssetSpec(["analytics", f], group_name="analytics", kinds={"file"}, code_version=code_version("analytics"),
                    deps=[_mart_key(m) for m in MART_INPUTS]) for f in ANALYTICS_FILES],
    name="run_analytics",
)
def run_analytics_assets(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Correlations, lag scan, Granger tests, company view, charts and report over the marts."""
    from analytics import run_analytics
    from analytics.descriptions import TABLE_DESCRIPTIONS

    settings = warehouse.settings()
    with warehouse.connect(context.run.run_id) as con:
        frames = {m: con.execute(f"SELECT * FROM marts.{m}").df() for m in MART_INPUTS}
        sources = source_provenance(con)
        tables = run_analytics(frames, settings.home, sources)
        con.execute("CREATE SCHEMA IF NOT EXISTS analytics")
        for name, frame in tables.items():
            con.register("_frame", frame)
            con.execute(f"CREATE OR REPLACE TABLE analytics.{name} AS SELECT * FROM _frame")
            con.unregister("_frame")
            if name in TABLE_DESCRIPTIONS:
                comment = TABLE_DESCRIPTIONS[name].replace("'", "''")
                con.execute(f"COMMENT ON TABLE analytics.{name} IS '{comment}'")
    for name in ANALYTICS_TABLES:
        frame = tables[name]
        yield dg.MaterializeResult(asset_key=["analytics", name], metadata={
            "rows": len(frame), "preview": dg.MetadataValue.md(frame.head(8).to_markdown(index=False))})
    charts = sorted(p.name for p in settings.charts_dir.glob("*.png"))
    yield dg.MaterializeResult(asset_key=["analytics", "charts"], metadata={
        "path": dg.MetadataValue.path(str(settings.charts_dir)), "charts": ", ".join(charts)})
    yield dg.MaterializeResult(asset_key=["analytics", "report"], metadata={
        "path": dg.MetadataValue.path(str(settings.report_dir / "index.html"))})


@dg.asset(
    key=["warehouse", "published"],
    group_name="publish",
    deps=[dg.AssetKey(["analytics", t]) for t in ANALYTICS_TABLES + ANALYTICS_FILES],
    kinds={"duckdb"},
    code_version=code_version("publish"),
    description="Atomically publishes the run's audited working copy as $LAYOFFS_AI_HOME/warehouse.duckdb.",
)
def published_warehouse(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    run_id = context.run.run_id
    with warehouse.connect(run_id) as con:
        snaps = dict(con.execute(
            "SELECT source, arg_max(sha256, loaded_at) FROM raw._loads GROUP BY source").fetchall())
        record_publish(con, run_id, code_version("raw") + code_version("analytics"), snaps)
        counts = con.execute(
            "SELECT schema_name || '.' || table_name, estimated_size FROM duckdb_tables() "
            "WHERE schema_name IN ('raw','marts','analytics') ORDER BY 1").fetchall()
        con.execute("CHECKPOINT")
    paths = warehouse.paths
    with writer_lock(paths, wait_seconds=60):
        target = publish(paths, run_id)
    context.log.info(f"published {target}")
    return dg.MaterializeResult(metadata={
        "path": dg.MetadataValue.path(str(target)), "bytes": target.stat().st_size,
        "tables": len(counts), "rows": dg.MetadataValue.json({k: v for k, v in counts})})
