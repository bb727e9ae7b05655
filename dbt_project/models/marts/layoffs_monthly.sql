-- Monthly layoff series per source (crunchbase_tracker, layoffs_fyi, deduplicated) and scope
-- (global, us) over a continuous calendar from each source's first to last month, zero-filled.
with events as (
    select source, event_date, company_key, laid_off, is_us
    from {{ ref('fct_source_layoffs') }}
    union all
    select 'deduplicated' as source, event_date, company_key, laid_off, is_us
    from {{ ref('fct_layoff_events') }}
),

scoped as (
    select *, 'global' as scope from events
    union all
    select *, 'us' as scope from events where is_us
),

bounds as (
    select source, min(event_date) as first_date, max(event_date) as last_date
    from events
    group by source
),

spine as (
    select source, scope, month
    from (
        select source, {{ month_spine('first_date', 'last_date') }} as month
        from bounds
    )
    cross join (values ('global'), ('us')) as scopes (scope)
),

monthly as (
    select
        source,
        scope,
        cast(date_trunc('month', event_date) as date) as month,
        count(*) as events,
        count(laid_off) as events_with_count,
        sum(laid_off) as laid_off,
        count(distinct company_key) as companies
    from scoped
    group by all
),

filled as (
    select
        spine.month,
        spine.source,
        spine.scope,
        coalesce(monthly.events, 0) as events,
        coalesce(monthly.events_with_count, 0) as events_with_count,
        coalesce(monthly.laid_off, 0) as laid_off,
        coalesce(monthly.companies, 0) as companies
    from spine
    left join monthly
        on spine.source = monthly.source
        and spine.scope = monthly.scope
        and spine.month = monthly.month
)

select
    month,
    source,
    scope,
    cast(events as bigint) as events,
    cast(events_with_count as bigint) as events_with_count,
    cast(laid_off as bigint) as laid_off,
    cast(companies as bigint) as companies,
    case when events > 0 then (events - events_with_count) / events end as unknown_count_share,
    case
        when count(*) over rolling_4m = 4 then avg(laid_off) over rolling_4m
    end as rolling_4m_laid_off
from filled
window rolling_4m as (
    partition by source, scope order by month rows between 3 preceding and current row
)
