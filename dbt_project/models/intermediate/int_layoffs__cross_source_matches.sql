-- One-to-one pairs of a Crunchbase tracker row and a layoffs.fyi row that report the same event
-- (rule: models/marts/_dedup_rule.md): candidates from the dedup_candidates macro (same or fuzzy
-- name, dates within the window, or the wider window when the counts are equal); same-key pairs
-- before fuzzy ones, then nearest date first, ties broken by the other side's earlier date then
-- source_event_id; rounds of mutual-nearest matching reproduce that greedy assignment.
{%- set rounds = var('dedup_match_rounds') %}

with events as (
    {{ dedup_events() }}
),

candidates as (
    select
        *,
        case name_match when 'same_key' then 0 else 1 end as name_rank
    from ({{ dedup_candidates('events') }})
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
            partition by crunchbase_ref order by name_rank, day_gap, layoffs_fyi_date, layoffs_fyi_ref
        ) as rank_for_crunchbase,
        row_number() over (
            partition by layoffs_fyi_ref order by name_rank, day_gap, crunchbase_date, crunchbase_ref
        ) as rank_for_layoffs_fyi
    from open_{{ r }}
),

matched_{{ r }} as (
    select
        crunchbase_ref, layoffs_fyi_ref, company_key, layoffs_fyi_key, crunchbase_date, layoffs_fyi_date,
        day_gap, name_match, date_rule, {{ r }} as match_round
    from ranked_{{ r }}
    where rank_for_crunchbase = 1 and rank_for_layoffs_fyi = 1
){{ "," if not loop.last }}
{% endfor %}

{% for r in range(1, rounds + 1) %}
select * from matched_{{ r }}
{% if not loop.last %}union all{% endif %}
{% endfor %}
