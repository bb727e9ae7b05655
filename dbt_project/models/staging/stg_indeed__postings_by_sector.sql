-- Indeed daily postings index by occupational sector (U.S.), renamed.
with raw_rows as (
    select * from {{ source('raw', 'indeed__postings_by_sector') }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns([
        'jobcountry', 'variable', 'display_name'
    ]) }}
    from raw_rows
)

select
    date as posting_date,
    jobcountry as job_country,
    display_name as sector,
    variable,
    indeed_job_postings_index as postings_index,
    control_chars_removed,
    _extra as extra_columns,
    _source as source,
    _snapshot_sha256 as snapshot_sha256,
    _line_number as line_number
from cleaned
