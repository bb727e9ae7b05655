-- Per-source layoff events before deduplication (one row per raw source row; within-source
-- duplicates, superseded cumulative counts and dates their URL contradicts are marked, not removed).
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
    source_url,
    url_date,
    date_conflict,
    duplicate_of,
    duplicate_rule,
    cumulative_count_superseded
from {{ ref('int_layoffs__source_events') }}
