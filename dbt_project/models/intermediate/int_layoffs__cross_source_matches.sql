-- One-to-one pairs of a Crunchbase tracker row and a layoffs.fyi row that report the same event
-- (rule: models/marts/_dedup_rule.md): same company_key, dates within +/- dedup_window_days,
-- nearest date first, ties broken by the other side's earlier date then source_event_id; rounds of mutual-nearest
-- matching reproduce the greedy "closest pair first" assignment.
{%- set window_days = var('dedup_window_days') %}
{%- set rounds = var('dedup_match_rounds') %}

with events as (
    select
        source_event_id,
        source,
        event_date,
        {{ company_key('company') }} as company_key
    from {{ ref('int_layoffs__source_events') }}
    where event_date is not null
),

candidates as (
    select
        cb.source_event_id as crunchbase_ref,
        fyi.source_event_id as layoffs_fyi_ref,
        cb.company_key,
        cb.event_date as crunchbase_date,
        fyi.event_date as layoffs_fyi_date,
        abs(datediff('day', cb.event_date, fyi.event_date)) as day_gap
    from events as cb
    inner join events as fyi
        on cb.company_key = fyi.company_key
        and cb.source = 'crunchbase_tracker'
        and fyi.source = 'layoffs_fyi'
        and abs(datediff('day', cb.event_date, fyi.event_date)) <= {{ window_days }}
),

{% for r in range(1, rounds + 1) %}
open_{{ r }} as (
    select c.*
    from candidates as c
    {%- for p in range(1, r) %}
    anti join matched_{{ p }} as m{{ p }}a on c.crunchbase_ref = m{{ p }}a.crunchbase_ref
    anti join matched_{{ p }} as m{{ p }}b on c.layoffs_fyi_ref = m{{ p }}b.layoffs_fyi_ref
    {%- endfor %}
),

ranked_{{ r }} as (
    select
        *,
        row_number() over (
            partition by crunchbase_ref order by day_gap, layoffs_fyi_date, layoffs_fyi_ref
        ) as rank_for_crunchbase,
        row_number() over (
            partition by layoffs_fyi_ref order by day_gap, crunchbase_date, crunchbase_ref
        ) as rank_for_layoffs_fyi
    from open_{{ r }}
),

matched_{{ r }} as (
    select
        crunchbase_ref, layoffs_fyi_ref, company_key, crunchbase_date, layoffs_fyi_date, day_gap,
        {{ r }} as match_round
    from ranked_{{ r }}
    where rank_for_crunchbase = 1 and rank_for_layoffs_fyi = 1
){{ "," if not loop.last }}
{% endfor %}

{% for r in range(1, rounds + 1) %}
select * from matched_{{ r }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
