"""Summaries of the analytics tables into report-ready text and small formatted tables."""

from __future__ import annotations

import pandas as pd

from analytics.series import label

TRANSFORM_ORDER = {"levels": 0, "diff": 1, "log_diff": 2}
TRANSFORM_TEXT = {"levels": "levels", "diff": "month-over-month change", "log_diff": "log change"}

CAVEATS = [
    "Trending series: in levels, any two series that both rise (or fall) over the window correlate; "
    "only the differenced transforms speak to co-movement, and even then n is a few dozen months.",
    "Reporting lag: layoffs are dated when reported, models when their paper or announcement appeared; "
    "neither is the date the decision was taken, so lags of a few months are within measurement noise.",
    "Scope: the layoff trackers are mostly US tech companies (the 2022 Crunchbase tracker is US-only), "
    "Indeed postings are US-only, Epoch model releases are global.",
    "Unknown counts: many events have no published head-count ('Unclear' or blank); laid-off totals "
    "count only known numbers, event counts include every event.",
    "Few huge events dominate monthly laid-off totals (one company's round can be most of a month), "
    "so Spearman rho and the event counts are reported beside Pearson r.",
    "Correlation is not causation, and Granger causality is only predictive precedence; the Granger "
    "p-values are per test and not adjusted across the 6 lags × 2 directions × pairs.",
    "Epoch's notable-model list is curated after the fact and its recent months may be incomplete.",
]


def fmt_num(x, digits: int = 2) -> str:
    """Fixed decimals, '–' for NaN."""
    return "–" if x is None or pd.isna(x) else f"{float(x):.{digits}f}"


def fmt_p(p) -> str:
    """p-values: '<0.001' below a thousandth, else three decimals."""
    if p is None or pd.isna(p):
        return "–"
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def fmt_int(x) -> str:
    return "–" if x is None or pd.isna(x) else f"{int(round(float(x))):,}"


def _pair(df: pd.DataFrame) -> pd.Series:
    return df["x_series"].map(label) + " vs " + df["y_series"].map(label)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(_t=df["transform"].map(TRANSFORM_ORDER)).sort_values(
        ["_t", "x_series", "y_series"], kind="stable").drop(columns="_t")


def headline(corr: pd.DataFrame) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    if corr is None or corr.empty:
        return (["No correlations could be computed (no overlapping months)."], [])
    c = _sorted(corr)
    table = pd.DataFrame({
        "pair": _pair(c), "transform": c["transform"], "n (months)": c["n"],
        "Pearson r": c["pearson_r"].map(fmt_num),
        "95% CI (block bootstrap)": [f"[{fmt_num(a)}, {fmt_num(b)}]" for a, b in zip(c["r_ci_low"], c["r_ci_high"])],
        "p": c["pearson_p"].map(fmt_p), "Spearman rho": c["spearman_rho"].map(fmt_num), "p (rho)": c["spearman_p"].map(fmt_p),
    })
    text = []
    d = c[(c["transform"] == "diff") & c["pearson_r"].notna()]
    if not d.empty:
        best = d.loc[d["pearson_r"].abs().idxmax()]
        excl = d[(d["r_ci_low"] > 0) | (d["r_ci_high"] < 0)]
        text.append(
            f"On month-over-month changes the strongest same-month association is {label(best.x_series)} vs "
            f"{label(best.y_series)}: r = {fmt_num(best.pearson_r)} (95% CI {fmt_num(best.r_ci_low)} to "
            f"{fmt_num(best.r_ci_high)}, n = {int(best.n)} months, p = {fmt_p(best.pearson_p)}). "
            f"{len(excl)} of {len(d)} differenced pairs have a bootstrap CI that excludes zero.")
    lv = c[(c["transform"] == "levels") & c["pearson_r"].notna()]
    if not lv.empty:
        text.append(f"In levels, |r| ranges from {lv['pearson_r'].abs().min():.2f} to {lv['pearson_r'].abs().max():.2f}; "
                    "levels correlations mostly reflect shared trends and are shown for comparison only.")
    block = int(c["block_length"].iloc[0]) if "block_length" in c else 0
    text.append(f"CIs: moving-block bootstrap of month pairs (block length {block}, "
                f"{int(c['n_boot'].iloc[0])} resamples, seed {int(c['seed'].iloc[0])}).")
    return text, [("Correlation by pair and transform", table)]


