"""The report's first screen: the question, 3-5 plain-language findings with n and interval, data-through line."""

from __future__ import annotations

import pandas as pd

from analytics.design import ALPHA
from analytics.report_findings import primary_row
from analytics.report_sections import family_counts, fmt_int, fmt_num
from analytics.tracker_coverage import tracker_coverage

QUESTION = ("The question: in the months when tech companies laid off more people, were more AI models released "
            "(or fewer)? And how often do layoff headlines themselves name AI as the reason?")

# Section anchors the findings and the table of contents link to (ids in the HTML, headings in the Markdown).
ANCHORS = {"primary": "primary-test", "ai_cited": "ai-cited", "coverage": "tracker-coverage",
           "family": "correlations", "changes": "changes"}


def _pct(x) -> str:
    return f"{float(x):.1%}"


def primary_finding(corr: pd.DataFrame | None) -> str | None:
    row = primary_row(corr)
    if row is None or pd.isna(row["pearson_r"]):
        return None
    ci = f"95% CI {fmt_num(row['ac_ci_low'])} to {fmt_num(row['ac_ci_high'])}, n = {int(row['n'])} months"
    if row["ac_ci_low"] <= 0 <= row["ac_ci_high"]:
        return ("No link detected: months with more people laid off did not have more, or fewer, notable AI model "
                f"releases; the month-to-month changes correlate at r = {fmt_num(row['pearson_r'])} ({ci}), "
                "an interval that includes zero, though it does not rule out a modest link either.")
    way = "more" if row["pearson_r"] > 0 else "fewer"
    return (f"Months with more people laid off had {way} notable AI model releases: the month-to-month changes "
            f"correlate at r = {fmt_num(row['pearson_r'])} ({ci}), an association, not a cause.")


def family_finding(lagged: pd.DataFrame | None) -> str | None:
    if lagged is None or lagged.empty or "p_bh_family" not in lagged:
        return None
    m, k, _ = family_counts(lagged)
    if not m:
        return None
    said, verb = ("None", "stands") if k == 0 else (f"{k}", "stands" if k == 1 else "stand")
    return (f"{said} of the {m} month-to-month comparisons scanned (the primary one, other series, and delays of "
            f"up to a year either way) {verb} out once corrected for testing so many (Benjamini–Hochberg, "
            f"false-discovery rate {ALPHA:.0%}, n = {m} tests).")


def _full_year(yearly: pd.DataFrame, sources: list[dict]) -> int | None:
    """The latest calendar year the layoff trackers cover completely (their data-through falls after it)."""
    through = [pd.Timestamp(s["data_through"]) for s in sources
               if "layoffs" in (s.get("topics") or ()) and s.get("data_through")]
    years = sorted(yearly["year"].astype(int).unique())
    if through:
        last = max(through)
        complete = [y for y in years if y < last.year or (y == last.year and last.month == 12 and last.day == 31)]
        return complete[-1] if complete else None
    enough = [int(y) for y, n in zip(yearly["year"], yearly["events_with_text"]) if n >= 30]
    return enough[-1] if enough else None   # no data-through: the latest year with some substance


def ai_cited_finding(yearly: pd.DataFrame | None, sources: list[dict]) -> str | None:
    if yearly is None or yearly.empty:
        return None
    g = yearly[(yearly["scope"] == "global") & (yearly["events_with_text"] > 0)].sort_values("year")
    year = _full_year(g, sources) if not g.empty else None
    if year is None:
        return None
    broad, strict = g[g["definition"] == "broad"], g[g["definition"] == "strict"]
    row = broad[broad["year"].astype(int) == year].iloc[0]
    tight = strict[strict["year"].astype(int) == year]
    before = broad[broad["year"].astype(int) < year]
    earlier = (f", against {_pct(before['share_events'].min())}–{_pct(before['share_events'].max())} a year in "
               f"{int(before['year'].min())}–{int(before['year'].max())}") if len(before) else ""
    stated = ""
    if len(tight):
        t = tight.iloc[0]
        stated = (f"; {_pct(t['share_events'])} said AI caused the cut or replaced the work ({int(t['ai_cited_events'])} "
                  f"of {int(t['events_with_text'])}, 95% CI {_pct(t['share_events_ci_low'])}–"
                  f"{_pct(t['share_events_ci_high'])}); by people laid off, {_pct(row['share_people'])} and "
                  f"{_pct(t['share_people'])}")
    return (f"In {year}, the last full year, {_pct(row['share_events'])} of layoffs with a readable headline "
            f"named AI or automation ({int(row['ai_cited_events'])} of {int(row['events_with_text'])} events, 95% CI "
            f"{_pct(row['share_events_ci_low'])}–{_pct(row['share_events_ci_high'])}){earlier}{stated}; a headline "
            "is how the cut was reported, not proof of why it was made.")


def coverage_finding(events: pd.DataFrame | None) -> str | None:
    cov = tracker_coverage(events)
    if cov is None:
        return None
    span = (f", all dated {cov['first']:%b %Y}–{cov['last']:%b %Y}" if cov["only_cb_events"] else "")
    return (f"The combined layoff count is essentially layoffs.fyi's: the Crunchbase News tracker adds "
            f"{fmt_int(cov['only_cb_events'])} of {fmt_int(cov['events'])} events and {fmt_int(cov['only_cb_people'])} "
            f"of {fmt_int(cov['people'])} people with a known count ({cov['people_share']:.2%}){span}.")


def findings(tables: dict[str, pd.DataFrame], sources: list[dict]) -> list[tuple[str, str]]:
    """(sentence, anchor) per finding, in a fixed order; a finding whose tables are empty is left out."""
    out = [(primary_finding(tables.get("correlations")), ANCHORS["primary"]),
           (family_finding(tables.get("lagged_correlations")), ANCHORS["family"]),
           (ai_cited_finding(tables.get("ai_cited_yearly"), sources), ANCHORS["ai_cited"]),
           (coverage_finding(tables.get("_events")), ANCHORS["coverage"])]
    return [(text, anchor) for text, anchor in out if text]


def data_through_line(sources: list[dict]) -> str:
    """'Data through: layoffs.fyi 2025-12-31 · …' in one line (status when a source is not current)."""
    parts = []
    for s in sources:
        status = s.get("status") or "ok"
        when = "never loaded" if status == "missing" else (s.get("data_through") or "unknown")
        parts.append(f"{s.get('name', '?')} ({s.get('dataset') or '?'}) {when}"
                     + ("" if status in ("ok", "missing") else f" ({status.upper()})"))
    return "Data through: " + " · ".join(parts) + "."
