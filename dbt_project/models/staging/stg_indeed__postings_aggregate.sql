-- Indeed daily aggregate postings index (U.S.), renamed.
with raw_rows as (
    select * from {{ source('raw', 'indeed__postings_aggregate') }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns([
        'jobcountry', 'variable'
    ]) }}
    from raw_rows
)

select
    date as posting_date,
    jobcountry as job_country,
    variable,
    indeed_job_postings_index_sa as postings_index_sa,
    indeed_job_postings_index_nsa as postings_index_nsa,
    control_chars_removed,
    _extra as extra_columns,
    _source as source,
    _snapshot_sha256 as snapshot_sha256,
    _line_number as line_number
from cleaned
