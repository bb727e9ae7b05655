{#- Why `month` is left out of the analysis as a partial month of a source whose data run from
    `first_date` to `last_date` (rules: models/marts/_windows.md), or NULL when it is complete:
    the first month is partial unless the data start on its 1st, the last unless they reach its
    last day. -#}
{% macro partial_month_reason(month, first_date, last_date) -%}
    case
        when {{ month }} = date_trunc('month', {{ first_date }}) and day({{ first_date }}) > 1
            then 'partial first month: data from ' || strftime({{ first_date }}, '%Y-%m-%d')
        when {{ month }} = date_trunc('month', {{ last_date }}) and {{ last_date }} < last_day({{ last_date }})
            then 'partial last month: data through ' || strftime({{ last_date }}, '%Y-%m-%d')
    end
{%- endmacro %}
