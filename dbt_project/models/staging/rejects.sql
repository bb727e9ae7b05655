-- Every source row that was not accepted, one row each: framing rejects (the loader's raw._rejects: a line that is
-- not a record) and typing rejects (the staging rejects models: a record whose fields do not type). Accepted rows
-- + these = input data lines, per dataset (test rows_add_up). A source's rejects model that was never built (a
-- build of other sources in a new warehouse) has no rows to add.
{%- set typing = built_relations([
    ref('stg_layoffs_fyi__rejects'),
    ref('stg_crunchbase_tracker__rejects'),
    ref('stg_epoch__rejects'),
    ref('stg_indeed__rejects'),
    ref('stg_warn__rejects'),
]) %}

select source, snapshot_sha256, line_number, raw_text, reason, 'framing' as kind
from raw._rejects
{%- for relation in typing %}

union all
select source, snapshot_sha256, line_number, raw_text, reason, kind from {{ relation }}
{%- endfor %}
