-- Monthly share of deduplicated layoff events whose headline cites AI, broad and strict (docs/ai_attribution.md), per scope
-- (global, us), over a continuous calendar from the first to the last event month, zero-filled.
with events as (
    select event_date, laid_off, is_us, ai_attribution, ai_reason_stated
    from {{ ref('fct_layoff_events') }}
),

scoped as (
    select *, 'global' as scope from events
    union all
    select *, 'us' as scope from events where is_us
),

bounds as (
    select min(event_date) as first_date, max(event_date) as last_date from events
),

spine as (
    select month, scope
    from (select {{ month_spine('first_date', 'last_date') }} as month from bounds where first_date is not null)
    cross join (values ('global'), ('us')) as scopes (scope)
),

monthly as (
    select
        cast(date_trunc('month', event_date) as date) as month,
        scope,
        count(*) as events,
        count(*) filter (where ai_attribution <> 'unknown') as events_with_text,
        count(*) filter (where ai_attribution = 'ai_cited') as ai_cited_events,
        sum(laid_off) as laid_off,
        sum(laid_off) filter (where ai_attribution = 'ai_cited') as ai_cited_laid_off,
        count(*) filter (where ai_reason_stated) as ai_reason_stated_events,
        sum(laid_off) filter (where ai_attribution <> 'unknown') as laid_off_with_text,
        sum(laid_off) filter (where ai_reason_stated) as ai_reason_stated_laid_off
    from scoped
    group by all
)

select
    spine.month,
    spine.scope,
    cast(coalesce(m.events, 0) as bigint) as events,
    cast(coalesce(m.events_with_text, 0) as bigint) as events_with_text,
    cast(coalesce(m.ai_cited_events, 0) as bigint) as ai_cited_events,
    case when m.events_with_text > 0 then m.ai_cited_events / m.events_with_text end as ai_cited_share,
    cast(coalesce(m.laid_off, 0) as bigint) as laid_off,
    cast(coalesce(m.ai_cited_laid_off, 0) as bigint) as ai_cited_laid_off,
    cast(coalesce(m.ai_reason_stated_events, 0) as bigint) as ai_reason_stated_events,
    cast(coalesce(m.laid_off_with_text, 0) as bigint) as laid_off_with_text,
    cast(coalesce(m.ai_reason_stated_laid_off, 0) as bigint) as ai_reason_stated_laid_off
from spine
left join monthly as m on spine.month = m.month and spine.scope = m.scope
