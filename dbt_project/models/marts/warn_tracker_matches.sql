-- Each WARN notice matched to the nearest row of each tracker with the same company in the same state within the
-- date window (rule and window: _warn_match_rule.md); several notices of one round can match one tracker row.
{%- set before = var('warn_match_days_before') %}
{%- set after = var('warn_match_days_after') %}

with notices as (
    select * from {{ ref('fct_warn_notices') }}
),

candidates as (
    select
        notices.warn_notice_id,
        events.tracker,
        events.tracker_event_ref,
        events.event_id,
        notices.state,
        notices.company_key,
        notices.notice_date,
        events.event_date as tracker_date,
        cast(notices.notice_date - events.event_date as integer) as day_gap,
        case when notices.alias_applied then 'legal_name_alias' else 'same_key' end as match_rule,
        notices.workers as warn_workers,
        events.laid_off as tracker_laid_off
    from notices
    inner join {{ ref('tracker_state_events') }} as events
        on notices.state = events.state
        and notices.company_key = events.company_key
        and notices.notice_date - events.event_date between -{{ before }} and {{ after }}
)

select *
from candidates
-- the nearest tracker row; at equal distance the earlier one (the notice follows the announcement)
qualify row_number() over (
    partition by warn_notice_id, tracker
    order by abs(day_gap), tracker_date, tracker_event_ref
) = 1
