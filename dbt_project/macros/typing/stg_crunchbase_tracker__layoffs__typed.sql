{#- Every raw row of stg_crunchbase_tracker__layoffs, typed: Crunchbase tracker rows typed from the text raw
    keeps (rules: macros/parse_rules.sql). `_reject_reason` is the first failed check in the order written (NULL
    when the row typed cleanly), `_raw_text` the row as found. Dates are M/D/YY in the CSV export, 'Nov. 18,
    2022' (or M/D/YYYY, ISO) on the web page. Used by the model of that name (the rows that typed) and by its
    source's rejects model (the others).
    With `unstaged` (that staging model) only the raw rows it does not hold are typed. -#}
{% macro stg_crunchbase_tracker__layoffs__typed(unstaged=none) %}
with raw_rows as (
    select * from {{ source('crunchbase_tracker', 'crunchbase_tracker__layoffs') }} as r
    {{ not_staged(unstaged) }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns([
        'company', 'num_layoffs', 'pct_impacted', 'reported_date', 'industry', 'hq', 'source',
        'company_status', 'notes', 'table_title'
    ]) }}
    from raw_rows
),

typed as (
    select
        *,
        case when _snapshot_format = 'html' then text_date(reported_date) else mdy_date(reported_date) end
            as event_date,
        coalesce(
            blank_key('company', company),
            labelled('num_layoffs', count_problem(num_layoffs)),
            layoff_count_problem('num_layoffs', count_value(num_layoffs)),
            labelled('pct_impacted', percent_problem(pct_impacted)),
            blank_key('reported_date', reported_date),
            labelled('reported_date', case when _snapshot_format = 'html' then text_date_problem(reported_date)
                                           else mdy_date_problem(reported_date) end),
            layoff_date_problem('reported_date', event_date, _snapshot_date)
        ) as _reject_reason
    from cleaned
)

select
    _source || ':' || left(_snapshot_sha256, 8) || ':' || cast(_line_number as varchar) as source_row_id,
    {{ clean_company_name('company') }} as company,
    company as company_raw,
    try_cast(count_value(num_layoffs) as bigint) as laid_off,
    num_layoffs as laid_off_raw,
    count_unclear(num_layoffs) as laid_off_unclear,
    percent_value(pct_impacted) as pct_impacted,
    pct_impacted as pct_impacted_raw,
    percent_unclear(pct_impacted) as pct_impacted_unclear,
    event_date as reported_date,
    reported_date as reported_date_raw,
    nullif(trim(industry), '') as industry,
    nullif(trim(hq), '') as hq,
    nullif(trim(source), '') as news_source,
    nullif(trim(company_status), '') as company_status,
    nullif(trim(notes), '') as notes,
    table_title,
    {{ staging_provenance() }}
from typed
{% endmacro %}
