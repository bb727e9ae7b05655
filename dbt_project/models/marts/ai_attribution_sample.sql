-- Both hand-labelled samples beside what the rules say about each row (docs/ai_attribution.md): `tune` (seed
-- ai_attribution_labels, 200 rows the rules were written on) and `fresh_random` (seed ai_attribution_fresh_sample,
-- 424 rows drawn at random after the definitions were declared, keyed by md5 only). Each row carries its
-- sampling stratum and the stratum's population, from which analytics weights it (analytics.ai_attribution_quality).
with attributed as (
    select
        *,
        md5(source || '|' || company || '|' || strftime(event_date, '%Y-%m-%d') || '|' || coalesce(source_url, ''))
            as row_key
    from {{ ref('int_layoffs__ai_attribution') }}
),

strata as (
    -- population of each tune sampling stratum (year x frame stratum) in the current data
    select year(event_date) as frame_year, frame_stratum, count(*) as stratum_events
    from attributed
    group by all
),

tune as (
    select
        'tune' as sample,
        md5(l.source || '|' || l.company || '|' || strftime(l.event_date, '%Y-%m-%d') || '|' || coalesce(l.url, ''))
            as row_key,
        l.source, l.company, l.event_date, l.url, l.label, l.split,
        cast(year(l.event_date) as integer) as frame_year,
        l.frame_stratum,
        cast(year(l.event_date) as varchar) || ':' || l.frame_stratum as stratum,
        cast(coalesce(s.stratum_events, 0) as bigint) as stratum_population,
        l.label_a, l.label_b, l.strict_a, l.strict_b, l.label_final, l.strict_final
    from {{ ref('ai_attribution_labels') }} as l
    left join strata as s on s.frame_year = year(l.event_date) and s.frame_stratum = l.frame_stratum
),

fresh as (
    select
        'fresh_random' as sample, f.row_key, f.source,
        cast(null as varchar) as company, cast(null as date) as event_date, cast(null as varchar) as url,
        f.label_final as label, cast(null as varchar) as split,
        cast(f.frame_year as integer) as frame_year, cast(null as varchar) as frame_stratum,
        f.stratum, cast(f.stratum_population as bigint) as stratum_population,
        f.label_a, f.label_b, f.strict_a, f.strict_b, f.label_final, f.strict_final
    from {{ ref('ai_attribution_fresh_sample') }} as f
),

joined as (
    select
        l.sample, l.row_key, l.source,
        coalesce(l.company, a.company) as company,
        coalesce(l.event_date, a.event_date) as event_date,
        coalesce(l.url, a.source_url) as url,
        l.label, l.split, l.frame_year,
        coalesce(l.frame_stratum, a.frame_stratum) as frame_stratum,
        l.stratum, l.stratum_population,
        l.label_a, l.label_b, l.strict_a, l.strict_b, l.label_final, l.strict_final,
        a.source_event_id, a.ai_attribution, a.ai_reason_stated, a.ai_attribution_evidence,
        a.frame_stratum as current_frame_stratum
    from (select * from tune union all by name select * from fresh) as l
    left join attributed as a on a.row_key = l.row_key
    -- a key that matches two identical source rows counts once
    qualify row_number() over (partition by l.sample, l.row_key order by a.source_event_id) = 1
)

select
    sample, row_key, source, company, event_date, url, label, split, frame_year, frame_stratum, stratum,
    stratum_population, label_a, label_b, cast(strict_a as boolean) as strict_a, cast(strict_b as boolean) as strict_b,
    label_final, cast(strict_final as boolean) as strict_final, source_event_id, ai_attribution, ai_reason_stated,
    ai_attribution_evidence, current_frame_stratum,
    -- kept for the tune sample's frame checks: the stratum's population now
    case when sample = 'tune' then stratum_population end as stratum_events
from joined
