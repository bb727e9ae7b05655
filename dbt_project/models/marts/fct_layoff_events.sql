-- One row per layoff event after within-source collapsing and cross-source deduplication
-- (rule: _dedup_rule.md).
with events as (
    select * from {{ ref('int_layoffs__source_events') }}
),

matches as (
    select * from {{ ref('int_layoffs__cross_source_matches') }}
),

crunchbase as (
    select * from events where source = 'crunchbase_tracker' and duplicate_of is null
),

layoffs_fyi as (
    select * from events where source = 'layoffs_fyi' and duplicate_of is null
),

-- within-source duplicates are collapsed into the row they repeat; their ids, rules, counts and URLs stay as
-- lineage (the three lists in the same order)
duplicates as (
    select
        duplicate_of as kept_ref,
        string_agg(source_event_id, ',' order by source_event_id) as duplicate_refs,
        string_agg(duplicate_rule, ',' order by source_event_id) as duplicate_rules,
        string_agg(coalesce(cast(laid_off as varchar), ''), ',' order by source_event_id) as duplicate_laid_off,
        list(source_url order by source_event_id) filter (where source_url is not null) as urls,
        bool_or(date_conflict) as date_conflict
    from events
    where duplicate_of is not null
    group by duplicate_of
),

paired as (
    -- every matched pair, plus every row of either source that found no partner
    select
        cb.source_event_id as crunchbase_ref,
        fyi.source_event_id as layoffs_fyi_ref,
        m.name_match || '+' || m.date_rule as match_rule,
        m.day_gap
    from matches as m
    inner join crunchbase as cb on m.crunchbase_ref = cb.source_event_id
    inner join layoffs_fyi as fyi on m.layoffs_fyi_ref = fyi.source_event_id
    union all
    select source_event_id, null, null, null
    from crunchbase
    where source_event_id not in (select crunchbase_ref from matches)
    union all
    select null, source_event_id, null, null
    from layoffs_fyi
    where source_event_id not in (select layoffs_fyi_ref from matches)
),

joined as (
    select
        p.crunchbase_ref,
        p.layoffs_fyi_ref,
        p.match_rule,
        p.day_gap,
        concat_ws(',', cb_dup.duplicate_refs, fyi_dup.duplicate_refs) as duplicate_refs,
        case when cb_dup.kept_ref is not null or fyi_dup.kept_ref is not null then
            concat_ws(',', cb_dup.duplicate_rules, fyi_dup.duplicate_rules) end as duplicate_rules,
        case when cb_dup.kept_ref is not null or fyi_dup.kept_ref is not null then
            concat_ws(',', cb_dup.duplicate_laid_off, fyi_dup.duplicate_laid_off) end as duplicate_laid_off,
        -- the event's article URLs: layoffs.fyi's, the tracker's, then its collapsed duplicates'
        list_filter([fyi.source_url, cb.source_url] || coalesce(cb_dup.urls, []) || coalesce(fyi_dup.urls, []),
            lambda u: u is not null) as urls,
        coalesce(cb.date_conflict, false) or coalesce(fyi.date_conflict, false)
            or coalesce(cb_dup.date_conflict, false) or coalesce(fyi_dup.date_conflict, false) as date_conflict,
        coalesce(cb.cumulative_count_superseded, false) as cb_count_set_aside,
        cb.laid_off as cb_reported_laid_off,
        cb.event_date as cb_date,
        fyi.event_date as fyi_date,
        cb.company as cb_company,
        fyi.company as fyi_company,
        -- a cumulative count whose rounds layoffs.fyi lists one by one is not used
        case when not coalesce(cb.cumulative_count_superseded, false) then cb.laid_off end as cb_laid_off,
        fyi.laid_off as fyi_laid_off,
        cb.pct_impacted as cb_pct,
        fyi.pct_impacted as fyi_pct,
        cb.industry as cb_industry,
        fyi.industry as fyi_industry,
        fyi.country as fyi_country
    from paired as p
    left join crunchbase as cb on p.crunchbase_ref = cb.source_event_id
    left join layoffs_fyi as fyi on p.layoffs_fyi_ref = fyi.source_event_id
    left join duplicates as cb_dup on p.crunchbase_ref = cb_dup.kept_ref
    left join duplicates as fyi_dup on p.layoffs_fyi_ref = fyi_dup.kept_ref
),

resolved as (
    select
        *,
        case
            when cb_count_set_aside then 'cumulative_set_aside'
            when crunchbase_ref is null or layoffs_fyi_ref is null then 'single_source'
            when cb_laid_off is null and fyi_laid_off is null then 'both_unknown'
            when fyi_laid_off is null then 'only_crunchbase_known'
            when cb_laid_off is null then 'only_layoffs_fyi_known'
            when cb_laid_off = fyi_laid_off then 'both_known_equal'
            else 'both_known_prefer_layoffs_fyi'
        end as count_rule,
        case
            when fyi_laid_off is not null then 'layoffs_fyi'
            when cb_laid_off is not null then 'crunchbase_tracker'
        end as count_source
    from joined
)

select
    md5(coalesce(crunchbase_ref, '') || '|' || coalesce(layoffs_fyi_ref, '')) as event_id,
    -- the event happened when it was first reported by either source
    least(cb_date, fyi_date) as event_date,
    coalesce(fyi_company, cb_company) as company,
    {{ company_key('coalesce(fyi_company, cb_company)') }} as company_key,
    coalesce(fyi_laid_off, cb_laid_off) as laid_off,
    coalesce(fyi_laid_off, cb_laid_off) is not null as count_known,
    case count_source when 'crunchbase_tracker' then coalesce(cb_pct, fyi_pct)
        else coalesce(fyi_pct, cb_pct) end as pct_impacted,
    case when crunchbase_ref is not null then coalesce(fyi_country, 'United States')
        else fyi_country end as country,
    -- U.S. scope from the event's country alone (a tracker row layoffs.fyi places in Canada is not U.S.)
    coalesce(case when crunchbase_ref is not null then coalesce(fyi_country, 'United States')
        else fyi_country end = 'United States', false) as is_us,
    coalesce(fyi_industry, cb_industry) as industry,
    case
        when crunchbase_ref is not null and layoffs_fyi_ref is not null
            then 'crunchbase_tracker+layoffs_fyi'
        when crunchbase_ref is not null then 'crunchbase_tracker'
        else 'layoffs_fyi'
    end as sources,
    crunchbase_ref,
    layoffs_fyi_ref,
    count_source,
    count_rule,
    match_rule,
    day_gap,
    nullif(duplicate_refs, '') as duplicate_refs,
    duplicate_rules,
    duplicate_laid_off,
    nullif(array_to_string(list_filter(urls, lambda u, i: list_position(urls, u) = i), ' | '), '') as source_urls,
    date_conflict,
    cb_reported_laid_off as crunchbase_laid_off,
    fyi_laid_off as layoffs_fyi_laid_off,
    -- AI attribution of the event (macros/ai_attribution.sql, docs/ai_attribution.md)
    {{ ai_event_attribution('ai_cb', 'ai_fyi') }}
from resolved
left join {{ ref('int_layoffs__ai_attribution') }} as ai_cb on resolved.crunchbase_ref = ai_cb.source_event_id
left join {{ ref('int_layoffs__ai_attribution') }} as ai_fyi on resolved.layoffs_fyi_ref = ai_fyi.source_event_id
