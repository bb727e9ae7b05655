"""Descriptions of the analytics tables, written as DuckDB comments so `layoffs-ai tables` shows them."""

TABLE_DESCRIPTIONS: dict[str, str] = {
    "correlations": "Same-month Pearson and Spearman correlations of each layoff series with each AI series, per "
                    "transform (levels, diff, log_diff), with a 95% moving-block bootstrap CI for r (seeded).",
    "lagged_correlations": "Pearson r at lags -12..+12 months (positive lag: the AI series is later), with "
                           "Benjamini-Hochberg adjusted p across the lags of each pair and transform.",
    "granger_tests": "Granger causality (ssr F-test) both directions at lags 1..6 where both series are "
                     "ADF-stationary; cause_adf_p/effect_adf_p give the ADF p-values, skipped rows say why.",
    "stationarity": "Augmented Dickey-Fuller test per series and transform (constant, AIC lag choice).",
    "company_layoffs_vs_releases": "Organisations that both laid off and released notable models, per year, "
                                   "matched through the versioned alias table analytics/org_aliases.csv.",
    "blog_table": "The 2022 blog's statistics table recomputed from marts.layoff_count_stats "
                  "(crunchbase_tracker, 2022) beside the blog's published values.",
    "blog_omitted_unknowns": "What the blog's table left out: events whose count was unknown ('Unclear' or blank).",
    "ai_attribution_quality": "Precision and recall of each AI-attribution class (ai_cited, ai_company, none, unknown) "
                              "on the hand-labelled sample, per split (tune / holdout), stratum-weighted, with 95% "
                              "Wilson intervals on the effective n; docs/ai_attribution.md.",
    "ai_cited_share_yearly": "Per year and scope, the share of deduplicated layoff events with headline text whose "
                             "headline cites AI (marts.ai_cited_layoffs_monthly), with a 95% Wilson interval.",
}
