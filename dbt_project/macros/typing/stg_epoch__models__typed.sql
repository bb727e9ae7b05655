{#- Every raw row of stg_epoch__models, typed: Epoch AI model rows (notable and all lists) typed from the text
    raw keeps (rules: macros/parse_rules.sql). `_reject_reason` is the first failed check in the order written
    (NULL when the row typed cleanly), `_raw_text` the row as found. A model without a publication date is kept
    with a NULL date. Used by the model of that name (the rows that typed) and by its source's rejects model
    (the others).
    With `unstaged` (that staging model) only the raw rows it does not hold are typed. -#}
{% macro stg_epoch__models__typed(unstaged=none) %}
with {{ staging_input('epoch', 'epoch__models', [
    'model', 'domain', 'organization', 'organization_categorization', 'country_from_organization', 'publication_date',
    'parameters', 'training_compute_flop', 'model_accessibility', 'frontier_model', 'notability_criteria', 'citations',
    'link'
], unstaged) }},

typed as (
    select
        *,
        iso_date(publication_date) as published,
        coalesce(
            blank_key('model', model),
            case when py_strip(publication_date) <> ''
                then labelled('publication_date', iso_date_problem(publication_date)) end,
            model_date_problem('publication_date', iso_date(publication_date), _snapshot_date),
            -- the `all` list has no Frontier model column: NULL there, blank is false where it exists
            case when frontier_model is not null then labelled('frontier_model', flag_problem(frontier_model)) end,
            labelled('parameters', float_problem(parameters)),
            labelled('training_compute_flop', float_problem(training_compute_flop)),
            labelled('citations', float_problem(citations))
        ) as _reject_reason
    from cleaned
)

select
    _source || ':' || left(_snapshot_sha256, 8) || ':' || cast(_line_number as varchar) as model_release_id,
    case _source when 'epoch_notable' then 'notable' when 'epoch_all' then 'all' end as dataset,
    trim(model) as model,
    nullif(trim(domain), '') as domain,
    nullif(trim(organization), '') as organization,
    nullif(trim(organization_categorization), '') as organization_categorization,
    nullif(trim(country_from_organization), '') as country,
    published as publication_date,
    publication_date as publication_date_raw,
    float_value(parameters) as parameters,
    float_value(training_compute_flop) as training_compute_flop,
    nullif(trim(model_accessibility), '') as model_accessibility,
    case when frontier_model is not null then flag_value(frontier_model) end as frontier_model,
    nullif(trim(notability_criteria), '') as notability_criteria,
    float_value(citations) as citations,
    text_or_null(link) as link,
    {{ staging_provenance() }}
from typed
{% endmacro %}
