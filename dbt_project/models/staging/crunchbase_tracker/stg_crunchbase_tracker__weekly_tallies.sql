-- Crunchbase tracker weekly/yearly tally sentences, renamed and typed (the page extractor already read them).
with {{ staging_input('crunchbase_tracker', 'crunchbase_tracker__weekly_tallies', [
    'period_kind', 'period_label', 'qualifier', 'sentence'
]) }}

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
