-- What staging made of each snapshot loaded into raw: rows accepted, typing rejects and the latest event or
-- publication date of the accepted rows (data through). Kept across builds (one row per dataset and snapshot),
-- so the truncation gate compares a new load with the one before it; raw._loads logs the loads themselves. A
-- staging model never built (a build of other sources in a new warehouse) has no rows to add.
{{ config(materialized='incremental', unique_key=['source', 'snapshot_sha256'],
          incremental_strategy='delete+insert') }}

{%- set staged = built_relations([
    ref('stg_layoffs_fyi__layoffs'),
    ref('stg_crunchbase_tracker__layoffs'),
    ref('stg_epoch__models'),
    ref('stg_indeed__postings_aggregate'),
    ref('stg_indeed__postings_by_sector'),
    ref('stg_warn__notices'),
]) %}
{#- each staging model's event, publication or posting date: what "data through" means for its source #}
{%- set dated = {'stg_layoffs_fyi__layoffs': 'reported_date', 'stg_crunchbase_tracker__layoffs': 'reported_date',
                 'stg_epoch__models': 'publication_date', 'stg_indeed__postings_aggregate': 'posting_date',
                 'stg_indeed__postings_by_sector': 'posting_date', 'stg_warn__notices': 'notice_date'} %}

with accepted as (
    select null::varchar as source, null::varchar as snapshot_sha256, 0::bigint as accepted_rows,
        null::date as data_through
    where false
    {%- for relation in staged %}
    union all
    select source, snapshot_sha256, count(*), max({{ dated[relation.identifier] }})
    from {{ relation }} group by all
    {%- endfor %}
),

typing as (
    select source, snapshot_sha256, count(*) as typing_rejects
    from {{ ref('rejects') }}
    where kind = 'typing'
    group by all
)

select
    coalesce(a.source, t.source) as source,
    coalesce(a.snapshot_sha256, t.snapshot_sha256) as snapshot_sha256,
    coalesce(a.accepted_rows, 0) as accepted_rows,
    coalesce(t.typing_rejects, 0) as typing_rejects,
    a.data_through,
    now() as recorded_at
from accepted as a
full join typing as t on t.source = a.source and t.snapshot_sha256 = a.snapshot_sha256
