"""Report text for the findings: opening paragraphs (window, primary result), windows, sensitivity, dedup, limits."""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats as sps

from analytics.design import ALPHA, COVID_MONTHS, PRIMARY_X, PRIMARY_Y, REGIME_TEXT, SPARSE_YEAR, is_primary
from analytics.report_sections import fmt_ci, fmt_int, fmt_num, fmt_p
from analytics.report_sensitivity import sensitivity_section  # noqa: F401 (report.py imports it from here)
from analytics.series import label


def detectable_r(n_eff: float, power: float = 0.8, alpha: float = ALPHA) -> float:
    """Smallest |r| a two-sided test at `alpha` detects with `power`, given n_eff pairs (Fisher z approximation)."""
    if n_eff is None or pd.isna(n_eff) or n_eff <= 3:
        return float("nan")
    return float(np.tanh((sps.norm.ppf(1 - alpha / 2) + sps.norm.ppf(power)) / np.sqrt(n_eff - 3)))


def primary_row(corr: pd.DataFrame | None) -> pd.Series | None:
    if corr is None or corr.empty:
        return None
    hit = corr[[is_primary(x, y, t) for x, y, t in zip(corr["x_series"], corr["y_series"], corr["transform"])]]
    return None if hit.empty else hit.iloc[0]


def _span(window: pd.DataFrame | None, series: str) -> pd.Series | None:
    if window is None or window.empty:
        return None
    hit = window[window["series"] == series]
    return None if hit.empty else hit.iloc[0]


def _binding(rows: list[pd.Series], column: str) -> str:
    """The reason of the series that set this end, preferring an explicit cut ('... left out: ...')."""
    reasons = [str(r[column]) for r in rows]
    return next((t for t in reasons if "left out" in t), reasons[0])


def _sources_text(sources: list[dict]) -> str:
    parts = []
    for s in sources:  # in the order the orchestrator lists them (the source registry's)
        status = s.get("status") or "ok"
        through = s.get("data_through") or "unknown"
        parts.append(f"{s.get('name', '?')} ({s.get('dataset') or '?'}, data through {through}"
                     + ("" if status == "ok" else f"; {status.upper()}") + ")")
    return "; ".join(parts)


def _regimes(tables: dict) -> str:
    """'The window spans ...' with the regimes that fall inside it and their event counts."""
    monthly = tables.get("_monthly")
    if monthly is None or monthly.empty or "layoff_events" not in monthly:
        return f"The layoff trackers had two regimes, {REGIME_TEXT['covid']} and {REGIME_TEXT['sparse']}."
    m = pd.to_datetime(monthly["month"])
    parts = []
    for key, mask in (("covid", (m >= COVID_MONTHS[0]) & (m <= COVID_MONTHS[1])), ("sparse", m.dt.year == SPARSE_YEAR)):
        if mask.any():
            parts.append(f"{REGIME_TEXT[key]}: {fmt_int(monthly.loc[mask, 'layoff_events'].sum())} events in "
                         f"{int(mask.sum())} months of the window")
    if not parts:
        return "The window reaches neither the COVID-19 2020 nor the sparse 2021 regime of the layoff trackers."
    return (f"The window spans {('one regime', 'two regimes')[len(parts) - 1]} of the layoff trackers, "
            f"{'; and '.join(parts)}; the sensitivity "
            "table repeats the primary test without them.")


def window_paragraph(tables: dict[str, pd.DataFrame], sources: list[dict]) -> str:
    """The primary test's window with the reason for each cut, the sources and the regimes inside it."""
    window = tables.get("analysis_window")
    x, y = _span(window, PRIMARY_X), _span(window, PRIMARY_Y)
    if x is not None and y is not None:
        first, last = max(x.first_month, y.first_month), min(x.last_month, y.last_month)
        start = _binding([r for r in (x, y) if r.first_month == first], "first_month_reason")
        end = _binding([r for r in (x, y) if r.last_month == last], "last_month_reason")
        cut = f"It starts in {first:%B %Y} ({start}) and ends in {last:%B %Y} ({end})."
        head = f"Window: the primary test covers {first:%B %Y} to {last:%B %Y}. {cut}"
    else:
        head = "Window: no month has both the layoff series and the notable-model series inside their windows."
    return (f"{head} Sources: {_sources_text(sources)}. {_regimes(tables)} "
            "Every series' own window and the reason for each cut are in the table analysis_window.")


# The commit that declared the primary test (analytics/design.py), and when the correlations were first computed.
PRIMARY_DECLARED = ("7dd3627", "2026-12-01")
FIRST_CORRELATIONS = "2026-11-23"
DECLARED_TEXT = (f"When it was declared: the primary test was fixed in commit {PRIMARY_DECLARED[0]} "
                 f"({PRIMARY_DECLARED[1]}), in the same commit as the results it governs and after correlations "
                 f"had been computed since the project's first commits ({FIRST_CORRELATIONS}). It was not declared "
                 "before anyone looked at the data, and nothing here can prove it was chosen blind; what the report "
                 "does guarantee is that it is reported first, whatever its value, and that no other test is "
                 "promoted in its place.")


def primary_paragraphs(tables: dict[str, pd.DataFrame], sources: list[dict]) -> list[str]:
    """The primary result, when it was declared, then its window (details of the window are in the appendix)."""
    return [primary_text(tables.get("correlations")), DECLARED_TEXT, window_paragraph(tables, sources)]


