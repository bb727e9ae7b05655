{#- Share text -> fraction DOUBLE in [0, 1]: '13%' -> 0.13, '0.27%' -> 0.0027, '0.13' -> 0.13,
    '.5' -> 0.5, '1' -> 1.0; blank, 'Unclear', ranges ('10%-15%'), bare numbers > 1 and
    percentages > 100% -> NULL. -#}
{% macro parse_percent(column) -%}
    case
        when regexp_full_match(trim({{ column }}), '([0-9]+(\.[0-9]+)?|\.[0-9]+)\s*%')
             and cast(rtrim(trim({{ column }}), '% ') as double) <= 100
            then cast(rtrim(trim({{ column }}), '% ') as double) / 100
        when regexp_full_match(trim({{ column }}), '[0-9]+(\.[0-9]+)?|\.[0-9]+')
             and cast(trim({{ column }}) as double) <= 1
            then cast(trim({{ column }}) as double)
    end
{%- endmacro %}
