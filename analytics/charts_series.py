"""Monthly line charts: layoffs vs model releases on one indexed axis, and Indeed postings by sector."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.chart_budget import coarsen_months
from analytics.chart_time import by_month, on_grid, segments, shade, trailing_mean
from analytics.series import label

WIDTH, HEIGHT = 760, 330
SECTOR_SHORT = {"postings_software_development": "Software development", "postings_mathematics": "Mathematics",
                "postings_scientific_research": "Scientific research & development", "postings_total": "All postings"}
SECTOR_EXCLUDED = {"postings_total": "total_excluded_reason"}   # every other column: sector_excluded_reason


def chart_title(text: str, subtitle: str, caption: str) -> alt.TitleParams:
    lines = [line for line in [*subtitle.split("\n"), *caption.split("\n")] if line]
    return alt.TitleParams(text=text, subtitle=lines, anchor="start", fontSize=16,
                           subtitleFontSize=11, subtitleColor="#555555", offset=12)


def empty_chart(name: str, caption: str) -> alt.Chart:
    df = pd.DataFrame({"msg": [f"No data available for {name}"], "x": [0.5]})
    frame = alt.X("x:Q", title=None, scale=alt.Scale(domain=[0, 1]), axis=alt.Axis(labels=False))
    return alt.Chart(df).mark_text(fontSize=16).encode(text="msg:N", x=frame).properties(
        width=WIDTH, height=120, title=chart_title(name.replace("_", " ").capitalize(), "", caption))


def indexed_series(monthly: pd.DataFrame, columns: tuple[str, ...], smooth: int) -> pd.DataFrame:
    """Long rows (month, series, index, segment): each series over its own window divided by its mean there
    (= 100), then the trailing `smooth`-month mean, kept only where all `smooth` months have a value."""
    long = []
    for c in columns:
        s = on_grid(monthly, c)
        mean = s.mean()
        if s.empty or not mean or pd.isna(mean):
            continue
        tm = trailing_mean(s / mean * 100.0, smooth)
        present = tm.notna()
        part = pd.DataFrame({"month": tm.index, "series": label(c), "index": tm.to_numpy(),
                             "segment": segments(present).to_numpy()})
        long.append(part[present.to_numpy()])
    if not long:
        return pd.DataFrame(columns=["month", "series", "index", "segment"])
    return pd.concat(long, ignore_index=True)


def layoffs_vs_releases(monthly: pd.DataFrame, caption: str,
                        columns: tuple[str, ...] = ("laid_off", "layoff_events", "notable_models", "all_models"),
                        smooth: int = 3, spans: list[dict] | None = None) -> alt.Chart:
    """Layoff and model-release series on one indexed axis (each series' own mean = 100), `smooth`-month trailing
    mean in month order, each series drawn only inside its own window; `spans` are shaded (excluded months)."""
    if monthly is None or monthly.empty:
        return empty_chart("layoffs_vs_releases", caption)
    df = by_month(monthly)
    cols = [c for c in columns if c in df.columns and pd.to_numeric(df[c], errors="coerce").notna().any()]
    data = indexed_series(df, tuple(cols), smooth)
    data, _unit, note = coarsen_months(data, ["series", "segment"], "index", "mean")
    if data.empty:   # every series missing or zero throughout: nothing to index
        return empty_chart("layoffs_vs_releases", caption)
    shown = [label(c) for c in cols if label(c) in set(data["series"])]
    colors = {label("laid_off"): "#d62728", label("layoff_events"): "#ff9896", label("notable_models"): "#1f4e9c",
              label("all_models"): "#6baed6"}
    x = alt.X("month:T", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    chart = alt.Chart(data).mark_line(strokeWidth=2).encode(
        x=x, y=alt.Y("index:Q", title="Index (series' own mean = 100)"), detail="segment:N",
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=shown, range=[colors.get(s, "#777") for s in shown]),
                        legend=alt.Legend(orient="top-left", fillColor="white")),
        strokeDash=alt.condition(alt.FieldOneOfPredicate(field="series", oneOf=[label(c) for c in cols[:2]]),
                                 alt.value([1, 0]), alt.value([5, 3])),
        tooltip=["series:N", alt.Tooltip("month:T", format="%b %Y"), alt.Tooltip("index:Q", format=".0f")],
    )
    base = alt.Chart(pd.DataFrame({"y": [100]})).mark_rule(color="#999", strokeDash=[2, 2]).encode(y="y:Q")
    first, last = pd.to_datetime(df["month"]).min(), pd.to_datetime(df["month"]).max()
    sub = (f"Monthly, {first:%b %Y}–{last:%b %Y} (the analysis window); each series divided by its own mean; a point is "
           f"the mean of its month and the {smooth - 1} before it, drawn only where all {smooth} have a value"
           f"\nsolid = layoffs, dashed = AI models; grey = months a series is left out (its reason on top)"
           + (f"; {note}" if note else ""))
    return alt.layer(*shade(spans or []), base, chart).properties(
        width=WIDTH, height=HEIGHT, title=chart_title("Layoffs and AI model releases, indexed", sub, caption))


def postings_long(postings: pd.DataFrame) -> pd.DataFrame:
    """Long rows (month, series, index, segment) of the postings index, without the months each column leaves out."""
    df = by_month(postings)
    long = []
    for col in (c for c in SECTOR_SHORT if c in df.columns):
        reason = SECTOR_EXCLUDED.get(col, "sector_excluded_reason")
        values = pd.to_numeric(df[col], errors="coerce").astype("float64")
        if reason in df.columns:
            values = values.where(df[reason].isna())
        present = values.notna()
        part = pd.DataFrame({"month": df["month"], "series": SECTOR_SHORT[col], "index": values,
                             "segment": segments(present).to_numpy()})
        long.append(part[present.to_numpy()])
    return pd.concat(long, ignore_index=True) if long else pd.DataFrame(columns=["month", "series", "index", "segment"])


def postings_by_sector(postings: pd.DataFrame, caption: str, spans: list[dict] | None = None) -> alt.Chart:
    """Indeed US postings index, monthly mean: software development, mathematics, scientific R&D vs total
    (complete months only); `spans` are shaded."""
    long = postings_long(postings) if postings is not None and not postings.empty else pd.DataFrame()
    if long.empty:
        return empty_chart("postings_by_sector", caption)
    long, _unit, note = coarsen_months(long, ["series", "segment"], "index", "mean")
    domain = [s for s in SECTOR_SHORT.values() if s in set(long["series"])]
    palette = dict(zip(SECTOR_SHORT.values(), ["#1f4e9c", "#2ca02c", "#ff7f0e", "#333333"]))
    chart = alt.Chart(long).mark_line(strokeWidth=2).encode(
        x=alt.X("month:T", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8)),
        y=alt.Y("index:Q", title="Job postings index (1 Feb 2020 = 100)"), detail="segment:N",
        color=alt.Color("series:N", title=None, scale=alt.Scale(domain=domain, range=[palette[s] for s in domain]),
                        legend=alt.Legend(orient="bottom", direction="horizontal", labelLimit=0)),
        tooltip=["series:N", alt.Tooltip("month:T", format="%b %Y"), alt.Tooltip("index:Q", format=".1f")],
    )
    base = alt.Chart(pd.DataFrame({"y": [100]})).mark_rule(color="#999", strokeDash=[2, 2]).encode(y="y:Q")
    sub = (f"Indeed Hiring Lab, US, monthly mean of the daily index, complete months only, "
           f"{long['month'].min():%b %Y}–{long['month'].max():%b %Y}; grey = outside the analysis window or left out"
           + (f"; {note}" if note else ""))
    return alt.layer(*shade(spans or []), base, chart).properties(
        width=WIDTH, height=HEIGHT, title=chart_title("US job postings by sector", sub, caption))
