{#- Display name: trimmed, inner whitespace collapsed ('Netflix  ' -> 'Netflix'). -#}
{% macro clean_company_name(column) -%}
    nullif(trim(regexp_replace({{ column }}, '\s+', ' ', 'g')), '')
{%- endmacro %}

{#- Matching key: lower-case, accents stripped, '.com' dropped, apostrophes removed, other
    punctuation -> space, legal suffixes (inc, corp, ltd, llc, ...) stripped from the end,
    whitespace collapsed. Falls back to the lower-cased name if nothing would be left. -#}
{% macro company_key(column) -%}
    coalesce(
        nullif(trim(
            regexp_replace(
                regexp_replace(
                    regexp_replace(
                        regexp_replace(
                            regexp_replace(
                                strip_accents(lower(trim({{ column }}))),
                                '\.com\b', '', 'g'),
                            '[''’`]', '', 'g'),
                        '[[:punct:]]', ' ', 'g'),
                    '\s+', ' ', 'g'),
                '( (inc|incorporated|corp|corporation|co|ltd|limited|llc|plc|gmbh))+ ?$', '')
        ), ''),
        lower(trim({{ column }}))
    )
{%- endmacro %}
