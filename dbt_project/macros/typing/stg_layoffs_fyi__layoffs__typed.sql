{#- Every raw row of stg_layoffs_fyi__layoffs, typed: layoffs.fyi rows typed from the text raw keeps (rules:
    macros/parse_rules.sql). `_reject_reason` is the first failed check in the order written (NULL when the row
    typed cleanly), `_raw_text` the row as found. Dates are M/D/YYYY in the CSV export, ISO date(time)s in the
    shared view's JSON. Used by the model of that name (the rows that typed) and by its source's rejects model
    (the others).
    With `unstaged` (that staging model) only the raw rows it does not hold are typed. -#}
{% macro stg_layoffs_fyi__layoffs__typed(unstaged=none) %}
with raw_rows as (
    select * from {{ source('layoffs_fyi', 'layoffs_fyi__layoffs') }} as r
    {{ not_staged(unstaged) }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns([
        'company', 'location', 'total_laid_off', 'date', 'percentage_laid_off', 'industry', 'source', 'stage',
        'funds_raised', 'country', 'date_added'
    ]) }}
    from raw_rows
),

typed as (
    select
        *,
        case when _snapshot_format = 'json' then iso_datetime_date("date") else mdy_date("date") end as event_date,
        case when _snapshot_format = 'json' then iso_datetime_date(date_added) else mdy_date(date_added) end
            as added_date,
        coalesce(
            blank_key('company', company),
            labelled('total_laid_off', count_problem(total_laid_off)),
            layoff_count_problem('total_laid_off', count_value(total_laid_off)),
            blank_key('date', "date"),
            labelled('date', case when _snapshot_format = 'json' then iso_datetime_date_problem("date")
                                  else mdy_date_problem("date") end),
            layoff_date_problem('date', event_date, _snapshot_date),
            labelled('percentage_laid_off', percent_problem(percentage_laid_off)),
            labelled('funds_raised', amount_problem(funds_raised)),
            case when py_strip(date_added) <> '' then labelled('date_added',
                case when _snapshot_format = 'json' then iso_datetime_date_problem(date_added)
                     else mdy_date_problem(date_added) end) end,
            layoff_date_problem('date_added', added_date, _snapshot_date)
        ) as _reject_reason
    from cleaned
)

select
    _source || ':' || left(_snapshot_sha256, 8) || ':' || cast(_line_number as varchar) as source_row_id,
    {{ clean_company_name('company') }} as company,
    company as company_raw,
    nullif(trim(location), '') as location,
    try_cast(count_value(total_laid_off) as bigint) as laid_off,
    total_laid_off as laid_off_raw,
    count_unclear(total_laid_off) as laid_off_unclear,
    event_date as reported_date,
    "date" as reported_date_raw,
    percent_value(percentage_laid_off) as pct_impacted,
    percentage_laid_off as pct_impacted_raw,
    percent_unclear(percentage_laid_off) as pct_impacted_unclear,
    nullif(trim(industry), '') as industry,
    nullif(trim(source), '') as news_source,
    nullif(trim(stage), '') as stage,
    float_value(funds_raised) as funds_raised_musd,
    nullif(trim(country), '') as country,
    added_date as date_added,
    {{ staging_provenance() }}
from typed
{% endmacro %}
