-- Per-source layoff events before deduplication (one row per raw source row; within-source
-- duplicates and superseded cumulative counts are marked, not removed).
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
    line_number,
    duplicate_of,
    cumulative_count_superseded
from {{ ref('int_layoffs__source_events') }}
