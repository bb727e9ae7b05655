"""Descriptions of the analytics tables, written as DuckDB comments so `layoffs-ai tables` shows them."""

TABLE_DESCRIPTIONS: dict[str, str] = {
    "correlations": "Same-month Pearson and Spearman correlations of each layoff series with each AI series, per "
                    "transform (levels, diff, log_diff), with a 95% moving-block bootstrap CI for r (seeded), the "
                    "autocorrelation-aware n_eff, p_ac and CI (method in ac_method), and p_bh_family: the lag-0 entry "
                    "of the Benjamini-Hochberg adjustment across every differenced test of the lag scan.",
    "lagged_correlations": "Pearson r at lags -12..+12 months (positive lag: the AI series is later), with "
                           "Benjamini-Hochberg adjusted p within each pair and transform (p_bh, naive p) and across "
                           "the whole family of differenced tests, pairs x transforms x lags (p_bh_family, on the "
                           "autocorrelation-aware p_ac; method in ac_method).",
    "granger_tests": "Granger tests (ssr F-test) both directions at lags 1..6 where ADF and KPSS agree that both "
                     "series are stationary, on the longest gap-free run of months (first_month..last_month); "
                     "p_bh_family adjusts across all tests run; ADF, KPSS and ADF-from-2021 p-values of cause and "
                     "effect beside each test; skipped rows say why.",
    "stationarity": "Augmented Dickey-Fuller (constant, AIC lags) and KPSS (level) per series and transform on the "
                    "longest gap-free run, their joint decision (stationary only when ADF rejects a unit root and "
                    "KPSS does not reject stationarity), and the ADF p-value again from 2021 on.",
    "company_layoffs_vs_releases": "Organisations with a layoff event and a notable model release in the same "
                                   "calendar year at least once, per year (models_released NULL after the Epoch "
                                   "snapshot's data-through year), matched through the versioned alias table "
                                   "analytics/org_aliases.csv.",
    "blog_table": "The 2022 blog's statistics table recomputed from marts.layoff_count_stats "
                  "(crunchbase_tracker, 2022) beside the blog's published values; the blog's '232 companies' are "
                  "events (events_with_known_count), the distinct companies are reported separately.",
    "blog_omitted_unknowns": "What the blog's table left out: events whose count was unknown ('Unclear' or blank).",
    "analysis_window": "Per analysed series: first and last month in the analysis, months, months with a value, "
                       "and the reason each end was cut (partial month of a source, Epoch coverage lag, end of the "
                       "overlap), read from the marts' excluded_reason columns.",
    "sensitivity": "The pre-declared primary test (deduplicated laid off vs notable models, first differences, lag 0) "
                   "and the primary scan's top lag (chosen after looking) recomputed under variants: winsorized at "
                   "p95, log1p, start 2022-01, end 2024-12, COVID months excluded, US scope, each tracker alone; with "
                   "n, n_eff, autocorrelation-aware p and 95% CI, and the top Granger test's p. The top lag and Granger "
                   "test are unadjusted picks: p_bh_family_top / granger_p_bh_family (primary row) give their "
                   "family-BH p; same_as_primary marks a variant with the primary's months and r (merged in the report).",
    "company_event_study": "For organisations with >= 1 layoff event and >= 5 Epoch models: notable and all models "
                           "released in the 12 months before vs after each layoff of >= 1,000 people or >= 10% "
                           "(row_type event), and per list the pooled mean difference with an org-cluster bootstrap "
                           "95% CI and a permutation p against random dates for the same organisations (row_type pooled). "
                           "Random dates are time-matched: each organisation's events move together by one offset of "
                           "at most 6 months (null_window); row_type window repeats the pooled row for ±3, ±12 "
                           "months and the whole layoff record, to show how the result moves with that choice.",
    "dedup_stats": "What each deduplication rule did (source rows in, within-source duplicates, cross-source pairs per "
                   "match rule, cumulative counts set aside, events out) and how many people it kept from being "
                   "counted twice, from marts.fct_layoff_events lineage columns.",
    "ai_attribution_quality": "Precision and recall (95% Wilson CIs on the effective n) of each AI-attribution class "
                              "per definition (broad: ai_attribution classes; strict: ai_reason_stated) and sample "
                              "(tune: the rules' own 200 rows, in-sample; fresh_random: 424 rows drawn after the "
                              "definitions, stratum-weighted; population: every row with text), with Cohen's kappa "
                              "between the two blind labellers; docs/ai_attribution.md.",
    "ai_cited_yearly": "Per year, scope (global, us) and definition (broad, strict): events with text, AI-cited events "
                       "and their share with a 95% Wilson CI, the share of people laid off, the share's bounds with "
                       "unknown events counted as all not cited / all cited, and the months the year covers.",
    "ai_cited_events": "Every deduplicated layoff event classed ai_cited: company, date, people laid off, the evidence "
                       "words that decided the class and the article URL(s) its headline was read from.",
    "changes_since_last_publish": "What changed against the previously published warehouse: per-source rows added, "
                                  "removed or changed (company, date, count, source URL) and the monthly figures of "
                                  "marts.layoffs_vs_ai_monthly that moved; one row 'first_publish' when there was none.",
    "tracker_warn_coverage": "Per state x year x tracker: tracker rows located in the state with a matching WARN notice "
                             "(coverage, 95% Wilson CI); notices of companies the tracker places in the state "
                             "(warn_notices_tracked_companies, in filings_tracked_companies filings: one company's "
                             "notices of one day) that match one of its rows (recall_of_tracker = matched notices / "
                             "notices, its 95% Wilson CI on the filings as effective n); notices of companies it lists "
                             "only elsewhere, which the rule cannot match (warn_notices_tracked_elsewhere); the earliest "
                             "matched notice's day gap (notice - tracker date: median, IQR, n) and the count ratio "
                             "(matched notices' workers summed / the row's laid off, only rows whose count and every "
                             "matched notice's workers are known: median, IQR, n). Only years the state's export covers "
                             "(months_covered: its months in the year); tracker rows only where the whole match window "
                             "lies inside the export (tracker_dates_from..to), notices only where it lies inside the "
                             "tracker's own range (notice_dates_from..to). partial_year: fewer than 12 months_covered, "
                             "or tracker_dates or notice_dates not spanning the whole year (note says which).",
    "tracker_warn_coverage_all_years": "analytics.tracker_warn_coverage pooled per state x tracker over all its years "
                                       "(first_year..last_year): the rows the report's WARN section states.",
}
