{#- Expression that unnests one DATE per calendar month from first_month to last_month inclusive
    (use in a SELECT list; both arguments are month-truncated first). -#}
{% macro month_spine(first_month, last_month) -%}
    cast(unnest(generate_series(
        cast(date_trunc('month', {{ first_month }}) as date),
        cast(date_trunc('month', {{ last_month }}) as date),
        interval 1 month
    )) as date)
{%- endmacro %}
