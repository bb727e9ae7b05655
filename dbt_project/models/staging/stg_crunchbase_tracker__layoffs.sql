-- Crunchbase tracker rows: renamed, counts/percentages/dates parsed from the text as found.
with raw_rows as (
    select * from {{ source('raw', 'crunchbase_tracker__layoffs') }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns([
        'company', 'num_layoffs_raw', 'pct_impacted_raw', 'reported_date_raw', 'industry', 'hq',
        'source', 'company_status', 'notes', 'table_title'
    ]) }}
    from raw_rows
),

renamed as (
    select
        _source || ':' || left(_snapshot_sha256, 8) || ':' || cast(_line_number as varchar)
            as source_row_id,
        {{ clean_company_name('company') }} as company,
        company as company_raw,
        {{ parse_count('num_layoffs_raw') }} as laid_off,
        num_layoffs_raw as laid_off_raw,
        {{ parse_count('num_layoffs_raw') }} is null as laid_off_unclear,
        {{ parse_percent('pct_impacted_raw') }} as pct_impacted,
        pct_impacted_raw,
        {{ parse_percent('pct_impacted_raw') }} is null as pct_impacted_unclear,
        {{ parse_us_date('reported_date_raw') }} as reported_date,
        reported_date_raw,
        nullif(trim(industry), '') as industry,
        nullif(trim(hq), '') as hq,
        nullif(trim(source), '') as news_source,
        nullif(trim(company_status), '') as company_status,
        nullif(trim(notes), '') as notes,
        table_title,
        control_chars_removed,
        _extra as extra_columns,
        _source as source,
        _snapshot_sha256 as snapshot_sha256,
        _line_number as line_number
    from cleaned
)

select * from renamed
