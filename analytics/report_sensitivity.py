"""Report section for `analytics.sensitivity`: the primary r under each variant, duplicates merged, post-hoc picks apart."""

from __future__ import annotations

import pandas as pd

from analytics.report_sections import fmt_ci, fmt_num, fmt_p

SHOWN_AS = {"US scope": "US scope (postings, not AI models)"}


def _merged(sens: pd.DataFrame) -> pd.DataFrame:
    """Variants without the rows that repeat the primary (same months, same r to 3 decimals), named on its row."""
    same = sens["same_as_primary"].fillna(False).astype(bool) if "same_as_primary" in sens else sens["r"].isna() & False
    kept = sens[~same].copy()
    names = [SHOWN_AS.get(v, v) for v in kept["variant"]]
    if same.any():
        names[0] += " = " + " = ".join(sens.loc[same, "variant"])
    return kept.assign(variant=names)


def posthoc_table(sens: pd.DataFrame) -> pd.DataFrame:
    """The primary pair's top lag and top Granger test, each beside its family-BH p: chosen after looking."""
    base = sens.iloc[0]
    rows = []
    if pd.notna(base.get("top_lag")):
        rows.append({"statistic": f"r at lag {int(base['top_lag']):+d} (chosen after looking)",
                     "n": int(base["n_top"]), "value": fmt_num(base["r_top"]),
                     "95% CI": fmt_ci(base["ci_low_top"], base["ci_high_top"]),
                     "p (unadjusted)": fmt_p(base["p_ac_top"]), "family-BH p": fmt_p(base.get("p_bh_family_top"))})
    if pd.notna(base.get("granger_direction")):
        way = "layoffs → models" if base["granger_direction"] == "x_to_y" else "models → layoffs"
        rows.append({"statistic": f"Granger {way}, lag {int(base['granger_lag'])} (chosen after looking)",
                     "n": int(base["granger_n"]), "value": "–", "95% CI": "–",
                     "p (unadjusted)": fmt_p(base["granger_p"]), "family-BH p": fmt_p(base.get("granger_p_bh_family"))})
    return pd.DataFrame(rows)


def sensitivity_section(sens: pd.DataFrame | None) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    if sens is None or sens.empty:
        return (["The sensitivity table could not be computed."], [])
    kept = _merged(sens)
    t = pd.DataFrame({
        "variant": kept["variant"],
        "months": [f"{a:%Y-%m}–{b:%Y-%m}" if pd.notna(a) else "–" for a, b in zip(kept["first_month"], kept["last_month"])],
        "n": kept["n"], "r (lag 0)": kept["r"].map(fmt_num),
        "95% CI": [fmt_ci(a, b) for a, b in zip(kept["ci_low"], kept["ci_high"])], "p": kept["p_ac"].map(fmt_p)})
    excl = kept[(kept["ci_low"] > 0) | (kept["ci_high"] < 0)]
    merged = sens.loc[sens.get("same_as_primary", pd.Series(False, index=sens.index)).fillna(False).astype(bool),
                      "variant"].tolist()
    text = [f"The primary statistic (r at lag 0 on month-over-month changes) recomputed under {len(kept) - 1} variants; "
            f"{len(excl)} of {len(kept)} rows have a 95% CI (effective n) that excludes zero. "
            "p and CI are autocorrelation-aware (effective n) and unadjusted; n counts month pairs."]
    if merged:
        text.append(f"{' and '.join(merged)} cover the same months as the primary and give the same r to 3 decimals, "
                    "so they are merged into its row: they are not separate confirmations.")
    if "US scope" in set(sens["variant"]):
        text.append("The US-scope row asks a different question: it replaces the AI-model series with Indeed's US "
                    "software-development job postings, so it is not a like-for-like check of the primary test.")
    tables = [("Sensitivity of the primary test", t)]
    post = posthoc_table(sens)
    if not post.empty:
        text.append("The lag and the Granger test below were picked from the primary pair's scan because their p "
                    "was the smallest, i.e. chosen after looking. Their unadjusted p is not a test of a hypothesis; "
                    "the family-BH p beside it is the one that accounts for the scan.")
        tables.append(("Chosen after looking: the primary pair's smallest-p lag and Granger test", post))
    return text, tables
