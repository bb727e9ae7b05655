{{ config(meta={'dagster': {'ref': {'name': 'fct_layoff_events'}}}) }}  -- shown as a check of this model in Dagster
-- After the last matching round no candidate pair may be left: an unmatched Crunchbase tracker
-- row and an unmatched layoffs.fyi row with the same company_key within the window mean
-- var('dedup_match_rounds') was too small.
with events as (
    select * from {{ ref('fct_layoff_events') }}
),

cb_only as (
    select s.source_event_id, s.company_key, s.event_date
    from events as e
    inner join {{ ref('int_layoffs__source_events') }} as s on e.crunchbase_ref = s.source_event_id
    where e.layoffs_fyi_ref is null
),

fyi_only as (
    select s.source_event_id, s.company_key, s.event_date
    from events as e
    inner join {{ ref('int_layoffs__source_events') }} as s on e.layoffs_fyi_ref = s.source_event_id
    where e.crunchbase_ref is null
)

select cb_only.source_event_id as crunchbase_ref, fyi_only.source_event_id as layoffs_fyi_ref
from cb_only
inner join fyi_only
    on cb_only.company_key = fyi_only.company_key
    and abs(datediff('day', cb_only.event_date, fyi_only.event_date)) <= {{ var('dedup_window_days') }}
