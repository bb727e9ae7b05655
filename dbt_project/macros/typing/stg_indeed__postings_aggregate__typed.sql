{#- Every raw row of stg_indeed__postings_aggregate, typed: Indeed's daily aggregate postings index (U.S.), seasonally
    adjusted and not (shape: indeed_postings_typed.sql). Used by that model and by stg_indeed__rejects. -#}
{% macro stg_indeed__postings_aggregate__typed(unstaged=none) %}
{{ indeed_postings_typed('indeed__postings_aggregate',
    labels={'jobcountry': 'job_country', 'variable': 'variable'},
    indices={'indeed_job_postings_index_sa': 'postings_index_sa',
             'indeed_job_postings_index_nsa': 'postings_index_nsa'},
    unstaged=unstaged) }}
{% endmacro %}
