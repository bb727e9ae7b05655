"""The benchmark floor: one plain Python + DuckDB process doing the marts' transforms (no Dagster, no dbt, no tests).

Usage: python bench/floor.py --snapshots ../shared/data --db /tmp/floor.duckdb

Reads the source CSVs the registry names with DuckDB's read_csv (all text), types them with the staging
macros themselves (dbt_project/macros/parse_rules.sql), applies the same cross-source dedup as
models/intermediate (rounds of mutual-nearest matching) and builds the eight marts plus one cheap step of
analytics (Pearson correlations of the combined monthly table). Differences from the pipeline are listed in bench/results.md.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import duckdb

from ingestion import sources
from warehouse import parse_rules

# dataset id -> its offline file pattern, from the source registry (ingestion/sources/)
FILES = {dataset_id: dataset.offline_glob for dataset_id, (dataset, _) in sources.DATASETS.items()}
WINDOW_DAYS, ROUNDS = 7, 6  # dbt vars dedup_window_days / dedup_match_rounds
SECTORS = {"Software Development": "postings_software_development", "Mathematics": "postings_mathematics",
           "Scientific Research & Development": "postings_scientific_research",
           "IT Operations & Helpdesk": "postings_it_operations"}

# the typing rules are the staging macros themselves (warehouse.parse_rules); these two are the floor's names
MACROS = r"""
CREATE OR REPLACE MACRO clean_name(s) AS nullif(trim(regexp_replace(s, '\s+', ' ', 'g')), '');
CREATE OR REPLACE MACRO company_key(s) AS coalesce(nullif(trim(regexp_replace(regexp_replace(regexp_replace(
    regexp_replace(regexp_replace(strip_accents(lower(trim(s))), '\.com\b', '', 'g'), '[''’`]', '', 'g'),
    '[[:punct:]]', ' ', 'g'), '\s+', ' ', 'g'),
    '( (inc|incorporated|corp|corporation|co|ltd|limited|llc|plc|gmbh))+ ?$', '')), ''), lower(trim(s)));
