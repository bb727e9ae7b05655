{#- The typing rules, written once (issue 13): DuckDB macros that turn the text raw keeps into values and say,
    in one short reason, why a text is refused. dbt creates them in every invocation (on-run-start:
    `create_parse_rules`) and the staging models use them; bench/floor.py and the tests execute the very same
    statements (the lines between the macro tags below, read by warehouse/parse_rules.py). Plain DuckDB SQL
    only between the tags: no Jinja.
    Readings treat NULL like blank text. A `*_problem` macro returns NULL when the text is fine. -#}
{% macro create_parse_rules() %}
-- Python's str.strip(): these whitespace characters at both ends.
CREATE OR REPLACE MACRO py_strip(s) AS trim(coalesce(s, ''), ' ' || chr(9) || chr(10) || chr(11) || chr(12)
    || chr(13) || chr(28) || chr(29) || chr(30) || chr(31) || chr(133) || chr(160) || chr(5760) || chr(8192)
    || chr(8193) || chr(8194) || chr(8195) || chr(8196) || chr(8197) || chr(8198) || chr(8199) || chr(8200)
    || chr(8201) || chr(8202) || chr(8232) || chr(8233) || chr(8239) || chr(8287) || chr(12288));
-- A text quoted as Python's repr() shows it in a reason: 'x', or "x" when it holds a single quote.
CREATE OR REPLACE MACRO py_repr(s) AS CASE
    WHEN contains(s, '''') AND NOT contains(s, '"') THEN '"' || replace(replace(replace(replace(s, '\', '\\'),
        chr(9), '\t'), chr(10), '\n'), chr(13), '\r') || '"'
    ELSE '''' || replace(replace(replace(replace(replace(s, '\', '\\'), '''', '\'''), chr(9), '\t'), chr(10), '\n'),
        chr(13), '\r') || '''' END;
-- Blank text or a word that means "unknown": the source does not give one number.
CREATE OR REPLACE MACRO is_unclear(t) AS t = '' OR lower(t) IN ('unclear', 'unknown', 'n/a', 'na', 'tbd', '?');
CREATE OR REPLACE MACRO is_range(t) AS regexp_full_match(t,
    '[0-9][0-9,]*(\.[0-9]+)?%?\s*(-|–|—|to)\s*[0-9][0-9,]*(\.[0-9]+)?%?');
CREATE OR REPLACE MACRO text_or_null(s) AS CASE WHEN py_strip(s) <> '' THEN s END;
CREATE OR REPLACE MACRO blank_key(col, s) AS CASE WHEN py_strip(s) = '' THEN col || ': blank key field' END;
CREATE OR REPLACE MACRO labelled(col, problem) AS col || ': ' || problem;

-- Headcounts: '4,000' -> 4000, '16000.0' -> 16000, '1,250 (est.)' -> 1250 (a trailing note is dropped);
-- blank, 'Unclear' and ranges ('100-200') are unclear (NULL); '-40', '12.5', 'lots' are refused.
CREATE OR REPLACE MACRO count_text(s) AS CASE WHEN ends_with(coalesce(s, ''), ')')
    THEN regexp_replace(py_strip(s), '\s*\([^()]*\)$', '') ELSE py_strip(s) END;
CREATE OR REPLACE MACRO is_count(t) AS regexp_full_match(t, '[0-9]{1,3}(,[0-9]{3})+|[0-9]+(\.[0-9]+)?');
CREATE OR REPLACE MACRO count_number(s) AS TRY_CAST(replace(count_text(s), ',', '') AS DOUBLE);
CREATE OR REPLACE MACRO count_problem(s) AS CASE
    WHEN is_unclear(count_text(s)) THEN NULL
    WHEN starts_with(count_text(s), '-') AND is_count(py_strip(count_text(s)[2:])) THEN 'negative count'
    WHEN NOT is_count(count_text(s)) THEN
        CASE WHEN is_range(count_text(s)) THEN NULL ELSE 'cannot parse ' || py_repr(s) || ' as a count' END
    WHEN NOT isfinite(count_number(s)) OR count_number(s) <> floor(count_number(s))
        THEN py_repr(s) || ' is not a whole number' END;
CREATE OR REPLACE MACRO count_unclear(s) AS is_unclear(count_text(s))
    OR (NOT is_count(count_text(s)) AND is_range(count_text(s)));
CREATE OR REPLACE MACRO count_value(s) AS CASE WHEN is_count(count_text(s)) AND isfinite(count_number(s))
    AND count_number(s) = floor(count_number(s)) THEN count_number(s) END;

-- Shares as a fraction: '13%' -> 0.13, '0.27%' -> 0.0027, '0.15' -> 0.15; blank, 'Unclear' and ranges are
-- unclear; above 100% (or above 1 without '%'), negative or other text is refused.
CREATE OR REPLACE MACRO is_percent(t) AS regexp_full_match(t, '([0-9]+(\.[0-9]+)?|\.[0-9]+)\s*%?');
CREATE OR REPLACE MACRO percent_digits(t) AS regexp_extract(t, '^([0-9]+(\.[0-9]+)?|\.[0-9]+)', 1);
CREATE OR REPLACE MACRO percent_problem(s) AS CASE
    WHEN is_unclear(py_strip(s)) THEN NULL
    WHEN NOT is_percent(py_strip(s)) THEN CASE
        WHEN starts_with(py_strip(s), '-') AND is_percent(py_strip(py_strip(s)[2:])) THEN 'negative percentage'
        WHEN is_range(py_strip(s)) THEN NULL
        ELSE 'cannot parse ' || py_repr(s) || ' as a percentage' END
    WHEN ends_with(py_strip(s), '%') AND CAST(percent_digits(py_strip(s)) AS DOUBLE) > 100
        THEN py_repr(s) || ' is above 100%'
    WHEN NOT ends_with(py_strip(s), '%') AND CAST(percent_digits(py_strip(s)) AS DOUBLE) > 1
        THEN py_repr(s) || ' is above 1 as a fraction' END;
CREATE OR REPLACE MACRO percent_unclear(s) AS is_unclear(py_strip(s))
    OR (NOT is_percent(py_strip(s)) AND is_range(py_strip(s)));
CREATE OR REPLACE MACRO percent_value(s) AS CASE WHEN is_percent(py_strip(s)) THEN
    CAST(percent_digits(py_strip(s)) || CASE WHEN ends_with(py_strip(s), '%') THEN 'e-2' ELSE '' END AS DOUBLE) END;

-- Dates. M/D/YYYY and M/D/YY (two-digit years are 20xx), as the CSV exports write them:
CREATE OR REPLACE MACRO mdy_date(s) AS CASE
    WHEN regexp_full_match(py_strip(s), '[0-9]{1,2}/[0-9]{1,2}/([0-9]{4}|[0-9]{2})') THEN try(make_date(
        CAST(regexp_extract(py_strip(s), '/([0-9]+)$', 1) AS INTEGER)
            + CASE WHEN length(regexp_extract(py_strip(s), '/([0-9]+)$', 1)) = 2 THEN 2000 ELSE 0 END,
        CAST(split_part(py_strip(s), '/', 1) AS INTEGER), CAST(split_part(py_strip(s), '/', 2) AS INTEGER))) END;
CREATE OR REPLACE MACRO mdy_date_problem(s) AS CASE WHEN mdy_date(s) IS NULL
    THEN 'cannot parse ' || py_repr(s) || ' as M/D/YYYY' END;
-- YYYY-MM-DD, strictly (Epoch, Indeed):
CREATE OR REPLACE MACRO iso_date(s) AS CASE
    WHEN regexp_full_match(py_strip(s), '[0-9]{4}-[0-9]{2}-[0-9]{2}') AND NOT starts_with(py_strip(s), '0000')
    THEN TRY_CAST(py_strip(s) AS DATE) END;
CREATE OR REPLACE MACRO iso_date_problem(s) AS CASE WHEN iso_date(s) IS NULL
    THEN 'cannot parse ' || py_repr(s) || ' as YYYY-MM-DD' END;
-- An ISO date, or an ISO datetime as Airtable gives date cells ('2023-01-04T00:00:00.000Z'): its date part.
CREATE OR REPLACE MACRO iso_datetime_date(s) AS CASE WHEN regexp_full_match(py_strip(s),
    '[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?(Z|[+-][0-9]{2}:?[0-9]{2})?)?')
    THEN iso_date(left(py_strip(s), 10)) END;
CREATE OR REPLACE MACRO iso_datetime_date_problem(s) AS CASE WHEN iso_datetime_date(s) IS NULL
    THEN 'cannot parse ' || py_repr(s) || ' as YYYY-MM-DD' END;
-- Dates on web pages: 'Nov. 18, 2022', 'Sept. 28, 2022', 'November 18 2022', M/D/YYYY, M/D/YY or ISO.
CREATE OR REPLACE MACRO month_number(name) AS coalesce(
    list_position(['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'], lower(name)),
    list_position(['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october',
                   'november', 'december'], lower(name)),
    CASE WHEN lower(name) = 'sept' THEN 9 END);
CREATE OR REPLACE MACRO text_date(s) AS coalesce(mdy_date(s), iso_date(s), CASE
    WHEN regexp_full_match(py_strip(s), '[A-Za-z]+\.?\s+[0-9]{1,2},?\s+[0-9]{4}') THEN try(make_date(
        CAST(regexp_extract(py_strip(s), '([0-9]{4})$', 1) AS INTEGER),
        month_number(regexp_extract(py_strip(s), '^([A-Za-z]+)', 1)),
        CAST(regexp_extract(py_strip(s), '\s([0-9]{1,2}),?\s', 1) AS INTEGER))) END);
CREATE OR REPLACE MACRO text_date_problem(s) AS CASE WHEN text_date(s) IS NULL
    THEN 'cannot parse ' || py_repr(s) || ' as a date like ''Nov. 18, 2022'' or M/D/YYYY' END;

-- Numbers: '2400000000.0', '9.504e+22', '1,500' -> DOUBLE; blank -> NULL; 'nan', 'inf' and other text refused.
CREATE OR REPLACE MACRO float_value(s) AS TRY_CAST(replace(py_strip(s), ',', '') AS DOUBLE);
CREATE OR REPLACE MACRO float_problem(s) AS CASE
    WHEN py_strip(s) = '' THEN NULL
    WHEN float_value(s) IS NULL THEN 'cannot parse ' || py_repr(s) || ' as a number'
    WHEN NOT isfinite(float_value(s)) THEN py_repr(s) || ' is not a finite number' END;
CREATE OR REPLACE MACRO amount_problem(s) AS coalesce(float_problem(s),
    CASE WHEN float_value(s) < 0 THEN 'negative amount' END);
-- Flags: True/yes/y/1/t/checked, False/no/n/0/f; blank is false.
CREATE OR REPLACE MACRO flag_value(s) AS CASE
    WHEN lower(py_strip(s)) IN ('true', 'yes', 'y', '1', 't', 'checked') THEN true
    WHEN lower(py_strip(s)) IN ('false', 'no', 'n', '0', 'f', '') THEN false END;
CREATE OR REPLACE MACRO flag_problem(s) AS CASE WHEN flag_value(s) IS NULL
    THEN 'cannot parse ' || py_repr(s) || ' as true/false' END;

-- Plausibility (issue 11): outside these bounds a value is a reject with its reason, never a row that silently
-- stretches every statistic. Dates may lie up to 31 days after the snapshot date (announced cuts).
CREATE OR REPLACE MACRO latest_plausible(snapshot_date) AS CAST(snapshot_date + INTERVAL 31 DAY AS DATE);
CREATE OR REPLACE MACRO outside_dates(col, d, earliest, snapshot_date) AS CASE
    WHEN d < earliest OR d > latest_plausible(snapshot_date) THEN col || ': ' || strftime(d, '%Y-%m-%d')
        || ' is outside the plausible range ' || strftime(earliest, '%Y-%m-%d') || '..'
        || strftime(latest_plausible(snapshot_date), '%Y-%m-%d') END;
-- `shown`: the value as the reason prints it (counts as whole numbers, the index as a decimal)
CREATE OR REPLACE MACRO outside_numbers(col, v, shown, low, high) AS CASE WHEN v < low OR v > high
    THEN col || ': ' || shown || ' is outside the plausible range ' || format('{:,}', low) || '..'
        || format('{:,}', high) END;
-- layoff events: dates 2000-01-01 .. snapshot + 31 days, counts 1 .. 1,000,000
CREATE OR REPLACE MACRO layoff_date_problem(col, d, snapshot_date) AS
    outside_dates(col, d, DATE '2000-01-01', snapshot_date);
CREATE OR REPLACE MACRO layoff_count_problem(col, v) AS
    outside_numbers(col, v, coalesce(format('{:,}', TRY_CAST(v AS HUGEINT)), CAST(v AS VARCHAR)), 1, 1000000);
-- Epoch: publication dates from 1940-01-01 (the lists go back to the 1950s; anything earlier is a typo)
CREATE OR REPLACE MACRO model_date_problem(col, d, snapshot_date) AS
    outside_dates(col, d, DATE '1940-01-01', snapshot_date);
-- Indeed: dates from 2020-01-01 (the index starts on 2020-02-01 = 100), index 0 .. 10,000
CREATE OR REPLACE MACRO posting_date_problem(col, d, snapshot_date) AS
    outside_dates(col, d, DATE '2020-01-01', snapshot_date);
CREATE OR REPLACE MACRO posting_index_problem(col, v) AS outside_numbers(col, v, format('{:,}', v), 0.0, 10000.0);

-- WARN notices (issue 24), every state's export: dates are M/D/YYYY (Washington) or ISO, with or without a time
-- ('2003-05-01 00:00:00', Oregon); two-digit years are refused (1998 or 2098?).
CREATE OR REPLACE MACRO warn_date(s) AS CASE
    WHEN regexp_full_match(py_strip(s), '[0-9]{1,2}/[0-9]{1,2}/[0-9]{4}') THEN mdy_date(s)
    WHEN regexp_full_match(py_strip(s), '[0-9]{4}-[0-9]{2}-[0-9]{2}([ T][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]+)?)?)?')
        THEN iso_date(left(py_strip(s), 10)) END;
-- Spreadsheet zero dates standing for "no date" (Excel's 1899-12-30 and 1900-01-00, and 1899-12-29 that Oregon's
-- legacy rows carry): the row is refused with this reason, never typed as a date or silently blanked.
CREATE OR REPLACE MACRO warn_placeholder_date(s) AS regexp_full_match(py_strip(s),
    '(1899-12-(29|30|31)|1900-01-00)([ T].*)?|12/(29|30|31)/1899|0?1/0?0/1900');
CREATE OR REPLACE MACRO warn_date_problem(s) AS CASE
    WHEN warn_placeholder_date(s) THEN py_repr(py_strip(s)) || ' is a placeholder for a missing date'
    WHEN warn_date(s) IS NULL THEN 'cannot parse ' || py_repr(coalesce(s, '')) || ' as M/D/YYYY or YYYY-MM-DD' END;
-- The WARN Act was enacted on 1988-08-04: Oregon's list starts in 1988, so the trackers' 2000 floor does not apply.
-- Notices are received up to the snapshot (+ 31 days, as every source); a layoff may start up to 3 years later.
CREATE OR REPLACE MACRO warn_notice_date_problem(col, d, snapshot_date) AS
    outside_dates(col, d, DATE '1988-08-04', snapshot_date);
CREATE OR REPLACE MACRO warn_effective_date_problem(col, d, snapshot_date) AS CASE
    WHEN d < DATE '1988-08-04' OR d > CAST(snapshot_date + INTERVAL 3 YEAR AS DATE) THEN col || ': '
        || strftime(d, '%Y-%m-%d') || ' is outside the plausible range 1988-08-04..'
        || strftime(CAST(snapshot_date + INTERVAL 3 YEAR AS DATE), '%Y-%m-%d') END;
-- Workers: a count 0 .. 1,000,000 (0 is what a state shows when the notice gives no number: typed as NULL).
CREATE OR REPLACE MACRO warn_workers_problem(col, v) AS
    outside_numbers(col, v, coalesce(format('{:,}', TRY_CAST(v AS HUGEINT)), CAST(v AS VARCHAR)), 0, 1000000);
-- A street address where the employer's name belongs (Oregon's legacy rows): a house number, a street word, then
-- ', City, ST' and maybe a ZIP code, cut or not ('1651 SOUTH F STREET, SPRINGFIELD, OR 97').
CREATE OR REPLACE MACRO warn_address_problem(s) AS CASE WHEN regexp_full_match(py_strip(s),
    '(?i)[0-9]{1,6}[a-z]?\s+[^,]*\b(street|st|road|rd|avenue|ave|boulevard|blvd|drive|dr|way|lane|ln|highway|hwy|'
    || 'parkway|pkwy|court|ct|place|pl|circle|cir|suite|ste)\b\.?\s*,[^,]+,\s*[a-z]{2}\b[0-9 -]*')
    THEN py_repr(regexp_replace(py_strip(s), '\s+', ' ', 'g')) || ' is a street address, not an employer' END;
-- Layoff or closure, from a state's own column ('Layoff', 'Closure') or its one label (Oregon: 'Permanent closure',
-- 'Reduction', 'Large Layoff - 10 or more workers', 'Temporary Layoff', 'Small Layoff  1 – 10 workers', 'Other').
CREATE OR REPLACE MACRO warn_notice_type(s) AS CASE
    WHEN regexp_matches(lower(py_strip(s)), '\b(closure|closing|closed)\b') THEN 'closure'
    WHEN regexp_matches(lower(py_strip(s)), '\b(layoff|lay-off|reduction)\b') OR lower(py_strip(s)) = 'other'
        THEN 'layoff' END;
CREATE OR REPLACE MACRO warn_notice_type_problem(s) AS CASE WHEN warn_notice_type(s) IS NULL
    THEN 'cannot read ' || py_repr(coalesce(s, '')) || ' as a layoff or a closure' END;
-- Temporary or permanent: true / false when the text says so; NULL when it says neither ('N/A', Oregon's
-- 'Reduction'). `warn_duration_problem` is for a state's own Permanent/Temporary column: other words are refused.
CREATE OR REPLACE MACRO warn_temporary(s) AS CASE
    WHEN regexp_matches(lower(py_strip(s)), '\btemporary\b') THEN true
    WHEN regexp_matches(lower(py_strip(s)), '\bpermanent\b') THEN false END;
CREATE OR REPLACE MACRO warn_duration_problem(s) AS CASE
    WHEN warn_temporary(s) IS NULL AND NOT is_unclear(lower(py_strip(s)))
    THEN 'cannot read ' || py_repr(s) || ' as permanent or temporary' END;
{% endmacro %}
