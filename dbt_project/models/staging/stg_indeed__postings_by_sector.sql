-- Indeed daily postings index by occupational sector (U.S.), renamed.
with source as (
    select * from {{ source('raw', 'indeed__postings_by_sector') }}
)

select
    date as posting_date,
    jobcountry as job_country,
    display_name as sector,
    variable,
    indeed_job_postings_index as postings_index,
    _extra as extra_columns,
    _source as source,
    _snapshot_sha256 as snapshot_sha256,
    _line_number as line_number
from source
