"""Chart `ai_cited_share`: yearly share of layoffs whose headline cites AI, strict beside broad, with CIs and partial years."""

from __future__ import annotations

import altair as alt
import pandas as pd

WIDTH, HEIGHT = 760, 330
COLORS = {"broad": "#f4a582", "strict": "#b2182b"}
LABELS = {"broad": "broad: AI given as reason or context", "strict": "strict: AI stated as the cause"}


def _title(text: str, subtitle: list[str], caption: str) -> alt.TitleParams:
    lines = [line for line in [*subtitle, *caption.split("\n")] if line]
    return alt.TitleParams(text=text, subtitle=lines, anchor="start", fontSize=16,
                           subtitleFontSize=11, subtitleColor="#555555", offset=12)


def _empty(caption: str) -> alt.Chart:
    df = pd.DataFrame({"msg": ["No data available for ai_cited_share"]})
    return alt.Chart(df).mark_text(fontSize=16).encode(text="msg:N").properties(
        width=WIDTH, height=120, title=_title("AI-cited layoffs", [], caption))


def chart_frame(yearly: pd.DataFrame) -> pd.DataFrame:
    """The plotted rows: global scope, years with text, one row per year x definition, in year order."""
    y = yearly[(yearly["scope"] == "global") & (yearly["events_with_text"] > 0)].copy()
    y = y.sort_values(["year", "definition"], kind="stable").reset_index(drop=True)
    y["year_label"] = [f"{int(yr)}*" if p else str(int(yr)) for yr, p in zip(y["year"], y["partial_year"])]
    y["series"] = y["definition"].map(LABELS)
    y["coverage"] = ["partial year" if p else "full year" for p in y["partial_year"]]
    return y


def ai_cited_share_chart(yearly: pd.DataFrame | None, caption: str, quality: pd.DataFrame | None = None) -> alt.Chart:
    """Global scope, per year: the AI-cited share of events with text under the broad and the strict definition,
    side by side, each with its 95% Wilson interval and the share by people laid off (diamond). Partial years
    are pale and starred. The axis reaches the highest interval: no band is clipped."""
    if yearly is None or yearly.empty:
        return _empty(caption)
    y = chart_frame(yearly)
    if y.empty:
        return _empty(caption)
    top = float(pd.concat([y["share_events_ci_high"], y["share_people"]]).max())
    scale = alt.Scale(domain=[0, min(1.0, max(0.05, top * 1.08))], nice=False)
    order = list(dict.fromkeys(y["year_label"]))
    x = alt.X("year_label:N", sort=order, title=None, axis=alt.Axis(labelAngle=0))
    offset = alt.XOffset("series:N", sort=[LABELS["broad"], LABELS["strict"]])
    color = alt.Color("series:N", title=None, sort=[LABELS["broad"], LABELS["strict"]],
                      scale=alt.Scale(domain=[LABELS["broad"], LABELS["strict"]],
                                      range=[COLORS["broad"], COLORS["strict"]]),
                      legend=alt.Legend(orient="top", direction="horizontal", labelLimit=400))
    tip = [alt.Tooltip("year:O", title="year"), alt.Tooltip("definition:N"), alt.Tooltip("coverage:N"),
           alt.Tooltip("share_events:Q", format=".1%", title="share of events"),
           alt.Tooltip("ai_cited_events:Q", title="AI-cited events"),
           alt.Tooltip("events_with_text:Q", title="events with text (n)"),
           alt.Tooltip("share_events_ci_low:Q", format=".1%", title="95% CI low"),
           alt.Tooltip("share_events_ci_high:Q", format=".1%", title="95% CI high"),
           alt.Tooltip("share_people:Q", format=".1%", title="share of people laid off"),
           alt.Tooltip("note:N")]
    base = alt.Chart(y).encode(x=x, xOffset=offset)
    bars = base.mark_bar(width={"band": 0.9}).encode(
        y=alt.Y("share_events:Q", scale=scale, axis=alt.Axis(format="%", title="Share of events with headline text")),
        color=color, opacity=alt.condition("datum.partial_year", alt.value(0.35), alt.value(0.9)), tooltip=tip)
    ci = base.mark_rule(color="#222222", strokeWidth=1.5).encode(
        y="share_events_ci_low:Q", y2="share_events_ci_high:Q", tooltip=tip)
    people = base.mark_point(shape="diamond", filled=True, size=45, color="#333333").encode(
        y="share_people:Q", tooltip=tip)
    partial = y[y["partial_year"]]
    sub = ["Share of deduplicated layoff events with headline text whose headline cites AI:",
           "broad (reason or context, incl. a bare mention) beside strict (the headline states AI replaced the work "
           "or caused the cut).",
           "Bar = share of events, black rule = its 95% Wilson interval, diamond = share of the people laid off "
           "(known headcounts)."]
    if not partial.empty:
        sub.append("* pale = partial year: " + "; ".join(
            f"{int(r.year)} {r.note.removeprefix('partial year: ')}" for r in
            partial.drop_duplicates("year").itertuples()) + ".")
    sub.append("A headline citing AI is the outlet's framing, not proof that AI caused the cut.")
    return alt.layer(bars, ci, people).properties(
        width=WIDTH, height=HEIGHT, title=_title("Layoffs whose headline cites AI, per year", sub, caption))
