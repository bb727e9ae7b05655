{{ config(meta={'dagster': {'ref': {'name': 'fct_layoff_events'}}}) }}  -- shown as a check of this model in Dagster
-- Deduplication keeps every source reference: each fct_source_layoffs row is referenced by
-- exactly one fct_layoff_events row, either as crunchbase_ref / layoffs_fyi_ref or, for a
-- within-source duplicate, in duplicate_refs of the event holding the row it repeats; and the
-- event keeps its count when the source knew it (unless the count was set aside as cumulative).
with events as (
    select * from {{ ref('fct_layoff_events') }}
),

refs as (
    select crunchbase_ref as source_event_id, laid_off, count_rule from events
    where crunchbase_ref is not null
    union all
    select layoffs_fyi_ref, laid_off, count_rule from events
    where layoffs_fyi_ref is not null
    union all
    select unnest(string_split(duplicate_refs, ',')), laid_off, count_rule from events
    where duplicate_refs is not null
)

select s.source_event_id, count(r.source_event_id) as times_referenced
from {{ ref('fct_source_layoffs') }} as s
left join refs as r on s.source_event_id = r.source_event_id
group by s.source_event_id, s.laid_off
having count(r.source_event_id) <> 1
    or (s.laid_off is not null and bool_or(r.laid_off is null and r.count_rule <> 'cumulative_set_aside'))
