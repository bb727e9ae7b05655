"""`analytics.analysis_window`: per series, the first and last month analysed and why the window was cut there."""

from __future__ import annotations

import pandas as pd

from analytics.series import monthly_frame

WINDOW_COLUMNS = ["series", "source", "first_month", "last_month", "months", "months_with_value",
                  "first_month_reason", "last_month_reason", "note"]
LAYOFF_COLUMNS = {"laid_off": "global", "layoff_events": "global", "laid_off_us": "us", "layoff_events_us": "us"}
MODEL_COLUMNS = {"notable_models": "notable", "all_models": "all"}
SECTOR_COLUMNS = ("postings_software_development", "postings_mathematics", "postings_scientific_research",
                  "postings_it_operations")
TRACKERS = ("crunchbase_tracker", "layoffs_fyi")
TABLE_START = ("start of the analysis table: its first month with the deduplicated layoff series and an "
               "Epoch list both inside their windows")
TABLE_END = ("end of the analysis table: its last month with the deduplicated layoff series and an "
             "Epoch list both inside their windows")


def _month(value) -> pd.Timestamp:
    return pd.Timestamp(value).to_period("M").to_timestamp()


def _reasons(frame: pd.DataFrame | None, column: str, query: dict) -> dict[pd.Timestamp, str]:
    """month -> excluded reason from a mart (rows matching `query`), {} when the mart or column is absent."""
    if frame is None or frame.empty or column not in frame.columns:
        return {}
    part = frame
    for key, value in query.items():
        if key not in part.columns:
            return {}
        part = part[part[key] == value]
    part = part[part[column].notna()]
    return {_month(m): str(r) for m, r in zip(part["month"], part[column])}


def _row(series: str, source: str, values: pd.Series, reasons: dict, start: str, end: str) -> dict | None:
    present = values.dropna()
    if present.empty:
        return None
    first, last = present.index[0], present.index[-1]
    before, after = first - pd.DateOffset(months=1), last + pd.DateOffset(months=1)
    span = values.loc[first:last]
    unknown = span[span.isna()].index
    note = ""
    if len(unknown):
        note = (f"{len(unknown)} month(s) inside the window without a value ({', '.join(f'{m:%Y-%m}' for m in unknown)})"
                + ("; every event of the month lacks a count" if series.startswith("laid_off") else ""))
    return {"series": series, "source": source, "first_month": first, "last_month": last,
            "months": len(span), "months_with_value": int(span.notna().sum()),
            "first_month_reason": f"{before:%Y-%m} left out: {reasons[before]}" if before in reasons else start,
            "last_month_reason": f"{after:%Y-%m} left out: {reasons[after]}" if after in reasons else end,
            "note": note}


def analysis_window(frames: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per analysed series: its window in `layoffs_vs_ai_monthly` (or, for each tracker alone, in
    `layoffs_monthly`) and the reason for each end, read from the marts' excluded_reason columns."""
    monthly = monthly_frame(frames["layoffs_vs_ai_monthly"])
    lm, mm, jp = (frames.get(k) for k in ("layoffs_monthly", "model_releases_monthly", "job_postings_monthly"))
    rows = []
    for col in monthly.columns:
        if col in LAYOFF_COLUMNS:
            source, reasons = f"deduplicated ({LAYOFF_COLUMNS[col]})", _reasons(
                lm, "excluded_reason", {"source": "deduplicated", "scope": LAYOFF_COLUMNS[col]})
        elif col in MODEL_COLUMNS:
            source, reasons = f"Epoch {MODEL_COLUMNS[col]}", _reasons(mm, "excluded_reason", {"dataset": MODEL_COLUMNS[col]})
        elif col in SECTOR_COLUMNS:
            source, reasons = "Indeed by sector (US)", _reasons(jp, "sector_excluded_reason", {})
        elif col == "postings_total":
            source, reasons = "Indeed aggregate (US)", _reasons(jp, "total_excluded_reason", {})
        else:
            continue
        row = _row(col, source, monthly[col], reasons, TABLE_START, TABLE_END)
        rows += [row] if row else []
    for tracker in TRACKERS:   # each tracker alone (sensitivity): its own complete months
        series = tracker_series(lm, tracker)
        if series is not None:
            reasons = _reasons(lm, "excluded_reason", {"source": tracker, "scope": "global"})
            row = _row(f"laid_off[{tracker}]", f"{tracker} (global)", series, reasons,
                       "first month of the tracker's data", "last month of the tracker's data")
            rows += [row] if row else []
    return pd.DataFrame(rows, columns=WINDOW_COLUMNS).astype({"months": "int64", "months_with_value": "int64"})


def tracker_series(layoffs_monthly: pd.DataFrame | None, tracker: str, column: str = "laid_off") -> pd.Series | None:
    """`column` of one tracker (global scope) on its complete months (excluded months dropped), by month."""
    lm = layoffs_monthly
    if lm is None or lm.empty or not {"month", "source", "scope", column} <= set(lm.columns):
        return None
    part = lm[(lm["source"] == tracker) & (lm["scope"] == "global")]
    if "excluded_reason" in part.columns:
        part = part[part["excluded_reason"].isna()]
    if part.empty:
        return None
    s = pd.Series(pd.to_numeric(part[column], errors="coerce").astype("float64").to_numpy(),
                  index=pd.to_datetime(part["month"]).dt.to_period("M").dt.to_timestamp()).sort_index()
    return s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="MS"))
