"""Time-chart helpers: month order before any window function, each series' own window, shaded excluded months."""

from __future__ import annotations

import altair as alt
import pandas as pd

SHADE_COLOR = "#9e9e9e"
SHORT_REASON = (("coverage lag", "coverage lag"), ("partial", "partial month"))


def month_start(values) -> pd.Series:
    """Dates as the first day of their month (NaT kept)."""
    return pd.to_datetime(pd.Series(values)).dt.to_period("M").dt.to_timestamp()


def by_month(df: pd.DataFrame, column: str = "month") -> pd.DataFrame:
    """`df` with `column` as month starts, sorted by it (rows of a mart come in no particular order)."""
    out = df.assign(**{column: month_start(df[column]).to_numpy()})
    return out.sort_values(column, kind="stable").reset_index(drop=True)


def on_grid(df: pd.DataFrame, column: str) -> pd.Series:
    """`column` of a monthly frame by month on a gap-free monthly grid (a missing month is NaN, not skipped)."""
    m = by_month(df)
    s = pd.Series(pd.to_numeric(m[column], errors="coerce").astype("float64").to_numpy(), index=m["month"])
    s = s[~s.index.duplicated(keep="last")]
    if s.empty:
        return s
    return s.reindex(pd.date_range(s.index.min(), s.index.max(), freq="MS"))


def trailing_mean(s: pd.Series, k: int) -> pd.Series:
    """Mean of the month and the k-1 months before it, only where all k months have a value (never across a gap
    or past a series' window)."""
    return s.rolling(k, min_periods=k).mean()


def segments(present: pd.Series) -> pd.Series:
    """Run number of each month among consecutive months with a value: a line is drawn per run, so it breaks at gaps."""
    return (present != present.shift()).cumsum()


def short_reason(reason: str) -> str:
    text = str(reason).lower()
    return next((short for key, short in SHORT_REASON if key in text), text.split(":")[0])


def reason_spans(reasons: dict, label: str, lo: pd.Timestamp | None = None,
                 hi: pd.Timestamp | None = None) -> list[dict]:
    """Spans of consecutive months with the same kind of excluded reason (month -> reason), labelled
    '<label>: <kind>', cut to [lo, hi] months."""
    months = sorted(m for m in reasons if (lo is None or m >= lo) and (hi is None or m <= hi))
    spans: list[dict] = []
    for m in months:
        kind = short_reason(reasons[m])
        if spans and spans[-1]["kind"] == kind and spans[-1]["end"] == m:
            spans[-1]["end"] = m + pd.offsets.MonthBegin(1)
        else:
            spans.append({"start": m, "end": m + pd.offsets.MonthBegin(1), "kind": kind})
    return [{"start": s["start"], "end": s["end"], "label": f"{label}: {s['kind']}" if label else s["kind"]}
            for s in spans]


def outside_spans(window: tuple[pd.Timestamp, pd.Timestamp] | None, lo: pd.Timestamp, hi: pd.Timestamp,
                  label: str = "outside the analysis window") -> list[dict]:
    """Spans of the months in [lo, hi] before or after the analysis `window` (first, last month)."""
    if window is None:
        return []
    first, last = window
    out = []
    if lo < first:
        out.append({"start": lo, "end": first, "label": label})
    if hi > last:
        out.append({"start": last + pd.offsets.MonthBegin(1), "end": hi + pd.offsets.MonthBegin(1), "label": label})
    return out


def excluded_reasons(frame: pd.DataFrame | None, column: str = "excluded_reason", **match) -> dict:
    """month -> excluded reason of the mart rows matching `match` (e.g. dataset='notable'); {} when absent."""
    if frame is None or frame.empty or column not in frame.columns or any(k not in frame.columns for k in match):
        return {}
    part = frame
    for key, value in match.items():
        part = part[part[key] == value]
    part = part[part[column].notna()]
    return dict(zip(month_start(part["month"]), part[column].astype(str)))


def combine(*span_lists: list[dict]) -> list[dict]:
    """One label per month (a span listed earlier wins), consecutive months with the same label merged."""
    labels: dict[pd.Timestamp, str] = {}
    for spans in span_lists:
        for s in spans:
            for m in pd.date_range(s["start"], s["end"] - pd.offsets.MonthBegin(1), freq="MS"):
                labels.setdefault(m, s["label"])
    out: list[dict] = []
    for m in sorted(labels):
        if out and out[-1]["label"] == labels[m] and out[-1]["end"] == m:
            out[-1]["end"] = m + pd.offsets.MonthBegin(1)
        else:
            out.append({"start": m, "end": m + pd.offsets.MonthBegin(1), "label": labels[m]})
    return out


def shade(spans: list[dict]) -> list[alt.Chart]:
    """Grey bands over the spans' months with their label on top; [] when there is nothing to shade."""
    if not spans:
        return []
    df = pd.DataFrame(spans)
    df["ypix"] = [3 + 13 * (i % 2) for i in range(len(df))]   # neighbouring labels on alternate rows
    band = alt.Chart(df).mark_rect(color=SHADE_COLOR, opacity=0.16).encode(
        x="start:T", x2="end:T", tooltip=[alt.Tooltip("label:N", title="shaded"),
                                          alt.Tooltip("start:T", format="%b %Y", title="from")])
    text = alt.Chart(df).mark_text(align="left", baseline="top", dx=3, fontSize=10, color="#555", limit=220).encode(
        x="start:T", y=alt.Y("ypix:Q", scale=None, axis=None), text="label:N")
    return [band, text]
