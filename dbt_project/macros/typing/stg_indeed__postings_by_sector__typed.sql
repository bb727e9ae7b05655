{#- Every raw row of stg_indeed__postings_by_sector, typed: Indeed's daily postings index by occupational sector
    (U.S.; shape: indeed_postings_typed.sql). Used by that model and by stg_indeed__rejects. -#}
{% macro stg_indeed__postings_by_sector__typed(unstaged=none) %}
{{ indeed_postings_typed('indeed__postings_by_sector',
    labels={'jobcountry': 'job_country', 'display_name': 'sector', 'variable': 'variable'},
    indices={'indeed_job_postings_index': 'postings_index'},
    unstaged=unstaged) }}
{% endmacro %}
