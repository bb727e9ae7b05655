-- Both layoff sources in one shape, one row per source row, with the matching key, U.S. scope,
-- within-source duplicates and cumulative counts marked (rule: models/marts/_dedup_rule.md).
{%- set lookback = var('cumulative_lookback_days') %}
{%- set window_days = var('dedup_window_days') %}

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
        line_number,
        -- the tracker sometimes sums a company's rounds into one row and says so in its notes
        regexp_matches(lower(coalesce(notes, '') || ' ' || coalesce(laid_off_raw, '')),
            '\b(rounds?|total|cumulative|cumulatively|combined|in all)\b') as count_marked_cumulative
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
        line_number,
        false as count_marked_cumulative
    from {{ ref('stg_layoffs_fyi__layoffs') }}
),

unioned as (
    select * from crunchbase
    union all
    select * from layoffs_fyi
),

keyed as (
    select
        *,
        {{ company_key('company') }} as company_key
    from unioned
),

-- a row repeating an earlier row of the same source (same company_key, date and count, unknown
-- counts equal) is a within-source duplicate of the first one (lowest line number)
marked as (
    select
        *,
        case
            when event_date is not null
                and row_number() over same_listing > 1 then first_value(source_event_id) over same_listing
        end as duplicate_of
    from keyed
    window same_listing as (
        partition by source, company_key, event_date, laid_off order by line_number, source_event_id
    )
),

-- layoffs.fyi rows of the same company in the lookback before a Crunchbase row (and up to the
-- matching window after it): two or more mean layoffs.fyi lists the rounds separately
rounds_elsewhere as (
    select cb.source_event_id, count(fyi.source_event_id) as rounds
    from marked as cb
    inner join marked as fyi
        on cb.source = 'crunchbase_tracker'
        and fyi.source = 'layoffs_fyi'
        and fyi.duplicate_of is null
        and fyi.company_key = cb.company_key
        and fyi.event_date between cb.event_date - {{ lookback }} and cb.event_date + {{ window_days }}
    where cb.count_marked_cumulative
    group by cb.source_event_id
)

select
    source_event_id,
    source,
    event_date,
    company,
    company_key,
    laid_off,
    laid_off is not null as count_known,
    pct_impacted,
    country,
    is_us,
    industry,
    snapshot_sha256,
    line_number,
    duplicate_of,
    count_marked_cumulative,
    -- the count is a sum of rounds that the other tracker lists one by one: do not use it
    count_marked_cumulative and laid_off is not null and coalesce(rounds, 0) >= 2 as cumulative_count_superseded
from marked
left join rounds_elsewhere using (source_event_id)
