"""run_analytics: every `analytics.*` table from the mart frames, then the charts and the report."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from analytics import REQUIRED_FRAMES, chart_captions
from analytics.ai_attribution import ai_cited_yearly
from analytics.ai_cited_events import SOURCE_URLS_FRAME, ai_cited_events
from analytics.ai_quality import SAMPLE_COLUMNS, attribution_quality
from analytics.blog_table import blog_table, omitted_unknowns
from analytics.changes import changes_since_last_publish
from analytics.causality import GRANGER_OUTPUT_COLUMNS, STATIONARITY_COLUMNS, granger_tests, stationarity
from analytics.charts import render_all
from analytics.company import company_layoffs_vs_releases, load_aliases
from analytics.dedup_stats import dedup_stats
from analytics.event_study import company_event_study
from analytics.report import build_report
from analytics.sensitivity import SENSITIVITY_COLUMNS, sensitivity
from analytics.series import AnalyticsInputError
from analytics.stats import CORRELATION_COLUMNS, DEFAULT_SEED, LAGGED_COLUMNS, correlations, lagged_correlations
from analytics.text_hygiene import clean_frame, clean_tree
from analytics.warn_coverage import MatchWindow, tracker_warn_coverage
from analytics.windows import WINDOW_COLUMNS, analysis_window


def _blog_tables(stats: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    try:
        return blog_table(stats), omitted_unknowns(stats)
    except AnalyticsInputError as exc:
        if "no row for" not in str(exc):
            raise
        empty_blog = pd.DataFrame(columns=["statistic", "value", "blog_value", "matches_blog", "source", "year"])
        return empty_blog, pd.DataFrame(columns=["group", "events", "share", "source", "year"])


def _series_tables(frames: dict[str, pd.DataFrame], n_boot: int, seed: int, lag_n_boot: int) -> dict:
    """The monthly-series tables; empty (with their columns) when no month is in every window."""
    monthly = frames["layoffs_vs_ai_monthly"]
    if monthly.empty:   # the report says so; the company tables and the blog table still stand
        columns = {"correlations": CORRELATION_COLUMNS, "lagged_correlations": LAGGED_COLUMNS,
                   "granger_tests": GRANGER_OUTPUT_COLUMNS, "stationarity": STATIONARITY_COLUMNS,
                   "analysis_window": WINDOW_COLUMNS, "sensitivity": SENSITIVITY_COLUMNS}
        return {name: pd.DataFrame(columns=cols) for name, cols in columns.items()}
    adf = stationarity(monthly)
    lagged = lagged_correlations(monthly, n_boot=lag_n_boot, seed=seed)
    granger = granger_tests(monthly, adf=adf)
    return {"correlations": correlations(monthly, n_boot=n_boot, seed=seed, family=lagged),  # same lag scan
            "lagged_correlations": lagged, "granger_tests": granger, "stationarity": adf,
            "analysis_window": analysis_window(frames), "sensitivity": sensitivity(frames, lagged, granger)}


def run_analytics(
    frames: dict[str, pd.DataFrame], out_home: Path | str, sources: list[dict], highlight: str = "Meta",
    n_boot: int = 2000, seed: int = DEFAULT_SEED, lag_n_boot: int = 1000, cache_dir: Path | str | None = None,
    previous: dict[str, pd.DataFrame] | None = None, warn_match_days: tuple[int, int] | None = None,
) -> dict[str, pd.DataFrame]:
    """Compute every analytics table, write charts to `out_home/charts/` and the report to `out_home/report/`.

    `frames` holds the marts by name (see docs/architecture.md). Returns the tables for schema `analytics`:
    correlations, lagged_correlations, granger_tests, stationarity, company_layoffs_vs_releases,
    blog_table, blog_omitted_unknowns, analysis_window, sensitivity, company_event_study, dedup_stats,
    ai_attribution_quality, ai_cited_yearly (the last two are empty when the optional frames
    `ai_attribution_sample` / `ai_cited_layoffs_monthly` are absent), ai_cited_events and
    changes_since_last_publish (against `previous`: the same frames from the previously published warehouse,
    None on the first publish; see analytics.changes.CHANGE_FRAMES), tracker_warn_coverage and
    tracker_warn_coverage_all_years (from the optional WARN marts; `warn_match_days` = the match rule's days
    before and after, needed with them; empty without them). `cache_dir` keeps the chart pages'
    JavaScript bundle between runs (default ~/.cache/layoffs-ai; unwritable: built on every run).
    """
    missing = [k for k in REQUIRED_FRAMES if k not in frames]
    if missing:
        raise AnalyticsInputError(f"run_analytics: missing frame(s) {', '.join(missing)}")
    # staging already strips control characters; text from anywhere else must not break rendering either
    frames = {name: clean_frame(frame) for name, frame in frames.items()}
    sources = clean_tree(sources)
    monthly = frames["layoffs_vs_ai_monthly"]
    blog, omitted = _blog_tables(frames["layoff_count_stats"])
    aliases = load_aliases()
    events = frames["fct_layoff_events"]
    window = MatchWindow(*warn_match_days) if warn_match_days is not None else None
    warn_yearly, warn_pooled = tracker_warn_coverage(frames, window)
    tables = _series_tables(frames, n_boot, seed, lag_n_boot) | {
        "company_layoffs_vs_releases": company_layoffs_vs_releases(
            events, frames["fct_model_releases"], aliases),
        "blog_table": blog,
        "blog_omitted_unknowns": omitted,
        "company_event_study": company_event_study(
            events, frames["fct_model_releases"], aliases, frames.get("model_releases_monthly"), seed=seed),
        "dedup_stats": dedup_stats(events) if "match_rule" in events.columns else pd.DataFrame(
            columns=["rule", "detail", "rows", "people", "note"]),
        "ai_attribution_quality": attribution_quality(
            frames.get("ai_attribution_sample", pd.DataFrame(columns=SAMPLE_COLUMNS))),
        "ai_cited_yearly": ai_cited_yearly(frames.get("ai_cited_layoffs_monthly")),
        "ai_cited_events": ai_cited_events(events, frames.get(SOURCE_URLS_FRAME)),
        "changes_since_last_publish": changes_since_last_publish(frames, previous),
        "tracker_warn_coverage": warn_yearly,
        "tracker_warn_coverage_all_years": warn_pooled,
    }
    out_home = Path(out_home)
    chart_dir = out_home / "charts"
    paths = render_all({**frames, **tables}, chart_dir, chart_captions(sources), highlight=highlight,
                       cache_dir=Path(cache_dir) if cache_dir is not None else None)
    svgs = {p.stem: p.read_text(encoding="utf-8") for p in paths if p.suffix == ".svg"}
    extra = {"_monthly": monthly, "_events": events, "_source_urls": frames.get(SOURCE_URLS_FRAME)}  # text only
    build_report({**tables, **extra}, svgs, sources, out_home / "report")
    return tables
