{#- Headcount text -> BIGINT: '4,000' -> 4000, '16000.0' -> 16000; blank, 'Unclear', ranges,
    anything else -> NULL (the staging model sets a *_unclear flag from that NULL). -#}
{% macro parse_count(column) -%}
    case
        when regexp_full_match(trim({{ column }}), '[0-9]{1,3}(,[0-9]{3})+|[0-9]+')
            then cast(replace(trim({{ column }}), ',', '') as bigint)
        when regexp_full_match(trim({{ column }}), '[0-9]+\.0+')
            then cast(split_part(trim({{ column }}), '.', 1) as bigint)
    end
{%- endmacro %}
