-- The analysis table: one row per calendar month over the overlap of the deduplicated layoff
-- series and both Epoch model series; postings columns are NULL outside Indeed's coverage.
with layoffs as (
    select * from {{ ref('layoffs_monthly') }} where source = 'deduplicated'
),

models as (
    select * from {{ ref('model_releases_monthly') }}
),

bounds as (
    select
        greatest(
            (select min(month) from layoffs),
            (select min(month) from models where dataset = 'notable'),
            (select min(month) from models where dataset = 'all')
        ) as first_month,
        least(
            (select max(month) from layoffs),
            (select max(month) from models where dataset = 'notable'),
            (select max(month) from models where dataset = 'all')
        ) as last_month
),

spine as (
    select {{ month_spine('first_month', 'last_month') }} as month
    from bounds
    where first_month <= last_month
)

select
    spine.month,
    coalesce(g.events, 0) as layoff_events,
    coalesce(g.laid_off, 0) as laid_off,
    g.rolling_4m_laid_off,
    coalesce(u.events, 0) as layoff_events_us,
    coalesce(u.laid_off, 0) as laid_off_us,
    coalesce(n.models, 0) as notable_models,
    coalesce(a.models, 0) as all_models,
    p.postings_software_development,
    p.postings_mathematics,
    p.postings_scientific_research,
    p.postings_it_operations,
    p.postings_total,
    ai.ai_cited_share
from spine
left join layoffs as g on g.month = spine.month and g.scope = 'global'
left join layoffs as u on u.month = spine.month and u.scope = 'us'
left join models as n on n.month = spine.month and n.dataset = 'notable'
left join models as a on a.month = spine.month and a.dataset = 'all'
left join {{ ref('job_postings_monthly') }} as p on p.month = spine.month
left join {{ ref('ai_cited_layoffs_monthly') }} as ai on ai.month = spine.month and ai.scope = 'global'
