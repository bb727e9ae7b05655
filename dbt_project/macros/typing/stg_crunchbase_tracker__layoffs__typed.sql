{#- Every raw row of stg_crunchbase_tracker__layoffs, typed (shape: layoff_tracker_typed.sql): dates are M/D/YY in the
    CSV export, 'Nov. 18, 2022' (or M/D/YYYY, ISO) on the web page. Used by that model and by its rejects model. -#}
{% macro stg_crunchbase_tracker__layoffs__typed(unstaged=none) %}
{{ layoff_tracker_typed('crunchbase_tracker', 'crunchbase_tracker__layoffs', [
    ['company', 'company', 'company'], ['count', 'num_layoffs', 'laid_off'],
    ['percent', 'pct_impacted', 'pct_impacted'], ['date', 'reported_date', 'reported_date'],
    ['text', 'industry', 'industry'], ['text', 'hq', 'hq'], ['text', 'source', 'news_source'],
    ['text', 'company_status', 'company_status'], ['text', 'notes', 'notes'], ['as_is', 'table_title', 'table_title'],
], other_format=['html', 'text_date'], unstaged=unstaged) }}
{% endmacro %}
