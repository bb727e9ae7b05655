-- One row per AI model per Epoch list, with organisation category, domain group and flags derived.
with models as (
    select * from {{ ref('stg_epoch__models') }}
),

-- the "all models" list has no frontier column: borrow the notable list's flag by model name
notable_frontier as (
    select lower(model) as model_lower, bool_or(coalesce(frontier_model, false)) as is_frontier
    from models
    where dataset = 'notable'
    group by 1
),

categorised as (
    select
        models.*,
        list_sort(list_distinct(list_filter(
            list_transform(string_split(lower(coalesce(organization_categorization, '')), ','),
                lambda x: trim(x)),
            lambda x: x <> ''
        ))) as org_categories,
        list_filter(
            list_transform(string_split(lower(coalesce(domain, '')), ','), lambda x: trim(x)),
            lambda x: x <> ''
        ) as domains
    from models
)

select
    model_release_id,
    dataset,
    model,
    organization,
    case
        when len(org_categories) = 0 then 'unknown'
        when len(org_categories) > 1 then 'collaboration'
        when org_categories[1] = 'industry' then 'industry'
        when org_categories[1] = 'academia' then 'academia'
        else 'other'
    end as organization_category,
    case
        when list_contains(domains, 'multimodal')
            or (list_contains(domains, 'language') and list_contains(domains, 'vision'))
            then 'multimodal'
        when list_contains(domains, 'language') then 'language'
        when list_has_any(domains, ['vision', 'image generation', 'video']) then 'vision'
        else 'other'
    end as domain_group,
    publication_date,
    cast(date_trunc('month', publication_date) as date) as release_month,
    coalesce(model_accessibility like 'Open weights%', false) as is_open_weights,
    case
        when frontier_model is not null then frontier_model
        when dataset = 'notable' then false
        else coalesce(notable_frontier.is_frontier, false)
    end as is_frontier
from categorised
left join notable_frontier on lower(categorised.model) = notable_frontier.model_lower
