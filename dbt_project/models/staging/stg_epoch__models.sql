-- Epoch AI model rows (notable and all lists), renamed; publication date parsed from the text.
with raw_rows as (
    select * from {{ source('raw', 'epoch__models') }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns([
        'dataset', 'model', 'domain', 'organization', 'organization_categorization', 'country',
        'publication_date_raw', 'model_accessibility', 'notability_criteria', 'link'
    ]) }}
    from raw_rows
)

select
    _source || ':' || left(_snapshot_sha256, 8) || ':' || cast(_line_number as varchar)
        as model_release_id,
    dataset,
    trim(model) as model,
    nullif(trim(domain), '') as domain,
    nullif(trim(organization), '') as organization,
    nullif(trim(organization_categorization), '') as organization_categorization,
    nullif(trim(country), '') as country,
    {{ parse_us_date('publication_date_raw') }} as publication_date,
    publication_date_raw,
    parameters,
    training_compute_flop,
    nullif(trim(model_accessibility), '') as model_accessibility,
    frontier_model,
    nullif(trim(notability_criteria), '') as notability_criteria,
    citations,
    link,
    control_chars_removed,
    _extra as extra_columns,
    _source as source,
    _snapshot_sha256 as snapshot_sha256,
    _line_number as line_number
from cleaned
