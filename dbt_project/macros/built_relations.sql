{#- The relations of `relations` (refs) that exist in the warehouse: a union over every source's staging models
    must not fail when a build selected one source (`layoffs-ai ingest --only X` in a new home) and the others
    were never built. At parse time (no warehouse) all of them, so that dbt records every dependency. -#}
{% macro built_relations(relations) %}
    {%- if not execute -%}
        {{ return(relations) }}
    {%- endif -%}
    {%- set found = [] -%}
    {%- for relation in relations -%}
        {%- if adapter.get_relation(database=relation.database, schema=relation.schema,
                                    identifier=relation.identifier) is not none -%}
            {%- do found.append(relation) -%}
        {%- endif -%}
    {%- endfor -%}
    {{ return(found) }}
{% endmacro %}
