"""The 2022 blog's statistics table recomputed from `marts.layoff_count_stats`, and the unknown-count rows it omitted."""

from __future__ import annotations

import pandas as pd

from analytics.series import AnalyticsInputError, require_columns

# The blog post ("Layoffs and AI: Uncovering the Hidden Relationship", 2022), Statistics table and Figure 1.
# The blog called its 232 "tech companies"; they are 232 events (rows with a known count), of fewer companies.
BLOG_VALUES: dict[str, float] = {
    "events_with_known_count": 232, "max": 11000, "min": 5, "mean": 367, "median": 90, "std": 1150,
}
_MART_COLUMN = {
    "events_with_known_count": "events_with_count", "max": "max_laid_off", "min": "min_laid_off",
    "mean": "mean_laid_off", "median": "median_laid_off", "std": "std_laid_off",
}
# Reported beside the blog's statistics; the blog printed no separate figure for them.
EXTRA_STATS = {"distinct_companies_with_known_count": "companies_with_count", "distinct_companies": "companies"}
STATS_COLUMNS = ["source", "year", "events", "events_with_count", "events_unknown", "max_laid_off",
                 "min_laid_off", "mean_laid_off", "median_laid_off", "std_laid_off"]


def _row(stats_df: pd.DataFrame, source: str, year: int) -> pd.Series:
    require_columns(stats_df, STATS_COLUMNS, "layoff_count_stats")
    hit = stats_df[(stats_df["source"] == source) & (pd.to_numeric(stats_df["year"]) == year)]
    if hit.empty:
        raise AnalyticsInputError(f"layoff_count_stats: no row for source={source!r} year={year}")
    return hit.iloc[0]


def matches_blog(value: float, blog: float) -> bool:
    """The blog printed integers (the mean 367.6 appears truncated, std rounded to 3 significant figures)."""
    return bool(pd.notna(value) and abs(float(value) - blog) <= max(1.0, 0.005 * abs(blog)))


def blog_table(stats_df: pd.DataFrame, source: str = "crunchbase_tracker", year: int = 2022) -> pd.DataFrame:
    """One row per statistic: value from the mart, the blog's printed value, and whether they agree; then the
    distinct companies behind those events (blog_value and matches_blog empty: the blog gave no such figure)."""
    row = _row(stats_df, source, year)
    rows = []
    for stat, blog in BLOG_VALUES.items():
        value = float(row[_MART_COLUMN[stat]]) if pd.notna(row[_MART_COLUMN[stat]]) else float("nan")
        rows.append({"statistic": stat, "value": value, "blog_value": float(blog),
                     "matches_blog": matches_blog(value, blog), "source": source, "year": int(year)})
    for stat, column in EXTRA_STATS.items():
        if column in row.index and pd.notna(row[column]):
            rows.append({"statistic": stat, "value": float(row[column]), "blog_value": float("nan"),
                         "matches_blog": None, "source": source, "year": int(year)})
    return pd.DataFrame(rows).astype({"matches_blog": "boolean"})


def omitted_unknowns(stats_df: pd.DataFrame, source: str = "crunchbase_tracker", year: int = 2022) -> pd.DataFrame:
    """The rows the blog dropped: events without a usable count, beside those it kept."""
    row = _row(stats_df, source, year)
    events, known, unknown = int(row["events"]), int(row["events_with_count"]), int(row["events_unknown"])
    share = unknown / events if events else float("nan")
    return pd.DataFrame([
        {"group": "count known (in the blog's statistics)", "events": known, "share": known / events if events else share},
        {"group": "count unknown ('Unclear' or blank; omitted by the blog)", "events": unknown, "share": share},
        {"group": "all events", "events": events, "share": 1.0 if events else share},
    ]).assign(source=source, year=int(year))


def unknown_events(events_df: pd.DataFrame, source: str = "crunchbase_tracker", year: int = 2022) -> pd.DataFrame:
    """List of events from `source` in `year` whose count is unknown in the deduplicated fact table."""
    require_columns(events_df, ["event_date", "company", "count_known", "sources"], "fct_layoff_events")
    ev = events_df[events_df["sources"].fillna("").str.contains(source, regex=False)]
    ev = ev[(pd.to_datetime(ev["event_date"]).dt.year == year) & ~ev["count_known"].fillna(False).astype(bool)]
    cols = [c for c in ("event_date", "company", "pct_impacted", "industry", "sources") if c in ev.columns]
    return ev.sort_values("event_date", ascending=False)[cols].reset_index(drop=True)
