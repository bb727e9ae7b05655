"""Report section on AI-cited layoffs: the yearly trend with CIs, the rules' measured quality, what slugs cannot show."""

from __future__ import annotations

import pandas as pd

from analytics.ai_attribution import NO_AI_WORD_METRIC

TARGET_PRECISION = 0.85  # issue 15: precision of ai_cited on the held-out half

LIMITS = [
    "A slug is the outlet's headline, not the company's statement: it says how the cut was reported, "
    "not why it was made. A headline citing AI is not proof that AI caused the cut, and a headline "
    "without AI does not prove that AI played no part.",
    "Outlets differ: some put the headline in the URL, others only an id (e.g. /article/123456), and many "
    "layoffs.fyi sources are not URLs at all ('Internal memo', 'LinkedIn'); those events are 'unknown' and "
    "left out of the share. The Crunchbase export names outlets, not URLs, so only its notes are read.",
    "Headlines came to mention AI more often as AI became news; part of a rising share can be framing.",
    "The labels are one reader's judgement of 200 sampled rows; the rules were first written after "
    "browsing slugs that contain AI words, some of which are in the held-out half, so the held-out "
    "figures are less independent than a fresh sample would be.",
    "Recall counts only the misses the sample can see: a headline that cites AI without any AI word "
    "(e.g. 'efficiency drive') is invisible to these rules.",
]


def _pct(x) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):.1%}"


def _ci(low, high) -> str:
    return "–" if pd.isna(low) else f"{_pct(low)}–{_pct(high)}"


def yearly_table(yearly: pd.DataFrame) -> pd.DataFrame:
    if yearly is None or yearly.empty:
        return pd.DataFrame()
    y = yearly.sort_values(["scope", "year"], kind="stable")
    return pd.DataFrame({
        "year": y["year"].astype(str), "scope": y["scope"], "events": y["events"].map(int),
        "with headline text (n)": y["events_with_text"].map(int), "AI-cited": y["ai_cited_events"].map(int),
        "share": y["ai_cited_share"].map(_pct), "95% CI (Wilson)": [_ci(a, b) for a, b in zip(y["ci_low"], y["ci_high"])],
        "laid off (AI-cited, known counts)": y["ai_cited_laid_off"].map(lambda v: f"{int(v):,}"),
    })


def quality_table(quality: pd.DataFrame) -> pd.DataFrame:
    if quality is None or quality.empty:
        return pd.DataFrame()
    q = quality.copy()
    return pd.DataFrame({
        "split": q["split"], "class": q["class"], "metric": q["metric"].str.replace("_", " "),
        "hits / n": [f"{h}/{n}" for h, n in zip(q["hits"], q["n"])], "estimate (weighted)": q["estimate"].map(_pct),
        "95% CI (Wilson, effective n)": [_ci(a, b) for a, b in zip(q["ci_low"], q["ci_high"])],
        "effective n": q["n_effective"].map(lambda v: f"{v:.1f}"),
    })


def _trend_text(yearly: pd.DataFrame) -> list[str]:
    g = yearly[(yearly["scope"] == "global") & (yearly["events_with_text"] > 0)].sort_values("year")
    if g.empty:
        return ["No layoff event has headline text, so no AI-cited share can be computed."]
    parts = [f"{int(r.year)}: {_pct(r.ai_cited_share)} ({int(r.ai_cited_events)} of {int(r.events_with_text)}, "
             f"95% CI {_ci(r.ci_low, r.ci_high)})" for r in g.itertuples()]
    first, last = g.iloc[0], g.iloc[-1]
    overlap = "do not overlap" if last["ci_low"] > first["ci_high"] or first["ci_low"] > last["ci_high"] else "overlap"
    return ["Share of deduplicated layoff events worldwide whose source headline gives AI or automation as a "
            "reason or context of the cut, among events with usable headline text, per year: " + "; ".join(parts) + ".",
            f"The 95% intervals of {int(first.year)} and {int(last.year)} {overlap}. The last year may be partial "
            "(the snapshot's capture date falls inside it), and recent years have far fewer events, hence wider "
            "intervals. The share counts headlines, and the rules miss or misread some (quality below)."]


