"""Analytics assets: every `analytics.*` table, the charts and the report, computed together from the marts."""

import base64
from pathlib import Path

import dagster as dg
import duckdb
import yaml

from analytics import INPUT_MARTS, INPUT_TABLES
from analytics.descriptions import TABLE_DESCRIPTIONS

from ..asset_metadata import table_metadata
from ..code_versions import code_version
from ..components.dbt import DBT_PROJECT_DIR
from ..provenance import source_provenance
from ..resources import WarehouseResource

OWNERS = ["team:layoffs-ai"]
MART_DEPS = ([dg.AssetKey(["marts", m]) for m in INPUT_MARTS]
             + [dg.AssetKey([schema, table]) for schema, table, _ in INPUT_TABLES.values()])
# What the last publish is compared with (analytics.changes_since_last_publish): these frames of its warehouse.
PREVIOUS_QUERIES = {"fct_source_layoffs": "SELECT * FROM marts.fct_source_layoffs",
                    "layoffs_vs_ai_monthly": "SELECT * FROM marts.layoffs_vs_ai_monthly",
                    "_publish_log": "SELECT run_id, published_at FROM raw._publish_log"}
FILES = {
    "charts": "Charts (PNG, SVG and offline HTML) of the layoffs, model releases, postings and the lag scan; "
              "captions name each source with its data-through and retrieval dates.",
    "report": "The self-contained report (report/index.html, report/report.md): findings, charts, caveats and "
              "every source with its status, provenance and licence.",
}


def _spec(name: str, description: str, kinds: set[str]) -> dg.AssetSpec:
    return dg.AssetSpec(["analytics", name], group_name="analytics", kinds=kinds, owners=OWNERS, deps=MART_DEPS,
                        code_version=code_version("analytics"), description=description)


def _queries() -> dict[str, str]:
    """One row order whatever order DuckDB stored the rows in: the same marts give the same tables and charts (the
    chart and report caches keep them), not sums that differ in the last digit from one run to the next."""
    return ({m: f"SELECT * FROM marts.{m} ORDER BY ALL" for m in INPUT_MARTS}
            | {name: f"SELECT {', '.join(cols)} FROM {schema}.{table} ORDER BY ALL" for name, (schema, table, cols)
               in INPUT_TABLES.items()})


def _previous_frames(published: Path, memory_limit: str) -> dict | None:
    """The frames of the currently published warehouse (the generation this run will replace); None if none.
    A frame its older schema lacks is left out, and an unreadable file gives none (the report says what could
    not be compared)."""
    if not published.exists():
        return None
    try:
        con = duckdb.connect(str(published), read_only=True, config={"memory_limit": memory_limit})
    except duckdb.Error:   # unreadable: the table says the rows could not be compared, the run goes on
        return {}
    try:
        frames = {}
        for name, sql in (PREVIOUS_QUERIES | {"source_urls": _queries()["source_urls"]}).items():
            try:
                frames[name] = con.execute(sql).df()
            except (duckdb.CatalogException, duckdb.BinderException):   # a table or column its older schema lacks
                continue
        return frames
    finally:
        con.close()


def warn_match_days() -> tuple[int, int]:
    """The WARN match window the marts are built with (dbt vars warn_match_days_before / _after): the coverage
    table leaves out tracker rows and notices too near an end of the data for that window to fit."""
    dbt_vars = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    return int(dbt_vars["warn_match_days_before"]), int(dbt_vars["warn_match_days_after"])


def _chart_preview(charts) -> dg.MetadataValue:
    """The charts inline (markdown images as data URIs), so the catalog shows them without a file server. Each is
    its smaller file, SVG or PNG: the preview is stored in the event log with every run (all PNGs were ~7 MB)."""
    parts = []
    for png in sorted(charts.glob("*.png")):
        svg = png.with_suffix(".svg")
        image, kind = (svg, "svg+xml") if svg.is_file() and svg.stat().st_size < png.stat().st_size else (png, "png")
        parts.append(f"**{png.stem}**\n\n![{png.stem}](data:image/{kind};base64,"
                     f"{base64.b64encode(image.read_bytes()).decode()})")
    return dg.MetadataValue.md("\n\n".join(parts) or "(no charts)")


@dg.multi_asset(
    specs=[_spec(t, d, {"duckdb", "python"}) for t, d in TABLE_DESCRIPTIONS.items()]
    + [_spec(f, d, {"file"}) for f, d in FILES.items()],
    name="run_analytics",
)
def run_analytics_assets(context: dg.AssetExecutionContext, warehouse: WarehouseResource):
    """Statistics, charts and report over the marts, written into the staging folder."""
    from analytics import run_analytics

    run_id = context.run.run_id
    work = warehouse.staging(run_id)
    previous = _previous_frames(warehouse.paths.published, warehouse.settings.duckdb_memory_limit)
    with warehouse.connect(run_id) as con:
        frames = {name: con.execute(sql).df() for name, sql in _queries().items()}
        tables = run_analytics(frames, work, source_provenance(con), previous=previous,
                               warn_match_days=warn_match_days())
        con.execute("CREATE SCHEMA IF NOT EXISTS analytics")
        for name, frame in tables.items():
            con.register("_frame", frame)
            con.execute(f'CREATE OR REPLACE TABLE analytics."{name}" AS SELECT * FROM _frame')
            con.unregister("_frame")
            comment = TABLE_DESCRIPTIONS.get(name, "").replace("'", "''")
            con.execute(f"COMMENT ON TABLE analytics.\"{name}\" IS '{comment}'")
        metadata = {name: table_metadata(con, "analytics", name) for name in tables}
    for name in TABLE_DESCRIPTIONS:
        yield dg.MaterializeResult(asset_key=["analytics", name], metadata=metadata.get(name, {}))
    yield dg.MaterializeResult(asset_key=["analytics", "charts"], metadata={
        "path": dg.MetadataValue.path(str(warehouse.paths.home / "charts")), "preview": _chart_preview(work / "charts")})
    report_md = (work / "report" / "report.md").read_text(encoding="utf-8")
    yield dg.MaterializeResult(asset_key=["analytics", "report"], metadata={
        "path": dg.MetadataValue.path(str(warehouse.paths.home / "report" / "index.html")),
        "preview": dg.MetadataValue.md(report_md[:6000] + ("\n\n…" if len(report_md) > 6000 else ""))})