def intro(tables: dict[str, pd.DataFrame], sources: list[dict]) -> list[str]:
    """The window paragraph, then the primary result (kept for callers of the earlier layout)."""
    return [window_paragraph(tables, sources), primary_text(tables.get("correlations"))]


def primary_text(corr: pd.DataFrame | None) -> str:
    row = primary_row(corr)
    head = (f"Primary result (the one test declared primary, see below): {label(PRIMARY_X)} (deduplicated, worldwide) vs "
            f"{label(PRIMARY_Y)}, month-over-month changes, same month. ")
    if row is None or pd.isna(row["pearson_r"]):
        return head + "It could not be computed: too few months with both series."
    null = bool(row["ac_ci_low"] <= 0 <= row["ac_ci_high"])
    verdict = ("The interval includes zero: no association is detected (a null result)." if null else
               "The interval excludes zero: the two series' monthly changes move together in this window; "
               "that is an association, not an effect of one on the other.")
    mde = detectable_r(row["n_eff"])
    return (head + f"r = {fmt_num(row['pearson_r'])} (95% CI {fmt_num(row['ac_ci_low'])} to {fmt_num(row['ac_ci_high'])}, "
            f"n = {int(row['n'])} month pairs, effective n = {fmt_num(row['n_eff'], 1)}, autocorrelation-aware "
            f"p = {fmt_p(row['p_ac'])}). {verdict} With this effective n the test would detect |r| of "
            f"{fmt_num(mde)} or more with 80% power; smaller associations cannot be ruled out.")


def window_section(window: pd.DataFrame | None) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    if window is None or window.empty:
        return (["No analysis window could be determined."], [])
    t = window.assign(first_month=window["first_month"].map(lambda m: f"{m:%Y-%m}"),
                      last_month=window["last_month"].map(lambda m: f"{m:%Y-%m}"))
    t = t.assign(series=t["series"].map(lambda s: label(s) if "[" not in s else s))
    text = ["Each series is analysed over its own complete months: partial first/last months of any source are left "
            "out, as are Epoch's months inside its coverage lag (the months just before a snapshot, which Epoch has "
            "not finished adding; dbt var epoch_coverage_lag_months), and a month whose layoff events all lack a "
            "count has no laid-off total (unknown, not zero). A pair of series is compared over the months both have."]
    return text, [("Analysis window per series", t)]


def dedup_section(dedup: pd.DataFrame | None) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    if dedup is None or dedup.empty:
        return (["No deduplication statistics (marts.fct_layoff_events has no lineage columns)."], [])
    t = dedup.assign(people=dedup["people"].map(fmt_int), rows=dedup["rows"].map(fmt_int))
    text = ["The two trackers report many of the same layoffs, and layoffs.fyi sometimes lists one layoff twice. "
            "Each rule below kept people from being counted twice (rule: marts.fct_layoff_events docs). The 'people' "
            "of a rule are the known counts it did not add again; the rows are additive."]
    return text, [("Deduplication statistics", t)]


CANNOT_SHOW = [
    "Cause. Every figure here is an association or a predictive precedence between monthly totals; none says that "
    "AI work caused layoffs or the reverse. Both series also follow the economy, interest rates and company news.",
    "Tracker coverage. layoffs.fyi and the Crunchbase tracker record layoffs that were reported in the press, mostly "
    "at tech companies; their coverage changed over time (sparse in 2021, the 2022 tracker US-only). A change in "
    "a monthly count can be a change in coverage.",
    "Reporting lag. Layoffs are dated when reported, models when their paper or announcement appeared, and Epoch "
    "adds models months later; neither date is when a decision was taken, so lags of a few months are inside the "
    "measurement noise, and the most recent months are incomplete (left out here, see the windows).",
    "Scope mismatch. The layoff trackers are global but mostly US companies, Epoch's model lists are global, Indeed "
    "postings are US-only. The US-scope row of the sensitivity table restricts layoffs to US events but compares "
    "them with US job postings (Indeed), not with AI models: no series here counts AI production in the US alone, "
    "so no row compares like with like.",
    "Dominance by single events. A few very large layoffs make up much of some months' totals, so one company's "
    "announcement can drive a monthly r; the winsorized and log1p rows of the sensitivity table show how much.",
    "Multiple testing. Many pairs, transforms and lags were scanned: at p < 0.05 about one test in twenty passes "
    "by chance. The primary test needs no adjustment. Adjusted with Benjamini-Hochberg across the whole family: "
    "the differenced same-month and lagged correlations (column 'p (BH, family)', p_bh_family) and the Granger "
    "tests (their own family, p_bh_family in analytics.granger_tests); the lag scan's per-pair p_bh adjusts within "
    "one pair and transform only. NOT adjusted: the levels rows of the correlation table (outside the family, shown "
    "for comparison), every Spearman p, the p of each sensitivity row, its post-hoc lag columns and its Granger "
    "column (picked as the smallest p, so their p are not tests), and the event study's permutation p. A lag or "
    "Granger test singled out after looking is not evidence on its own.",
    "Small samples. About 50-60 months, fewer once autocorrelation is accounted for: associations smaller than the "
    "detectable |r| stated with the primary result can neither be found nor ruled out.",
]
