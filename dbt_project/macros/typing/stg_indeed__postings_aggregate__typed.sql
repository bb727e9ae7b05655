{#- Every raw row of stg_indeed__postings_aggregate, typed: Indeed daily aggregate postings index (U.S.), typed
    from the text raw keeps (rules: macros/parse_rules.sql). `_reject_reason` is the first failed check (NULL
    when the row typed cleanly), `_raw_text` the row as found. Used by the model of that name (the rows that
    typed) and by its source's rejects model (the others).
    With `unstaged` (that staging model) only the raw rows it does not hold are typed. -#}
{% macro stg_indeed__postings_aggregate__typed(unstaged=none) %}
with raw_rows as (
    select * from {{ source('indeed', 'indeed__postings_aggregate') }} as r
    {{ not_staged(unstaged) }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns([
        'date', 'jobcountry', 'indeed_job_postings_index_sa', 'indeed_job_postings_index_nsa', 'variable'
    ]) }}
    from raw_rows
),

typed as (
    select
        *,
        iso_date("date") as posting_day,
        float_value(indeed_job_postings_index_sa) as sa,
        float_value(indeed_job_postings_index_nsa) as nsa,
        coalesce(
            blank_key('date', "date"),
            labelled('date', iso_date_problem("date")),
            posting_date_problem('date', posting_day, _snapshot_date),
            labelled('indeed_job_postings_index_sa', float_problem(indeed_job_postings_index_sa)),
            posting_index_problem('indeed_job_postings_index_sa', sa),
            labelled('indeed_job_postings_index_nsa', float_problem(indeed_job_postings_index_nsa)),
            posting_index_problem('indeed_job_postings_index_nsa', nsa)
        ) as _reject_reason
    from cleaned
)

select
    posting_day as posting_date,
    text_or_null(jobcountry) as job_country,
    text_or_null(variable) as variable,
    sa as postings_index_sa,
    nsa as postings_index_nsa,
    {{ staging_provenance() }}
from typed
{% endmacro %}
