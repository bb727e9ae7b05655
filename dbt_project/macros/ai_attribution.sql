{#- AI attribution of a layoff from its headline text: THE rules, in one place (docs/ai_attribution.md).

    Text is the URL slug (plus Crunchbase notes); when the slug has fewer than 2 headline words and the opt-in
    LAYOFFS_AI_FETCH_HEADLINES fetched the article's <title>, the title instead (ai_unusable_title_patterns).
    Text is normalised first (ai_normalize_text): URL-decoded, accents stripped, lower-cased, every run of
    non-letters/digits one space, padded with one space at each end so that ' word ' is a whole word.
    {ai} in a pattern stands for ai_terms(); every pattern is an RE2 regex over that normalised text.

    Decision, first match wins (ai_attribution_decision):
      1. 'unknown'    fewer than 2 headline words (no URL, not an http(s) URL, slug like /article/123456)
      2. 'ai_cited'   a reason phrase (ai_reason_phrases) in the text without the company's name
      3. 'ai_cited'   a context phrase (ai_context_phrases) once company phrases are masked too
      4. 'ai_company' a company phrase (ai_company_phrases) ...
      5. 'ai_company' ... or an AI/robot word in the company's name or right beside it in the text
      6. 'ai_cited'   an AI word is left in the headline (not the name, not a company phrase): AI is the
                      context the headline gives the cut ("meta-layoffs-ai")
      7. 'none'
    The company's name is removed once, at its first whole-word mention, so a name that is a common
    word ("Scale", "Push") never hides a reason said further on.
-#}

{#- Words that mean AI or automation. Longest first (alternation order). 'ia' = IA in Spanish,
    Portuguese, French, Italian; 'ki' = German KI. 'intelligence' alone is not AI ("market intelligence"). -#}
{% macro ai_terms() -%}
    {{ return([
        'artificial intelligence', 'generative ai', 'gen ai', 'genai', 'machine learning', 'a i', 'ai',
        'ia', 'ki', 'llms', 'llm', 'chatgpt', 'chatbots', 'chatbot', 'agentic',
        'automations', 'automation', 'automating', 'automated', 'automates', 'automate',
    ]) }}
{%- endmacro %}

{#- Machines that replace people: count only in company names/phrases and in "replaced by robots". -#}
{% macro ai_robot_terms() -%}
    {{ return(['robotics', 'robotic', 'robots', 'robot', 'robotaxis', 'robotaxi']) }}
{%- endmacro %}

{#- Reason phrases: the headline gives AI as the reason or context of the cut. Checked on the text
    without the company's name (ai_company_regex), before company phrases are masked. -#}
{% macro ai_reason_phrases() -%}
    {{ return([
        '{ai}(?: chip)? (?:push|pushes|pivot|shift|focus|refocus|strategy|overhaul|transformation|transition|reorg|reorganization|reorganisation|restructuring|restructure|revamp|first|era|spending|spend|investment|investments|capex|bet|bets|expansion|efficiency|efficiencies|efficientie|drive|race|plan|plans|priority|priorities|ambition|ambitions|gains|savings|tools|tool|related|linked|focused|centric|disruption|pressure|pressures|boom|wave|threat|competition|rivalry|productivity|adoption|agents|agent|replacement|takeover|upheaval|reshuffle|consolidation|cuts|layoffs|layoff|job cuts|would|will|could|can|took|takes|replaces|replaced|replacing)',
        '{ai} (?:driven|powered|led|fueled|fuelled|fuels|drives|spurs|prompts|sparks|triggers|hits|costs) (?:efficiency|efficiencies|cuts|job cuts|layoffs|restructuring|overhaul|push|shift|transformation|reorg|jobs|roles|staff|workers)',
        '(?:replace|replaces|replaced|replacing|replacement|swap|swaps|swapped)(?: [a-z0-9]+){0,4} (?:with|by|for) (?:the |its |new )?(?:{ai}|{robot})',
        '(?:because of|due to|blamed on|citing|replaced by|replaced with) (?:ai )?agents',
        '(?:automating|automates|automated|automate)(?: [a-z0-9]+){0,1} (?:operations|jobs|roles|work|tasks|functions|processes)',
        '(?:in favou?r of|due to|because of|owing to|thanks to|blamed on|blame on|blames|blaming|citing|cites|cited|hit by|lost to|lose jobs to|jobs to|roles to|in the face of|to make room for|make way for|to fund|to pay for|freeing up cash for|reinvest in|invest in|invests in|investing in|invest more in|double down on|doubles down on|doubling down on|bet on|bets on|betting on|focus on|focuses on|focusing on|refocus on|refocuses on|pivot to|pivots to|pivoting to|pivot toward|pivot towards|shift to|shifts to|shifting to|shift toward|shift towards|shifts toward|shifts towards|switch to|turn to|turns to|lean into|leans into|embrace|embraces|embracing|prioritize|prioritizes|prioritise|prioritises|prioritizing|emphasize|emphasizes|emphasise|emphasises|spruiks|praises|touts|increasing|rising|growing|pekar pa|wegens)(?: [a-z0-9]+){0,2} {ai}',
    ]) }}
{%- endmacro %}

{#- Strict (ai_reason_stated, docs/ai_attribution.md "Two definitions"): the headline STATES that AI, agents or
    automation replaced the work or caused the cut; a bare mention, context words ("amid", "as", "after") and
    AI as the company's product do not count. Checked on the text without the company's name, only for rows
    the broad rules call ai_cited (every strict case is a broad case). -#}
{% macro ai_strict_phrases() -%}
    {{ return([
        '{ai}(?: chip)? (?:push|pushes|pivot|shift|focus|refocus|strategy|overhaul|transformation|transition|reorg|reorganization|reorganisation|restructuring|restructure|investment|investments|spending|capex|efficiency|efficiencies|efficientie|priority|priorities|related|linked|focused|centric|replacement|takeover|agents|agent|would|will|took|takes|replaces|replaced|replacing|reemplazo|reemplaza|reemplazan|ersetzt)',
        '{ai}(?: [a-z0-9]+){1,2} (?:priority|restructuring|reemplazo|reemplaza)',
        '{ai} (?:driven|powered|led|fueled|fuelled) (?:efficiency|efficiencies|cuts|job cuts|layoffs|restructuring|overhaul|push|shift|transformation|reorg)',
        '(?:replace|replaces|replaced|replacing|replacement|swap|swaps|swapped)(?: [a-z0-9]+){0,4} (?:with|by|for) (?:the |its |new )?(?:{ai}|{robot}|agents)',
        '(?:in favou?r of|due to|because of|owing to|blamed on|blame on|blames|blaming|citing|cites|cited|hit by|lost to|lose jobs to|jobs to|roles to|to make room for|make way for|to fund|to pay for|freeing up cash for|reinvest in|invest in|invests in|investing in|invest more in|double down on|doubles down on|doubling down on|bet on|bets on|betting on|focus on|focuses on|focusing on|refocus on|refocuses on|pivot to|pivots to|pivoting to|pivot toward|pivot towards|shift to|shifts to|shifting to|shift toward|shift towards|shifts toward|shifts towards|switch to|turn to|turns to|lean into|leans into|embrace|embraces|embracing|prioritize|prioritizes|prioritise|prioritises|prioritizing|emphasize|emphasizes|emphasise|emphasises|pekar pa|wegens)(?: [a-z0-9]+){0,2} {ai}',
        '(?:because of|due to|blamed on|citing|replaced by|replaced with) (?:ai )?agents',
        '(?:push for|push towards|push into|drive for|drive to|move to|moves to|transition to|restructuring around|reorganization around)(?: [a-z0-9]+){0,1} {ai}',
        '(?:automating|automates|automated|automate)(?: [a-z0-9]+){0,1} (?:operations|jobs|roles|work|tasks|functions|processes)',
    ]) }}
{%- endmacro %}

{#- Weaker context words: only count when the AI word after them is not part of a company phrase,
    so they are checked on the text with company phrases masked ("as ai startup X cuts" is not a reason). -#}
{% macro ai_context_phrases() -%}
    {{ return([
        '(?:amid|amidst|as|after|over|into|toward|towards|with|push for|push towards|push into|drive for|drive to|race for|move to|moves to|transition to|restructuring around|reorganization around)(?: [a-z0-9]+){0,1} {ai}',
    ]) }}
{%- endmacro %}

{#- Company phrases: AI/automation/robots describe the company (or its product), not the cut. -#}
{% macro ai_company_phrases() -%}
    {{ return([
        '(?:{ai}|{robot})(?: [a-z0-9]+){0,3} (?:startup|startups|start up|company|companies|firm|firms|unicorn|unicorns|chipmaker|chipmakers|chip maker|maker|makers|platform|provider|vendor|developer|lab|labs|outfit|specialist|insurtech|fintech|proptech|edtech|healthtech|medtech|agtech|saas|player|leader|pioneer|darling|upstart|subsidiary|unit|group|business|division)',
        '(?:{ai}|{robot}) (?:powered|based|native|enabled|driven|focused)(?: [a-z0-9]+){0,3} (?:startup|company|firm|platform|insurtech|fintech|proptech|app|software|service|tool|maker)',
        '(?:{ai}|{robot}) (?:pin|device|gadget|chip|chips|hardware|assistant|writing tech|model maker|merger|acquisition|deal)',
    ]) }}
{%- endmacro %}

{#- Words beside a company's name that belong to the name ("Olive AI", "Presto Automation", "Bossa Nova Robotics"). -#}
{% macro ai_name_suffixes() -%}
    {{ return(['ai', 'a i', 'automation', 'robotics', 'labs', 'lab', 'technologies', 'technology', 'tech', 'inc', 'com', 'io']) }}
{%- endmacro %}

{#- Tokens of a URL path that are never headline words. -#}
{% macro ai_boilerplate_words() -%}
    {{ return([
        'html', 'htm', 'shtml', 'php', 'aspx', 'asp', 'amp', 'www', 'http', 'https', 'com', 'article',
        'articles', 'artikel', 'news', 'story', 'stories', 'post', 'posts', 'p', 'index', 'id', 'urn',
        'li', 'activity', 'feed', 'update', 'updates', 'en', 'us', 'uk', 'status', 'content', 'view',
        'embedded', 'checkout', 'intcmp', 'mod', 'utm', 'source', 'ref', 'pdf', 'axd', 'downloadfile',
        'briefings', 'briefing', 'blog', 'node', 'edit', 'doc', 'docs', 'spreadsheets', 'ix', 'ctechnews',
        'noticias', 'nieuws', 'newsroom', 'press', 'release', 'releases', 'live', 'livecoverage',
    ]) }}
{%- endmacro %}

{#- Fetched article titles (opt-in, LAYOFFS_AI_FETCH_HEADLINES=1) that say nothing about the article: bot walls,
    error and login pages, bare site names. RE2 over the normalised padded title; a match leaves the row 'unknown'. -#}
{% macro ai_unusable_title_patterns() -%}
    {{ return([
        '^ (?:just a moment|access denied|attention required|page not found|not found|404|403|forbidden|error|oops|robot check|are you a robot|verify you are human|captcha|security check|subscribe to read|sign in|log in|login|sign up|redirecting|please wait|too many requests)( |$)',
        '^ (?:linkedin|twitter|x|facebook|instagram|youtube|home|homepage|untitled|news|index|page) $',
    ]) }}
{%- endmacro %}

{#- ---------------------------------------------------------------- plumbing below, rules above ---- -#}

{% macro _ai_alt(words) -%}
    (?:{{ words | join('|') }})
{%- endmacro %}

{% macro _ai_pattern(patterns) -%}
    {%- set joined = '(?:' ~ (patterns | join(')|(?:')) ~ ')' -%}
    {{- " (" ~ joined | replace('{ai}', _ai_alt(ai_terms())) | replace('{robot}', _ai_alt(ai_robot_terms())) ~ ") " -}}
{%- endmacro %}

{#- SQL string literal of a regex (single quotes doubled). -#}
{% macro _ai_literal(regex) -%}
    '{{ regex | replace("'", "''") }}'
{%- endmacro %}

{#- Is a fetched title usable as headline text? (normalised padded text `norm`) -#}
{% macro ai_title_usable(norm) -%}
    ({{ norm }} is not null and not regexp_matches({{ norm }}, {{ _ai_literal('(?:' ~ (ai_unusable_title_patterns() | join(')|(?:')) ~ ')') }}))
{%- endmacro %}

{#- Normalised padded text of any text expression (see the header). NULL stays NULL. -#}
{% macro ai_normalize_text(expr) -%}
    ' ' || trim(regexp_replace(regexp_replace(strip_accents(lower(
        coalesce(try(url_decode({{ expr }})), {{ expr }}))), '[''’`]', '', 'g'),
        '[^\p{L}\p{N}]+', ' ', 'g')) || ' '
{%- endmacro %}

{#- The path of an http(s) URL (no host, query or fragment); NULL for anything that is not one. -#}
{% macro ai_url_path(expr) -%}
    case when regexp_matches(trim({{ expr }}), '^https?://[^/?#\s]+', 'i')
        then regexp_extract(trim({{ expr }}), '^https?://[^/?#\s]+([^?#]*)', 1, 'i') end
{%- endmacro %}

{#- Headline words in normalised text: letter-only tokens of 2+ characters that are not boilerplate. -#}
{% macro ai_headline_word_count(norm) -%}
    len(list_filter(string_split(trim({{ norm }}), ' '),
        lambda w: regexp_full_match(w, '\p{L}{2,}')
            and w not in ({% for b in ai_boilerplate_words() %}'{{ b }}'{{ ", " if not loop.last }}{% endfor %})))
{%- endmacro %}

{#- Regex matching the first mention of the company: its key, or the key without trailing name-suffix
    words, followed by any name suffixes ("olive ai", "presto automation"). -#}
{% macro ai_company_regex(company_key) -%}
    {%- set suffix = _ai_alt(ai_name_suffixes()) -%}
    ' (?:' || regexp_replace(trim({{ company_key }}), '[^\p{L}\p{N} ]', '', 'g') || '|'
        || regexp_replace(coalesce(nullif(regexp_replace(trim({{ company_key }}),
            {{ _ai_literal('( ' ~ suffix ~ ')+$') }}, ''), ''), trim({{ company_key }})), '[^\p{L}\p{N} ]', '', 'g')
        || ')' || {{ _ai_literal('(?: ' ~ suffix ~ ')* ') }}
{%- endmacro %}

{#- Regex matching an AI/robot word (and at most one more word) right before the company's name:
    "ai cambricon", "ai startup cohere", "robotic kitchen spyce". -#}
{% macro ai_company_prefix_regex(company_key) -%}
    {{ _ai_literal(' ' ~ _ai_alt(ai_terms() + ai_robot_terms()) ~ '(?: [a-z0-9]+)? ') }}
        || regexp_replace(trim({{ company_key }}), '[^\p{L}\p{N} ]', '', 'g') || ' '
{%- endmacro %}

{#- The company's first whole-word mention in normalised text `norm` (with its name suffixes), '' when absent.
    Its regex is built per row, and RE2 compiles it per row (≈20 µs): a model computes this once per row, as a
    column, and passes it to ai_without_name and ai_attribution_decision. -#}
{% macro ai_name_hit(norm, company_key) -%}
    regexp_extract({{ norm }}, {{ ai_company_regex(company_key) }})
{%- endmacro %}

{#- `norm` with that first mention replaced by one space (what removing it with the name regex gives: the regex's
    leftmost match is also the first place its text occurs), `norm` itself when the key is empty. -#}
{% macro ai_without_name(norm, company_key, name_hit) -%}
    case when length(trim({{ company_key }})) > 0 and {{ name_hit }} <> ''
        then substr({{ norm }}, 1, instr({{ norm }}, {{ name_hit }}) - 1) || ' '
            || substr({{ norm }}, instr({{ norm }}, {{ name_hit }}) + length({{ name_hit }}))
        else {{ norm }} end
{%- endmacro %}

{#- The text's reason / company / context evidence as a struct; `norm` normalised text, `company_key`
    the company's matching key (company_key macro), `name_hit` and `stripped` the columns ai_name_hit and
    ai_without_name computed from them. -#}
{% macro ai_attribution_decision(norm, company_key, name_hit, stripped) -%}
    {%- set any_ai_or_robot = _ai_pattern(['{ai}', '{robot}']) -%}
    {%- set masked = "regexp_replace(" ~ stripped ~ ", " ~ _ai_literal(_ai_pattern(ai_company_phrases())) ~ ", ' ', 'g')" -%}
    {%- set reason = "trim(regexp_extract(" ~ stripped ~ ", " ~ _ai_literal(_ai_pattern(ai_reason_phrases())) ~ "))" -%}
    {%- set context = "trim(regexp_extract(" ~ masked ~ ", " ~ _ai_literal(_ai_pattern(ai_context_phrases())) ~ "))" -%}
    {%- set company_phrase = "trim(regexp_extract(" ~ stripped ~ ", " ~ _ai_literal(_ai_pattern(ai_company_phrases())) ~ "))" -%}
    {%- set bare_name = "regexp_replace(trim(" ~ company_key ~ "), '[^\\p{L}\\p{N} ]', '', 'g')" -%}
    {#- the name regex after an AI word needs ' <name> ' and an AI word in the text: both cheap, checked first -#}
    {%- set name_ai = "(regexp_matches(" ~ name_hit ~ ", " ~ _ai_literal(any_ai_or_robot) ~ ")"
        ~ " or regexp_matches(' ' || " ~ company_key ~ " || ' ', " ~ _ai_literal(any_ai_or_robot) ~ ")"
        ~ " or (length(trim(" ~ company_key ~ ")) > 0 and contains(" ~ norm ~ ", ' ' || " ~ bare_name ~ " || ' ')"
        ~ " and regexp_matches(" ~ norm ~ ", " ~ _ai_literal(any_ai_or_robot) ~ ")"
        ~ " and regexp_matches(" ~ norm ~ ", " ~ ai_company_prefix_regex(company_key) ~ ")))" -%}
    {%- set bare = "trim(regexp_extract(" ~ masked ~ ", " ~ _ai_literal(" ((?:[a-z0-9]+ )?" ~ _ai_alt(ai_terms()) ~ "(?: [a-z0-9]+)?) ") ~ "))" -%}
    case
        when {{ norm }} is null or {{ ai_headline_word_count(norm) }} < 2
            then {'attribution': 'unknown', 'evidence': 'no headline text'}
        when {{ reason }} <> ''
            then {'attribution': 'ai_cited', 'evidence': 'reason: ' || {{ reason }}}
        when {{ context }} <> ''
            then {'attribution': 'ai_cited', 'evidence': 'context: ' || {{ context }}}
        when {{ company_phrase }} <> ''
            then {'attribution': 'ai_company', 'evidence': 'company phrase: ' || {{ company_phrase }}}
        when {{ name_ai }}
            then {'attribution': 'ai_company', 'evidence': 'company name: ' || coalesce(nullif(trim({{ name_hit }}), ''), {{ company_key }})}
        when {{ bare }} <> ''
            then {'attribution': 'ai_cited', 'evidence': 'ai in headline: ' || {{ bare }}}
        else {'attribution': 'none', 'evidence': 'no ai term'}
    end
{%- endmacro %}

{#- Does the broad-ai_cited text `stripped` (normalised, company name removed) state AI as the cause (strict)? -#}
{% macro ai_reason_stated(attribution, stripped) -%}
    ({{ attribution }} = 'ai_cited' and regexp_matches({{ stripped }}, {{ _ai_literal(_ai_pattern(ai_strict_phrases())) }}))
{%- endmacro %}

{#- Sampling frame of the hand-labelled sample (docs/ai_attribution.md): does the text hold any AI,
    automation or robot word at all (the issue's crude regex)? Its word list is FROZEN as it was when the
    sample was drawn, so tuning ai_terms() never moves a labelled row to another stratum (a data test
    checks that the labelled rows still fall in the strata they were drawn from). -#}
{% macro ai_frame_terms() -%}
    {{ return([
        'artificial intelligence', 'generative ai', 'gen ai', 'genai', 'machine learning', 'a i', 'ai',
        'ia', 'ki', 'llms', 'llm', 'chatgpt', 'chatbots', 'chatbot', 'agentic',
        'automations', 'automation', 'automating', 'automated', 'automates', 'automate',
        'robotics', 'robotic', 'robots', 'robot', 'robotaxis', 'robotaxi',
    ]) }}
{%- endmacro %}

{% macro ai_frame_stratum(norm) -%}
    case
        when {{ norm }} is null or {{ ai_headline_word_count(norm) }} < 2 then 'no_text'
        when regexp_matches({{ norm }}, {{ _ai_literal(' ' ~ _ai_alt(ai_frame_terms()) ~ ' ') }}) then 'ai_term'
        else 'no_ai_term'
    end
{%- endmacro %}

{#- An event reported by both trackers: the more informative class wins (ai_cited > ai_company > none >
    unknown): each tracker links its own article or note, and a reason given in either is a reason.
    On a tie layoffs.fyi's row is kept (as for counts). Evidence is prefixed with the tracker it came
    from. `cb` and `fyi` are aliases of int_layoffs__ai_attribution rows (NULL when not reported). -#}
{% macro ai_event_attribution(cb, fyi) -%}
    {%- set rank = "case {a}.ai_attribution when 'ai_cited' then 3 when 'ai_company' then 2 when 'none' then 1 when 'unknown' then 0 else -1 end" -%}
    {%- set fyi_wins = "(" ~ rank.replace('{a}', fyi) ~ " >= " ~ rank.replace('{a}', cb) ~ ")" -%}
    case when {{ fyi_wins }} then {{ fyi }}.ai_attribution else {{ cb }}.ai_attribution end as ai_attribution,
    case when {{ fyi_wins }} then 'layoffs_fyi: ' || {{ fyi }}.ai_attribution_evidence
        else 'crunchbase_tracker: ' || {{ cb }}.ai_attribution_evidence end as ai_attribution_evidence,
    {#- strict: either tracker's headline states AI as the cause (a strict row is ai_cited, so the event is too) -#}
    coalesce({{ fyi }}.ai_reason_stated, false) or coalesce({{ cb }}.ai_reason_stated, false) as ai_reason_stated,
    coalesce(case when {{ fyi_wins }} then {{ fyi }}.ai_text_origin else {{ cb }}.ai_text_origin end, 'none') as ai_text_origin
{%- endmacro %}
