-- Both layoff sources in one shape, one row per source row, with the matching key, U.S. scope, source URL
-- (and the date it states), within-source duplicates and cumulative counts marked (rule: models/marts/_dedup_rule.md).
{%- set lookback = var('cumulative_lookback_days') %}
{%- set window_days = var('dedup_window_days') %}
{%- set repeat_days = var('dedup_repeat_window_days') %}
{%- set pct_days = var('dedup_equal_pct_window_days') %}
{%- set rule_order = ['same_listing', 'repeat_same_count', 'repeat_same_url', 'same_percentage'] %}

with recursive crunchbase as (
    select
        source_row_id as source_event_id,
        source,
        reported_date as event_date,
        company,
        laid_off,
        pct_impacted,
        -- the Crunchbase tracker lists U.S. companies only (its stated scope, not a guess from the HQ)
        'United States' as country,
        industry,
        news_source,
        snapshot_sha256,
        line_number,
        -- the tracker sometimes sums a company's rounds into one row and says so in its notes
        regexp_matches(lower(coalesce(notes, '') || ' ' || coalesce(laid_off_raw, '')),
            '\b(rounds?|total|cumulative|cumulatively|combined|in all)\b') as count_marked_cumulative
    from {{ ref('stg_crunchbase_tracker__layoffs') }}
),

layoffs_fyi as (
    select
        source_row_id as source_event_id,
        source,
        reported_date as event_date,
        company,
        laid_off,
        pct_impacted,
        country,
        industry,
        news_source,
        snapshot_sha256,
        line_number,
        false as count_marked_cumulative
    from {{ ref('stg_layoffs_fyi__layoffs') }}
),

unioned as (
    select * from crunchbase
    union all
    select * from layoffs_fyi
),

keyed as (
    select
        *,
        {{ company_key('company') }} as company_key,
        {{ source_url('news_source') }} as source_url
    from unioned
),

with_urls as (
    select
        *,
        {{ source_url_key('source_url') }} as url_key,
        {{ url_stated_date('source_url') }} as url_date,
        {{ url_date_precision('source_url') }} as url_date_precision
    from keyed
),

-- two rows of one source that list one layoff (step 1 of the rule), the strongest reason first: the same
-- date and count (unknown counts equal); a repeat a few days apart with the same known count or the same
-- article; the same known percentage within a fortnight, unless both counts are known and differ
links as (
    select * from (
        select
            a.source_event_id as a_id,
            b.source_event_id as b_id,
            case
                when a.event_date = b.event_date and a.laid_off is not distinct from b.laid_off then 'same_listing'
                when abs(datediff('day', a.event_date, b.event_date)) <= {{ repeat_days }}
                    and a.laid_off = b.laid_off then 'repeat_same_count'
                when abs(datediff('day', a.event_date, b.event_date)) <= {{ repeat_days }}
                    and a.url_key = b.url_key then 'repeat_same_url'
                when abs(datediff('day', a.event_date, b.event_date)) <= {{ pct_days }}
                    and round(a.pct_impacted, 6) = round(b.pct_impacted, 6)
                    and not coalesce(a.laid_off <> b.laid_off, false) then 'same_percentage'
            end as rule
        from with_urls as a
        inner join with_urls as b
            on a.source = b.source
            and a.company_key = b.company_key
            and a.source_event_id <> b.source_event_id
            and b.event_date between a.event_date - {{ [repeat_days, pct_days] | max }}
                and a.event_date + {{ [repeat_days, pct_days] | max }}
    )
    where rule is not null
),

-- every row linked to a row, directly or through others (a union keeps the recursion finite)
reach (id, member) as (
    select a_id, b_id from links
    union
    select reach.id, links.b_id from reach inner join links on reach.member = links.a_id
),

-- the listing kept for a group of linked rows: a known count before an unknown one (the event keeps every
-- count a source knew), then the earliest date, then the lowest line number
roots as (
    select reach.id, arg_min(m.source_event_id, (m.laid_off is null, m.event_date, m.line_number, m.source_event_id))
        as root
    from (select id, member from reach union select id, id from reach) as reach
    inner join with_urls as m on m.source_event_id = reach.member
    group by reach.id
),

-- why a row is a duplicate: its strongest link
reasons as (
    select a_id as id,
        arg_min(rule, case rule {% for r in rule_order %}when '{{ r }}' then {{ loop.index }} {% endfor %}end)
            as duplicate_rule
    from links
    group by a_id
),

marked as (
    select
        with_urls.*,
        case when roots.root <> with_urls.source_event_id then roots.root end as duplicate_of,
        case when roots.root <> with_urls.source_event_id then reasons.duplicate_rule end as duplicate_rule,
        {{ url_date_conflict('with_urls.event_date', 'url_date', 'url_date_precision') }} as url_date_conflict
    from with_urls
    left join roots on roots.id = with_urls.source_event_id
    left join reasons on reasons.id = with_urls.source_event_id
),

-- layoffs.fyi rows of the same company in the lookback before a Crunchbase row (and up to the
-- matching window after it): two or more mean layoffs.fyi lists the rounds separately
rounds_elsewhere as (
    select cb.source_event_id, count(fyi.source_event_id) as rounds
    from marked as cb
    inner join marked as fyi
        on cb.source = 'crunchbase_tracker'
        and fyi.source = 'layoffs_fyi'
        and fyi.duplicate_of is null
        and fyi.company_key = cb.company_key
        and fyi.event_date between cb.event_date - {{ lookback }} and cb.event_date + {{ window_days }}
    where cb.count_marked_cumulative
    group by cb.source_event_id
)

select
    source_event_id,
    source,
    event_date,
    company,
    company_key,
    laid_off,
    laid_off is not null as count_known,
    pct_impacted,
    country,
    -- U.S. scope comes from the country alone, never from the location text
    coalesce(country = 'United States', false) as is_us,
    industry,
    snapshot_sha256,
    line_number,
    source_url,
    url_key,
    url_date,
    url_date_precision,
    coalesce(url_date_conflict, false) as date_conflict,
    coalesce({{ source_url_host('source_url') }} = 'news.crunchbase.com', false) as cites_crunchbase_news,
    duplicate_of,
    duplicate_rule,
    count_marked_cumulative,
    -- the count is a sum of rounds that the other tracker lists one by one: do not use it
    count_marked_cumulative and laid_off is not null and coalesce(rounds, 0) >= 2 as cumulative_count_superseded
from marked
left join rounds_elsewhere using (source_event_id)
