"""`analytics.tracker_warn_coverage`: per state x year x tracker, how far WARN notices and tracker rows confirm each other."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from analytics.ai_attribution import wilson
from analytics.series import AnalyticsInputError, require_columns

# The marts read (docs: the issue-24 contract) and the columns used from each.
WARN_FRAMES = {
    "tracker_state_events": ("tracker", "tracker_event_ref", "state", "company_key", "event_date", "laid_off"),
    "warn_tracker_matches": ("warn_notice_id", "tracker", "tracker_event_ref", "state", "notice_date", "day_gap",
                             "warn_workers"),
    "fct_warn_notices": ("warn_notice_id", "state", "company_key", "notice_date", "workers"),
    "warn_monthly": ("state", "month"),
}
STATS = ["tracker_events_in_state", "matched_to_warn", "coverage", "coverage_ci_low", "coverage_ci_high",
         "warn_notices_tracked_companies", "filings_tracked_companies", "matched_to_tracker", "recall_of_tracker",
         "recall_ci_low", "recall_ci_high", "warn_notices_tracked_elsewhere", "median_day_gap", "day_gap_q1", "day_gap_q3", "n_day_gap", "median_count_ratio",
         "count_ratio_q1", "count_ratio_q3", "n_count_ratio"]
WINDOW = ["tracker_dates_from", "tracker_dates_to", "notice_dates_from", "notice_dates_to"]
RULE = ["match_days_before", "match_days_after"]
COLUMNS = ["state", "year", "tracker", "months_covered", "partial_year", *WINDOW, *STATS, *RULE, "note"]
POOLED_COLUMNS = ["state", "tracker", "first_year", "last_year", "months_covered", *WINDOW, *STATS, *RULE]


@dataclass(frozen=True)
class MatchWindow:
    """The match rule's date window (dbt vars warn_match_days_before / _after): day_gap = notice − tracker date
    lies in [-days_before, +days_after]."""

    days_before: int
    days_after: int


def warn_frames(frames: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame] | None:
    """The four WARN marts with their dates parsed; None when one is absent (the source is not loaded)."""
    if any(frames.get(name) is None for name in WARN_FRAMES):
        return None
    out = {}
    for name, columns in WARN_FRAMES.items():
        require_columns(frames[name], columns, name)
        out[name] = frames[name].copy()
    for name, column in (("tracker_state_events", "event_date"), ("warn_tracker_matches", "notice_date"),
                         ("fct_warn_notices", "notice_date"), ("warn_monthly", "month")):
        out[name][column] = pd.to_datetime(out[name][column]).dt.normalize()
    return out


def _windows(w: dict[str, pd.DataFrame], window: MatchWindow) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per state: the export's first and last notice and the tracker dates whose whole match window lies inside
    it; per tracker: its first and last row and the notice dates whose whole match window lies inside those)."""
    before, after = pd.Timedelta(days=window.days_before), pd.Timedelta(days=window.days_after)
    states = w["fct_warn_notices"].groupby("state")["notice_date"].agg(first="min", last="max")
    states["from"], states["to"] = states["first"] + before, states["last"] - after
    trackers = w["tracker_state_events"].groupby("tracker")["event_date"].agg(first="min", last="max")
    trackers["from"], trackers["to"] = trackers["first"] + after, trackers["last"] - before
    return states, trackers


def _round_workers(workers: pd.Series) -> float:
    """The matched notices' workers summed; NaN unless every one states them (a partial sum would make the count
    ratio too low)."""
    return float(workers.sum()) if workers.notna().all() else np.nan


def _recall_ci(matched: int, notices: int, filings: int) -> tuple[float, float]:
    """Wilson 95% CI of recall = matched / notices on the effective sample size: a company's notices of one day
    (one per site) match or miss together, so n = filings and the count recall x filings (design-effect style)."""
    (low,), (high,) = wilson([matched / notices * filings if notices else 0.0], [filings])
    return low, high


def _eligible_events(w: dict[str, pd.DataFrame], states: pd.DataFrame) -> pd.DataFrame:
    """Tracker rows in a state with a WARN export, dated where every notice that could match them is in the
    export; with the earliest matched notice's day gap and the matched notices' workers summed."""
    ev = w["tracker_state_events"].join(states[["from", "to"]], on="state", how="inner")
    ev = ev[(ev["event_date"] >= ev["from"]) & (ev["event_date"] <= ev["to"])].copy()
    m = w["warn_tracker_matches"].assign(warn_workers=lambda d: pd.to_numeric(d["warn_workers"], errors="coerce"))
    per_row = m.groupby(["tracker", "tracker_event_ref"]).agg(first_gap=("day_gap", "min"),
                                                              workers=("warn_workers", _round_workers))
    ev = ev.join(per_row, on=["tracker", "tracker_event_ref"])
    ev["matched"] = ev["first_gap"].notna()
    laid_off = pd.to_numeric(ev["laid_off"], errors="coerce").astype("float64")
    ev["ratio"] = ev["workers"].astype("float64") / laid_off.where(laid_off > 0)
    ev["year"] = ev["event_date"].dt.year
    return ev


