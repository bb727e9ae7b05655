{{ config(meta={'dagster': {'ref': {'name': 'layoffs_monthly'}}}) }}  -- shown as a check of this model in Dagster
-- The monthly marts lose nothing: for each source, summing layoffs_monthly (scope global) over
-- months gives exactly the staging table's row count and sum of known counts (the accepted rows)
-- less the within-source duplicates (which are not events), and the deduplicated series sums to
-- fct_layoff_events. Returns one row per mismatch.
with duplicates as (
    select source, count(*) as events, coalesce(sum(laid_off), 0) as laid_off
    from {{ ref('fct_source_layoffs') }}
    where duplicate_of is not null
    group by source
),

raw_totals as (
    select 'crunchbase_tracker' as source, count(*) as events, coalesce(sum(laid_off), 0) as laid_off
    from {{ ref('stg_crunchbase_tracker__layoffs') }}
    union all
    select 'layoffs_fyi', count(*), coalesce(sum(laid_off), 0)
    from {{ ref('stg_layoffs_fyi__layoffs') }}
),

expected as (
    select r.source, r.events - coalesce(d.events, 0) as events, r.laid_off - coalesce(d.laid_off, 0) as laid_off
    from raw_totals as r
    left join duplicates as d on r.source = d.source
    union all
    select 'deduplicated', count(*), coalesce(sum(laid_off), 0)
    from {{ ref('fct_layoff_events') }}
),

monthly_totals as (
    select source, sum(events) as events, coalesce(sum(laid_off), 0) as laid_off
    from {{ ref('layoffs_monthly') }}
    where scope = 'global'
    group by source
)

select r.source, r.events, m.events as monthly_events, r.laid_off, m.laid_off as monthly_laid_off
from expected as r
full outer join monthly_totals as m on r.source = m.source
where (r.events > 0 or m.source is not null)
    and (r.events is distinct from m.events or r.laid_off is distinct from m.laid_off)
