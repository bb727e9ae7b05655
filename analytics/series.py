"""Monthly series helpers: validation, transforms (levels/diff/log_diff), lag alignment, default pairs."""

from __future__ import annotations

import numpy as np
import pandas as pd

TRANSFORMS: tuple[str, ...] = ("levels", "diff", "log_diff")

# ai_cited_share (share of layoff events whose headline cites AI) is used when the mart has it
LAYOFF_SERIES: tuple[str, ...] = ("laid_off", "layoff_events", "ai_cited_share")
REQUIRED_LAYOFF_SERIES: tuple[str, ...] = ("laid_off", "layoff_events")
AI_SERIES: tuple[str, ...] = ("notable_models", "all_models", "postings_software_development")
DEFAULT_PAIRS: tuple[tuple[str, str], ...] = tuple((x, y) for x in LAYOFF_SERIES for y in AI_SERIES)


class AnalyticsInputError(ValueError):
    """An input DataFrame is missing a column or holds values the analysis cannot use."""


def require_columns(df: pd.DataFrame, columns: list[str] | tuple[str, ...], frame: str) -> None:
    """Raise a one-line error naming the first missing column of `frame`."""
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise AnalyticsInputError(f"{frame}: missing column(s) {', '.join(missing)}")


def monthly_frame(monthly_df: pd.DataFrame, frame: str = "layoffs_vs_ai_monthly") -> pd.DataFrame:
    """Return the monthly mart sorted and indexed by month (numeric columns as float)."""
    require_columns(monthly_df, ["month"], frame)
    if monthly_df.empty:
        raise AnalyticsInputError(f"{frame}: no rows (no overlapping months to analyse)")
    df = monthly_df.copy()
    df["month"] = pd.to_datetime(df["month"], errors="raise").dt.to_period("M").dt.to_timestamp()
    if df["month"].duplicated().any():
        dup = df.loc[df["month"].duplicated(), "month"].iloc[0]
        raise AnalyticsInputError(f"{frame}: duplicate month {dup:%Y-%m}")
    df = df.sort_values("month").set_index("month")
    full = pd.date_range(df.index.min(), df.index.max(), freq="MS")
    if len(full) != len(df):
        gap = full.difference(df.index)[0]
        raise AnalyticsInputError(f"{frame}: months are not continuous (missing {gap:%Y-%m})")
    for col in df.columns:
        if not pd.api.types.is_numeric_dtype(df[col]):
            continue
        df[col] = df[col].astype("float64")
    return df


def transform(series: pd.Series, how: str) -> pd.Series | None:
    """Apply `how` to a monthly series; None when undefined (log_diff needs every value > 0)."""
    s = series.astype("float64")
    if how == "levels":
        return s
    if how == "diff":
        return s.diff()
    if how == "log_diff":
        observed = s.dropna()
        if observed.empty or (observed <= 0).any():
            return None
        return np.log(s).diff()
    raise AnalyticsInputError(f"unknown transform {how!r} (expected one of {', '.join(TRANSFORMS)})")


def shifted(y: np.ndarray, lag: int) -> np.ndarray:
    """y[t+lag] on y's own grid, NaN where t+lag falls outside it (pandas `shift(-lag)` on a float array)."""
    out = np.full(len(y), np.nan)
    if lag >= 0:
        out[:max(len(y) - lag, 0)] = y[lag:]
    else:
        out[-lag:] = y[:max(len(y) + lag, 0)]
    return out


def align_arrays(x: np.ndarray, y: np.ndarray, lag: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """`align` on float arrays of one monthly grid: (x[t], y[t+lag]) over the months where both exist."""
    ys = shifted(y, lag)
    keep = ~(np.isnan(x) | np.isnan(ys))
    return x[keep], ys[keep]


def align(x: pd.Series, y: pd.Series, lag: int = 0) -> pd.DataFrame:
    """Pair x[t] with y[t+lag] (positive lag = y, the AI series, later); drop months with a NaN."""
    if not x.index.equals(y.index):
        raise AnalyticsInputError("align: x and y must share the same month index")
    pairs = pd.DataFrame({"x": x.to_numpy(dtype=float), "y": y.shift(-lag).to_numpy(dtype=float)}, index=x.index)
    return pairs.dropna()


def resolve_pairs(df: pd.DataFrame, pairs: list[tuple[str, str]] | None) -> list[tuple[str, str]]:
    """Default pairs present in `df` (silently skipping absent optional columns); explicit pairs must exist."""
    if pairs is None:
        require_columns(df, list(REQUIRED_LAYOFF_SERIES), "layoffs_vs_ai_monthly")
        return [(x, y) for x, y in DEFAULT_PAIRS
                if all(c in df.columns and df[c].notna().any() for c in (x, y))]
    cols = sorted({c for pair in pairs for c in pair})
    require_columns(df, cols, "layoffs_vs_ai_monthly")
    return list(pairs)


def transformed_pairs(df: pd.DataFrame, pairs: list[tuple[str, str]], transforms=TRANSFORMS):
    """Yield (x_name, y_name, transform, x_series, y_series) for every pair × defined transform."""
    for x_name, y_name in pairs:
        for how in transforms:
            tx, ty = transform(df[x_name], how), transform(df[y_name], how)
            if tx is None or ty is None:
                continue
            yield x_name, y_name, how, tx, ty


def series_names(pairs: list[tuple[str, str]]) -> list[str]:
    """Distinct series names in pair order."""
    seen: list[str] = []
    for pair in pairs:
        for name in pair:
            if name not in seen:
                seen.append(name)
    return seen


LABELS: dict[str, str] = {
    "laid_off": "Employees laid off",
    "layoff_events": "Layoff events",
    "ai_cited_share": "Share of layoffs citing AI",
    "laid_off_us": "Employees laid off (US)",
    "layoff_events_us": "Layoff events (US)",
    "notable_models": "Notable AI models released",
    "all_models": "All AI models released",
    "postings_software_development": "Software-development postings (Indeed index)",
    "postings_mathematics": "Mathematics postings (Indeed index)",
    "postings_scientific_research": "Scientific R&D postings (Indeed index)",
    "postings_it_operations": "IT operations postings (Indeed index)",
    "postings_total": "All postings (Indeed index)",
}


def label(name: str) -> str:
    """Readable label for a series column name (the name itself when unknown)."""
    return LABELS.get(name, name.replace("_", " "))