def _eligible_notices(w: dict[str, pd.DataFrame], trackers: pd.DataFrame) -> pd.DataFrame:
    """Per tracker, the notices of companies it lists (`tracked_by_<tracker>`), dated where every tracker row
    that could match them is inside the tracker's own date range; `in_state` when it places the company in the
    notice's state (`tracked_in_state_by_<tracker>`: only those can match), `matched` when one of its rows did."""
    notices, matches = w["fct_warn_notices"], w["warn_tracker_matches"]
    parts = []
    for tracker, row in trackers.iterrows():
        flag, here = f"tracked_by_{tracker}", f"tracked_in_state_by_{tracker}"
        require_columns(notices, [flag, here], "fct_warn_notices")
        n = notices[notices[flag].fillna(False).astype(bool)]
        n = n[(n["notice_date"] >= row["from"]) & (n["notice_date"] <= row["to"])]
        hit = set(matches.loc[matches["tracker"] == tracker, "warn_notice_id"])
        parts.append(pd.DataFrame({"state": n["state"], "tracker": tracker, "year": n["notice_date"].dt.year,
                                   "company_key": n["company_key"], "notice_date": n["notice_date"],
                                   "in_state": n[here].fillna(False).astype(bool),
                                   "matched": n["warn_notice_id"].isin(hit)}))
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["state", "tracker", "year", "company_key", "notice_date", "in_state", "matched"])


def _quartiles(values: pd.Series) -> tuple[float, float, float, int]:
    v = values.dropna().astype("float64")
    if v.empty:
        return np.nan, np.nan, np.nan, 0
    q1, med, q3 = np.quantile(v, [0.25, 0.5, 0.75])   # linear interpolation between order statistics
    return float(med), float(q1), float(q3), len(v)


def _stats(events: pd.DataFrame, notices: pd.DataFrame) -> dict:
    """Coverage over tracker rows; recall over the notices the tracker places in the state (CI: _recall_ci)."""
    matched = events[events["matched"]]
    k, n = int(matched.shape[0]), int(events.shape[0])
    here = notices[notices["in_state"].astype(bool)]
    nk, nn = int(here["matched"].sum()), int(here.shape[0])
    filings = int(here[["company_key", "notice_date"]].drop_duplicates().shape[0])
    gap = _quartiles(matched["first_gap"])
    ratio = _quartiles(matched["ratio"])
    (c_lo,), (c_hi,) = wilson([k], [n])
    r_lo, r_hi = _recall_ci(nk, nn, filings)
    return {"tracker_events_in_state": n, "matched_to_warn": k, "coverage": k / n if n else np.nan,
            "coverage_ci_low": c_lo, "coverage_ci_high": c_hi,
            "warn_notices_tracked_companies": nn, "filings_tracked_companies": filings, "matched_to_tracker": nk,
            "recall_of_tracker": nk / nn if nn else np.nan, "recall_ci_low": r_lo, "recall_ci_high": r_hi,
            "warn_notices_tracked_elsewhere": int(notices.shape[0]) - nn,
            "median_day_gap": gap[0], "day_gap_q1": gap[1], "day_gap_q3": gap[2], "n_day_gap": gap[3],
            "median_count_ratio": ratio[0], "count_ratio_q1": ratio[1], "count_ratio_q3": ratio[2],
            "n_count_ratio": ratio[3]}


def _clip(lo: pd.Timestamp, hi: pd.Timestamp, start: pd.Timestamp, end: pd.Timestamp) -> tuple:
    lo, hi = max(lo, start), min(hi, end)
    return (lo.date(), hi.date()) if lo <= hi else (None, None)


def _partial(months: int, year: int, tracker_dates: tuple, notice_dates: tuple) -> bool:
    """Partial: the state's export covers fewer than 12 months of the year, or the tracker dates or the notice
    dates compared (tracker_dates_from..to, notice_dates_from..to) do not span the whole year."""
    whole = (pd.Timestamp(year, 1, 1).date(), pd.Timestamp(year, 12, 31).date())
    return months < 12 or tuple(tracker_dates) != whole or tuple(notice_dates) != whole


