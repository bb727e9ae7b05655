{#- A filter for the raw rows CTE (alias `r`) of a typing macro: only the rows that `staged` (the staging model
    built from the same raw table) does not hold. A rejects model types just those rows, not the whole table
    again: rejects = raw rows - staged rows, each with its reason. No filter when `staged` is none. -#}
{% macro not_staged(staged) -%}
    {%- if staged is not none -%}
    where not exists (
        select 1 from {{ staged }} as s
        where s.source = r._source and s.snapshot_sha256 = r._snapshot_sha256 and s.line_number = r._line_number
    )
    {%- endif -%}
{%- endmacro %}
