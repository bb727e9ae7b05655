-- Typing rejects of warn: every raw row that did not type, with where it was, its text as found and the first rule
-- it failed (typing: macros/typing/; rules: macros/parse_rules.sql), typing only the raw rows staging does not hold.
-- Staging keeps the others.
select source, snapshot_sha256, line_number, _raw_text as raw_text, _reject_reason as reason,
    'typing' as kind
from ({{ stg_warn__notices__typed(unstaged=ref('stg_warn__notices')) }})
where _reject_reason is not null
