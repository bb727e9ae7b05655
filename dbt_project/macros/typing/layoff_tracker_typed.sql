{#- Every raw row of a layoff tracker table, typed (rules: macros/parse_rules.sql): source_row_id, then `fields` in
    output order, each [kind, raw column, output name], whose checks run in that order too: `_reject_reason` is the
    first that failed (NULL when the row typed cleanly), `_raw_text` the row as found. Dates are M/D/Y except in
    `other_format` ([snapshot format, date reader]). With `unstaged` (the table's staging model) only the raw rows it
    does not hold are typed. -#}
{% macro layoff_tracker_typed(source_name, table_name, fields, other_format, unstaged=none) %}
{#- per kind: the value typed once in `typed` (as <name>_value), its checks and its output columns; c: the raw
    column, l: its name as a label, n: the output name, day / day_problem: the date reading and its problem -#}
{%- set kinds = {
    'company': {'checks': ["blank_key(%(l)s, %(c)s)"], 'columns': ["%(company)s as %(n)s", "%(c)s as %(n)s_raw"]},
    'count': {'checks': ["labelled(%(l)s, count_problem(%(c)s))", "layoff_count_problem(%(l)s, count_value(%(c)s))"],
              'columns': ["try_cast(count_value(%(c)s) as bigint) as %(n)s", "%(c)s as %(n)s_raw",
                          "count_unclear(%(c)s) as %(n)s_unclear"]},
    'percent': {'checks': ["labelled(%(l)s, percent_problem(%(c)s))"],
                'columns': ["percent_value(%(c)s) as %(n)s", "%(c)s as %(n)s_raw",
                            "percent_unclear(%(c)s) as %(n)s_unclear"]},
    'date': {'value': "%(day)s",
             'checks': ["blank_key(%(l)s, %(c)s)", "labelled(%(l)s, %(day_problem)s)",
                        "layoff_date_problem(%(l)s, %(n)s_value, _snapshot_date)"],
             'columns': ["%(n)s_value as %(n)s", "%(c)s as %(n)s_raw"]},
    'optional_date': {'value': "%(day)s",
                      'checks': ["case when py_strip(%(c)s) <> '' then labelled(%(l)s, %(day_problem)s) end",
                                 "layoff_date_problem(%(l)s, %(n)s_value, _snapshot_date)"],
                      'columns': ["%(n)s_value as %(n)s"]},
    'amount': {'checks': ["labelled(%(l)s, amount_problem(%(c)s))"], 'columns': ["float_value(%(c)s) as %(n)s"]},
    'text': {'columns': ["nullif(trim(%(c)s), '') as %(n)s"]},
    'as_is': {'columns': ["%(c)s as %(n)s"]},
} %}
{%- set values, checks, columns = [], [], [] %}
{%- for kind, raw, name in fields %}
    {%- if kind not in kinds %}
        {{- exceptions.raise_compiler_error('layoff_tracker_typed: unknown field kind ' ~ kind) }}
    {%- endif %}
    {%- set col = adapter.quote(raw) %}
    {%- set f = {'c': col, 'l': "'" ~ raw ~ "'", 'n': name, 'company': clean_company_name(col),
                 'day': layoff_tracker_date(other_format, col),
                 'day_problem': layoff_tracker_date(other_format, col, '_problem')} %}
    {%- if 'value' in kinds[kind] %}{% do values.append(kinds[kind].value % f ~ ' as ' ~ name ~ '_value') %}{% endif %}
    {%- for check in kinds[kind].get('checks', []) %}{% do checks.append(check % f) %}{% endfor %}
    {%- for column in kinds[kind].columns %}{% do columns.append(column % f) %}{% endfor %}
{%- endfor %}
with {{ staging_input(source_name, table_name, fields | map(attribute=1) | list, unstaged) }},

typed as (
    select
        *,
        {%- for value in values %}
        {{ value }},
        {%- endfor %}
        coalesce(
            {{ checks | join(',\n            ') }}
        ) as _reject_reason
    from cleaned
)

select
    _source || ':' || left(_snapshot_sha256, 8) || ':' || cast(_line_number as varchar) as source_row_id,
    {%- for column in columns %}
    {{ column }},
    {%- endfor %}
    {{ staging_provenance() }}
from typed
{% endmacro %}

{#- A tracker's date reading (`rule` '') or its problem (`rule` '_problem'): M/D/Y, but in `other_format`. -#}
{% macro layoff_tracker_date(other_format, column, rule='') -%}
    {%- set fmt, reader = other_format %}
    case when _snapshot_format = '{{ fmt }}' then {{ reader }}{{ rule }}({{ column }})
        else mdy_date{{ rule }}({{ column }}) end
{%- endmacro %}
