{#- raw.article_headlines exists (empty) before the attribution model reads it, whichever loader built raw: the
    opt-in title fetch fills it (warehouse/headlines_load.py, same columns); without it the model reads slugs only. -#}
{% macro ensure_article_headlines() -%}
    create schema if not exists raw;
    create table if not exists raw.article_headlines (
        url varchar, status varchar, title varchar, fetched_at timestamptz, http_status integer,
        final_url varchar, error varchar, _source varchar, _snapshot_sha256 varchar, _line_number bigint
    )
{%- endmacro %}
