{#- Post-hook of a staging model that types a raw table (macros/parse_rules.sql). The model's SELECT keeps every raw
    row, with `_reject_reason` (NULL when the row typed cleanly) and `_raw_text` (the row as found). This hook:
    - replaces the typing rejects of the model's sources in raw._rejects (kind 'typing') with the rows that have
      a reason, and removes those rows and the two helper columns from the model's table;
    - with `data_through` (the model's event or publication date column) it also fills in the latest load of
      each source in raw._loads: accepted rows, all rejects (framing + typing) and the latest date of the
      accepted rows, and that date in raw._source_status.
    Typing therefore runs once per build, and everything after staging sees accepted rows only. -#}
{% macro record_typing(data_through=none) %}
{%- set summary = '_typing_' ~ this.name -%}
create or replace temp table {{ summary }} as
select source,
       count(*) filter (where _reject_reason is null) as accepted,
       {% if data_through %}max({{ data_through }}) filter (where _reject_reason is null){% else %}null::date{% endif %}
           as data_through
from {{ this }}
group by source;

delete from raw._rejects where kind = 'typing' and source in (select source from {{ summary }});

insert into raw._rejects (source, snapshot_sha256, line_number, raw_text, reason, kind)
select source, snapshot_sha256, line_number, _raw_text, _reject_reason, 'typing'
from {{ this }}
where _reject_reason is not null;

delete from {{ this }} where _reject_reason is not null;
alter table {{ this }} drop column _reject_reason;
alter table {{ this }} drop column _raw_text;

{% if data_through %}
update raw._loads as l
set rows = s.accepted,
    rejects = (select count(*) from raw._rejects as r where r.source = l.source),
    data_through = s.data_through
from {{ summary }} as s
where l.source = s.source
    and l.loaded_at = (select max(loaded_at) from raw._loads as m where m.source = l.source);

{% if adapter.get_relation(database=this.database, schema='raw', identifier='_source_status') %}
update raw._source_status as t
set data_through = s.data_through
from {{ summary }} as s
where t.dataset = s.source;
{% endif %}
{% endif %}
drop table {{ summary }};
{% endmacro %}