def _note(months: int, tracker_dates: tuple, notice_dates: tuple) -> str:
    parts = [f"partial year: the export covers {months} month(s)"] if months < 12 else []
    for what, dates in (("tracker dates", tracker_dates), ("notice dates", notice_dates)):
        if dates[0] is not None and (dates[0].timetuple().tm_yday != 1 or (dates[1].month, dates[1].day) != (12, 31)):
            parts.append(f"{what} compared only {dates[0]} to {dates[1]}")
    if tracker_dates[0] is None:
        parts.append("no tracker date of this year can be compared (outside the tracker's rows, or too near an end "
                     "of the export for the match window)")
    if notice_dates[0] is None:
        parts.append("no notice date of this year can be compared (the match window would reach outside the "
                     "tracker's rows)")
    return "; ".join(parts)


def tracker_warn_coverage(frames: dict[str, pd.DataFrame], window: MatchWindow | None
                          ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per state x year x tracker, per state x tracker over all its years): coverage (tracker rows in the state
    with a matched WARN notice, Wilson 95% CI), recall (notices of companies the tracker places in the state that
    match one of its rows, Wilson 95% CI on the filings; notices of companies it lists only elsewhere apart), the
    earliest matched notice's day gap (median, IQR, n) and the count ratio (matched notices' workers summed / the
    row's laid off, rows whose count and every matched notice's workers are known; median, IQR, n).

    Windows: a state-year only where the state's export (first to last notice) and the tracker's rows overlap;
    tracker rows only where every notice that could match them (the match window around their date) is inside
    the export, notices only where every tracker row that could match them is inside the tracker's range."""
    w = warn_frames(frames)
    if w is None or w["fct_warn_notices"].empty or w["tracker_state_events"].empty:
        return pd.DataFrame(columns=COLUMNS), pd.DataFrame(columns=POOLED_COLUMNS)
    if window is None:
        raise AnalyticsInputError("tracker_warn_coverage: the WARN marts are given but not the match window")
    states, trackers = _windows(w, window)
    events, notices = _eligible_events(w, states), _eligible_notices(w, trackers)
    monthly = w["warn_monthly"].assign(year=lambda d: d["month"].dt.year).groupby(["state", "year"])["month"].nunique()
    rows, pooled = [], []
    for state, s in states.iterrows():
        for tracker, t in trackers.iterrows():
            first, last = max(s["first"].year, t["first"].year), min(s["last"].year, t["last"].year)
            ev = events[(events["state"] == state) & (events["tracker"] == tracker)]
            nt = notices[(notices["state"] == state) & (notices["tracker"] == tracker)]
            lo, hi = max(s["from"], t["first"]), min(s["to"], t["last"])   # tracker dates that can be compared
            for year in range(first, last + 1):
                start, end = pd.Timestamp(year, 1, 1), pd.Timestamp(year, 12, 31)
                td = _clip(lo, hi, start, end)
                nd = _clip(t["from"], t["to"], start, end)
                months = int(monthly.get((state, year), 0))
                rows.append({"state": state, "year": year, "tracker": tracker, "months_covered": months,
                             "partial_year": _partial(months, year, td, nd), "tracker_dates_from": td[0], "tracker_dates_to": td[1],
                             "notice_dates_from": nd[0], "notice_dates_to": nd[1],
                             **_stats(ev[ev["year"] == year], nt[nt["year"] == year]), "note": _note(months, td, nd)})
            if first <= last:
                td = _clip(lo, hi, pd.Timestamp(first, 1, 1), pd.Timestamp(last, 12, 31))
                nd = _clip(t["from"], t["to"], pd.Timestamp(first, 1, 1), pd.Timestamp(last, 12, 31))
                months = int(sum(monthly.get((state, y), 0) for y in range(first, last + 1)))
                pooled.append({"state": state, "tracker": tracker, "first_year": first, "last_year": last,
                               "months_covered": months, "tracker_dates_from": td[0], "tracker_dates_to": td[1],
                               "notice_dates_from": nd[0], "notice_dates_to": nd[1],
                               **_stats(ev[ev["year"].between(first, last)], nt[nt["year"].between(first, last)])})
    rule = {"match_days_before": window.days_before, "match_days_after": window.days_after}
    table = pd.DataFrame(rows, columns=[c for c in COLUMNS if c not in RULE]).assign(**rule)[COLUMNS]
    all_years = pd.DataFrame(pooled, columns=[c for c in POOLED_COLUMNS if c not in RULE]).assign(**rule)[POOLED_COLUMNS]
    return (table.sort_values(["state", "tracker", "year"], ignore_index=True),
            all_years.sort_values(["state", "tracker"], ignore_index=True))
