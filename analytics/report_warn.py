"""Report section on official WARN notices vs the trackers: coverage, recall, lead and agreement with n and CI, and limits."""

from __future__ import annotations

import pandas as pd

from analytics.chart_captions import STATE_NAMES

TRACKER_NAMES = {"layoffs_fyi": "layoffs.fyi", "crunchbase_tracker": "the Crunchbase tracker"}
CHART = ("warn_vs_trackers", "Official WARN notices vs the trackers (Washington)",
         "Per tracker and month, for the same companies (those with a Washington WARN notice and a row of that "
         "tracker located in Washington, any date): the workers in their Washington notices (a green line per "
         "tracker) beside the people the tracker reports laid off in those rows; each matched pair is drawn as a "
         "tracker row joined to its notices. A notice counts one state's sites, a tracker's count the whole company.")

CANNOT_SHOW = [
    "Thresholds: under the federal Act only employers of 100 or more must file, and only when 50 or more lose their "
    "jobs at one site (a mass layoff below 500 must also be a third of the site's staff); New York's own law lowers "
    "this to employers of 50 and 25 people. Smaller layoffs, and cuts spread thinly over many sites, are absent "
    "from WARN, so an unmatched tracker row is not evidence that no layoff happened.",
    "Remote workers are often not counted at any site (or are counted at the office they report to), so a notice "
    "can undercount a company's cut in the state.",
    "Sites outside the state: a tracker's headline count is company-wide (often worldwide), a state notice counts "
    "that state's sites only; a count ratio far below 1 is expected, not an error of either side.",
    "Notices that cover more than the layoff, or less: a notice can announce the most that may be let go (or a "
    "closing with transfers offered), and one round can be filed as several notices (one per site) or over several "
    "months; notices matched to one tracker row are summed, but a round filed outside the date window is missed.",
    "Tracker location is the company's headquarters, not the site: a layoff at a Washington site of a company "
    "headquartered elsewhere has no Washington tracker row, so it lowers the recall even when the tracker "
    "reported it, and a Washington-headquartered company's row counts layoffs at every site.",
]


def _pct(x) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):.1%}"


def _num(x, digits: int = 0) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):,.{digits}f}"


def _days(x) -> str:
    """Days to one decimal, without a trailing '.0' (a median of two gaps can fall on a half day)."""
    text = _num(x, 1)
    return text[:-2] if text.endswith(".0") else text


def share(k, n, p, low, high) -> str:
    """'75.0% (95% CI 30.1%–95.4%; 3 of 4)', or 'n = 0' when there is nothing to compare."""
    if not n:
        return "n = 0"
    return f"{_pct(p)} (95% CI {_pct(low)}–{_pct(high)}; {int(k)} of {int(n)})"


def filings(m: int) -> str:
    return f"{m} filing" if m == 1 else f"{m} filings"


def gap(row) -> str:
    if not row["n_day_gap"]:
        return "no matched row"
    return (f"median {_days(row['median_day_gap'])} days (IQR {_days(row['day_gap_q1'])} to "
            f"{_days(row['day_gap_q3'])}; n = {int(row['n_day_gap'])})")


def ratio(row) -> str:
    if not row["n_count_ratio"]:
        return "no matched row with both counts known"
    return (f"median {_num(row['median_count_ratio'], 2)} (IQR {_num(row['count_ratio_q1'], 2)} to "
            f"{_num(row['count_ratio_q3'], 2)}; n = {int(row['n_count_ratio'])})")


def pooled_sentence(row) -> str:
    """One state x tracker over all its years, every number with its n (and CI for the shares)."""
    state, tracker = STATE_NAMES.get(row["state"], row["state"]), TRACKER_NAMES.get(row["tracker"], row["tracker"])
    first, last = int(row["first_year"]), int(row["last_year"])
    years = str(first) if first == last else f"{first}–{last}"
    n, k = int(row["tracker_events_in_state"]), int(row["matched_to_warn"])
    cover = (f"a matching notice for {k} of its {n} rows located in {state} ({_pct(row['coverage'])}, 95% CI "
             f"{_pct(row['coverage_ci_low'])}–{_pct(row['coverage_ci_high'])})" if n
             else f"none of its rows located in {state} can be compared (n = 0)")
    nn, nk = int(row["warn_notices_tracked_companies"]), int(row["matched_to_tracker"])
    m, away = int(row["filings_tracked_companies"]), int(row["warn_notices_tracked_elsewhere"])
    recall = (f"a matching {state} row for {nk} of {nn} notices in {filings(m)} of companies it places in {state} "
              f"({_pct(row['recall_of_tracker'])}, 95% CI {_pct(row['recall_ci_low'])}–{_pct(row['recall_ci_high'])})"
              if nn else f"no notice of a company it places in {state} can be compared (n = 0)")
    recall += (f"; {away} notices of companies it lists only outside {state} cannot match and are left out"
               if away else "")
    if not n and not nn:
        return (f"{state}, {tracker}, {years}: coverage: {cover}; recall: {recall}. Nothing to compare: the state's "
                "export and the tracker's rows overlap by less than the match window.")
    return (f"{state}, {tracker}, {years}: coverage: {cover}; recall: {recall}; lead: day gap {gap(row)}; "
            f"agreement: count ratio {ratio(row)}.")


