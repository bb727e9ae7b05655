"""Each oracle fails on a mutation of the code or data behind what it checks (the list is in tests/truth/README.md)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import analytics.ai_attribution as ai_attribution
import analytics.autocorr as autocorr
import analytics.charts as charts
import analytics.charts_series as charts_series
import analytics.event_study as event_study
import analytics.sensitivity as sensitivity_module
import analytics.stats as stats
from analytics.blog_table import blog_table, omitted_unknowns
from analytics.chart_files import chart_spec
from analytics.charts_findings import event_study_chart, sensitivity_chart
from analytics.company import load_aliases
from analytics.dedup_stats import dedup_stats
from analytics.report_ai_cited import ai_cited_section
from analytics.report_findings import dedup_section, primary_text
from analytics.report_sections import blog_section, headline
from tests.truth import oracle, oracle_report, oracle_stats
from tests.truth.invented import SIX_MONTHS, invented_frames

CAUGHT = AssertionError


def _stored_order_grid(df, column):   # the D1 bug: values in the mart's stored row order, no sort, no grid
    return pd.Series(pd.to_numeric(df[column], errors="coerce").astype(float).to_numpy(),
                     index=pd.to_datetime(df["month"]))


def test_d1_row_order_bug_is_caught_on_invented_and_reference_rows(monkeypatch, published):
    """The sort removed: by_month keeps the stored order and on_grid neither sorts nor regrids."""
    monkeypatch.setattr(charts_series, "by_month", lambda df, column="month": df.assign(
        **{column: pd.to_datetime(df[column]).dt.to_period("M").dt.to_timestamp()}))
    monkeypatch.setattr(charts_series, "on_grid", _stored_order_grid)
    for monthly in (SIX_MONTHS, published.table("marts.layoffs_vs_ai_monthly")):
        spec = chart_spec(charts_series.layoffs_vs_releases(monthly, "mutant"))
        with pytest.raises(CAUGHT):
            oracle.check_layoffs_vs_releases(spec, monthly)


def test_partial_trailing_windows_are_caught(monkeypatch):
    monkeypatch.setattr(charts_series, "trailing_mean", lambda s, k: s.rolling(k, min_periods=1).mean())
    spec = chart_spec(charts_series.layoffs_vs_releases(SIX_MONTHS, "mutant", columns=("laid_off", "notable_models")))
    with pytest.raises(CAUGHT):
        oracle.check_layoffs_vs_releases(spec, SIX_MONTHS)


def test_a_series_drawn_in_months_empty_in_the_mart_is_caught(monkeypatch, published):
    monkeypatch.setattr(charts_series, "on_grid", lambda df, c: charts.by_month(df).set_index("month")[c]
                        .astype(float).fillna(0.0))
    monthly = published.table("marts.layoffs_vs_ai_monthly")
    spec = chart_spec(charts_series.layoffs_vs_releases(monthly, "mutant"))
    with pytest.raises(CAUGHT, match="drawn in months the mart has no value"):
        oracle.check_layoffs_vs_releases(spec, monthly)


def _frames_and_specs():
    frames = invented_frames()
    return frames, {n: chart_spec(c) for n, c in charts.build_charts(frames, "mutant").items()}


def test_model_releases_grouped_by_the_wrong_period_is_caught(monkeypatch):
    monkeypatch.setattr(charts, "month_start", lambda v: pd.to_datetime(pd.Series(v)).dt.to_period("Q").dt.to_timestamp())
    frames, specs = _frames_and_specs()
    with pytest.raises(CAUGHT):
        oracle.check_model_releases(specs["model_releases_by_month"], frames["fct_model_releases"],
                                    frames["model_releases_monthly"], frames["layoffs_vs_ai_monthly"])


def test_ai_cited_share_with_the_definitions_swapped_is_caught(monkeypatch):
    cols = ai_attribution.DEFINITION_COLUMNS
    monkeypatch.setattr(ai_attribution, "DEFINITION_COLUMNS", {"broad": cols["strict"], "strict": cols["broad"]})
    frames, specs = _frames_and_specs()
    with pytest.raises(CAUGHT):
        oracle.check_ai_cited(specs["ai_cited_share"], frames["ai_cited_layoffs_monthly"])


def test_postings_ignoring_the_totals_excluded_month_is_caught(monkeypatch):
    monkeypatch.setattr(charts_series, "SECTOR_EXCLUDED", {})
    frames, specs = _frames_and_specs()
    with pytest.raises(CAUGHT):
        oracle.check_postings(specs["postings_by_sector"], frames["job_postings_monthly"])


def test_layoffs_by_date_from_another_mart_is_caught():
    frames = invented_frames()
    stale = frames["fct_layoff_events"].copy()
    stale.loc[stale["laid_off"].notna().idxmax(), "laid_off"] += 1000
    spec = chart_spec(charts.layoffs_by_date(stale, "mutant"))
    with pytest.raises(CAUGHT):
        oracle.check_layoffs_by_date(spec, frames["fct_layoff_events"])


def test_lag_sign_flipped_is_caught(published):
    lagged = published.table("analytics.lagged_correlations")
    spec = chart_spec(charts.lagged_correlations_chart(lagged.assign(lag=-lagged["lag"]), "mutant"))
    with pytest.raises(CAUGHT):
        oracle_stats.check_lagged(spec, published.table("marts.layoffs_vs_ai_monthly"))


def _sensitivity(published):
    frames = {m: published.table(f"marts.{m}") for m in ("layoffs_vs_ai_monthly", "layoffs_monthly")}
    return sensitivity_module.sensitivity(frames, published.table("analytics.lagged_correlations"),
                                          published.table("analytics.granger_tests"))


def test_sensitivity_on_levels_instead_of_changes_is_caught(monkeypatch, published):
    monkeypatch.setattr(sensitivity_module, "transform", lambda s, how: s)
    spec = chart_spec(sensitivity_chart(_sensitivity(published), "mutant"))
    with pytest.raises(CAUGHT):
        oracle_stats.check_sensitivity(spec, published.table("marts.layoffs_vs_ai_monthly"))


def test_sensitivity_rows_repeating_the_primary_are_caught(published):
    spec = chart_spec(sensitivity_chart(_sensitivity(published).assign(same_as_primary=False), "mutant"))
    with pytest.raises(CAUGHT, match="repeat the primary row"):
        oracle_stats.check_sensitivity(spec, published.table("marts.layoffs_vs_ai_monthly"))


def test_event_study_with_a_wrong_window_is_caught(monkeypatch, published):
    monkeypatch.setattr(event_study, "WINDOW_DAYS", 300)
    models = published.table("marts.fct_model_releases")
    es = event_study.company_event_study(published.table("marts.fct_layoff_events"), models, load_aliases(),
                                         published.table("marts.model_releases_monthly"), n_perm=50)
    with pytest.raises(CAUGHT):
        oracle_stats.check_event_study(chart_spec(event_study_chart(es, "mutant")), models)


def test_primary_sentence_without_the_autocorrelation_correction_is_caught(monkeypatch, published):
    monkeypatch.setattr(autocorr, "effective_n", lambda x, y: float((~(np.isnan(x) | np.isnan(y))).sum()))
    monthly = published.table("marts.layoffs_vs_ai_monthly")
    corr = stats.correlations(monthly, n_boot=20)
    with pytest.raises(CAUGHT):
        oracle_report.check_primary(primary_text(corr), monthly)


def test_bh_count_without_the_adjustment_is_caught(monkeypatch, published):
    monkeypatch.setattr(stats, "bh_adjust", lambda p, alpha=0.05: (np.asarray(p, float), np.asarray(p, float) < alpha))
    monthly = published.table("marts.layoffs_vs_ai_monthly")
    lagged = stats.lagged_correlations(monthly, n_boot=10)
    text = " ".join(headline(stats.correlations(monthly, n_boot=10, family=lagged), lagged)[0])
    scans = list(lagged.loc[lagged["transform"] != "levels", ["x_series", "y_series", "transform"]]
                 .drop_duplicates().itertuples(index=False, name=None))
    with pytest.raises(CAUGHT, match="BH count"):
        oracle_report.check_bh_family(text, monthly, scans)


def test_yearly_shares_with_a_normal_interval_are_caught(monkeypatch, published):
    def normal(count, nobs, alpha=0.05):
        p = np.asarray(count, float) / np.asarray(nobs, float)
        half = 1.96 * np.sqrt(p * (1 - p) / np.asarray(nobs, float))
        return p - half, p + half
    monkeypatch.setattr(ai_attribution, "wilson", normal)
    cited = published.table("marts.ai_cited_layoffs_monthly")
    text = " ".join(ai_cited_section(ai_attribution.ai_cited_yearly(cited), None)[0])
    with pytest.raises(CAUGHT):
        oracle_report.check_ai_cited_years(text, cited)


def _md(tables) -> str:
    return "\n\n".join(f"### {caption}\n\n{t.to_markdown(index=False)}" for caption, t in tables)


def test_blog_table_with_a_population_std_is_caught(published):
    stats_mart = published.table("marts.layoff_count_stats")
    row = (stats_mart["source"] == "crunchbase_tracker") & (stats_mart["year"] == 2022)
    stats_mart.loc[row, "std_laid_off"] *= np.sqrt((232 - 1) / 232)   # ddof=0 instead of the sample std
    md = _md(blog_section(blog_table(stats_mart), omitted_unknowns(stats_mart))[1])
    with pytest.raises(CAUGHT, match="blog table std"):
        oracle_report.check_blog_table(md, published.table("staging.stg_crunchbase_tracker__layoffs"))


def test_dedup_totals_with_a_repeat_left_in_are_caught(published):
    events = published.table("marts.fct_layoff_events")
    repeat = pd.concat([events, events.iloc[[0]].assign(event_id="repeat")], ignore_index=True)
    md = _md(dedup_section(dedup_stats(repeat))[1])
    rows = len(published.table("staging.stg_crunchbase_tracker__layoffs")) + len(
        published.table("staging.stg_layoffs_fyi__layoffs"))
    with pytest.raises(CAUGHT):
        oracle_report.check_dedup_totals(md, events, rows)
