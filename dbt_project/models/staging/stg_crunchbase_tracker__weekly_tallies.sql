-- Crunchbase tracker weekly/yearly tally sentences, renamed.
with raw_rows as (
    select * from {{ source('raw', 'crunchbase_tracker__weekly_tallies') }}
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
    period_start,
    period_end,
    qualifier,
    laid_off,
    sentence,
    control_chars_removed,
    _extra as extra_columns,
    _source as source,
    _snapshot_sha256 as snapshot_sha256,
    _line_number as line_number
from cleaned
