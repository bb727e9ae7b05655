-- Monthly layoff series per source (crunchbase_tracker, layoffs_fyi, deduplicated) and scope
-- (global, us) over a continuous calendar from each source's first to last month, zero-filled;
-- within-source duplicates are skipped, a month whose events all lack a count has laid_off NULL,
-- and partial first/last months are flagged in excluded_reason (rules: _windows.md).
with events as (
    select source, event_date, company_key, laid_off, is_us
    from {{ ref('fct_source_layoffs') }}
    where duplicate_of is null
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
    select source, scope, month, first_date, last_date
    from (
        select source, first_date, last_date, {{ month_spine('first_date', 'last_date') }} as month
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
        -- no events: nobody was laid off (0); events but no known count: unknown (NULL)
        case when coalesce(monthly.events, 0) = 0 then 0 else monthly.laid_off end as laid_off,
        coalesce(monthly.companies, 0) as companies,
        {{ partial_month_reason('spine.month', 'spine.first_date', 'spine.last_date') }} as excluded_reason
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
        when count(laid_off) over rolling_4m = 4 then avg(laid_off) over rolling_4m
    end as rolling_4m_laid_off,
    excluded_reason
from filled
window rolling_4m as (
    partition by source, scope order by month rows between 3 preceding and current row
)
