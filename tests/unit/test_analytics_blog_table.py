"""The blog's statistics table from layoff_count_stats rows (values written by hand)."""

import pandas as pd
import pytest

from analytics.blog_table import blog_table, matches_blog, omitted_unknowns
from analytics.series import AnalyticsInputError

COLUMNS = ["source", "year", "events", "events_with_count", "events_unknown", "max_laid_off", "min_laid_off",
           "mean_laid_off", "median_laid_off", "std_laid_off", "companies", "companies_with_count"]


def _stats(**override):
    row = dict(source="crunchbase_tracker", year=2022, events=379, events_with_count=232, events_unknown=147,
               max_laid_off=11000, min_laid_off=5, mean_laid_off=367.65, median_laid_off=90.0, std_laid_off=1150.4,
               companies=366, companies_with_count=229)
    row.update(override)
    other = dict(row, source="layoffs_fyi", events_with_count=800, max_laid_off=99999)
    return pd.DataFrame([other, row], columns=COLUMNS)


def test_blog_table_reproduces_the_printed_values():
    t = blog_table(_stats()).set_index("statistic")
    assert t.loc["max", "value"] == 11000 and t.loc["events_with_known_count", "value"] == 232
    assert t.loc["mean", "blog_value"] == 367 and t.loc["std", "blog_value"] == 1150
    assert t.dropna(subset=["blog_value"])["matches_blog"].all()


def test_blog_table_reports_events_and_distinct_companies_separately():
    t = blog_table(_stats()).set_index("statistic")
    # the blog's "232 companies" are events; the distinct companies behind them are a separate row
    assert t.loc["events_with_known_count", "value"] == 232 and t.loc["events_with_known_count", "matches_blog"]
    assert t.loc["distinct_companies_with_known_count", "value"] == 229
    assert t.loc["distinct_companies", "value"] == 366
    assert pd.isna(t.loc["distinct_companies_with_known_count", "blog_value"])
    assert pd.isna(t.loc["distinct_companies_with_known_count", "matches_blog"])
    # a mart without the company columns still reproduces the blog rows
    older = blog_table(_stats().drop(columns=["companies", "companies_with_count"]))
    assert list(older["statistic"]) == ["events_with_known_count", "max", "min", "mean", "median", "std"]


def test_blog_table_flags_a_mismatch():
    t = blog_table(_stats(median_laid_off=95.0)).set_index("statistic")
    assert not t.loc["median", "matches_blog"]
    assert t.drop(index="median").dropna(subset=["blog_value"])["matches_blog"].all()


def test_matches_blog_tolerance():
    assert matches_blog(367.65, 367) and matches_blog(1150.4, 1150) and matches_blog(1154, 1150)
    assert not matches_blog(1160, 1150) and not matches_blog(7, 5) and not matches_blog(float("nan"), 5)


def test_omitted_unknowns_counts_and_shares():
    o = omitted_unknowns(_stats()).set_index("events")
    assert set(o.index) == {232, 147, 379}
    assert o.loc[147, "share"] == pytest.approx(147 / 379)


def test_missing_row_and_missing_column_errors():
    with pytest.raises(AnalyticsInputError, match="no row for source='crunchbase_tracker' year=2021"):
        blog_table(_stats(), year=2021)
    with pytest.raises(AnalyticsInputError, match="missing column.*std_laid_off"):
        blog_table(_stats().drop(columns="std_laid_off"))
