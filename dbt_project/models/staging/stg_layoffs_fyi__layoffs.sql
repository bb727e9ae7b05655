-- layoffs.fyi rows: renamed, counts/percentages/dates parsed from the text as found.
with raw_rows as (
    select * from {{ source('raw', 'layoffs_fyi__layoffs') }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns([
        'company', 'location', 'total_laid_off_raw', 'date_raw', 'percentage_laid_off_raw',
        'industry', 'source', 'stage', 'country'
    ]) }}
    from raw_rows
),

renamed as (
    select
        _source || ':' || left(_snapshot_sha256, 8) || ':' || cast(_line_number as varchar)
            as source_row_id,
        {{ clean_company_name('company') }} as company,
        company as company_raw,
        nullif(trim(location), '') as location,
        {{ parse_count('total_laid_off_raw') }} as laid_off,
        total_laid_off_raw as laid_off_raw,
        {{ parse_count('total_laid_off_raw') }} is null as laid_off_unclear,
        {{ parse_us_date('date_raw') }} as reported_date,
        date_raw as reported_date_raw,
        {{ parse_percent('percentage_laid_off_raw') }} as pct_impacted,
        percentage_laid_off_raw as pct_impacted_raw,
        {{ parse_percent('percentage_laid_off_raw') }} is null as pct_impacted_unclear,
        nullif(trim(industry), '') as industry,
        nullif(trim(source), '') as news_source,
        nullif(trim(stage), '') as stage,
        funds_raised as funds_raised_musd,
        nullif(trim(country), '') as country,
        date_added,
        control_chars_removed,
        _extra as extra_columns,
        _source as source,
        _snapshot_sha256 as snapshot_sha256,
        _line_number as line_number
    from cleaned
)

select * from renamed
