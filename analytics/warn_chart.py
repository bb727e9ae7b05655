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
# Per tracker: its WARN line (workers of the notices of the companies it places in the state) and its own line.
WARN_SERIES = {"layoffs_fyi": "WARN workers: companies layoffs.fyi places in the state",
               "crunchbase_tracker": "WARN workers: companies the Crunchbase tracker places in the state"}
TRACKER_SERIES = {"layoffs_fyi": "layoffs.fyi: laid off", "crunchbase_tracker": "Crunchbase tracker: laid off"}
COLORS = {WARN_SERIES["layoffs_fyi"]: "#1b7837", TRACKER_SERIES["layoffs_fyi"]: "#d62728",
          WARN_SERIES["crunchbase_tracker"]: "#35978f", TRACKER_SERIES["crunchbase_tracker"]: "#ff7f0e"}
LINE_COLUMNS = ["month", "series", "people"]
PAIR_COLUMNS = ["tracker", "series", "warn_series", "tracker_event_ref", "company", "tracker_date", "tracker_laid_off",
                "first_notice_date", "warn_workers", "notices", "day_gap"]


def _grid(first: pd.Timestamp, last: pd.Timestamp) -> pd.DatetimeIndex:
    """Every month from `first` to `last`, in month order."""
    return pd.date_range(first, last, freq="MS")


def _on_months(months: pd.Series, values: pd.Series, grid: pd.DatetimeIndex, fill: float | None = None) -> pd.Series:
    """`values` summed per month of `months`, looked up by month on `grid` (never by row position)."""
    sums = pd.to_numeric(values, errors="coerce").astype("float64").groupby(month_start(months).to_numpy()).sum()
    return sums.reindex(grid, fill_value=fill) if fill is not None else sums.reindex(grid)


def _placed(notices: pd.DataFrame, rows: pd.DataFrame, tracker: str) -> pd.DataFrame:
    """The state's notices of the companies that `tracker`'s rows located in the state name (any date)."""
    return notices[notices["company_key"].isin(set(rows["company_key"]))]


def chart_data(frames: dict[str, pd.DataFrame], state: str = CHART_STATE) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(monthly lines, matched pairs) of `state`.

    Lines, one row per series and month in month order, two per tracker over the same companies (those with a
    notice in the state and a row of that tracker located there, any date): the workers of their notices in the
    state (unknown counts 0), and the known laid-off counts of the tracker's rows located there; 0 in a month
    without one. Months: the state's export (first to last notice month) inside the tracker's first-to-last month.
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
    notices = w["fct_warn_notices"][w["fct_warn_notices"]["state"] == state]
    here = events[(events["state"] == state) & events["company_key"].isin(set(notices["company_key"]))]
    lines = []
    for tracker, (lo, hi) in spans.iterrows():
        months = _grid(max(first, lo), min(last, hi))
        if months.empty:
            continue
        rows = here[here["tracker"] == tracker]
        filed = _placed(notices, rows, tracker)
        for series, dates, people in ((WARN_SERIES.get(tracker, tracker), filed["notice_date"], filed["workers"]),
                                      (TRACKER_SERIES.get(tracker, tracker), rows["event_date"], rows["laid_off"])):
            lines.append(pd.DataFrame({"month": months, "series": series,
                                       "people": _on_months(dates, people, months, fill=0.0).to_numpy()}))
    if not lines:
        return pd.DataFrame(columns=LINE_COLUMNS), pd.DataFrame(columns=PAIR_COLUMNS)
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
    g["warn_series"] = g["tracker"].map(lambda t: WARN_SERIES.get(t, t))
    return g[PAIR_COLUMNS].sort_values(["tracker_date", "tracker", "tracker_event_ref"], ignore_index=True)


def warn_vs_trackers(frames: dict[str, pd.DataFrame], caption: str, state: str = CHART_STATE) -> alt.LayerChart | alt.Chart:
    """Monthly lines (WARN workers, each tracker's laid off) and the matched pairs: a hollow circle at the tracker
    row (its date, its count), a filled one at its notices (the earliest date, their workers summed), a rule
    between them."""
    line, pairs = chart_data(frames, state)
    if line.empty:
        return empty_chart("warn_vs_trackers", caption)
    names = [s for s in COLORS if s in set(line["series"])]
    scale_c = alt.Scale(domain=names, range=[COLORS[n] for n in names])
    color = alt.Color("series:N", title=None, scale=scale_c,
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
            base.mark_point(size=45, filled=True).encode(
                x="first_notice_date:T", y="warn_workers:Q", tooltip=tip,
                color=alt.Color("warn_series:N", scale=scale_c, legend=None))]
    first, last = line["month"].min(), line["month"].max()
    name = STATE_NAMES.get(state, state)
    sub = (f"{name}, monthly, {first:%b %Y}–{last:%b %Y}. Per tracker, the same companies (a notice in {name} and "
           f"a row of that tracker located in {name}, any date):\na green line, the workers in their {name} WARN "
           "notices; a red or orange one, the people the tracker reports laid off in those rows (known counts).\n"
           f"{len(pairs)} matched pairs: a hollow circle at the tracker row (its date and count), a filled one (its "
           "tracker's green) at the notices matched to it "
           "(earliest date,\nworkers summed), joined by a grey rule. A tracker's count is company-wide and its location "
           "is the headquarters; a notice counts one state's sites.\nSymmetric log scale: 0 at the bottom, each "
           "gridline 10 times the one below.")
    return alt.layer(*layers).properties(
        width=WIDTH, height=HEIGHT, title=chart_title(f"Official WARN notices vs the trackers, {name}", sub, caption))
