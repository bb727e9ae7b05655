{#- Candidate cross-source pairs for deduplication (rule: models/marts/_dedup_rule.md), as one SELECT
    over `events` (a relation or CTE with source_event_id, source, event_date, company_key, laid_off,
    pct_impacted, cites_crunchbase_news, duplicate_of). Used by int_layoffs__cross_source_matches and by
    the test that proves the matching maximal, so both read the same definition.

    A Crunchbase tracker row and a layoffs.fyi row are a candidate pair when
      * their names agree: equal company_key ('same_key'); or, only when neither row has a same-key
        candidate, a Levenshtein distance <= dedup_fuzzy_max_edits ('edit_distance') or one key's
        words all contained in the other's ('token_containment'), the shorter key having at least
        dedup_fuzzy_min_key_length characters; and
      * their dates agree: at most dedup_window_days apart ('within_window'), or at most
        dedup_equal_count_window_days apart when both counts are known and equal ('equal_count_extended'), or
        at most dedup_equal_pct_window_days apart when both percentages are known and equal and the counts do
        not differ ('equal_pct_extended'), or at most dedup_citation_window_days apart when the layoffs.fyi row
        cites a Crunchbase News article ('crunchbase_citation').
    Within-source duplicates (duplicate_of not NULL) never take part.

    Only pairs of keys that can agree are compared (exact blocking, so the pairs are the same as comparing
    every pair within the date window, which grows with the square of the rows): equal keys; keys that share
    a deletion variant (Levenshtein distance <= k implies that deleting at most k bytes from each key gives the
    same string; DuckDB's levenshtein counts bytes, so the variants are taken on the hex of the UTF-8 bytes);
    and keys where one contains the other's rarest word (containment needs every word, so it needs that one).
    tests/test_dedup_blocking.py compares this with the unblocked comparison. -#}
{% macro dedup_candidates(events) -%}
{%- set window_days = var('dedup_window_days') -%}
{%- set equal_days = var('dedup_equal_count_window_days') -%}
{%- set max_edits = var('dedup_fuzzy_max_edits') -%}
{%- set min_len = var('dedup_fuzzy_min_key_length') -%}
{%- set pct_days = var('dedup_equal_pct_window_days') -%}
{%- set cited_days = var('dedup_citation_window_days') -%}
{%- set widest = [window_days, equal_days, pct_days, cited_days] | max -%}
with dedup_cb as (
    select source_event_id, event_date, company_key, laid_off, pct_impacted from {{ events }}
    where source = 'crunchbase_tracker' and duplicate_of is null and event_date is not null
),

dedup_fyi as (
    select source_event_id, event_date, company_key, laid_off, pct_impacted, cites_crunchbase_news from {{ events }}
    where source = 'layoffs_fyi' and duplicate_of is null and event_date is not null
),

dedup_keys as (
    select distinct 'cb' as side, company_key as k from dedup_cb where length(company_key) >= {{ min_len }}
    union
    select distinct 'fyi' as side, company_key as k from dedup_fyi where length(company_key) >= {{ min_len }}
),

dedup_hex as (
    select side, k, hex(encode(k)) as h, strlen(k) as n from dedup_keys
),

dedup_variants as (
    select side, k, v from (  -- repeats (deleting either "a" of "aa") only repeat key pairs, which union drops
        {%- for d in range(0, max_edits + 1) %}
        {%- if not loop.first %}
        union all
        {%- endif %}
        select side, k,
            {%- if d == 0 %} h as v from dedup_hex
            {%- else %}
            {#- delete the bytes at 0-based positions p1 < p2 < ... < pd: keep the hex between them -#}
            substr(h, 1, 2 * p1)
            {%- for e in range(1, d + 1) %}
            || substr(h, 2 * p{{ e }} + 3{% if e < d %}, 2 * (p{{ e + 1 }} - p{{ e }} - 1){% endif %})
            {%- endfor %} as v
            from dedup_hex, range(n) as r1(p1)
            {%- for e in range(2, d + 1) %}, range(p{{ e - 1 }} + 1, n) as r{{ e }}(p{{ e }}){% endfor %}
            {%- endif %}
        {%- endfor %}
    )
),

dedup_words as (
    select side, k, unnest(list_distinct(string_split(k, ' '))) as word from dedup_keys
),

dedup_rarest as (
    select side, k, arg_min(word, (uses, word)) as word
    from dedup_words join (select word, count(*) as uses from dedup_words group by word) using (word)
    group by side, k
),

dedup_key_pairs as (
    select cb.k as cb_key, fyi.k as fyi_key
    from dedup_variants as cb join dedup_variants as fyi on cb.v = fyi.v
    where cb.side = 'cb' and fyi.side = 'fyi' and cb.k <> fyi.k
    union
    select r.k, w.k from dedup_rarest as r join dedup_words as w on r.word = w.word
    where r.side = 'cb' and w.side = 'fyi' and r.k <> w.k
    union
    select w.k, r.k from dedup_rarest as r join dedup_words as w on r.word = w.word
    where r.side = 'fyi' and w.side = 'cb' and r.k <> w.k
),

dedup_pairs as (
    select cb.*, fyi.source_event_id as fyi_id, fyi.event_date as fyi_date, fyi.company_key as fyi_key,
        fyi.laid_off as fyi_laid_off, fyi.pct_impacted as fyi_pct, fyi.cites_crunchbase_news as fyi_cites
    from dedup_cb as cb join dedup_fyi as fyi on cb.company_key = fyi.company_key
        and fyi.event_date between cb.event_date - {{ widest }} and cb.event_date + {{ widest }}
    union all
    select cb.*, fyi.source_event_id, fyi.event_date, fyi.company_key, fyi.laid_off, fyi.pct_impacted,
        fyi.cites_crunchbase_news
    from dedup_key_pairs as kp
    join dedup_cb as cb on cb.company_key = kp.cb_key
    join dedup_fyi as fyi on fyi.company_key = kp.fyi_key
        and fyi.event_date between cb.event_date - {{ widest }} and cb.event_date + {{ widest }}
)

select * from (
    select
        *,
        -- a fuzzy pair only counts when neither row has a same-key candidate
        bool_or(name_match = 'same_key') over (partition by crunchbase_ref) as crunchbase_has_same_key,
        bool_or(name_match = 'same_key') over (partition by layoffs_fyi_ref) as layoffs_fyi_has_same_key
    from (
        select
            source_event_id as crunchbase_ref,
            fyi_id as layoffs_fyi_ref,
            company_key as company_key,
            fyi_key as layoffs_fyi_key,
            event_date as crunchbase_date,
            fyi_date as layoffs_fyi_date,
            abs(datediff('day', event_date, fyi_date)) as day_gap,
            coalesce(laid_off = fyi_laid_off, false) as counts_equal,
            case
                when company_key = fyi_key then 'same_key'
                when least(length(company_key), length(fyi_key)) >= {{ min_len }}
                    and levenshtein(company_key, fyi_key) <= {{ max_edits }} then 'edit_distance'
                when least(length(company_key), length(fyi_key)) >= {{ min_len }}
                    and (list_has_all(string_split(company_key, ' '), string_split(fyi_key, ' '))
                        or list_has_all(string_split(fyi_key, ' '), string_split(company_key, ' ')))
                    then 'token_containment'
            end as name_match,
            case
                when abs(datediff('day', event_date, fyi_date)) <= {{ window_days }} then 'within_window'
                when coalesce(laid_off = fyi_laid_off, false)
                    and abs(datediff('day', event_date, fyi_date)) <= {{ equal_days }} then 'equal_count_extended'
                when coalesce(round(pct_impacted, 6) = round(fyi_pct, 6)
                        and not coalesce(laid_off <> fyi_laid_off, false), false)
                    and abs(datediff('day', event_date, fyi_date)) <= {{ pct_days }} then 'equal_pct_extended'
                when coalesce(fyi_cites, false)
                    and abs(datediff('day', event_date, fyi_date)) <= {{ cited_days }} then 'crunchbase_citation'
            end as date_rule
        from dedup_pairs
    )
    where name_match is not null and date_rule is not null
)
where name_match = 'same_key' or not (crunchbase_has_same_key or layoffs_fyi_has_same_key)
{%- endmacro %}


{#- The per-source events the dedup rule pairs up (the `events` dedup_candidates reads), one definition for the
    matching model and the test that proves it maximal. -#}
{% macro dedup_events() %}
    select
        source_event_id,
        source,
        event_date,
        {{ company_key('company') }} as company_key,
        laid_off,
        pct_impacted,
        cites_crunchbase_news,
        duplicate_of
    from {{ ref('int_layoffs__source_events') }}
{% endmacro %}
