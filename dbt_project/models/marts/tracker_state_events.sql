-- One row per kept U.S. tracker row whose location the seed places in a state (layoffs.fyi `location`, the
-- Crunchbase tracker's `hq`): the tracker side of the WARN match (rule: _warn_match_rule.md).
with locations as (
    select source_row_id, location as tracker_location from {{ ref('stg_layoffs_fyi__layoffs') }}
    union all
    select source_row_id, hq from {{ ref('stg_crunchbase_tracker__layoffs') }}
),

events as (
    select * from {{ ref('int_layoffs__source_events') }}
    where duplicate_of is null and is_us
),

holding as (
    -- the deduplicated event each kept tracker row belongs to
    select crunchbase_ref as ref, event_id from {{ ref('fct_layoff_events') }} where crunchbase_ref is not null
    union all
    select layoffs_fyi_ref, event_id from {{ ref('fct_layoff_events') }} where layoffs_fyi_ref is not null
)

select
    events.source as tracker,
    events.source_event_id as tracker_event_ref,
    holding.event_id,
    states.state,
    events.company,
    events.company_key,
    locations.tracker_location,
    events.event_date,
    events.laid_off
from events
inner join locations on events.source_event_id = locations.source_row_id
inner join {{ ref('tracker_location_states') }} as states
    on lower(trim(locations.tracker_location)) = lower(trim(states.tracker_location))
    and (states.company is null or {{ company_key('states.company') }} = events.company_key)
inner join holding on events.source_event_id = holding.ref
-- a company-specific entry (Portland, Maine's companies) wins over the location's own
qualify row_number() over (
    partition by events.source, events.source_event_id order by states.company is null
) = 1
