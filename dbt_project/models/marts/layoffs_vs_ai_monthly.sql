-- The analysis table: one row per calendar month from the first to the last month in which the
-- deduplicated layoff series and at least one Epoch list are inside their analysis windows
-- (_windows.md); each series is NULL in months outside its own window, postings outside Indeed's
-- complete months, and laid_off in a month whose events all lack a count.
with layoffs as (
    select * from {{ ref('layoffs_monthly') }} where source = 'deduplicated'
),

models as (
    select * from {{ ref('model_releases_monthly') }}
),

in_window as (
    select
        min(month) filter (where kind = 'layoffs') as layoffs_first,
        max(month) filter (where kind = 'layoffs') as layoffs_last,
        min(month) filter (where kind = 'models') as models_first,
        max(month) filter (where kind = 'models') as models_last
    from (
        select 'layoffs' as kind, month from layoffs where scope = 'global' and excluded_reason is null
        union all
        select 'models', month from models where dataset in ('notable', 'all') and excluded_reason is null
    )
),

bounds as (
    select greatest(layoffs_first, models_first) as first_month, least(layoffs_last, models_last) as last_month
    from in_window
),

spine as (
    select {{ month_spine('first_month', 'last_month') }} as month
    from bounds
    where first_month <= last_month
)

select
    spine.month,
    coalesce(g.events, 0) as layoff_events,
    g.laid_off,
    g.rolling_4m_laid_off,
    coalesce(u.events, 0) as layoff_events_us,
    u.laid_off as laid_off_us,
    case when n.excluded_reason is null then n.models end as notable_models,
    case when a.excluded_reason is null then a.models end as all_models,
    {% for col in ['postings_software_development', 'postings_mathematics', 'postings_scientific_research',
                   'postings_it_operations'] -%}
    case when p.sector_excluded_reason is null then p.{{ col }} end as {{ col }},
    {% endfor -%}
    case when p.total_excluded_reason is null then p.postings_total end as postings_total,
    ai.ai_cited_share
from spine
left join layoffs as g on g.month = spine.month and g.scope = 'global'
left join layoffs as u on u.month = spine.month and u.scope = 'us'
left join models as n on n.month = spine.month and n.dataset = 'notable'
left join models as a on a.month = spine.month and a.dataset = 'all'
left join {{ ref('job_postings_monthly') }} as p on p.month = spine.month
left join {{ ref('ai_cited_layoffs_monthly') }} as ai on ai.month = spine.month and ai.scope = 'global'
