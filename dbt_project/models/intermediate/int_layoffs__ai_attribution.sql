-- AI attribution of every source row of both layoff trackers, from its headline text: the slug of the
-- source URL (the path segment with the most headline words) and Crunchbase notes. A fetched article <title> (opt-in
-- LAYOFFS_AI_FETCH_HEADLINES) is classified and reported (title_ai_attribution) but not counted. Rules: macros/ai_attribution.sql.
{{ config(pre_hook="{{ ensure_article_headlines() }}") }}
with source_rows as (
    select
        source_row_id as source_event_id, source, company, reported_date as event_date, news_source,
        cast(null as varchar) as notes
    from {{ ref('stg_layoffs_fyi__layoffs') }}
    union all
    select
        source_row_id, source, company, reported_date, news_source, notes
    from {{ ref('stg_crunchbase_tracker__layoffs') }}
),

keyed as (
    select
        *,
        {{ company_key('company') }} as company_key,
        {{ ai_url_path('news_source') }} as url_path
    from source_rows
),

segments as (
    select
        source_event_id,
        segment,
        position,
        {{ ai_headline_word_count(ai_normalize_text('segment')) }} as headline_words
    from (
        select
            source_event_id,
            -- a file extension is not a headline word
            regexp_replace(unnest(string_split(url_path, '/')), '\.(s?html?|php|aspx?|cms|amp)$', '', 'i')
                as segment,
            generate_subscripts(string_split(url_path, '/'), 1) as position
        from keyed
        where url_path is not null
    )
),

slugs as (
    -- the segment with the most headline words; on a tie the later one (the headline follows sections)
    select
        source_event_id,
        arg_max(segment, headline_words * 10000 + position) as slug,
        max(headline_words) as slug_words
    from segments
    group by source_event_id
),

titles as (
    -- fetched article titles (empty unless LAYOFFS_AI_FETCH_HEADLINES=1 fetched some), usable ones only
    select url, title
    from {{ source('headlines', 'article_headlines') }}
    where status = 'ok' and {{ ai_title_usable(ai_normalize_text('title')) }}
    qualify row_number() over (partition by url order by fetched_at desc) = 1
),

texts as (
    -- titles are read but not counted: their accuracy was never measured on a labelled sample (issue 23)
    select
        k.*,
        case when k.url_path is not null then trim(k.news_source) end as source_url,
        s.slug,
        nullif(concat_ws(' ', s.slug, k.notes), '') as headline_raw,
        case when t.title is not null and coalesce(s.slug_words, 0) < 2
            then nullif(concat_ws(' ', t.title, k.notes), '') end as title_raw,
        case
            when coalesce(s.slug_words, 0) >= 2 then 'slug'
            when t.title is not null then 'headline_title'
            when k.notes is not null then 'notes'
            else 'none'
        end as ai_text_origin
    from keyed as k
    left join slugs as s on k.source_event_id = s.source_event_id
    left join titles as t on k.url_path is not null and t.url = trim(k.news_source)
),

normalised as (
    select
        *,
        {{ ai_normalize_text('headline_raw') }} as headline_text,
        {{ ai_normalize_text('title_raw') }} as title_text
    from texts
),

named as (
    select
        *,
        {{ ai_without_name('headline_text', 'company_key', 'name_hit') }} as text_without_name,
        {{ ai_without_name('title_text', 'company_key', 'title_name_hit') }} as title_without_name
    from (
        select
            *,
            {{ ai_name_hit('headline_text', 'company_key') }} as name_hit,
            case when title_text is not null then {{ ai_name_hit('title_text', 'company_key') }} end as title_name_hit
        from normalised
    )
),

decided as (
    select
        *,
        {{ ai_attribution_decision('headline_text', 'company_key', 'name_hit', 'text_without_name') }} as decision,
        case when title_text is not null then
            {{ ai_attribution_decision('title_text', 'company_key', 'title_name_hit', 'title_without_name') }}.attribution
        end as title_ai_attribution,
        -- the sampling frame reads the slug only, as when the labelled sample was drawn
        {{ ai_frame_stratum('headline_text') }} as frame_stratum
    from named
)

select
    source_event_id,
    source,
    event_date,
    company,
    company_key,
    source_url,
    ai_text_origin,
    nullif(trim(headline_text), '') as headline_text,
    decision.attribution as ai_attribution,
    coalesce({{ ai_reason_stated('decision.attribution', 'text_without_name') }}, false) as ai_reason_stated,
    case
        when decision.attribution <> 'unknown' then decision.evidence
        when title_ai_attribution is not null
            then 'article title read, not counted (its accuracy is unmeasured): it would say ' || title_ai_attribution
        when news_source is null and notes is null then 'no source and no notes'
        when url_path is null and notes is null then 'source is not an http(s) URL'
        else 'fewer than 2 headline words'
    end as ai_attribution_evidence,
    title_ai_attribution,
    frame_stratum
from decided
