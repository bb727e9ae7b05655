-- Per-source layoff events before deduplication (one row per raw source row).
select
    source_event_id,
    source,
    event_date,
    company,
    company_key,
    laid_off,
    count_known,
    pct_impacted,
    country,
    is_us,
    industry,
    snapshot_sha256,
    line_number
from {{ ref('int_layoffs__source_events') }}
