"""The opt-in article-title asset `raw/article_headlines` (LAYOFFS_AI_FETCH_HEADLINES=1; off by default)."""

import dagster as dg

from ..asset_metadata import OWNERS
from ..headlines_step import run_headlines
from ..resources import WarehouseResource

# New source rows may bring new 'unknown' URLs: the titles follow the layoff tables' loads.
LAYOFF_TABLES = [dg.AssetKey(["raw", "layoffs_fyi__layoffs"]), dg.AssetKey(["raw", "crunchbase_tracker__layoffs"])]


@dg.asset(
    key=["raw", "article_headlines"], group_name="raw", kinds={"duckdb"}, deps=LAYOFF_TABLES, owners=OWNERS,
    metadata={"dagster/table_name": "raw.article_headlines"},
    description="Opt-in (LAYOFFS_AI_FETCH_HEADLINES=1): the <title> of each source article whose URL slug gave "
                "the last build no headline ('unknown'), fetched once per URL (robots.txt honoured, one request "
                "per host every 2 s, at most 200 requests a run) and cached as snapshots under raw/article_headlines/. "
                "Off (the default): the table exists and is empty. See docs/ai_attribution.md.",
)
def article_headlines(context: dg.AssetExecutionContext, warehouse: WarehouseResource) -> dg.MaterializeResult:
    with warehouse.connect(context.run.run_id) as con:
        step = run_headlines(warehouse.settings, con, log=context.log.info)
    return dg.MaterializeResult(metadata={
        "enabled": step.enabled, "dagster/row_count": step.rows, "with_title": step.titles,
        "unknown_urls_last_build": step.candidates, "fetched_this_run": step.fetched,
        **({"snapshot": dg.MetadataValue.path(step.snapshot)} if step.snapshot else {}),
    })
