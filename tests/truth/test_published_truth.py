"""Every published chart's points and the report's stated numbers, recomputed from the reference warehouse."""

from __future__ import annotations

import html
import re

import numpy as np
import pandas as pd
import pytest

from tests.truth import oracle, oracle_report, oracle_stats

pytestmark = pytest.mark.slow


def test_layoffs_vs_releases_plots_the_month_ordered_trailing_mean_inside_each_window(published):
    monthly = published.table("marts.layoffs_vs_ai_monthly")
    oracle.check_layoffs_vs_releases(published.spec("layoffs_vs_releases"), monthly)
    # the issue's example: January 2023, laid off = the mean of Nov 2022–Jan 2023 over the series' mean
    plotted = oracle.dataset(published.spec("layoffs_vs_releases"), "month", "series", "index")
    jan = plotted[(plotted["series"] == "Employees laid off") & plotted["month"].str.startswith("2023-01")]
    m = monthly.assign(month=pd.to_datetime(monthly["month"])).set_index("month").sort_index()["laid_off"].astype(float)
    want = m["2022-11-01":"2023-01-01"].mean() / m.mean() * 100
    assert jan["index"].iloc[0] == pytest.approx(want, abs=1e-9)


def test_layoffs_vs_releases_draws_no_model_series_in_months_empty_in_the_mart(published):
    monthly = published.table("marts.layoffs_vs_ai_monthly")
    plotted = oracle.dataset(published.spec("layoffs_vs_releases"), "month", "series", "index")
    empty = pd.to_datetime(monthly.loc[monthly["all_models"].isna(), "month"])
    drawn = pd.to_datetime(plotted.loc[plotted["series"] == "All AI models released", "month"]).dt.tz_localize(None)
    assert not set(drawn) & set(empty)


def test_model_releases_by_month(published):
    oracle.check_model_releases(published.spec("model_releases_by_month"), published.table("marts.fct_model_releases"),
                                published.table("marts.model_releases_monthly"),
                                published.table("marts.layoffs_vs_ai_monthly"))


def test_ai_cited_share(published):
    oracle.check_ai_cited(published.spec("ai_cited_share"), published.table("marts.ai_cited_layoffs_monthly"))


def test_postings_by_sector(published):
    oracle.check_postings(published.spec("postings_by_sector"), published.table("marts.job_postings_monthly"))


def test_layoffs_by_date(published):
    oracle.check_layoffs_by_date(published.spec("layoffs_by_date"), published.table("marts.fct_layoff_events"))


def test_lagged_correlations(published):
    oracle_stats.check_lagged(published.spec("lagged_correlations"), published.table("marts.layoffs_vs_ai_monthly"))


def test_sensitivity(published):
    oracle_stats.check_sensitivity(published.spec("sensitivity"), published.table("marts.layoffs_vs_ai_monthly"))


def test_company_event_study(published):
    oracle_stats.check_event_study(published.spec("company_event_study"), published.table("marts.fct_model_releases"))


def test_shaded_months_are_the_marts_excluded_months(published):
    """The grey bands of layoffs_vs_releases cover exactly the months a plotted model series is left out."""
    monthly = published.table("marts.layoffs_vs_ai_monthly")
    bands = oracle.dataset(published.spec("layoffs_vs_releases"), "start", "end", "label")
    shaded = set()
    for b in bands.itertuples():
        shaded |= set(pd.date_range(pd.Timestamp(b.start).tz_localize(None),
                                    pd.Timestamp(b.end).tz_localize(None) - pd.DateOffset(days=1), freq="MS"))
    empty = set(pd.to_datetime(monthly.loc[monthly["all_models"].isna() | monthly["notable_models"].isna(), "month"]))
    assert shaded == empty


def _text(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_primary_result_as_stated_in_the_report(published):
    monthly = published.table("marts.layoffs_vs_ai_monthly")
    oracle_report.check_primary(published.report_md, monthly)
    oracle_report.check_primary(_text(published.report_html), monthly)


def test_family_size_and_bh_count_and_each_family_p(published):
    lagged = published.table("analytics.lagged_correlations")
    fam = lagged[lagged["transform"] != "levels"].sort_values(["x_series", "y_series", "transform", "lag"])
    scans = list(fam[["x_series", "y_series", "transform"]].drop_duplicates().itertuples(index=False, name=None))
    monthly = published.table("marts.layoffs_vs_ai_monthly")
    oracle_report.check_bh_family(published.report_md, monthly, scans)
    p = oracle_report.family_p(monthly, scans)
    key = fam.set_index(["x_series", "y_series", "transform", "lag"])
    order = [(x, y, t, lag) for x, y, t in scans for lag in range(-12, 13)]
    assert np.allclose(key.loc[order, "p_ac"].to_numpy(float), p, atol=1e-9, equal_nan=True)
    tested = ~np.isnan(p)
    assert np.allclose(key.loc[order, "p_bh_family"].to_numpy(float)[tested], oracle_report.bh(p[tested]), atol=1e-9)


def test_yearly_ai_cited_shares_as_stated(published):
    cited = published.table("marts.ai_cited_layoffs_monthly")
    oracle_report.check_ai_cited_years(published.report_md, cited)
    oracle_report.check_ai_cited_years(_text(published.report_html), cited)


def test_blog_table_as_stated(published):
    oracle_report.check_blog_table(published.report_md, published.table("staging.stg_crunchbase_tracker__layoffs"))


def test_dedup_totals_as_stated(published):
    rows = len(published.table("staging.stg_crunchbase_tracker__layoffs")) + len(
        published.table("staging.stg_layoffs_fyi__layoffs"))
    oracle_report.check_dedup_totals(published.report_md, published.table("marts.fct_layoff_events"), rows)


def _subtitle(spec: dict) -> str:
    title = spec.get("title") or {}
    sub = title.get("subtitle", [])
    return "\n".join(sub if isinstance(sub, list) else [sub])


def test_epochs_partial_and_coverage_lag_months_are_marked_on_model_releases(published):
    spec = published.spec("model_releases_by_month")
    plotted = oracle.dataset(spec, "month", "category", "models", "status")
    months = pd.to_datetime(plotted["month"]).dt.tz_localize(None)
    recent = plotted[months >= "2025-01-01"]
    assert set(recent["status"]) and "complete" not in set(recent["status"])   # Jan–Mar 2025: pale, with a reason
    bands = oracle.dataset(spec, "start", "end", "label")
    covered = [b for b in bands.itertuples() if pd.Timestamp(b.start).tz_localize(None) <= months.max()
               < pd.Timestamp(b.end).tz_localize(None)]
    assert covered and "Epoch notable" in covered[0].label


def test_lag_scan_says_how_many_of_the_differenced_scans_it_draws(published):
    lagged = published.table("analytics.lagged_correlations")
    scans = lagged[lagged["transform"] != "levels"].drop_duplicates(["x_series", "y_series", "transform"])
    drawn = int((scans["transform"] == "diff").sum())
    assert f"{drawn} of the {len(scans)} differenced scans are drawn" in _subtitle(published.spec("lagged_correlations"))


def test_every_chart_has_one_caption_saying_what_it_shows_and_how_to_read_it(published):
    from analytics.chart_captions import CHART_CAPTIONS

    for chart, caption in CHART_CAPTIONS.items():
        shows, read = caption.split(" Read: ")
        text = _subtitle(published.spec(chart))
        assert text.count(shows) == 1 and f"Read: {read}" in text, chart
