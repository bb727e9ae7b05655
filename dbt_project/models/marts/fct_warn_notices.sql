-- One row per WARN notice (one site of one round), with the matching key after the legal-name aliases, whether
-- each tracker lists the company (anywhere) and whether it places the company in the notice's state (the only
-- notices its rows can match; rule: _warn_match_rule.md).
with notices as (
    select *, {{ company_key('company') }} as filed_key
    from {{ ref('stg_warn__notices') }}
),

aliases as (
    select distinct {{ company_key('legal_name') }} as legal_key, {{ company_key('company') }} as company_key
    from {{ ref('warn_company_aliases') }}
),

tracked as (
    select distinct source as tracker, company_key
    from {{ ref('int_layoffs__source_events') }}
    where duplicate_of is null and is_us
),

placed as (
    -- (tracker, state, company_key) of every tracker row located in a state, any date
    select distinct tracker, state, company_key from {{ ref('tracker_state_events') }}
),

keyed as (
    select
        notices.*,
        coalesce(aliases.company_key, notices.filed_key) as company_key,
        aliases.company_key is not null as alias_applied
    from notices
    left join aliases on notices.filed_key = aliases.legal_key
)

select
    md5(keyed.source || '|' || keyed.source_row_id) as warn_notice_id,
    keyed.state,
    keyed.company,
    keyed.company_raw,
    keyed.company_key,
    keyed.alias_applied,
    keyed.location,
    keyed.notice_date,
    keyed.effective_date,
    keyed.workers,
    keyed.notice_type,
    keyed.temporary,
    keyed.notice_id,
    keyed.source_row_id,
    keyed.line_number,
    keyed.source,
    fyi.company_key is not null as tracked_by_layoffs_fyi,
    cb.company_key is not null as tracked_by_crunchbase_tracker,
    fyi.company_key is not null or cb.company_key is not null as tracked_company,
    fyi_here.company_key is not null as tracked_in_state_by_layoffs_fyi,
    cb_here.company_key is not null as tracked_in_state_by_crunchbase_tracker
from keyed
left join tracked as fyi on fyi.tracker = 'layoffs_fyi' and keyed.company_key = fyi.company_key
left join tracked as cb on cb.tracker = 'crunchbase_tracker' and keyed.company_key = cb.company_key
left join placed as fyi_here
    on fyi_here.tracker = 'layoffs_fyi' and keyed.state = fyi_here.state and keyed.company_key = fyi_here.company_key
left join placed as cb_here
    on cb_here.tracker = 'crunchbase_tracker' and keyed.state = cb_here.state and keyed.company_key = cb_here.company_key
