-- WARN notices and workers per state and month of the notice date, every month from a state's first to its last
-- notice (0 when none), with the part filed by companies a tracker lists.
with notices as (
    select *, cast(date_trunc('month', notice_date) as date) as month
    from {{ ref('fct_warn_notices') }}
),

spine as (
    select state, {{ month_spine('min(notice_date)', 'max(notice_date)') }} as month
    from notices
    group by state
),

counted as (
    select
        state,
        month,
        count(*) as notices,
        cast(coalesce(sum(workers), 0) as bigint) as workers,
        count(*) filter (where tracked_company) as tracked_company_notices,
        cast(coalesce(sum(workers) filter (where tracked_company), 0) as bigint) as tracked_company_workers
    from notices
    group by state, month
)

select
    spine.state,
    spine.month,
    coalesce(counted.notices, 0) as notices,
    coalesce(counted.workers, 0) as workers,
    coalesce(counted.tracked_company_notices, 0) as tracked_company_notices,
    coalesce(counted.tracked_company_workers, 0) as tracked_company_workers
from spine
left join counted on spine.state = counted.state and spine.month = counted.month
