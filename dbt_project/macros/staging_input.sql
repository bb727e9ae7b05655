{#- The first CTEs of a staging model or typing macro: `raw_rows`, the raw table's rows (with `unstaged`, only those
    that staging model does not hold: typing/not_staged.sql), and `cleaned`, those rows with `text_columns` cleaned. -#}
{% macro staging_input(source_name, table_name, text_columns, unstaged=none) -%}
raw_rows as (
    select * from {{ source(source_name, table_name) }} as r
    {{ not_staged(unstaged) }}
),

-- text fields without control characters, and how many were removed (macros/clean_text.sql)
cleaned as (
    select {{ clean_text_columns(text_columns) }}
    from raw_rows
)
{%- endmacro %}
