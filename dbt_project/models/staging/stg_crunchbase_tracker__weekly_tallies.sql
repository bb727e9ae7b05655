-- Crunchbase tracker weekly/yearly tally sentences, renamed.
with source as (
    select * from {{ source('raw', 'crunchbase_tracker__weekly_tallies') }}
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
    _extra as extra_columns,
    _source as source,
    _snapshot_sha256 as snapshot_sha256,
    _line_number as line_number
from source
