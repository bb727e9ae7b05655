-- Crunchbase tracker weekly/yearly tally sentences, renamed and typed (the page extractor already read them).
with raw_rows as (
    select * from {{ source('crunchbase_tracker', 'crunchbase_tracker__weekly_tallies') }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns([
        'period_kind', 'period_label', 'qualifier', 'sentence'
    ]) }}
    from raw_rows
)

select
    _source || ':' || left(_snapshot_sha256, 8) || ':' || cast(_line_number as varchar)
        as source_row_id,
    period_kind,
    period_label,
    cast(period_start as date) as period_start,
    cast(period_end as date) as period_end,
    qualifier,
    cast(laid_off as bigint) as laid_off,
    sentence,
    {{ staging_provenance(typed=false) }}
from cleaned
