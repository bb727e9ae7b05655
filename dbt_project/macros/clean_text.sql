{#- Text hygiene, applied to every text field at staging (the same set as analytics/text_hygiene.py):
    C0 controls except tab and newline (so NUL, ESC, CR ...), DEL, C1 controls (U+0080-U+009F) and the
    non-characters U+FFFE/U+FFFF, which XML (SVG) cannot carry. Lone surrogates cannot occur: a DuckDB
    VARCHAR is valid UTF-8. -#}
{% macro control_char_pattern() -%}
    '[\x00-\x08\x0b-\x1f\x7f-\x{9f}\x{fffe}\x{ffff}]'
{%- endmacro %}

{% macro clean_text(column) -%}
    regexp_replace({{ column }}, {{ control_char_pattern() }}, '', 'g')
{%- endmacro %}

{#- Select list for a staging CTE: every column of the relation, the listed text columns cleaned, plus
    `control_chars_removed` (INTEGER): how many characters were removed from this row's text fields. -#}
{% macro clean_text_columns(columns) -%}
    * replace (
        {%- for column in columns %}
        {{ clean_text(column) }} as {{ column }}{{ "," if not loop.last }}
        {%- endfor %}
    ),
    cast(
        {%- for column in columns %}
        coalesce(length({{ column }}) - length({{ clean_text(column) }}), 0){{ " +" if not loop.last }}
        {%- endfor %}
    as integer) as control_chars_removed
{%- endmacro %}