"""


def spine(first: str, last: str) -> str:
    return (f"CAST(unnest(generate_series(CAST(date_trunc('month', {first}) AS DATE), "
            f"CAST(date_trunc('month', {last}) AS DATE), INTERVAL 1 MONTH)) AS DATE)")


def raw_sql(paths: dict[str, Path]) -> list[str]:
    """Raw tables: text as found, blank keys / future dates / exact duplicates dropped (the parser rejects them)."""
    def src(key: str) -> str:
        return (f"(SELECT DISTINCT * FROM read_csv('{paths[key]}', header = true, all_varchar = true, "
                f"quote = '\"', escape = '\"', max_line_size = 10000000))")
    return [
        f"CREATE TABLE raw_crunchbase AS SELECT row_number() OVER () AS row_id, * FROM {src('crunchbase_tracker')} "
        "WHERE trim(coalesce(Company, '')) <> '' AND coalesce(mdy_date(Reported_date), DATE '1900-01-01') <= current_date",
        f"CREATE TABLE raw_fyi AS SELECT row_number() OVER () AS row_id, * FROM {src('layoffs_fyi')} "
        "WHERE trim(coalesce(company, '')) <> '' AND coalesce(mdy_date(date), DATE '1900-01-01') <= current_date",
        "CREATE TABLE raw_epoch AS SELECT row_number() OVER () AS row_id, * FROM ("
        f"SELECT 'notable' AS dataset, * FROM {src('epoch_notable')} UNION ALL BY NAME "
        f"SELECT 'all' AS dataset, * FROM {src('epoch_all')}) WHERE trim(coalesce(Model, '')) <> ''",
        f"CREATE TABLE raw_sector AS SELECT CAST(date AS DATE) AS posting_date, jobcountry AS job_country, variable, "
        f"display_name AS sector, CAST(indeed_job_postings_index AS DOUBLE) AS postings_index FROM {src('indeed_postings_by_sector')}",
        f"CREATE TABLE raw_aggregate AS SELECT CAST(date AS DATE) AS posting_date, jobcountry AS job_country, variable, "
        f"CAST(indeed_job_postings_index_SA AS DOUBLE) AS postings_index_sa FROM {src('indeed_postings_aggregate')}",
    ]


def events_sql() -> list[str]:
    """Per-source events (int_layoffs__source_events / fct_source_layoffs) and the cross-source matches."""
    rounds = []
    for r in range(1, ROUNDS + 1):
        anti = "".join(f" ANTI JOIN matched_{p} m{p}a ON c.crunchbase_ref = m{p}a.crunchbase_ref"
                       f" ANTI JOIN matched_{p} m{p}b ON c.layoffs_fyi_ref = m{p}b.layoffs_fyi_ref" for p in range(1, r))
        rounds.append(
            f"ranked_{r} AS (SELECT *, row_number() OVER (PARTITION BY crunchbase_ref ORDER BY day_gap, layoffs_fyi_date, "
            f"layoffs_fyi_ref) AS rc, row_number() OVER (PARTITION BY layoffs_fyi_ref ORDER BY day_gap, crunchbase_date, "
            f"crunchbase_ref) AS rf FROM (SELECT c.* FROM candidates c{anti})), "
            f"matched_{r} AS (SELECT crunchbase_ref, layoffs_fyi_ref, company_key, crunchbase_date, layoffs_fyi_date, "
            f"day_gap, {r} AS match_round FROM ranked_{r} WHERE rc = 1 AND rf = 1)")
    return [
        "CREATE TABLE fct_source_layoffs AS WITH u AS ("
        "SELECT 'crunchbase_tracker:' || row_id AS source_event_id, 'crunchbase_tracker' AS source, "
        "mdy_date(Reported_date) AS event_date, clean_name(Company) AS company, try_cast(count_value(Num_layoffs) AS BIGINT) AS laid_off, "
        "percent_value(Pct_impacted) AS pct_impacted, 'United States' AS country, true AS is_us, "
        "nullif(trim(Industry), '') AS industry FROM raw_crunchbase UNION ALL "
        "SELECT 'layoffs_fyi:' || row_id, 'layoffs_fyi', mdy_date(date), clean_name(company), "
        "try_cast(count_value(total_laid_off) AS BIGINT), percent_value(percentage_laid_off), nullif(trim(country), ''), "
        "coalesce(nullif(trim(country), '') = 'United States', false), nullif(trim(industry), '') FROM raw_fyi) "
        "SELECT *, company_key(company) AS company_key, laid_off IS NOT NULL AS count_known FROM u",
        "CREATE TABLE matches AS WITH ev AS (SELECT source_event_id, source, event_date, company_key "
        "FROM fct_source_layoffs WHERE event_date IS NOT NULL), candidates AS (SELECT cb.source_event_id AS crunchbase_ref, "
        "fyi.source_event_id AS layoffs_fyi_ref, cb.company_key, cb.event_date AS crunchbase_date, "
        "fyi.event_date AS layoffs_fyi_date, abs(datediff('day', cb.event_date, fyi.event_date)) AS day_gap "
        "FROM ev cb JOIN ev fyi ON cb.company_key = fyi.company_key AND cb.source = 'crunchbase_tracker' "
        f"AND fyi.source = 'layoffs_fyi' AND abs(datediff('day', cb.event_date, fyi.event_date)) <= {WINDOW_DAYS}), "
        + ", ".join(rounds) + " " + " UNION ALL ".join(f"SELECT * FROM matched_{r}" for r in range(1, ROUNDS + 1)),
        "CREATE TABLE fct_layoff_events AS WITH cb AS (SELECT * FROM fct_source_layoffs WHERE source = 'crunchbase_tracker'), "
        "fyi AS (SELECT * FROM fct_source_layoffs WHERE source = 'layoffs_fyi'), p AS ("
        "SELECT crunchbase_ref, layoffs_fyi_ref FROM matches UNION ALL "
        "SELECT source_event_id, NULL FROM cb WHERE source_event_id NOT IN (SELECT crunchbase_ref FROM matches) UNION ALL "
        "SELECT NULL, source_event_id FROM fyi WHERE source_event_id NOT IN (SELECT layoffs_fyi_ref FROM matches)) "
        "SELECT md5(coalesce(p.crunchbase_ref, '') || '|' || coalesce(p.layoffs_fyi_ref, '')) AS event_id, "
        "least(cb.event_date, fyi.event_date) AS event_date, coalesce(fyi.company, cb.company) AS company, "
        "company_key(coalesce(fyi.company, cb.company)) AS company_key, coalesce(fyi.laid_off, cb.laid_off) AS laid_off, "
        "coalesce(fyi.laid_off, cb.laid_off) IS NOT NULL AS count_known, "
        "CASE WHEN fyi.laid_off IS NULL AND cb.laid_off IS NOT NULL THEN coalesce(cb.pct_impacted, fyi.pct_impacted) "
        "ELSE coalesce(fyi.pct_impacted, cb.pct_impacted) END AS pct_impacted, "
        "CASE WHEN p.crunchbase_ref IS NOT NULL THEN coalesce(fyi.country, 'United States') ELSE fyi.country END AS country, "
        "p.crunchbase_ref IS NOT NULL OR coalesce(fyi.is_us, false) AS is_us, coalesce(fyi.industry, cb.industry) AS industry, "
        "CASE WHEN p.crunchbase_ref IS NOT NULL AND p.layoffs_fyi_ref IS NOT NULL THEN 'crunchbase_tracker+layoffs_fyi' "
        "WHEN p.crunchbase_ref IS NOT NULL THEN 'crunchbase_tracker' ELSE 'layoffs_fyi' END AS sources, "
        "p.crunchbase_ref, p.layoffs_fyi_ref, CASE WHEN fyi.laid_off IS NOT NULL THEN 'layoffs_fyi' "
        "WHEN cb.laid_off IS NOT NULL THEN 'crunchbase_tracker' END AS count_source, "
        "CASE WHEN p.crunchbase_ref IS NULL OR p.layoffs_fyi_ref IS NULL THEN 'single_source' "
        "WHEN cb.laid_off IS NULL AND fyi.laid_off IS NULL THEN 'both_unknown' WHEN fyi.laid_off IS NULL "
        "THEN 'only_crunchbase_known' WHEN cb.laid_off IS NULL THEN 'only_layoffs_fyi_known' "
        "WHEN cb.laid_off = fyi.laid_off THEN 'both_known_equal' ELSE 'both_known_prefer_layoffs_fyi' END AS count_rule "
        "FROM p LEFT JOIN cb ON p.crunchbase_ref = cb.source_event_id "
        "LEFT JOIN fyi ON p.layoffs_fyi_ref = fyi.source_event_id",
    ]


def marts_sql() -> list[str]:
    """layoffs_monthly, layoff_count_stats, fct_model_releases, model_releases_monthly, job_postings_monthly, combined."""
    model_cols = ["models", "models_industry", "models_academia", "models_collaboration", "models_other_org",
                  "models_language", "models_vision", "models_multimodal", "models_other_domain", "open_weights", "frontier"]
    sector_avgs = ", ".join(f"avg(postings_index) FILTER (WHERE sector = '{s}') AS {c}" for s, c in SECTORS.items())
    sector_list = ", ".join(f"'{s}'" for s in SECTORS)
    return [
        "CREATE TABLE layoffs_monthly AS WITH ev AS (SELECT source, event_date, company_key, laid_off, is_us "
        "FROM fct_source_layoffs UNION ALL SELECT 'deduplicated', event_date, company_key, laid_off, is_us FROM fct_layoff_events), "
        "scoped AS (SELECT *, 'global' AS scope FROM ev UNION ALL SELECT *, 'us' FROM ev WHERE is_us), "
        f"sp AS (SELECT source, scope, month FROM (SELECT source, {spine('min(event_date)', 'max(event_date)')} AS month "
        "FROM ev GROUP BY source) CROSS JOIN (VALUES ('global'), ('us')) s(scope)), "
        "m AS (SELECT source, scope, CAST(date_trunc('month', event_date) AS DATE) AS month, count(*) AS events, "
        "count(laid_off) AS events_with_count, sum(laid_off) AS laid_off, count(DISTINCT company_key) AS companies "
        "FROM scoped GROUP BY ALL), f AS (SELECT sp.month, sp.source, sp.scope, coalesce(m.events, 0) AS events, "
        "coalesce(m.events_with_count, 0) AS events_with_count, CAST(coalesce(m.laid_off, 0) AS BIGINT) AS laid_off, "
        "coalesce(m.companies, 0) AS companies FROM sp LEFT JOIN m USING (source, scope, month)) "
        "SELECT *, CASE WHEN events > 0 THEN (events - events_with_count) / events END AS unknown_count_share, "
        "CASE WHEN count(*) OVER w = 4 THEN avg(laid_off) OVER w END AS rolling_4m_laid_off FROM f "
        "WINDOW w AS (PARTITION BY source, scope ORDER BY month ROWS BETWEEN 3 PRECEDING AND CURRENT ROW)",
        "CREATE TABLE layoff_count_stats AS WITH ev AS (SELECT source, event_date, laid_off FROM fct_source_layoffs "
        "UNION ALL SELECT 'deduplicated', event_date, laid_off FROM fct_layoff_events) SELECT source, "
        "CAST(year(event_date) AS INTEGER) AS year, count(*) AS events, count(laid_off) AS events_with_count, "
        "count(*) - count(laid_off) AS events_unknown, max(laid_off) AS max_laid_off, min(laid_off) AS min_laid_off, "
        "avg(laid_off) AS mean_laid_off, quantile_cont(laid_off, 0.5) AS median_laid_off, "
        "stddev_samp(laid_off) AS std_laid_off FROM ev WHERE event_date IS NOT NULL GROUP BY ALL",
        "CREATE TABLE fct_model_releases AS WITH m AS (SELECT 'epoch:' || row_id AS model_release_id, dataset, "
        "trim(Model) AS model, nullif(trim(Organization), '') AS organization, \"Organization categorization\" AS orgcat, "
        "Domain AS domain, iso_date(\"Publication date\") AS publication_date, \"Model accessibility\" AS access, "
        "CASE WHEN dataset = 'notable' THEN coalesce(lower(trim(\"Frontier model\")) IN ('true', 'yes', 'y', '1', 't', "
        "'checked'), false) END AS frontier_model FROM raw_epoch WHERE coalesce(iso_date(\"Publication date\"), "
        "DATE '1900-01-01') <= current_date), nf AS (SELECT lower(model) AS ml, bool_or(coalesce(frontier_model, false)) "
        "AS f FROM m WHERE dataset = 'notable' GROUP BY 1), c AS (SELECT m.*, list_sort(list_distinct(list_filter("
        "list_transform(string_split(lower(coalesce(orgcat, '')), ','), lambda x: trim(x)), lambda x: x <> ''))) AS oc, "
        "list_filter(list_transform(string_split(lower(coalesce(domain, '')), ','), lambda x: trim(x)), lambda x: x <> '') AS dm FROM m) "
        "SELECT model_release_id, dataset, model, organization, CASE WHEN len(oc) = 0 THEN 'unknown' "
        "WHEN len(oc) > 1 THEN 'collaboration' WHEN oc[1] = 'industry' THEN 'industry' WHEN oc[1] = 'academia' "
        "THEN 'academia' ELSE 'other' END AS organization_category, CASE WHEN list_contains(dm, 'multimodal') OR "
        "(list_contains(dm, 'language') AND list_contains(dm, 'vision')) THEN 'multimodal' WHEN list_contains(dm, 'language') "
        "THEN 'language' WHEN list_has_any(dm, ['vision', 'image generation', 'video']) THEN 'vision' ELSE 'other' END "
        "AS domain_group, publication_date, CAST(date_trunc('month', publication_date) AS DATE) AS release_month, "
        "coalesce(access LIKE 'Open weights%', false) AS is_open_weights, CASE WHEN frontier_model IS NOT NULL "
        "THEN frontier_model ELSE coalesce(nf.f, false) END AS is_frontier FROM c LEFT JOIN nf ON lower(c.model) = nf.ml",
        "CREATE TABLE model_releases_monthly AS WITH r AS (SELECT * FROM fct_model_releases WHERE release_month IS NOT NULL), "
        f"sp AS (SELECT dataset, {spine('min(release_month)', 'max(release_month)')} AS month FROM r GROUP BY dataset), "
        "m AS (SELECT dataset, release_month AS month, count(*) AS models, "
        "count(*) FILTER (WHERE organization_category = 'industry') AS models_industry, "
        "count(*) FILTER (WHERE organization_category = 'academia') AS models_academia, "
        "count(*) FILTER (WHERE organization_category = 'collaboration') AS models_collaboration, "
        "count(*) FILTER (WHERE organization_category IN ('other', 'unknown')) AS models_other_org, "
        "count(*) FILTER (WHERE domain_group = 'language') AS models_language, "
        "count(*) FILTER (WHERE domain_group = 'vision') AS models_vision, "
        "count(*) FILTER (WHERE domain_group = 'multimodal') AS models_multimodal, "
        "count(*) FILTER (WHERE domain_group = 'other') AS models_other_domain, "
        "count(*) FILTER (WHERE is_open_weights) AS open_weights, count(*) FILTER (WHERE is_frontier) AS frontier "
        "FROM r GROUP BY ALL) SELECT sp.month, sp.dataset, "
        + ", ".join(f"CAST(coalesce(m.{c}, 0) AS BIGINT) AS {c}" for c in model_cols)
        + " FROM sp LEFT JOIN m USING (dataset, month)",
        f"CREATE TABLE job_postings_monthly AS WITH sm AS (SELECT CAST(date_trunc('month', posting_date) AS DATE) AS month, "
        f"{sector_avgs} FROM raw_sector WHERE variable = 'total postings' AND job_country = 'US' AND sector IN ({sector_list}) "
        "GROUP BY 1), tm AS (SELECT CAST(date_trunc('month', posting_date) AS DATE) AS month, avg(postings_index_sa) "
        "AS postings_total FROM raw_aggregate WHERE variable = 'total postings' AND job_country = 'US' GROUP BY 1), "
        f"sp AS (SELECT {spine('min(month)', 'max(month)')} AS month FROM (SELECT month FROM sm UNION ALL SELECT month FROM tm)) "
        f"SELECT sp.month, {', '.join('sm.' + c for c in SECTORS.values())}, tm.postings_total "
        "FROM sp LEFT JOIN sm USING (month) LEFT JOIN tm USING (month)",
        "CREATE TABLE layoffs_vs_ai_monthly AS WITH l AS (SELECT * FROM layoffs_monthly WHERE source = 'deduplicated'), "
        "b AS (SELECT greatest((SELECT min(month) FROM l), (SELECT min(month) FROM model_releases_monthly WHERE dataset = "
        "'notable'), (SELECT min(month) FROM model_releases_monthly WHERE dataset = 'all')) AS f, least((SELECT max(month) "
        "FROM l), (SELECT max(month) FROM model_releases_monthly WHERE dataset = 'notable'), (SELECT max(month) FROM "
        f"model_releases_monthly WHERE dataset = 'all')) AS t), sp AS (SELECT {spine('f', 't')} AS month FROM b WHERE f <= t) "
        "SELECT sp.month, coalesce(g.events, 0) AS layoff_events, coalesce(g.laid_off, 0) AS laid_off, g.rolling_4m_laid_off, "
        "coalesce(u.events, 0) AS layoff_events_us, coalesce(u.laid_off, 0) AS laid_off_us, coalesce(n.models, 0) AS "
        "notable_models, coalesce(a.models, 0) AS all_models, p.* EXCLUDE (month) FROM sp "
        "LEFT JOIN l g ON g.month = sp.month AND g.scope = 'global' LEFT JOIN l u ON u.month = sp.month AND u.scope = 'us' "
        "LEFT JOIN model_releases_monthly n ON n.month = sp.month AND n.dataset = 'notable' "
        "LEFT JOIN model_releases_monthly a ON a.month = sp.month AND a.dataset = 'all' "
        "LEFT JOIN job_postings_monthly p ON p.month = sp.month",
        "CREATE TABLE correlations AS SELECT corr(laid_off, notable_models) AS laid_off_vs_notable, "
        "corr(laid_off, all_models) AS laid_off_vs_all, corr(laid_off, postings_software_development) AS laid_off_vs_swdev, "
        "corr(notable_models, postings_software_development) AS notable_vs_swdev FROM layoffs_vs_ai_monthly",
    ]


def build(snapshots: Path, db: Path) -> dict[str, int]:
    paths = {}
    for key, pattern in FILES.items():
        found = sorted(snapshots.glob(pattern))
        if not found:
            raise FileNotFoundError(f"floor: no file matching {pattern} in {snapshots}")
        paths[key] = found[-1]
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    try:
        parse_rules.create(con)
        con.execute(MACROS)
        for sql in raw_sql(paths) + events_sql() + marts_sql():
            con.execute(sql)
        tables = [r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() ORDER BY 1").fetchall()]
        return {t: con.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0] for t in tables}
    finally:
        con.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--snapshots", type=Path, required=True, help="folder with the six source files")
    parser.add_argument("--db", type=Path, required=True, help="DuckDB file to (re)create")
    args = parser.parse_args(argv)
    started = time.monotonic()
    try:
        counts = build(args.snapshots, args.db)
    except (FileNotFoundError, duckdb.Error) as exc:
        print(f"floor: {' '.join(str(exc).split())[:300]}", file=sys.stderr)
        return 1
    print(f"floor: {', '.join(f'{t}={n:,}' for t, n in counts.items())} in {time.monotonic() - started:.2f}s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
