-- Monthly model counts per Epoch list over a continuous calendar (first to last dated release);
-- excluded_reason flags partial months and the months inside the list's coverage lag (_windows.md).
{%- set lags = var('epoch_coverage_lag_months') %}

with releases as (
    select * from {{ ref('fct_model_releases') }} where release_month is not null
),

bounds as (
    select
        dataset,
        min(publication_date) as first_date,
        max(publication_date) as last_date,
        case dataset
            {%- for name, months in lags.items() %}
            when '{{ name }}' then {{ months | int }}
            {%- endfor %}
            else 0
        end as coverage_lag_months
    from releases
    group by dataset
),

spine as (
    select dataset, first_date, last_date, coverage_lag_months,
        {{ month_spine('first_date', 'last_date') }} as month
    from bounds
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
    cast(coalesce(monthly.{{ col }}, 0) as bigint) as {{ col }},
    {% endfor -%}
    coalesce(
        {{ partial_month_reason('spine.month', 'spine.first_date', 'spine.last_date') }},
        -- the N calendar months ending with the snapshot's month: Epoch has not caught up yet
        case when spine.month > date_trunc('month', spine.last_date) - to_months(spine.coverage_lag_months)
            then 'coverage lag: within ' || spine.coverage_lag_months || ' months of the snapshot (data through '
                || strftime(spine.last_date, '%Y-%m-%d') || '; dbt var epoch_coverage_lag_months.'
                || spine.dataset || ')'
        end
    ) as excluded_reason
from spine
left join monthly on spine.dataset = monthly.dataset and spine.month = monthly.month
