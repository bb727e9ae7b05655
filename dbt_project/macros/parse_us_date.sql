{#- Date text as U.S. sources write it -> DATE:
    'M/D/YY' (two-digit years are 20xx, as the loader reads them) and 'M/D/YYYY';
    month-name dates from the tracker's web page: 'Nov. 18, 2022', 'Sept. 28, 2022',
    'November 18 2022'; ISO 'YYYY-MM-DD'. Blank, unknown month names and impossible dates
    (2/30/2022) -> NULL. -#}
{% macro parse_us_date(column) -%}
    {%- set text = "trim(" ~ column ~ ")" -%}
    {%- set named = "'([A-Za-z]+)\\.?\\s+([0-9]{1,2}),?\\s+([0-9]{4})'" -%}
    case
        when regexp_full_match({{ text }}, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}')
            then cast(try_strptime({{ text }}, '%m/%d/%Y') as date)
        when regexp_full_match({{ text }}, '[0-9]{1,2}/[0-9]{1,2}/[0-9]{2}')
            then cast(try_strptime(
                regexp_replace({{ text }}, '/([0-9]{2})$', '/20\1'), '%m/%d/%Y') as date)
        when regexp_full_match({{ text }}, '[0-9]{4}-[0-9]{2}-[0-9]{2}')
            then try_cast({{ text }} as date)
        when regexp_full_match({{ text }}, {{ named }})
            then try_cast(
                regexp_extract({{ text }}, {{ named }}, 3) || '-'
                || lpad(cast({{ month_number("lower(regexp_extract(" ~ text ~ ", " ~ named ~ ", 1))") }} as varchar), 2, '0')
                || '-' || lpad(regexp_extract({{ text }}, {{ named }}, 2), 2, '0')
                as date)
    end
{%- endmacro %}

{#- Month name (lower case) -> 1..12: 3-letter abbreviation, full name, or 'sept'; else NULL. -#}
{% macro month_number(name) -%}
    {%- set months = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august',
                      'september', 'october', 'november', 'december'] -%}
    case {{ name }}
        {%- for m in months %}
        when '{{ m[:3] }}' then {{ loop.index }}
        {%- if m | length > 3 %}
        when '{{ m }}' then {{ loop.index }}
        {%- endif %}
        {%- endfor %}
        when 'sept' then 9
    end
{%- endmacro %}
