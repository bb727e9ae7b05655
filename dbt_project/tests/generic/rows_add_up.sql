{#- Nothing is lost between a snapshot file and staging, per dataset of a staging model's raw table:
    input data lines (raw._loads, the dataset's latest load) = raw rows + framing rejects, and
    raw rows = staged rows + typing rejects (framing rejects in raw._rejects, typing rejects in the source's
    staging rejects model, `typing_rejects`).
    Returns one row per dataset where either sum fails. -#}
{% test rows_add_up(model, raw_table, typing_rejects, datasets) %}
with wanted as (
    select unnest([{% for d in datasets %}'{{ d }}'{{ ", " if not loop.last }}{% endfor %}]) as source
),

loads as (
    select source, arg_max(input_rows, loaded_at) as input_rows
    from raw._loads
    group by source
),

raw_rows as (
    select _source as source, count(*) as rows from {{ raw_table }} group by _source
),

staged as (
    select source, count(*) as rows from {{ model }} group by source
),

framing as (
    select source, count(*) as rejects from raw._rejects group by source
),

typing as (
    select source, count(*) as rejects from {{ typing_rejects }} group by source
),

sums as (
    select w.source, l.input_rows,
           coalesce(r.rows, 0) as raw_rows, coalesce(f.rejects, 0) as framing_rejects,
           coalesce(s.rows, 0) as staged_rows, coalesce(t.rejects, 0) as typing_rejects
    from wanted as w
    inner join loads as l on l.source = w.source
    left join raw_rows as r on r.source = w.source
    left join staged as s on s.source = w.source
    left join framing as f on f.source = w.source
    left join typing as t on t.source = w.source
)

select *
from sums
where input_rows <> raw_rows + framing_rejects
    or raw_rows <> staged_rows + typing_rejects
{% endtest %}
