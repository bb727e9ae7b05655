-- The rows of the raw table that typed cleanly (typing: macros/typing/stg_indeed__postings_aggregate__typed.sql, rules:
-- macros/parse_rules.sql); the others are in stg_indeed__rejects with their reason.
select * exclude (_reject_reason, _raw_text)
from ({{ stg_indeed__postings_aggregate__typed() }})
where _reject_reason is null
