-- The hand-labelled sample (seed ai_attribution_labels) beside what the rules say about each row, with the
-- size of the sampling-frame stratum it was drawn from, for analytics.ai_attribution_quality.
with labels as (
    select * from {{ ref('ai_attribution_labels') }}
),

attributed as (
    select * from {{ ref('int_layoffs__ai_attribution') }}
),

strata as (
    -- population of each sampling stratum (year x frame stratum) in the current data
    select year(event_date) as frame_year, frame_stratum, count(*) as stratum_events
    from attributed
    group by all
),

joined as (
    select
        l.source,
        l.company,
        l.event_date,
        l.url,
        l.label,
        l.split,
        year(l.event_date) as frame_year,
        l.frame_stratum,
        a.source_event_id,
        a.ai_attribution,
        a.ai_attribution_evidence,
        a.frame_stratum as current_frame_stratum,
        coalesce(s.stratum_events, 0) as stratum_events
    from labels as l
    left join attributed as a
        on a.source = l.source
        and a.company = l.company
        and a.event_date = l.event_date
        and coalesce(a.source_url, '') = coalesce(l.url, '')
    left join strata as s
        on s.frame_year = year(l.event_date) and s.frame_stratum = l.frame_stratum
    -- a key that matches two identical source rows counts once
    qualify row_number() over (
        partition by l.source, l.company, l.event_date, l.url order by a.source_event_id
    ) = 1
)

select
    source,
    company,
    event_date,
    url,
    label,
    split,
    cast(frame_year as integer) as frame_year,
    frame_stratum,
    source_event_id,
    ai_attribution,
    ai_attribution_evidence,
    current_frame_stratum,
    cast(stratum_events as bigint) as stratum_events
from joined
