"""Summaries of the analytics tables into report-ready text and small formatted tables (no post-hoc "strongest")."""

from __future__ import annotations

import pandas as pd

from analytics.design import ALPHA
from analytics.series import label

TRANSFORM_ORDER = {"levels": 0, "diff": 1, "log_diff": 2}
TRANSFORM_TEXT = {"levels": "levels", "diff": "month-over-month change", "log_diff": "log change"}

CAVEATS = [
    "Trending series: in levels, any two series that both rise (or fall) over the window correlate; "
    "only the differenced transforms speak to co-movement, and even then n is a few dozen months.",
    "Unknown counts: many events have no published head-count ('Unclear' or blank); laid-off totals "
    "count only known numbers, event counts include every event, and a month whose events all lack a "
    "count has no laid-off total at all (it is left out, not counted as zero).",
    "Granger tests say whether one series' past improves the prediction of the other's; that is "
    "predictive precedence, not an effect of one on the other.",
    "Epoch's notable-model list is curated after the fact; its criteria (citations, state of the art, "
    "historical importance) favour models that later became well known.",
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


def fmt_ci(low, high) -> str:
    return f"[{fmt_num(low)}, {fmt_num(high)}]"


def _pair(df: pd.DataFrame) -> pd.Series:
    return df["x_series"].map(label) + " vs " + df["y_series"].map(label)


def _sorted(df: pd.DataFrame) -> pd.DataFrame:
    return df.assign(_t=df["transform"].map(TRANSFORM_ORDER)).sort_values(
        ["_t", "x_series", "y_series"], kind="stable").drop(columns="_t")


def family_counts(lagged: pd.DataFrame) -> tuple[int, int, int]:
    """(tests in the family, significant after family BH on p_ac, significant after family BH on naive p)."""
    from analytics.stats import bh_adjust

    fam = lagged[lagged["p_bh_family"].notna()] if "p_bh_family" in lagged else lagged.iloc[0:0]
    naive = bh_adjust(fam["pearson_p"].to_numpy(dtype=float), ALPHA)[1] if len(fam) else []
    return len(fam), int(fam["significant_bh_family"].sum()) if len(fam) else 0, int(sum(naive))


def headline(corr: pd.DataFrame, lagged: pd.DataFrame | None = None) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    """Every same-month correlation (no pair singled out), with the family-wide count of the lag scan."""
    if corr is None or corr.empty:
        return (["No correlations could be computed (no overlapping months)."], [])
    c = _sorted(corr)
    table = pd.DataFrame({
        "pair": _pair(c), "transform": c["transform"], "n (months)": c["n"], "n_eff": c["n_eff"].map(fmt_num),
        "Pearson r": c["pearson_r"].map(fmt_num), "95% CI (effective n)": [fmt_ci(a, b) for a, b in
                                                                           zip(c["ac_ci_low"], c["ac_ci_high"])],
        "p (autocorrelation-aware)": c["p_ac"].map(fmt_p), "p (BH, family)": c["p_bh_family"].map(fmt_p),
        "95% CI (block bootstrap)": [fmt_ci(a, b) for a, b in zip(c["r_ci_low"], c["r_ci_high"])],
        "Spearman rho": c["spearman_rho"].map(fmt_num), "p (rho)": c["spearman_p"].map(fmt_p),
    })
    d = c[c["transform"] != "levels"]
    excl = d[(d["ac_ci_low"] > 0) | (d["ac_ci_high"] < 0)]
    text = [f"All {len(d)} same-month correlations of differenced series are listed below; none is picked out. "
            f"{len(excl)} of them have a 95% CI (effective n) that excludes zero."]
    if lagged is not None and not lagged.empty:
        m, k, k_naive = family_counts(lagged)
        text.append(f"Across the whole family of {m} differenced tests (pairs × transforms × 25 lags, lag 0 included), "
                    f"{k} have a Benjamini–Hochberg adjusted p < {ALPHA} on the autocorrelation-aware p-values "
                    f"({k_naive} if the naive p-values, which ignore autocorrelation, were used).")
    text.append("p (autocorrelation-aware) and the effective-n CI shrink n by the series' own autocorrelation "
                f"({c['ac_method'].iloc[0]}); the block-bootstrap CI (block length {int(c['block_length'].iloc[0])}, "
                f"{int(c['n_boot'].iloc[0])} resamples, seed {int(c['seed'].iloc[0])}) is a second check by another method on the same data (not independent evidence). "
                "Levels rows are shown for comparison only: they mostly reflect shared trends.")
    return text, [("Correlation by pair and transform (same month)", table)]


def lag_summary(lagged: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    """Per scan: how many lags pass which threshold; no 'best lag' is picked."""
    if lagged is None or lagged.empty:
        return (["No lag scan could be computed."], pd.DataFrame())
    rows = []
    for (x, y, t), g in lagged.groupby(["x_series", "y_series", "transform"], sort=False):
        g = g[g["pearson_r"].notna()]
        if g.empty:
            continue
        lags = lambda mask: ", ".join(f"{int(v):+d}" for v in g.loc[mask, "lag"]) or "none"  # noqa: E731
        rows.append({"x_series": x, "y_series": y, "transform": t, "lags": len(g),
                     "n (min–max)": f"{int(g['n'].min())}–{int(g['n'].max())}",
                     "r (min–max)": f"{fmt_num(g['pearson_r'].min())} to {fmt_num(g['pearson_r'].max())}",
                     "p_ac < 0.05 (unadjusted)": lags(g["p_ac"] < ALPHA),
                     "BH within scan": lags(g["significant_bh"]),
                     "BH family": lags(g["significant_bh_family"]) if t != "levels" else "(not in family)"})
    if not rows:
        return (["No lag had enough overlapping months to compute a correlation."], pd.DataFrame())
    df = _sorted(pd.DataFrame(rows))
    df.insert(0, "pair", _pair(df))
    diff = df[df["transform"] != "levels"]
    n_fam = int((diff["BH family"] != "none").sum())
    text = ["Pearson r at every lag from −12 to +12 months (positive lag: the AI series is later). The table lists, "
            "per scan, the lags that pass each threshold; at p < 0.05 about 1 lag in 20 passes unadjusted by chance.",
            f"{n_fam} of {len(diff)} differenced scans have a lag that survives Benjamini–Hochberg across the whole "
            "family; the within-scan adjustment (BH across one scan's 25 lags, naive p) is shown beside it. "
            "Level scans inherit trend correlation at every lag and are not part of the family."]
    return text, df.drop(columns=["x_series", "y_series"])


def stationarity_summary(adf: pd.DataFrame) -> pd.DataFrame:
    if adf is None or adf.empty:
        return pd.DataFrame()
    a = adf.assign(_t=adf["transform"].map(TRANSFORM_ORDER)).sort_values(["series", "_t"], kind="stable")
    span = [f"{f:%Y-%m}–{t:%Y-%m}" if pd.notna(f) else "–" for f, t in zip(a["first_month"], a["last_month"])]
    return pd.DataFrame({"series": a["series"].map(label), "transform": a["transform"], "months": span, "n": a["n"],
                         "ADF p": a["p_value"].map(fmt_p), "KPSS p": a["kpss_p"].map(fmt_p),
                         "decision": a["decision"], "ADF p from 2021": a["adf_p_from_2021"].map(fmt_p),
                         "n from 2021": a["n_from_2021"], "note": a["note"]})


def granger_summary(granger: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    if granger is None or granger.empty:
        return (["No Granger tests were run."], pd.DataFrame())
    rows = []
    for (x, y, t, d), g in granger.groupby(["x_series", "y_series", "transform", "direction"], sort=False):
        tested = g[(g["status"] == "tested") & g["p_value"].notna()]
        base = {"x_series": x, "y_series": y, "transform": t,
                "direction": f"{label(g['cause'].iloc[0])} → {label(g['effect'].iloc[0])}"}
        if tested.empty:
            rows.append({**base, "n": "–", "months": "–", "lags p < 0.05 (unadjusted)": "–", "lags BH family": "–",
                         "smallest BH-family p": "–", "status": "skipped: " + str(g["reason"].iloc[0])})
            continue
        first, last = tested["first_month"].iloc[0], tested["last_month"].iloc[0]
        rows.append({**base, "n": int(tested["n"].iloc[0]), "months": f"{first:%Y-%m}–{last:%Y-%m}",
                     "lags p < 0.05 (unadjusted)": ", ".join(str(int(v)) for v in tested.loc[tested["p_value"] < ALPHA, "lag"]) or "none",
                     "lags BH family": ", ".join(str(int(v)) for v in tested.loc[tested["significant_bh_family"], "lag"]) or "none",
                     "smallest BH-family p": fmt_p(tested["p_bh_family"].min()), "status": "tested"})
    df = _sorted(pd.DataFrame(rows)).drop(columns=["x_series", "y_series"])
    tested = granger[granger["status"] == "tested"]
    text = ["Granger tests (ssr F-test, lags 1–6, both directions), run only where ADF and KPSS agree that both "
            "series are stationary, on the longest run of consecutive months without a gap; other transforms are "
            "listed as skipped with the reason. statsmodels reports KPSS p only between 0.01 and 0.10 (0.100 means "
            "0.10 or more).",
            f"{len(tested)} tests were run; {int((tested['p_value'] < ALPHA).sum())} have p < {ALPHA} unadjusted "
            f"and {int(tested['significant_bh_family'].sum())} after Benjamini–Hochberg across all {len(tested)}."]
    return text, df


def company_summary(company: pd.DataFrame) -> tuple[list[str], pd.DataFrame]:
    if company is None or company.empty:
        return (["No organisation had a layoff and a notable model release in the same year."], pd.DataFrame())
    both = company["layoff_and_model_same_year"] if "layoff_and_model_same_year" in company else (
        (company["layoff_events"] > 0) & (company["models_released"].fillna(0) > 0))
    same = both.groupby(company["org"]).sum()
    g = company.groupby("org").agg(years=("year", lambda s: f"{s.min()}–{s.max()}"), layoff_events=("layoff_events", "sum"),
                                   events_unknown_count=("layoff_events_unknown_count", "sum"),
                                   laid_off_known=("laid_off", "sum"), models_released=("models_released", "sum"))
    g["models_released"] = g["models_released"].astype("int64")
    g["years with both"] = same.reindex(g.index).astype(int)
    g = g.sort_values(["years with both", "models_released"], ascending=False).reset_index()
    g["laid_off_known"] = g["laid_off_known"].map(fmt_int)
    version = company["alias_version"].iloc[0]
    unknown = sorted(company.loc[company["models_released"].isna(), "year"].unique())
    text = [f"{len(g)} organisations had at least one year with both a layoff event and a notable model release "
            f"(matched through the hand-curated alias table, version {version}; e.g. Meta ↔ Meta AI / FAIR). "
            "This is co-occurrence within a calendar year, nothing more: it says nothing about why either happened. "
            "Laid-off totals count only events with a known number."]
    if unknown:
        text.append(f"Model counts for {', '.join(map(str, unknown))} are empty (unknown), not zero: the Epoch "
                    "snapshot's data-through date falls before the end of those years.")
    return text, g


def blog_section(blog: pd.DataFrame | None, omitted: pd.DataFrame | None) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    if blog is None or blog.empty:
        return (["layoff_count_stats has no crunchbase_tracker 2022 row; the blog table cannot be reproduced."], [])
    compared = blog[blog["blog_value"].notna()]
    ok = bool(compared["matches_blog"].fillna(False).all())
    t = pd.DataFrame({"statistic": blog["statistic"], "recomputed": blog["value"].map(lambda v: f"{v:,.1f}"),
                      "blog (2022)": blog["blog_value"].map(fmt_int),
                      "agrees": blog["matches_blog"].map({True: "yes", False: "NO"}).fillna("–")})
    companies = blog.loc[blog["statistic"] == "distinct_companies_with_known_count", "value"]
    events = blog.loc[blog["statistic"] == "events_with_known_count", "value"]
    text = [("All of the blog's statistics are reproduced" if ok else "Some of the blog's statistics are NOT reproduced")
            + " from marts.layoff_count_stats for the 2022 Crunchbase tracker export (the blog printed whole numbers; "
            "its mean 367 is the truncated 367.6).",
            "The blog silently dropped every event whose count was unknown; they are shown beside it here."]
    if len(companies) and len(events):
        text.append(f"The blog called its {fmt_int(events.iloc[0])} rows \"tech companies\": they are "
                    f"{fmt_int(events.iloc[0])} layoff events of {fmt_int(companies.iloc[0])} distinct companies "
                    "(a company with two events counts once).")
    tables = [("Statistics of per-event laid-off counts (count known only)", t)]
    if omitted is not None and not omitted.empty:
        o = omitted.assign(share=omitted["share"].map(lambda s: f"{s:.0%}"))[["group", "events", "share"]]
        tables.append(("Events the blog kept vs omitted", o))
    return text, tables
