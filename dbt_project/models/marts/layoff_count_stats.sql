-- Per source and calendar year: how many events (within-source duplicates skipped) and distinct
-- companies, how many with a known headcount, and the distribution of the known headcounts (the
-- 2022 blog's "Statistics" table plus the unknowns).
with events as (
    select source, event_date, company_key, laid_off
    from {{ ref('fct_source_layoffs') }}
    where duplicate_of is null
    union all
    select 'deduplicated' as source, event_date, company_key, laid_off
    from {{ ref('fct_layoff_events') }}
)

select
    source,
    cast(year(event_date) as integer) as year,
    count(*) as events,
    count(laid_off) as events_with_count,
    count(*) - count(laid_off) as events_unknown,
    max(laid_off) as max_laid_off,
    min(laid_off) as min_laid_off,
    avg(laid_off) as mean_laid_off,
    quantile_cont(laid_off, 0.5) as median_laid_off,
    stddev_samp(laid_off) as std_laid_off,
    count(distinct company_key) as companies,
    count(distinct company_key) filter (where laid_off is not null) as companies_with_count
from events
where event_date is not null
group by all
