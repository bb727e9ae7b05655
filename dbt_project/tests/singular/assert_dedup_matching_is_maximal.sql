{{ config(meta={'dagster': {'ref': {'name': 'fct_layoff_events'}}}) }}  -- shown as a check of this model in Dagster
-- After the last matching round no candidate pair may be left: an unmatched Crunchbase tracker
-- row and an unmatched layoffs.fyi row that form a candidate pair (macro dedup_candidates) mean
-- var('dedup_match_rounds') was too small.
with events as (
    {{ dedup_events() }}
),

candidates as (
    {{ dedup_candidates('events') }}
),

cb_only as (
    select crunchbase_ref from {{ ref('fct_layoff_events') }}
    where crunchbase_ref is not null and layoffs_fyi_ref is null
),

fyi_only as (
    select layoffs_fyi_ref from {{ ref('fct_layoff_events') }}
    where layoffs_fyi_ref is not null and crunchbase_ref is null
)

select c.crunchbase_ref, c.layoffs_fyi_ref, c.name_match, c.day_gap
from candidates as c
inner join cb_only on c.crunchbase_ref = cb_only.crunchbase_ref
inner join fyi_only on c.layoffs_fyi_ref = fyi_only.layoffs_fyi_ref
