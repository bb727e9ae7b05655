"""AI attribution: Wilson intervals and `analytics.ai_cited_yearly` (shares per year x scope x definition, with bounds)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from analytics.series import require_columns

CLASSES: tuple[str, ...] = ("ai_cited", "ai_company", "none", "unknown")


def wilson(count, nobs, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (statsmodels), elementwise; NaN where nobs is 0."""
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    safe = np.where(nobs > 0, nobs, 1.0)
    low, high = proportion_confint(np.minimum(count, safe), safe, alpha=alpha, method="wilson")
    low, high = np.clip(np.round(low, 12), 0.0, 1.0), np.clip(np.round(high, 12), 0.0, 1.0)  # no -1e-19 bounds
    return np.where(nobs > 0, low, np.nan), np.where(nobs > 0, high, np.nan)

MONTHLY_COLUMNS = ["month", "scope", "events", "events_with_text", "ai_cited_events", "ai_cited_laid_off",
                   "ai_reason_stated_events", "laid_off_with_text", "ai_reason_stated_laid_off"]
# definition -> (events column, people column) of marts.ai_cited_layoffs_monthly
DEFINITION_COLUMNS = {"broad": ("ai_cited_events", "ai_cited_laid_off"),
                      "strict": ("ai_reason_stated_events", "ai_reason_stated_laid_off")}
YEARLY_COLUMNS = ["year", "scope", "definition", "events", "events_with_text", "ai_cited_events", "share_events",
                  "share_events_ci_low", "share_events_ci_high", "laid_off_with_text", "ai_cited_laid_off",
                  "share_people", "share_low_bound", "share_high_bound", "months_covered", "partial_year", "note"]


def ai_cited_yearly(monthly: pd.DataFrame | None) -> pd.DataFrame:
    """Per year, scope and definition (broad | strict): the AI-cited share of events with text (95% Wilson CI),
    the share of the people those events laid off (known headcounts), and the share's bounds when every
    `unknown` event (no usable text) is counted as not cited (`share_low_bound`) or as cited (`share_high_bound`).

    `months_covered` counts the calendar months of the year inside the mart's data range; a year with fewer
    than 12 is `partial_year` and its `note` says which months it has.
    """
    if monthly is None or monthly.empty:
        return pd.DataFrame(columns=YEARLY_COLUMNS)
    require_columns(monthly, MONTHLY_COLUMNS, "ai_cited_layoffs_monthly")
    df = monthly.copy()
    df["month"] = pd.to_datetime(df["month"], errors="raise")
    for col in MONTHLY_COLUMNS[2:]:
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype("int64")
    df["year"] = df["month"].dt.year.astype("int64")
    g = df.groupby(["year", "scope"], as_index=False).agg(
        events=("events", "sum"), events_with_text=("events_with_text", "sum"),
        laid_off_with_text=("laid_off_with_text", "sum"), months_covered=("month", "nunique"),
        first_month=("month", "min"), last_month=("month", "max"),
        **{c: (c, "sum") for cols in DEFINITION_COLUMNS.values() for c in cols})
    frames = []
    for definition, (ev_col, people_col) in DEFINITION_COLUMNS.items():
        d = g[["year", "scope", "events", "events_with_text", "laid_off_with_text", "months_covered",
               "first_month", "last_month"]].copy()
        d["definition"] = definition
        d["ai_cited_events"], d["ai_cited_laid_off"] = g[ev_col], g[people_col]
        text = d["events_with_text"].where(d["events_with_text"] > 0)
        d["share_events"] = d["ai_cited_events"] / text
        d["share_events_ci_low"], d["share_events_ci_high"] = wilson(d["ai_cited_events"], d["events_with_text"])
        d["share_people"] = d["ai_cited_laid_off"] / d["laid_off_with_text"].where(d["laid_off_with_text"] > 0)
        events = d["events"].where(d["events"] > 0)
        d["share_low_bound"] = d["ai_cited_events"] / events
        d["share_high_bound"] = (d["ai_cited_events"] + d["events"] - d["events_with_text"]) / events
        frames.append(d)
    out = pd.concat(frames, ignore_index=True)
    out["partial_year"] = out["months_covered"] < 12
    out["note"] = np.where(
        out["partial_year"],
        "partial year: " + out["months_covered"].astype(str) + np.where(out["months_covered"] == 1, " month, ", " months, ")
        + np.where(out["first_month"] == out["last_month"], "", out["first_month"].dt.strftime("%b") + "-")
        + out["last_month"].dt.strftime("%b %Y"), "")
    out = out.sort_values(["definition", "scope", "year"], kind="stable").reset_index(drop=True)
    return out[YEARLY_COLUMNS]
