"""AI attribution: rule quality on the hand-labelled sample and AI-cited layoff shares, with Wilson intervals."""

from __future__ import annotations

import numpy as np
import pandas as pd
from statsmodels.stats.proportion import proportion_confint

from analytics.series import AnalyticsInputError, require_columns

CLASSES: tuple[str, ...] = ("ai_cited", "ai_company", "none", "unknown")
SPLITS: tuple[str, ...] = ("tune", "holdout")
SAMPLE_COLUMNS = ["label", "split", "frame_year", "frame_stratum", "source_event_id", "ai_attribution",
                  "stratum_events"]
QUALITY_COLUMNS = ["split", "class", "metric", "hits", "n", "sample_share", "estimate", "n_effective",
                   "ci_low", "ci_high", "labelled_rows", "matched_rows"]
MONTHLY_COLUMNS = ["month", "scope", "events", "events_with_text", "ai_cited_events", "laid_off",
                   "ai_cited_laid_off"]
YEARLY_COLUMNS = ["year", "scope", "events", "events_with_text", "ai_cited_events", "ai_cited_share",
                  "ci_low", "ci_high", "laid_off", "ai_cited_laid_off"]
# The blind spot of recall: how often a headline WITHOUT any AI word was labelled ai_cited anyway.
NO_AI_WORD_METRIC = "ai_cited_share_of_no_ai_term_stratum"


def wilson(count, nobs, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval (statsmodels), elementwise; NaN where nobs is 0."""
    count = np.asarray(count, dtype=float)
    nobs = np.asarray(nobs, dtype=float)
    safe = np.where(nobs > 0, nobs, 1.0)
    low, high = proportion_confint(np.minimum(count, safe), safe, alpha=alpha, method="wilson")
    low, high = np.clip(np.round(low, 12), 0.0, 1.0), np.clip(np.round(high, 12), 0.0, 1.0)  # no -1e-19 bounds
    return np.where(nobs > 0, low, np.nan), np.where(nobs > 0, high, np.nan)


def _check_sample(sample: pd.DataFrame) -> pd.DataFrame:
    require_columns(sample, SAMPLE_COLUMNS, "ai_attribution_sample")
    bad = sorted(set(sample["label"].dropna()) - set(CLASSES))
    if bad:
        raise AnalyticsInputError(f"ai_attribution_sample: unknown label {bad[0]!r} (expected one of {', '.join(CLASSES)})")
    bad = sorted(set(sample["split"].dropna()) - set(SPLITS))
    if bad:
        raise AnalyticsInputError(f"ai_attribution_sample: unknown split {bad[0]!r} (expected tune or holdout)")
    return sample


def _weights(rows: pd.DataFrame) -> pd.Series:
    """Inverse inclusion probability of each matched row: stratum population / labelled rows of its stratum."""
    sampled = rows.groupby(["frame_year", "frame_stratum"])["label"].transform("size")
    return pd.to_numeric(rows["stratum_events"], errors="coerce").astype(float) / sampled


def _row(split: str, cls: str, metric: str, hit: pd.Series, w: pd.Series, labelled: int, matched: int) -> dict:
    """One metric: unweighted hits/n, stratum-weighted estimate, Wilson CI on the Kish effective size."""
    n, hits = len(hit), int(hit.sum())
    total = float(w.sum())
    estimate = float((w * hit).sum() / total) if n and total > 0 else np.nan
    n_eff = total ** 2 / float((w ** 2).sum()) if n and total > 0 else 0.0
    low, high = wilson(estimate * n_eff if n_eff else 0.0, n_eff)
    return {"split": split, "class": cls, "metric": metric, "hits": hits, "n": n,
            "sample_share": hits / n if n else np.nan, "estimate": estimate, "n_effective": n_eff,
            "ci_low": float(low), "ci_high": float(high), "labelled_rows": labelled, "matched_rows": matched}


def attribution_quality(sample: pd.DataFrame) -> pd.DataFrame:
    """Precision and recall of each class per split (tune, holdout), with 95% Wilson intervals.

    Strata (year × frame stratum) were sampled at different rates, so every labelled row is weighted by
    its stratum's population over its labelled rows in the split; `estimate` is the weighted figure
    (`sample_share` the plain hits/n), and the Wilson interval uses the Kish effective size
    (Σw)²/Σw² (equal to n when the weights are equal). A last row per split gives the share of
    ai_cited labels among headlines without any AI word, the misses no rule can see.
    """
    sample = _check_sample(sample)
    rows = []
    for split in SPLITS:
        part = sample[sample["split"] == split]
        matched = part[part["source_event_id"].notna() & part["ai_attribution"].notna()]
        if matched.empty:
            continue
        w = _weights(matched)
        pred, label = matched["ai_attribution"], matched["label"]
        for cls in CLASSES:
            for metric, denom in (("precision", pred == cls), ("recall", label == cls)):
                rows.append(_row(split, cls, metric, (pred == label)[denom], w[denom], len(part), len(matched)))
        blind = matched["frame_stratum"] == "no_ai_term"
        rows.append(_row(split, "ai_cited", NO_AI_WORD_METRIC, (label == "ai_cited")[blind], w[blind],
                         len(part), len(matched)))
    out = pd.DataFrame(rows, columns=QUALITY_COLUMNS)
    return out.astype({"hits": "int64", "n": "int64", "labelled_rows": "int64", "matched_rows": "int64"})


def _checked_monthly(monthly: pd.DataFrame) -> pd.DataFrame:
    require_columns(monthly, MONTHLY_COLUMNS, "ai_cited_layoffs_monthly")
    df = monthly.copy()
    df["month"] = pd.to_datetime(df["month"], errors="raise")
    for col in MONTHLY_COLUMNS[2:]:
        df[col] = pd.to_numeric(df[col], errors="coerce").fillna(0).astype("int64")
    return df


def ai_cited_by_period(monthly: pd.DataFrame, freq: str = "M") -> pd.DataFrame:
    """Counts per period ('M', 'Q' or 'Y') and scope with the AI-cited share and its 95% Wilson interval."""
    df = _checked_monthly(monthly)
    df["period"] = df["month"].dt.to_period(freq).dt.to_timestamp()
    g = df.groupby(["period", "scope"], as_index=False)[MONTHLY_COLUMNS[2:]].sum()
    g["ai_cited_share"] = np.where(g["events_with_text"] > 0,
                                   g["ai_cited_events"] / g["events_with_text"].where(g["events_with_text"] > 0), np.nan)
    g["ci_low"], g["ci_high"] = wilson(g["ai_cited_events"], g["events_with_text"])
    return g.sort_values(["scope", "period"], kind="stable").reset_index(drop=True)


def ai_cited_yearly(monthly: pd.DataFrame) -> pd.DataFrame:
    """`analytics.ai_cited_share_yearly`: per year and scope, the AI-cited share of events with text, 95% Wilson CI."""
    if monthly is None or monthly.empty:
        return pd.DataFrame(columns=YEARLY_COLUMNS)
    g = ai_cited_by_period(monthly, "Y")
    g["year"] = g["period"].dt.year.astype("int64")
    return g[YEARLY_COLUMNS]
