{#- Source URLs of the layoff trackers: the URL itself, a comparison key, and the date the URL states
    (rule: models/marts/_dedup_rule.md, steps 1 and 4). -#}

{#- The source text when it is an http(s) URL (trimmed), else NULL ("Internal memo", a publication name). -#}
{% macro source_url(expr) -%}
    case when regexp_matches(trim({{ expr }}), '^https?://[^/?#\s]+', 'i') then trim({{ expr }}) end
{%- endmacro %}

{#- Two URLs naming one article compare equal: scheme, "www.", query string, fragment and trailing slashes
    dropped, lower-cased (a feed's ?utm_source=... copy of an article is the article). -#}
{% macro source_url_key(url) -%}
    nullif(rtrim(lower(regexp_replace(regexp_replace({{ url }}, '^https?://(www\.)?', '', 'i'), '[?#].*$', '')),
        '/'), '')
{%- endmacro %}

{#- The URL's host, lower-cased, without "www.". -#}
{% macro source_url_host(url) -%}
    lower(regexp_extract({{ url }}, '^https?://(www\.)?([^/?#:]+)', 2, 'i'))
{%- endmacro %}

{#- The publication date the URL's path states, as the first day of its period, and the period: 'day' for
    /YYYY/MM/DD/ or YYYY-MM-DD, 'month' for /YYYY/MM/ or a month name followed by the year
    ("stockx-layoffs-november-2022"). NULL when the path states none. -#}
{% macro _url_path(url) -%}
    regexp_extract({{ url }}, '^https?://[^/?#]+([^?#]*)', 1, 'i')
{%- endmacro %}

{% macro _url_ymd(url) -%}
    coalesce(
        try_strptime(regexp_extract({{ _url_path(url) }}, '/(20\d\d/(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01]))(/|$)', 1),
            '%Y/%m/%d'),
        try_strptime(regexp_extract({{ _url_path(url) }},
            '(^|[^0-9])(20\d\d-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01]))([^0-9]|$)', 2), '%Y-%m-%d'))
{%- endmacro %}

{% macro _url_ym(url) -%}
    coalesce(
        try_strptime(regexp_extract({{ _url_path(url) }}, '/(20\d\d/(0[1-9]|1[0-2]))(/|$)', 1), '%Y/%m'),
        try_strptime(replace(regexp_extract(lower({{ _url_path(url) }}),
            '(^|[^a-z])((january|february|march|april|may|june|july|august|september|october|november|december)[-_]20\d\d)([^0-9]|$)',
            2), '_', '-'), '%B-%Y'))
{%- endmacro %}

{% macro url_stated_date(url) -%}
    cast(coalesce({{ _url_ymd(url) }}, {{ _url_ym(url) }}) as date)
{%- endmacro %}

{% macro url_date_precision(url) -%}
    case when {{ _url_ymd(url) }} is not null then 'day' when {{ _url_ym(url) }} is not null then 'month' end
{%- endmacro %}

{#- True when the row's date lies more than var url_date_tolerance_days outside the period its URL states
    (the day, or the calendar month); false when it does not; NULL when the URL states no date. -#}
{% macro url_date_conflict(event_date, stated, precision) -%}
    {%- set tol = var('url_date_tolerance_days') -%}
    case when {{ stated }} is not null and {{ event_date }} is not null then
        {{ event_date }} < {{ stated }} - {{ tol }}
        or {{ event_date }} > case {{ precision }} when 'month' then cast(last_day({{ stated }}) as date)
            else {{ stated }} end + {{ tol }}
    end
{%- endmacro %}
