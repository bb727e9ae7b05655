-- Typing rejects of indeed: every raw row that did not type, with where it was, its text as found and the
-- first rule it failed (typing: macros/typing/; rules: macros/parse_rules.sql), typing only the raw rows staging
-- does not hold. Staging keeps the others.
select source, snapshot_sha256, line_number, _raw_text as raw_text, _reject_reason as reason,
    'typing' as kind
from ({{ stg_indeed__postings_aggregate__typed(unstaged=ref('stg_indeed__postings_aggregate')) }})
where _reject_reason is not null

union all

select source, snapshot_sha256, line_number, _raw_text as raw_text, _reject_reason as reason,
    'typing' as kind
from ({{ stg_indeed__postings_by_sector__typed(unstaged=ref('stg_indeed__postings_by_sector')) }})
where _reject_reason is not null
