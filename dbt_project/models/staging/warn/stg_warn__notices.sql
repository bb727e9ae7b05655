-- The rows of the raw table that typed cleanly (typing: macros/typing/stg_warn__notices__typed.sql, rules:
-- macros/parse_rules.sql); the others are in stg_warn__rejects with their reason.
select * exclude (_reject_reason, _raw_text)
from ({{ stg_warn__notices__typed() }})
where _reject_reason is null
