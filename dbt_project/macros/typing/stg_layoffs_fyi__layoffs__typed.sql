{#- Every raw row of stg_layoffs_fyi__layoffs, typed (shape: layoff_tracker_typed.sql): dates are M/D/YYYY in the CSV
    export, ISO date(time)s in the shared view's JSON. Used by that model and by stg_layoffs_fyi__rejects. -#}
{% macro stg_layoffs_fyi__layoffs__typed(unstaged=none) %}
{{ layoff_tracker_typed('layoffs_fyi', 'layoffs_fyi__layoffs', [
    ['company', 'company', 'company'], ['text', 'location', 'location'], ['count', 'total_laid_off', 'laid_off'],
    ['date', 'date', 'reported_date'], ['percent', 'percentage_laid_off', 'pct_impacted'],
    ['text', 'industry', 'industry'], ['text', 'source', 'news_source'], ['text', 'stage', 'stage'],
    ['amount', 'funds_raised', 'funds_raised_musd'], ['text', 'country', 'country'],
    ['optional_date', 'date_added', 'date_added'],
], other_format=['json', 'iso_datetime_date'], unstaged=unstaged) }}
{% endmacro %}
