{#- Fails on every gap or duplicate in a monthly series: within each partition, consecutive
    months must be exactly one calendar month apart. -#}
{% test months_continuous(model, column_name, partition_by=[]) %}
{%- set part = partition_by | join(', ') %}
with ordered as (
    select
        {% if part %}{{ part }},{% endif %}
        {{ column_name }} as month,
        lag({{ column_name }}) over (
            {% if part %}partition by {{ part }}{% endif %} order by {{ column_name }}
        ) as previous_month
    from {{ model }}
)
select *
from ordered
where month <> cast(date_trunc('month', month) as date)
    or (previous_month is not null and previous_month + interval 1 month <> month)
{% endtest %}
