"""Chart `ai_cited_share`: monthly share of layoffs whose headline cites AI (Wilson band) over yearly bars."""

from __future__ import annotations

import altair as alt
import pandas as pd

from analytics.ai_attribution import ai_cited_by_period
from analytics.chart_files import MAX_MARKS

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


def ai_cited_share_chart(monthly: pd.DataFrame, caption: str, quality: pd.DataFrame | None = None,
                         max_marks: int = MAX_MARKS) -> alt.Chart:
    """Global scope: share per month (line, 95% Wilson band) and per year (bars with 95% Wilson rule).

    Above `max_marks` marks the line uses quarters (then years), with counts re-summed and intervals recomputed.
    """
    if monthly is None or monthly.empty:
        return _empty(caption)
    years = ai_cited_by_period(monthly, "Y")
    years = years[(years["scope"] == "global") & (years["events_with_text"] > 0)].copy()
    if years.empty:
        return _empty(caption)
    line, noun = _line_frame(monthly, 2 * len(years), max_marks)
    line = line[line["events_with_text"] > 0]
    last = pd.to_datetime(monthly["month"]).max() + pd.offsets.MonthEnd(0)
    years["year_end"] = (years["period"] + pd.offsets.YearEnd(0)).clip(upper=last)  # a partial last year stays short
    years["mid"] = years["period"] + (years["year_end"] - years["period"]) / 2
    years["year"] = years["period"].dt.year.astype(str)
    # months with a handful of events have bands up to 100%; the axis stops a little above the data instead
    top = min(1.0, 1.15 * max(float(line["ai_cited_share"].max()), float(years["ci_high"].max())))
    pct = alt.Axis(format="%", title="Share of events with headline text")
    scale = alt.Scale(domain=[0, top], clamp=True)
    x = alt.X("period:T", title=None, axis=alt.Axis(format="%Y", labelAngle=0, tickCount="year"))
    bars = alt.Chart(years).mark_rect(color="#f4a582", opacity=0.55).encode(
        x=x, x2="year_end:T", y=alt.Y("ai_cited_share:Q", axis=pct, scale=scale), y2=alt.datum(0),
        tooltip=["year:N", alt.Tooltip("ai_cited_share:Q", format=".1%", title="share"),
                 alt.Tooltip("ai_cited_events:Q", title="AI-cited"), alt.Tooltip("events_with_text:Q", title="n"),
                 alt.Tooltip("ci_low:Q", format=".1%", title="95% CI low"),
                 alt.Tooltip("ci_high:Q", format=".1%", title="95% CI high")])
    year_ci = alt.Chart(years).mark_rule(color="#b2182b", strokeWidth=2).encode(
        x="mid:T", y="ci_low:Q", y2="ci_high:Q")
    tip = [alt.Tooltip("period:T", format="%b %Y", title=noun), alt.Tooltip("ai_cited_share:Q", format=".1%"),
           alt.Tooltip("ai_cited_events:Q", title="AI-cited"), alt.Tooltip("events_with_text:Q", title="n")]
    band = alt.Chart(line).mark_area(color="#6baed6", opacity=0.3, clip=True).encode(
        x="period:T", y="ci_low:Q", y2="ci_high:Q")
    trend = alt.Chart(line).mark_line(color="#1f4e9c", strokeWidth=1.8, point=alt.OverlayMarkDef(size=14)).encode(
        x="period:T", y="ai_cited_share:Q", tooltip=tip)
    sub = [f"Share of deduplicated layoff events with headline text ({int(years['events_with_text'].sum()):,}) "
           "whose source headline cites AI or automation as a reason or context of the cut.",
           f"Line = per {noun} with 95% Wilson band (clipped at the top of the axis); bars = per year, "
           "red rule = its 95% Wilson interval."]
    cited = quality[(quality["class"] == "ai_cited") & (quality["split"] == "holdout")] if quality is not None \
        and not quality.empty else pd.DataFrame()
    precision = cited[(cited["metric"] == "precision") & (cited["n"] > 0)] if not cited.empty else cited
    if not precision.empty:
        p = precision.iloc[0]
        sub.append(f"Rules' precision for ai_cited on the held-out labels: {p['estimate']:.0%} "
                   f"({int(p['hits'])}/{int(p['n'])}, 95% CI {p['ci_low']:.0%}–{p['ci_high']:.0%}).")
    sub.append("A headline citing AI is the outlet's framing, not proof that AI caused the cut.")
    return alt.layer(bars, year_ci, band, trend).properties(
        width=WIDTH, height=HEIGHT, title=_title("Layoffs whose headline cites AI", sub, caption))