def yearly_table(table: pd.DataFrame) -> pd.DataFrame:
    t = table.sort_values(["state", "tracker", "year"], kind="stable")
    return pd.DataFrame({
        "state": t["state"], "tracker": t["tracker"],
        "year": [f"{int(y)}*" if p else str(int(y)) for y, p in zip(t["year"], t["partial_year"])],
        "months": t["months_covered"].map(int),
        "coverage (95% CI; k of n)": [share(*v) for v in zip(t["matched_to_warn"], t["tracker_events_in_state"],
                                                              t["coverage"], t["coverage_ci_low"], t["coverage_ci_high"])],
        "recall (95% CI; k of n notices in m filings)": [
            share(*v)[:-1] + f" notices in {filings(int(f))})" if v[1] else share(*v) for *v, f in zip(
                t["matched_to_tracker"], t["warn_notices_tracked_companies"], t["recall_of_tracker"],
                t["recall_ci_low"], t["recall_ci_high"], t["filings_tracked_companies"])],
        "day gap": [gap(r) for _, r in t.iterrows()], "count ratio": [ratio(r) for _, r in t.iterrows()],
        "note": t["note"],
    })


def warn_section(table: pd.DataFrame | None, pooled: pd.DataFrame | None
                 ) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    """(paragraphs, [(caption, table)]) for the report."""
    if table is None or table.empty or pooled is None or pooled.empty:
        return (["No WARN notices, or no tracker row in a state with a WARN export, were loaded: coverage, lead and "
                 "agreement could not be computed."], [])
    before, after = int(pooled["match_days_before"].iloc[0]), int(pooled["match_days_after"].iloc[0])
    text = [
        "WARN Act notices are filed with the states before a mass layoff: official, dated and counted per site. A "
        "tracker row matches a notice when both name the same company (the deduplication's name key, plus a small "
        "seed of legal-name aliases), the tracker's location is in the notice's state, and the notice is dated "
        f"from {before} days before to {after} days after the tracker's date (the nearest row of each tracker; "
        "several notices of one round may match one row, their workers added). Coverage is the share of a tracker's "
        "rows located in a state that have a matching notice; recall the share of the notices of companies the "
        "tracker places in that state (a row of it located there, any date) that match one of its rows. Notices "
        "of companies it lists only elsewhere cannot match by the rule and are counted apart. A company's notices "
        "filed the same day (one per site) are one filing that matches or misses together, so recall's interval "
        "takes the filings as its sample size (k of n notices in m filings: the share of notices, with the "
        "interval of m filings). The day gap is the notice's date minus "
        "the tracker's, for the earliest notice matched to the row (negative: the filing came first); the count "
        "ratio is the matched notices' workers summed over the row's laid-off count (rows with a known count).",
        "Windows: a state-year is compared only where the state's export covers it (from its first to its last "
        "notice; a year it covers in part is starred with its months). Tracker rows dated within "
        f"{after} days before a state's last notice, or {before} days after its first, are left out: a notice "
        "filed for them could fall outside the export (not yet filed, or before it starts), so counting them would "
        "understate coverage. Notices likewise count for recall only where the whole match window lies inside the "
        "tracker's own first-to-last row.",
    ] + [pooled_sentence(r) for _, r in pooled.iterrows()] + [
        "Shares come with 95% Wilson intervals; medians with their interquartile range and n. A state-year with few "
        "rows gives a wide interval: compare the pooled rows above, not single years. Lead and agreement are not "
        "independent checks where a tracker row is itself built on a news report of the filing (local outlets "
        "report new WARN filings): its date and count then repeat the notice's, a day gap near 0 and a ratio near 1.",
        "What WARN cannot show: " + " ".join(CANNOT_SHOW)]
    return text, [("Per state, tracker and year (analytics.tracker_warn_coverage; * partial year)", yearly_table(table))]


def section(tables: dict[str, pd.DataFrame]) -> tuple[str, str, list[str], list[tuple[str, pd.DataFrame]]]:
    """The report's section (anchor, heading, paragraphs, tables) from analytics.tracker_warn_coverage(_all_years)."""
    text, tbls = warn_section(tables.get("tracker_warn_coverage"), tables.get("tracker_warn_coverage_all_years"))
    return "warn", "Official WARN notices vs the trackers: coverage, lead and agreement", text, tbls
