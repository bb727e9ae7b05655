{#- Date text -> DATE: U.S. 'M/D/YY' (two-digit years 69-99 -> 19xx, 00-68 -> 20xx, as Python's %y)
    and 'M/D/YYYY', plus ISO 'YYYY-MM-DD'; blank or invalid (e.g. 2/30/2022) -> NULL. -#}
{% macro parse_us_date(column) -%}
    case
        when regexp_full_match(trim({{ column }}), '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}')
            then cast(try_strptime(trim({{ column }}), '%m/%d/%Y') as date)
        when regexp_full_match(trim({{ column }}), '[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}')
            then cast(try_strptime(trim({{ column }}), '%m/%d/%y') as date)
        when regexp_full_match(trim({{ column }}), '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            then try_cast(trim({{ column }}) as date)
    end
{%- endmacro %}
