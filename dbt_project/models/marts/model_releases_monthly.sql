-- Monthly model counts per Epoch list over a continuous calendar (first to last dated release).
with releases as (
    select * from {{ ref('fct_model_releases') }} where release_month is not null
),

spine as (
    select dataset, {{ month_spine('min(release_month)', 'max(release_month)') }} as month
    from releases
    group by dataset
),

monthly as (
    select
        dataset,
        release_month as month,
        count(*) as models,
        count(*) filter (where organization_category = 'industry') as models_industry,
        count(*) filter (where organization_category = 'academia') as models_academia,
        count(*) filter (where organization_category = 'collaboration') as models_collaboration,
        count(*) filter (where organization_category in ('other', 'unknown')) as models_other_org,
        count(*) filter (where domain_group = 'language') as models_language,
        count(*) filter (where domain_group = 'vision') as models_vision,
        count(*) filter (where domain_group = 'multimodal') as models_multimodal,
        count(*) filter (where domain_group = 'other') as models_other_domain,
        count(*) filter (where is_open_weights) as open_weights,
        count(*) filter (where is_frontier) as frontier
    from releases
    group by all
)

select
    spine.month,
    spine.dataset,
    {% for col in ['models', 'models_industry', 'models_academia', 'models_collaboration',
                   'models_other_org', 'models_language', 'models_vision', 'models_multimodal',
                   'models_other_domain', 'open_weights', 'frontier'] -%}
    cast(coalesce(monthly.{{ col }}, 0) as bigint) as {{ col }}{{ "," if not loop.last }}
    {% endfor %}
from spine
left join monthly on spine.dataset = monthly.dataset and spine.month = monthly.month
