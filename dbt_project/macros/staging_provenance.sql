{# The closing columns of every staging model: what text cleaning removed, the columns the source added, where the
   row came from (source, snapshot, line) and, for the typing macros (macros/typing/), why typing failed and the
   line as found (the staging model drops those two, its rejects model keeps them). #}
{% macro staging_provenance(typed=true) -%}
    control_chars_removed,
    _extra as extra_columns,
    _source as source,
    _snapshot_sha256 as snapshot_sha256,
    _line_number as line_number
    {%- if typed %},
    _reject_reason,
    _raw_text
    {%- endif %}
{%- endmacro %}
