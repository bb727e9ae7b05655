{#- Headcount text -> BIGINT: '4,000' -> 4000, '16000.0' -> 16000, '1,250 (est.)' -> 1250 (a
    trailing parenthetical note is dropped); blank, 'Unclear', ranges ('100-200'), decimals and
    anything else -> NULL (the staging model sets a *_unclear flag from that NULL). -#}
{% macro parse_count(column) -%}
    {%- set text = "trim(regexp_replace(trim(" ~ column ~ "), '\\s*\\([^()]*\\)$', ''))" -%}
    case
        when regexp_full_match({{ text }}, '[0-9]{1,3}(,[0-9]{3})+|[0-9]+')
            then cast(replace({{ text }}, ',', '') as bigint)
        when regexp_full_match({{ text }}, '[0-9]+\.0+')
            then cast(split_part({{ text }}, '.', 1) as bigint)
    end
{%- endmacro %}
