{#- Candidate cross-source pairs for deduplication (rule: models/marts/_dedup_rule.md), as one SELECT
    over `events` (a relation or CTE with source_event_id, source, event_date, company_key, laid_off,
    duplicate_of). Used by int_layoffs__cross_source_matches and by the test that proves the matching
    maximal, so both read the same definition.

    A Crunchbase tracker row and a layoffs.fyi row are a candidate pair when
      * their names agree: equal company_key ('same_key'); or, only when neither row has a same-key
        candidate, a Levenshtein distance <= dedup_fuzzy_max_edits ('edit_distance') or one key's
        words all contained in the other's ('token_containment'), the shorter key having at least
        dedup_fuzzy_min_key_length characters; and
      * their dates agree: at most dedup_window_days apart ('within_window'), or at most
        dedup_equal_count_window_days apart when both counts are known and equal ('equal_count_extended').
    Within-source duplicates (duplicate_of not NULL) never take part. -#}
{% macro dedup_candidates(events) -%}
{%- set window_days = var('dedup_window_days') -%}
{%- set equal_days = var('dedup_equal_count_window_days') -%}
{%- set max_edits = var('dedup_fuzzy_max_edits') -%}
{%- set min_len = var('dedup_fuzzy_min_key_length') -%}
select * from (
    select
        *,
        -- a fuzzy pair only counts when neither row has a same-key candidate
        bool_or(name_match = 'same_key') over (partition by crunchbase_ref) as crunchbase_has_same_key,
        bool_or(name_match = 'same_key') over (partition by layoffs_fyi_ref) as layoffs_fyi_has_same_key
    from (
        select
            cb.source_event_id as crunchbase_ref,
            fyi.source_event_id as layoffs_fyi_ref,
            cb.company_key as company_key,
            fyi.company_key as layoffs_fyi_key,
            cb.event_date as crunchbase_date,
            fyi.event_date as layoffs_fyi_date,
            abs(datediff('day', cb.event_date, fyi.event_date)) as day_gap,
            coalesce(cb.laid_off = fyi.laid_off, false) as counts_equal,
            case
                when cb.company_key = fyi.company_key then 'same_key'
                when least(length(cb.company_key), length(fyi.company_key)) >= {{ min_len }}
                    and levenshtein(cb.company_key, fyi.company_key) <= {{ max_edits }} then 'edit_distance'
                when least(length(cb.company_key), length(fyi.company_key)) >= {{ min_len }}
                    and (list_has_all(string_split(cb.company_key, ' '), string_split(fyi.company_key, ' '))
                        or list_has_all(string_split(fyi.company_key, ' '), string_split(cb.company_key, ' ')))
                    then 'token_containment'
            end as name_match,
            case
                when abs(datediff('day', cb.event_date, fyi.event_date)) <= {{ window_days }} then 'within_window'
                else 'equal_count_extended'
            end as date_rule
        from {{ events }} as cb
        inner join {{ events }} as fyi
            on cb.source = 'crunchbase_tracker'
            and fyi.source = 'layoffs_fyi'
            and fyi.event_date between cb.event_date - {{ [window_days, equal_days] | max }}
                and cb.event_date + {{ [window_days, equal_days] | max }}
        where cb.duplicate_of is null
            and fyi.duplicate_of is null
            and cb.event_date is not null
            and fyi.event_date is not null
    )
    where name_match is not null
        and (day_gap <= {{ window_days }} or (counts_equal and day_gap <= {{ equal_days }}))
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
        duplicate_of
    from {{ ref('int_layoffs__source_events') }}
{% endmacro %}
