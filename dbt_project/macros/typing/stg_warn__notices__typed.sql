{#- Every raw row of stg_warn__notices, typed: WARN notices of every state in one shape (rules: macros/parse_rules.sql,
    the warn_* ones). `_reject_reason` is the first failed check in the order written (NULL when the row typed
    cleanly), `_raw_text` the row as found. The state comes from the dataset id (`warn_wa` -> WA); a state gives
    layoff/closure and permanent/temporary in columns of their own (`closure`, `duration`) or in one label
    (`layoff_type`): raw columns a state lacks are NULL (ingestion/sources/warn.py). Blank effective dates and counts
    are kept as NULL; placeholder dates, an address for a company, unreadable values are refused. Used by that model
    and by stg_warn__rejects. With `unstaged` (that staging model) only the raw rows it does not hold are typed. -#}
{% macro stg_warn__notices__typed(unstaged=none) %}
with {{ staging_input('warn', 'warn__notices', [
    'company', 'location', 'notice_date', 'effective_date', 'workers', 'closure', 'duration', 'layoff_type', 'notice_id'
], unstaged) }},

typed as (
    select
        *,
        warn_date(notice_date) as notice_day,
        warn_date(effective_date) as effective_day,
        -- a state's own Layoff/Closure column, else its one label
        case when closure is not null then 'closure' else 'layoff_type' end as type_column,
        case when closure is not null then closure else layoff_type end as type_text,
        coalesce(
            blank_key('company', company),
            labelled('company', warn_address_problem(company)),
            blank_key('notice_date', notice_date),
            labelled('notice_date', warn_date_problem(notice_date)),
            warn_notice_date_problem('notice_date', notice_day, _snapshot_date),
            case when py_strip(effective_date) <> '' then labelled('effective_date', warn_date_problem(effective_date)) end,
            warn_effective_date_problem('effective_date', effective_day, _snapshot_date),
            labelled('workers', count_problem(workers)),
            warn_workers_problem('workers', count_value(workers)),
            labelled(type_column, warn_notice_type_problem(type_text)),
            case when duration is not null then labelled('duration', warn_duration_problem(duration)) end
        ) as _reject_reason
    from cleaned
)

select
    upper(regexp_extract(_source, '^warn_([a-z]+)', 1)) as state,
    {{ clean_company_name('company') }} as company,
    company as company_raw,
    {{ clean_company_name('location') }} as location,
    notice_day as notice_date,
    effective_day as effective_date,
    -- 0 is what a state shows when the notice states no number (a WARN notice is filed for 25-50 workers or more)
    nullif(try_cast(count_value(workers) as bigint), 0) as workers,
    workers as workers_raw,
    warn_notice_type(type_text) as notice_type,
    warn_temporary(coalesce(duration, layoff_type)) as temporary,
    nullif(py_strip(notice_id), '') as notice_id,
    _source || ':' || left(_snapshot_sha256, 8) || ':' || cast(_line_number as varchar) as source_row_id,
    {{ staging_provenance() }}
from typed
{% endmacro %}