def lag_summary(lagged: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    if lagged is None or lagged.empty:
        return (["No lag scan could be computed."], pd.DataFrame())
    rows = []
    for (x, y, t), g in lagged.groupby(["x_series", "y_series", "transform"], sort=False):
        g = g[g["pearson_r"].notna()]
        if g.empty:
            continue
        best = g.loc[g["pearson_r"].abs().idxmax()]
        sig = g[g["significant_bh"]]
        rows.append({"x_series": x, "y_series": y, "transform": t, "best lag": int(best.lag),
                     "r at best lag": fmt_num(best.pearson_r), "n": int(best.n), "p (BH)": fmt_p(best.p_bh),
                     "lags significant (BH)": ", ".join(f"{int(v):+d}" for v in sig["lag"]) or "none"})
    if not rows:
        return (["No lag had enough overlapping months to compute a correlation."], pd.DataFrame())
    df = _sorted(pd.DataFrame(rows))
    df.insert(0, "pair", _pair(df))
    n_sig = int((df["lags significant (BH)"] != "none").sum())
    text = [f"Pearson r at every lag from −12 to +12 months (positive lag: the AI series is later). "
            f"{n_sig} of {len(df)} pair × transform scans have at least one lag significant after "
            "Benjamini–Hochberg adjustment across their 25 lags.",
            "Differenced transforms are the ones to read: level scans inherit trend correlation at every lag."]
    return text, df.drop(columns=["x_series", "y_series"])


def stationarity_summary(adf: pd.DataFrame) -> pd.DataFrame:
    if adf is None or adf.empty:
        return pd.DataFrame()
    a = adf.assign(_t=adf["transform"].map(TRANSFORM_ORDER)).sort_values(["series", "_t"], kind="stable")
    return pd.DataFrame({"series": a["series"].map(label), "transform": a["transform"], "n": a["n"],
                         "ADF statistic": a["adf_stat"].map(fmt_num), "p": a["p_value"].map(fmt_p),
                         "stationary (5%)": a["stationary"].map({True: "yes", False: "no"}), "note": a["note"]})


def granger_summary(granger: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    if granger is None or granger.empty:
        return (["No Granger tests were run."], pd.DataFrame())
    rows = []
    for (x, y, t, d), g in granger.groupby(["x_series", "y_series", "transform", "direction"], sort=False):
        tested = g[(g["status"] == "tested") & g["p_value"].notna()]
        base = {"x_series": x, "y_series": y, "transform": t,
                "direction": f"{label(g['cause'].iloc[0])} → {label(g['effect'].iloc[0])}"}
        if tested.empty:
            rows.append({**base, "min p": "–", "at lag": "–", "lags with p < 0.05": "–", "n": "–",
                         "status": "skipped: " + str(g["reason"].iloc[0])})
            continue
        best = tested.loc[tested["p_value"].idxmin()]
        rows.append({**base, "min p": fmt_p(best.p_value), "at lag": int(best.lag),
                     "lags with p < 0.05": int((tested["p_value"] < 0.05).sum()), "n": int(best.n), "status": "tested"})
    df = _sorted(pd.DataFrame(rows)).drop(columns=["x_series", "y_series"])
    tested = df[df["status"] == "tested"]
    hits = tested[tested["min p"].map(lambda p: p == "<0.001" or (p != "–" and float(p) < 0.05))]
    text = ["Granger causality (ssr F-test, lags 1–6) in both directions, run only on transforms where both "
            "series pass an ADF unit-root test at 5%; other transforms are listed as skipped.",
            f"{len(tested)} direction × transform combinations were tested; {len(hits)} reach p < 0.05 at some lag "
            f"(unadjusted; with 6 lags per row, about {1 - 0.95 ** 6:.0%} of rows would do so by chance if the lags were independent)."]
    return text, df


def company_summary(company: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    if company is None or company.empty:
        return (["No organisation both laid off and released notable models in the window."], pd.DataFrame())
    g = company.groupby("org").agg(years=("year", lambda s: f"{s.min()}–{s.max()}"), layoff_events=("layoff_events", "sum"),
                                   events_unknown_count=("layoff_events_unknown_count", "sum"),
                                   laid_off_known=("laid_off", "sum"), models_released=("models_released", "sum"))
    g = g.sort_values(["models_released", "laid_off_known"], ascending=False).reset_index()
    g["laid_off_known"] = g["laid_off_known"].map(fmt_int)
    version = company["alias_version"].iloc[0]
    text = [f"{len(g)} organisations appear in both the layoff trackers and Epoch's notable models over the layoff "
            f"window, matched through the hand-curated alias table (version {version}; e.g. Meta ↔ Meta AI / FAIR, "
            "Google ↔ Google DeepMind / Google Brain). Laid-off totals count only events with a known number."]
    return text, g


def blog_section(blog: pd.DataFrame | None, omitted: pd.DataFrame | None) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    if blog is None or blog.empty:
        return (["layoff_count_stats has no crunchbase_tracker 2022 row; the blog table cannot be reproduced."], [])
    ok = bool(blog["matches_blog"].all())
    t = pd.DataFrame({"statistic": blog["statistic"], "recomputed": blog["value"].map(lambda v: f"{v:,.1f}"),
                      "blog (2022)": blog["blog_value"].map(fmt_int),
                      "agrees": blog["matches_blog"].map({True: "yes", False: "NO"})})
    text = [("All of the blog's statistics are reproduced" if ok else "Some of the blog's statistics are NOT reproduced")
            + " from marts.layoff_count_stats for the 2022 Crunchbase tracker export (the blog printed whole numbers; "
            "its mean 367 is the truncated 367.6).",
            "The blog silently dropped every event whose count was unknown; they are shown beside it here."]
    tables = [("Statistics of per-event laid-off counts (count known only)", t)]
    if omitted is not None and not omitted.empty:
        o = omitted.assign(share=omitted["share"].map(lambda s: f"{s:.0%}"))[["group", "events", "share"]]
        tables.append(("Events the blog kept vs omitted", o))
    return text, tables
