{#- Two independent parsers cross-check each other: for every row (joined on snapshot sha256 +
    line number), the staging model's dbt-macro parse must equal the loader's Python parse.
    `columns` maps staging column -> raw column; `approx` lists staging DOUBLE columns compared
    with a 1e-12 tolerance. Rows present on one side only fail too. `skip_rows_with` names a staging
    count column (e.g. control_chars_removed): rows where it is > 0 must exist on both sides but their
    values are not compared (staging parsed cleaned text, the loader the text as found). -#}
{% test parse_agrees_with_raw(model, raw_table, columns, approx=[], skip_rows_with=none) %}
select
    s.snapshot_sha256 as staging_sha256, s.line_number as staging_line,
    r._snapshot_sha256 as raw_sha256, r._line_number as raw_line
from {{ model }} as s
full outer join {{ raw_table }} as r
    on s.snapshot_sha256 = r._snapshot_sha256 and s.line_number = r._line_number
where s.line_number is null
    or r._line_number is null
    or ({% if skip_rows_with %}coalesce(s.{{ skip_rows_with }}, 0) = 0 and {% endif %}(false
    {%- for staging_col, raw_col in columns.items() %}
    {%- if staging_col in approx %}
        or not (s.{{ staging_col }} is not distinct from r.{{ raw_col }}
                or abs(s.{{ staging_col }} - r.{{ raw_col }}) < 1e-12)
    {%- else %}
        or not (s.{{ staging_col }} is not distinct from r.{{ raw_col }})
    {%- endif %}
    {%- endfor %}
    ))
{% endtest %}