def _quality_text(quality: pd.DataFrame) -> list[str]:
    if quality is None or quality.empty:
        return ["None of the hand-labelled rows is in the current snapshots, so the rules' precision and recall "
                "could not be measured on this run."]
    text = []
    for split, word in (("holdout", "held-out"), ("tune", "tuning")):
        c = quality[(quality["split"] == split) & (quality["class"] == "ai_cited")]
        if c.empty:
            continue
        p = c[c["metric"] == "precision"].iloc[0]
        r = c[c["metric"] == "recall"].iloc[0]
        text.append(f"On the {word} half ({int(p['matched_rows'])} labelled rows) the ai_cited rule has precision "
                    f"{_pct(p['estimate'])} ({int(p['hits'])}/{int(p['n'])}, 95% CI {_ci(p['ci_low'], p['ci_high'])}) "
                    f"and recall {_pct(r['estimate'])} ({int(r['hits'])}/{int(r['n'])}, 95% CI "
                    f"{_ci(r['ci_low'], r['ci_high'])}).")
        if split == "holdout" and p["n"] > 0 and p["ci_low"] < TARGET_PRECISION <= p["estimate"]:
            text.append(f"The held-out precision meets the {TARGET_PRECISION:.0%} target as a point estimate, but "
                        f"with {int(p['n'])} held-out ai_cited predictions its interval still reaches below it: "
                        "the sample is too small to show the target is met with 95% confidence.")
        elif split == "holdout" and p["n"] > 0 and p["estimate"] < TARGET_PRECISION:
            text.append(f"The held-out precision is below the {TARGET_PRECISION:.0%} target.")
        b = c[c["metric"] == NO_AI_WORD_METRIC]
        if split == "holdout" and not b.empty:
            b = b.iloc[0]
            text.append(f"Among held-out headlines without any AI word, {int(b['hits'])} of {int(b['n'])} were labelled "
                        f"ai_cited (95% CI up to {_pct(b['ci_high'])}): the part of recall no keyword rule can reach.")
    text.append("Sampling: every slug with an AI, automation or robot word was labelled, plus a random sample per "
                "year of the rest; estimates weight each row by its stratum's size (docs/ai_attribution.md). "
                "Rules were adjusted on the tuning half only; its figures are optimistic by construction.")
    return text


def _correlation_text(corr: pd.DataFrame | None) -> list[str]:
    c = corr[corr["x_series"] == "ai_cited_share"] if corr is not None and not corr.empty else pd.DataFrame()
    d = c[(c["transform"] == "diff") & c["pearson_r"].notna()] if not c.empty else c
    if d.empty:
        return ["ai_cited_share could not join the correlation analysis (no overlapping months)."]
    best = d.loc[d["pearson_r"].abs().idxmax()]
    ci = (best.ac_ci_low, best.ac_ci_high) if "ac_ci_low" in d.columns else (best.r_ci_low, best.r_ci_high)
    p = f", autocorrelation-aware p = {best.p_ac:.3f} unadjusted" if "p_ac" in d.columns else ""
    return [f"ai_cited_share joins the correlation and lag analysis as a layoff series over the months the "
            f"monthly table covers (n = {int(best.n)} differenced months); of its {len(d)} same-month tests on "
            f"month-over-month changes the largest |r| is with {best.y_series.replace('_', ' ')}: r = "
            f"{best.pearson_r:.2f} (95% CI {ci[0]:.2f} to {ci[1]:.2f}, effective n{p}; picked as the largest, "
            "so not a test). That window ends with the Epoch model lists, "
            "so most of the rise in AI-cited layoffs falls after it."]


def ai_cited_section(yearly: pd.DataFrame | None, quality: pd.DataFrame | None, corr: pd.DataFrame | None = None
                     ) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    """(paragraphs, [(caption, table)]) for the report."""
    if yearly is None or yearly.empty:
        return (["marts.ai_cited_layoffs_monthly was not available; no AI-cited shares were computed."], [])
    text = (_trend_text(yearly) + _quality_text(quality) + _correlation_text(corr)
            + ["What the slugs cannot show: " + " ".join(LIMITS)])
    return text, [("AI-cited share per year", yearly_table(yearly)),
                  ("Rule quality on the hand-labelled sample (precision and recall per class)", quality_table(quality))]
