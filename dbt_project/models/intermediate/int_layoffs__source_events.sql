-- Both layoff sources in one shape, one row per source row, with the matching key and U.S. scope.
with crunchbase as (
    select
        source_row_id as source_event_id,
        source,
        reported_date as event_date,
        company,
        laid_off,
        pct_impacted,
        'United States' as country,
        -- the Crunchbase tracker covers U.S. companies only
        true as is_us,
        industry,
        snapshot_sha256,
        line_number
    from {{ ref('stg_crunchbase_tracker__layoffs') }}
),

layoffs_fyi as (
    select
        source_row_id as source_event_id,
        source,
        reported_date as event_date,
        company,
        laid_off,
        pct_impacted,
        country,
        coalesce(country = 'United States', false) as is_us,
        industry,
        snapshot_sha256,
        line_number
    from {{ ref('stg_layoffs_fyi__layoffs') }}
),

unioned as (
    select * from crunchbase
    union all
    select * from layoffs_fyi
)

select
    source_event_id,
    source,
    event_date,
    company,
    {{ company_key('company') }} as company_key,
    laid_off,
    laid_off is not null as count_known,
    pct_impacted,
    country,
    is_us,
    industry,
    snapshot_sha256,
    line_number
from unioned
