"""Chart `warn_vs_trackers`: Washington's monthly WARN workers vs tracker laid off for the same companies, matched pairs marked."""

from __future__ import annotations

import altair as alt
import numpy as np
import pandas as pd

from analytics.chart_captions import STATE_NAMES, WARN_CHART_STATE as CHART_STATE
from analytics.chart_time import month_start
from analytics.charts_series import chart_title, empty_chart
from analytics.warn_coverage import warn_frames

WIDTH, HEIGHT = 760, 330
WARN_SERIES = "WARN notices: workers (companies a tracker lists)"
TRACKER_SERIES = {"layoffs_fyi": "layoffs.fyi: laid off", "crunchbase_tracker": "Crunchbase tracker: laid off"}
COLORS = {WARN_SERIES: "#1b7837", "layoffs_fyi": "#d62728", "crunchbase_tracker": "#ff7f0e"}
LINE_COLUMNS = ["month", "series", "people"]
PAIR_COLUMNS = ["tracker", "series", "tracker_event_ref", "company", "tracker_date", "tracker_laid_off",
                "first_notice_date", "warn_workers", "notices", "day_gap"]


def _grid(first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """Every month from `first` to `last`, in month order."""
    return pd.date_range(first, last, freq="MS")


def _on_months(months: pd.Series, values: pd.Series, grid: pd.DatetimeIndex, fill: float | None = None) -> pd.Series:
    """`values` summed per month of `months`, looked up by month on `grid` (never by row position)."""
    sums = pd.to_numeric(values, errors="coerce").astype("float64").groupby(month_start(months).to_numpy()).sum()
    return sums.reindex(grid, fill_value=fill) if fill is not None else sums.reindex(grid)


def chart_data(frames: dict[str, pd.DataFrame], state: str = CHART_STATE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(monthly lines, matched pairs) of `state`.

    Lines, one row per series and month in month order: the workers of the state's notices filed by companies a
    tracker lists (warn_monthly.tracked_company_workers), and per tracker the known laid-off counts of its rows
    located in the state for companies with a notice there, 0 in a month without one. Months: the state's export
    (first to last notice month) inside the trackers' span; a tracker's line only inside its own first-to-last month.
    Pairs: every matched tracker row of the state, with its matched notices' workers summed and the earliest
    notice's date and day gap."""
    w = warn_frames(frames)
    if w is None:
        return pd.DataFrame(columns=LINE_COLUMNS), pd.DataFrame(columns=PAIR_COLUMNS)
    monthly = w["warn_monthly"][w["warn_monthly"]["state"] == state]
    events = w["tracker_state_events"]
    if monthly.empty or events.empty:
        return pd.DataFrame(columns=LINE_COLUMNS), pd.DataFrame(columns=PAIR_COLUMNS)
    spans = events.assign(month=month_start(events["event_date"]).to_numpy()).groupby("tracker")["month"].agg(
        ["min", "max"])
    first = max(monthly["month"].min(), spans["min"].min())
    last = min(monthly["month"].max(), spans["max"].max())
    if first > last:
        return pd.DataFrame(columns=LINE_COLUMNS), pd.DataFrame(columns=PAIR_COLUMNS)
    grid = _grid(first, last)
    warn = _on_months(monthly["month"], monthly["tracked_company_workers"], grid)
    lines = [pd.DataFrame({"month": grid, "series": WARN_SERIES, "people": warn.to_numpy()})]
    keys = set(w["fct_warn_notices"].loc[w["fct_warn_notices"]["state"] == state, "company_key"])
    here = events[(events["state"] == state) & events["company_key"].isin(keys)]
    for tracker, (lo, hi) in spans.iterrows():
        months = _grid(max(first, lo), min(last, hi))
        if months.empty:
            continue
        rows = here[here["tracker"] == tracker]
        people = _on_months(rows["event_date"], rows["laid_off"], months, fill=0.0)
        lines.append(pd.DataFrame({"month": months, "series": TRACKER_SERIES.get(tracker, tracker),
                                   "people": people.to_numpy()}))
    line = pd.concat(lines, ignore_index=True)
    return line, _pairs(w, state)


def _pairs(w: dict[str, pd.DataFrame], state: str) -> pd.DataFrame:
    m = w["warn_tracker_matches"][w["warn_tracker_matches"]["state"] == state]
    m = m.assign(warn_workers=pd.to_numeric(m["warn_workers"], errors="coerce"))
    if m.empty:
        return pd.DataFrame(columns=PAIR_COLUMNS)
    g = m.groupby(["tracker", "tracker_event_ref"], as_index=False).agg(
        first_notice_date=("notice_date", "min"), warn_workers=("warn_workers", lambda s: s.sum(min_count=1)),
        notices=("warn_notice_id", "count"), day_gap=("day_gap", "min"))
    g["warn_workers"] = g["warn_workers"].astype("float64")
    ev = w["tracker_state_events"][["tracker", "tracker_event_ref", "company", "event_date", "laid_off"]]
    g = g.merge(ev, on=["tracker", "tracker_event_ref"], how="inner").rename(
        columns={"event_date": "tracker_date", "laid_off": "tracker_laid_off"})
    g["tracker_laid_off"] = pd.to_numeric(g["tracker_laid_off"], errors="coerce").astype("float64")
    g["series"] = g["tracker"].map(lambda t: TRACKER_SERIES.get(t, t))
    return g[PAIR_COLUMNS].sort_values(["tracker_date", "tracker", "tracker_event_ref"], ignore_index=True)


def warn_vs_trackers(frames: dict[str, pd.DataFrame], caption: str, state: str = CHART_STATE) -> alt.LayerChart | alt.Chart:
    """Monthly lines (WARN workers, each tracker's laid off) and the matched pairs: a hollow circle at the tracker
    row (its date, its count), a filled one at its notices (the earliest date, their workers summed), a rule
    between them."""
    line, pairs = chart_data(frames, state)
    if line.empty:
        return empty_chart("warn_vs_trackers", caption)
    names = [WARN_SERIES] + [s for s in TRACKER_SERIES.values() if s in set(line["series"])]
    palette = {WARN_SERIES: COLORS[WARN_SERIES]} | {TRACKER_SERIES[t]: COLORS[t] for t in TRACKER_SERIES}
    color = alt.Color("series:N", title=None, scale=alt.Scale(domain=names, range=[palette[n] for n in names]),
                      legend=alt.Legend(orient="top-left", fillColor="white", labelLimit=0))
    x = alt.X("month:T", title="Month", axis=alt.Axis(format="%b %Y", labelAngle=0, tickCount=8))
    top = float(pd.concat([line["people"], pairs["tracker_laid_off"], pairs["warn_workers"]]).max())
    ticks = [0] + [10 ** k for k in range(0, int(np.ceil(np.log10(max(top, 10)))) + 1)]
    scale = alt.Scale(type="symlog", domain=[0, ticks[-1]], nice=False)
    y = alt.Y("people:Q", title="People (WARN: workers; trackers: laid off)", scale=scale,
              axis=alt.Axis(values=ticks, format=",.0f"))
    lines = alt.Chart(line).mark_line(strokeWidth=1.8, opacity=0.85).encode(
        x=x, y=y, color=color, tooltip=["series:N", alt.Tooltip("month:T", format="%b %Y"),
                                        alt.Tooltip("people:Q", format=",")])
    layers = [lines]
    if not pairs.empty:
        tip = ["company:N", "series:N", alt.Tooltip("tracker_date:T", format="%Y-%m-%d", title="tracker date"),
               alt.Tooltip("tracker_laid_off:Q", format=",", title="tracker laid off"),
               alt.Tooltip("first_notice_date:T", format="%Y-%m-%d", title="earliest notice"),
               alt.Tooltip("warn_workers:Q", format=",", title="WARN workers (summed)"),
               alt.Tooltip("notices:Q", title="notices"), alt.Tooltip("day_gap:Q", title="day gap")]
        base = alt.Chart(pairs)
        both = pairs["warn_workers"].notna() & pairs["tracker_laid_off"].notna()   # a rule needs both ends
        layers += [
            alt.Chart(pairs[both]).mark_rule(color="#555555", strokeWidth=1, opacity=0.6).encode(
                x="first_notice_date:T", x2="tracker_date:T", y=alt.Y("warn_workers:Q", scale=scale),
                y2="tracker_laid_off:Q"),
            base.mark_point(size=45, filled=False, strokeWidth=1.5).encode(
                x="tracker_date:T", y="tracker_laid_off:Q", color=color, tooltip=tip),
            base.mark_point(size=45, filled=True, color=COLORS[WARN_SERIES]).encode(
                x="first_notice_date:T", y="warn_workers:Q", tooltip=tip)]
    first, last = line["month"].min(), line["month"].max()
    name = STATE_NAMES.get(state, state)
    sub = (f"{name}, monthly, {first:%b %Y}–{last:%b %Y}. Green line: workers in {name}'s WARN notices filed by "
           "companies a tracker lists (anywhere).\nOther lines: the people each tracker reports laid off in its rows "
           f"located in {name}, for companies with a notice there (known counts).\n{len(pairs)} matched pairs: a "
           "hollow circle at the tracker row (its date and count), a filled green one at the notices matched to it "
           "(earliest date,\nworkers summed), joined by a grey rule. A tracker's count is company-wide and its location "
           "is the headquarters; a notice counts one state's sites.\nSymmetric log scale: 0 at the bottom, each "
           "gridline 10 times the one below.")
    return alt.layer(*layers).properties(
        width=WIDTH, height=HEIGHT, title=chart_title(f"Official WARN notices vs the trackers, {name}", sub, caption))
