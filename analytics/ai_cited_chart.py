"""Chart `ai_cited_share`: yearly share of layoffs whose headline cites AI (bars with Wilson CI) and monthly dots."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.ai_attribution import ai_cited_by_period
from analytics.chart_files import MAX_MARKS
from analytics.chart_time import month_start, shade

WIDTH, HEIGHT = 760, 330
# (pandas period, noun) finest first: the line falls back to coarser periods above the mark budget
LINE_PERIODS = (("M", "month"), ("Q", "quarter"), ("Y", "year"))


def _title(text: str, subtitle: list[str], caption: str) -> alt.TitleParams:
    lines = [line for line in [*subtitle, *caption.split("\n")] if line]
    return alt.TitleParams(text=text, subtitle=lines, anchor="start", fontSize=16,
                           subtitleFontSize=11, subtitleColor="#555555", offset=12)


def _empty(caption: str) -> alt.Chart:
    df = pd.DataFrame({"msg": ["No data available for ai_cited_share"]})
    return alt.Chart(df).mark_text(fontSize=16).encode(text="msg:N").properties(
        width=WIDTH, height=120, title=_title("AI-cited layoffs", [], caption))


def _line_frame(monthly: pd.DataFrame, yearly_marks: int, max_marks: int) -> tuple[pd.DataFrame, str]:
    """The finest period whose line, band and bars stay under `max_marks` marks (counts re-summed, CI recomputed)."""
    for freq, noun in LINE_PERIODS:
        line = ai_cited_by_period(monthly, freq)
        line = line[line["scope"] == "global"]
        if 2 * len(line) + yearly_marks <= max_marks:
            return line, noun
    return line, noun


def _years(monthly: pd.DataFrame) -> pd.DataFrame:
    """Yearly global shares with the months each year covers; a partial year's bar ends at its last month."""
    years = ai_cited_by_period(monthly, "Y")
    years = years[(years["scope"] == "global") & (years["events_with_text"] > 0)].copy()
    months = month_start(monthly["month"]).drop_duplicates()
    covered = months.groupby(months.dt.year).agg(["min", "max", "size"])
    first, last, n = (years["period"].dt.year.map(covered[k]) for k in ("min", "max", "size"))
    years["start"] = first + pd.Timedelta(days=12)
    years["end"] = last + pd.offsets.MonthEnd(0) - pd.Timedelta(days=12)   # a gap between neighbouring bars
    years["mid"] = years["start"] + (years["end"] - years["start"]) / 2
    years["months"] = n.astype("int64")
    years["year"] = [f"{y}" if k == 12 else f"{y} ({a:%b}–{b:%b}, {k} months)" if k > 1 else f"{y} ({a:%b} only)"
                     for y, a, b, k in zip(years["period"].dt.year, first, last, n)]
    years["label"] = [f"{v:.1%}" if k == 12 else f"{v:.1%} ({k} mo, partial)"
                      for v, k in zip(years["ai_cited_share"], years["months"])]
    return years


def ai_cited_share_chart(monthly: pd.DataFrame, caption: str, quality: pd.DataFrame | None = None,
                         max_marks: int = MAX_MARKS, spans: list[dict] | None = None) -> alt.Chart:
    """Global scope: share per year (bars, 95% Wilson interval as a dark rule, value on top) and per month (dots).

    Above `max_marks` marks the dots use quarters (then years), with counts re-summed. `spans` are shaded.
    """
    if monthly is None or monthly.empty:
        return _empty(caption)
    years = _years(monthly)
    if years.empty:
        return _empty(caption)
    line, noun = _line_frame(monthly, 3 * len(years), max_marks)
    line = line[line["events_with_text"] > 0]
    top = 1.1 * max(float(line["ai_cited_share"].max()), float(years["ci_high"].max()))
    y = alt.Y("ai_cited_share:Q", axis=alt.Axis(format="%", title="Share of events with headline text"),
              scale=alt.Scale(domain=[0, min(1.0, top)]))
    x = alt.X("start:T", title=None, axis=alt.Axis(format="%Y", labelAngle=0, tickCount="year"))
    year_tip = ["year:N", alt.Tooltip("ai_cited_share:Q", format=".1%", title="share"),
                alt.Tooltip("ai_cited_events:Q", title="AI-cited"), alt.Tooltip("events_with_text:Q", title="n"),
                alt.Tooltip("ci_low:Q", format=".1%", title="95% CI low"),
                alt.Tooltip("ci_high:Q", format=".1%", title="95% CI high")]
    bars = alt.Chart(years).mark_rect(color="#f4a582").encode(
        x=x, x2="end:T", y=y, y2=alt.datum(0), tooltip=year_tip,
        opacity=alt.condition(alt.datum.months == 12, alt.value(0.75), alt.value(0.35)))
    ci = alt.Chart(years).mark_rule(color="#7f0000", strokeWidth=2.5).encode(x="mid:T", y="ci_low:Q", y2="ci_high:Q")
    font = dict(dy=-8, fontSize=11, fontWeight="bold", color="#7f0000")
    text = alt.Chart(years[years["months"] > 1]).mark_text(**font).encode(x="mid:T", y="ci_high:Q", text="label:N")
    # a one-month year sits at the axis end: its label ends at the bar instead of running past the plot
    text_end = alt.Chart(years[years["months"] == 1]).mark_text(align="right", dx=6, **font).encode(
        x="mid:T", y="ci_high:Q", text="label:N")
    tip = [alt.Tooltip("period:T", format="%b %Y", title=noun), alt.Tooltip("ai_cited_share:Q", format=".1%"),
           alt.Tooltip("ai_cited_events:Q", title="AI-cited"), alt.Tooltip("events_with_text:Q", title="n"),
           alt.Tooltip("ci_low:Q", format=".1%", title="95% CI low"),
           alt.Tooltip("ci_high:Q", format=".1%", title="95% CI high")]
    dots = alt.Chart(line).mark_circle(color="#1f4e9c", size=18, opacity=0.7).encode(
        x="period:T", y="ai_cited_share:Q", tooltip=tip)
    sub = [f"Share of deduplicated layoff events with headline text ({int(years['events_with_text'].sum()):,}) "
           "whose source headline cites AI or automation as a reason or context of the cut.",
           f"Bars = per year, dark rule = its 95% Wilson interval, value on top (pale bar: a partial year); "
           f"blue dots = per {noun} (few events each: noisy).",
           *(["Grey = months the layoff trackers cover only in part."] if spans else [])]
    cited = quality[(quality["class"] == "ai_cited") & (quality["split"] == "holdout")] if quality is not None \
        and not quality.empty else pd.DataFrame()
    precision = cited[(cited["metric"] == "precision") & (cited["n"] > 0)] if not cited.empty else cited
    if not precision.empty:
        p = precision.iloc[0]
        sub.append(f"Rules' precision for ai_cited on the held-out labels: {p['estimate']:.0%} "
                   f"({int(p['hits'])}/{int(p['n'])}, 95% CI {p['ci_low']:.0%}–{p['ci_high']:.0%}).")
    sub.append("A headline citing AI is the outlet's framing, not proof that AI caused the cut.")
    return alt.layer(*shade(spans or []), bars, ci, text, text_end, dots).properties(
        width=WIDTH, height=HEIGHT, title=_title("Layoffs whose headline cites AI", sub, caption))
