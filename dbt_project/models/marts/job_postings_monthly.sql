-- Monthly mean of Indeed's daily U.S. postings index for selected sectors and all postings;
-- partial first/last months of each file are flagged (rules: _windows.md).
{%- set sectors = {
    'Software Development': 'postings_software_development',
    'Mathematics': 'postings_mathematics',
    'Scientific Research & Development': 'postings_scientific_research',
    'IT Operations & Helpdesk': 'postings_it_operations',
} %}

with sector_daily as (
    select posting_date, sector, postings_index
    from {{ ref('stg_indeed__postings_by_sector') }}
    where variable = 'total postings'
        and job_country = 'US'
        and sector in ({% for s in sectors %}'{{ s }}'{{ ", " if not loop.last }}{% endfor %})
),

total_daily as (
    select posting_date, postings_index_sa as postings_index
    from {{ ref('stg_indeed__postings_aggregate') }}
    where variable = 'total postings' and job_country = 'US'
),

sector_monthly as (
    select
        cast(date_trunc('month', posting_date) as date) as month,
        {% for s, col in sectors.items() -%}
        avg(postings_index) filter (where sector = '{{ s }}') as {{ col }},
        {% endfor -%}
    from sector_daily
    group by 1
),

total_monthly as (
    select
        cast(date_trunc('month', posting_date) as date) as month,
        avg(postings_index) as postings_total
    from total_daily
    group by 1
),

spine as (
    select {{ month_spine('min(month)', 'max(month)') }} as month
    from (select month from sector_monthly union all select month from total_monthly)
),

bounds as (
    select
        (select min(posting_date) from sector_daily) as sector_first,
        (select max(posting_date) from sector_daily) as sector_last,
        (select min(posting_date) from total_daily) as total_first,
        (select max(posting_date) from total_daily) as total_last
)

select
    spine.month,
    {% for col in sectors.values() -%}
    sector_monthly.{{ col }},
    {% endfor -%}
    total_monthly.postings_total,
    {{ partial_month_reason('spine.month', 'bounds.sector_first', 'bounds.sector_last') }} as sector_excluded_reason,
    {{ partial_month_reason('spine.month', 'bounds.total_first', 'bounds.total_last') }} as total_excluded_reason
from spine
cross join bounds
left join sector_monthly on spine.month = sector_monthly.month
left join total_monthly on spine.month = total_monthly.month
