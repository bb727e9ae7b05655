{#- Every raw row of an Indeed Hiring Lab postings table (U.S.), typed (rules: macros/parse_rules.sql): the day as
    posting_date, then the text columns `labels` and the index columns `indices` (each raw column: output name, in
    output order). `_reject_reason` is the first failed check (NULL when the row typed cleanly), `_raw_text` the row
    as found. With `unstaged` (the table's staging model) only the raw rows it does not hold are typed. -#}
{% macro indeed_postings_typed(table_name, labels, indices, unstaged=none) %}
with {{ staging_input('indeed', table_name, ['date'] + (labels | list) + (indices | list), unstaged) }},

typed as (
    select
        *,
        iso_date("date") as posting_day,
        {%- for raw, name in indices.items() %}
        float_value({{ adapter.quote(raw) }}) as {{ name }},
        {%- endfor %}
        coalesce(
            blank_key('date', "date"),
            labelled('date', iso_date_problem("date")),
            posting_date_problem('date', posting_day, _snapshot_date),
            {%- for raw, name in indices.items() %}
            labelled('{{ raw }}', float_problem({{ adapter.quote(raw) }})),
            posting_index_problem('{{ raw }}', {{ name }}){{ "," if not loop.last }}
            {%- endfor %}
        ) as _reject_reason
    from cleaned
)

select
    posting_day as posting_date,
    {%- for raw, name in labels.items() %}
    text_or_null({{ adapter.quote(raw) }}) as {{ name }},
    {%- endfor %}
    {%- for name in indices.values() %}
    {{ name }},
    {%- endfor %}
    {{ staging_provenance() }}
from typed
{% endmacro %}
