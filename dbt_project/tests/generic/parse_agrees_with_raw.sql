{#- Two independent parsers cross-check each other: for every row (joined on snapshot sha256 +
    line number), the staging model's dbt-macro parse must equal the loader's Python parse.
    `columns` maps staging column -> raw column; `approx` lists staging DOUBLE columns compared
    with a 1e-12 tolerance. Rows present on one side only fail too. -#}
{% test parse_agrees_with_raw(model, raw_table, columns, approx=[]) %}
select
    s.snapshot_sha256 as staging_sha256, s.line_number as staging_line,
    r._snapshot_sha256 as raw_sha256, r._line_number as raw_line
from {{ model }} as s
full outer join {{ raw_table }} as r
    on s.snapshot_sha256 = r._snapshot_sha256 and s.line_number = r._line_number
where s.line_number is null
    or r._line_number is null
    {%- for staging_col, raw_col in columns.items() %}
    {%- if staging_col in approx %}
    or not (s.{{ staging_col }} is not distinct from r.{{ raw_col }}
            or abs(s.{{ staging_col }} - r.{{ raw_col }}) < 1e-12)
    {%- else %}
    or not (s.{{ staging_col }} is not distinct from r.{{ raw_col }})
    {%- endif %}
    {%- endfor %}
{% endtest %}
