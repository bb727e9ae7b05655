"""Report section on AI-cited layoffs: both definitions, shares by events and people with bounds, measured quality, limits."""

from __future__ import annotations

import pandas as pd

DEFINITIONS_TEXT = (
    "Two definitions, declared before the fresh sample was labelled (docs/ai_attribution.md). **Broad**: the "
    "headline gives AI or automation as a reason for the cut or as its context, including a bare mention "
    "(\"meta-layoffs-ai\"). **Strict**: the headline states that AI, agents or automation replaced the work or "
    "caused the cut; a mention or context words (\"amid the AI boom\") do not count.")

LIMITS = [
    "A headline is the outlet's framing, not the company's statement: it says how the cut was reported, not why "
    "it was made, and a headline without AI does not prove that AI played no part.",
    "Events without usable text (no URL, a bare id like /article/123456, 'Internal memo') are left out of the "
    "share; the bounds show how far the share could move if all of them were, or none of them was, AI-cited.",
    "Fetched article titles (opt-in) are classified and listed but not counted: their accuracy was never measured "
    "on a labelled sample.",
    "Headlines came to mention AI more often as AI became news; part of a rising share can be framing.",
    "The two labellers were two independent blind runs of the same language model, not two people: their "
    "agreement (kappa) is likely higher than two human readers' would be.",
]


def _pct(x) -> str:
    return "–" if x is None or pd.isna(x) else f"{float(x):.1%}"


def _ci(low, high) -> str:
    return "–" if low is None or pd.isna(low) else f"{_pct(low)}–{_pct(high)}"


def yearly_table(yearly: pd.DataFrame) -> pd.DataFrame:
    if yearly is None or yearly.empty:
        return pd.DataFrame()
    y = yearly[yearly["events_with_text"] > 0].sort_values(["scope", "year", "definition"], kind="stable")
    return pd.DataFrame({
        "year": [f"{int(v)}*" if p else str(int(v)) for v, p in zip(y["year"], y["partial_year"])],
        "scope": y["scope"], "definition": y["definition"],
        "with text (n)": y["events_with_text"].map(int), "AI-cited": y["ai_cited_events"].map(int),
        "share of events (95% CI)": [f"{_pct(s)} ({_ci(a, b)})" for s, a, b in
                                     zip(y["share_events"], y["share_events_ci_low"], y["share_events_ci_high"])],
        "share of people": y["share_people"].map(_pct),
        "bounds (unknown none / all)": [_ci(a, b) for a, b in zip(y["share_low_bound"], y["share_high_bound"])],
        "months": y["months_covered"].map(int),
    })


def quality_table(quality: pd.DataFrame) -> pd.DataFrame:
    if quality is None or quality.empty:
        return pd.DataFrame()
    q = quality[quality["class"].isin(["ai_cited", "ai_reason_stated"])]
    return pd.DataFrame({
        "definition": q["definition"], "sample": q["sample"], "class": q["class"], "n": q["n"].map(int),
        "precision (95% CI)": [f"{_pct(p)} ({_ci(a, b)}), {tp}/{pr}" for p, a, b, tp, pr in zip(
            q["precision"], q["precision_ci_low"], q["precision_ci_high"], q["true_positives"], q["predicted"])],
        "recall (95% CI)": [f"{_pct(r)} ({_ci(a, b)}), {tp}/{lab}" for r, a, b, tp, lab in zip(
            q["recall"], q["recall_ci_low"], q["recall_ci_high"], q["true_positives"], q["labelled"])],
        "kappa": q["kappa"].map(lambda v: "–" if pd.isna(v) else f"{v:.2f}"),
    })


def _year_sentence(rows: pd.DataFrame) -> str:
    b = rows[rows["definition"] == "broad"].iloc[0]
    s = rows[rows["definition"] == "strict"].iloc[0]
    partial = f" ({b['note']})" if b["partial_year"] else ""
    return (f"{int(b['year'])}{partial}: broad {_pct(b['share_events'])} of {int(b['events_with_text'])} events "
            f"(95% CI {_ci(b['share_events_ci_low'], b['share_events_ci_high'])}; {_pct(b['share_people'])} of the "
            f"people; bounds {_ci(b['share_low_bound'], b['share_high_bound'])}), strict {_pct(s['share_events'])} "
            f"(95% CI {_ci(s['share_events_ci_low'], s['share_events_ci_high'])}; {_pct(s['share_people'])} of the people)")


def _trend_text(yearly: pd.DataFrame) -> list[str]:
    g = yearly[(yearly["scope"] == "global") & (yearly["events_with_text"] > 0)].sort_values("year")
    if g.empty:
        return ["No layoff event has headline text, so no AI-cited share can be computed."]
    years = [_year_sentence(rows) for _, rows in g.groupby("year", sort=True)]
    return ["Share of deduplicated layoff events worldwide whose headline cites AI, among events with usable text, "
            "per year: " + "; ".join(years) + ".",
            "The share by people weighs each event by its known headcount, so one large cut can move it far from "
            "the share by events. A partial year (starred) covers fewer than 12 months and is not comparable with "
            "a full one."]


def _metric(quality: pd.DataFrame, definition: str, sample: str, cls: str) -> pd.Series | None:
    q = quality[(quality["definition"] == definition) & (quality["sample"] == sample) & (quality["class"] == cls)]
    return None if q.empty else q.iloc[0]


def _quality_text(quality: pd.DataFrame | None) -> list[str]:
    if quality is None or quality.empty:
        return ["None of the hand-labelled rows is in the current snapshots, so the rules' precision and recall "
                "could not be measured on this run."]
    text = []
    for definition, cls in (("broad", "ai_cited"), ("strict", "ai_reason_stated")):
        pop, fresh, tune = (_metric(quality, definition, s, cls) for s in ("population", "fresh_random", "tune"))
        if fresh is not None:
            text.append(
                f"{definition.capitalize()} ({cls}) on the fresh random sample (n = {int(fresh['n'])}): "
                f"{int(fresh['labelled'])} labelled positive(s), {int(fresh['predicted'])} predicted, "
                f"{int(fresh['true_positives'])} right; labeller agreement kappa "
                f"{'–' if pd.isna(fresh['kappa']) else format(fresh['kappa'], '.2f')}.")
        if pop is not None:
            text.append(
                f"Recall over every event with text, weighted by the sampling strata: {_pct(pop['recall'])} "
                f"(95% CI {_ci(pop['recall_ci_low'], pop['recall_ci_high'])}); precision "
                f"{_pct(pop['precision'])} (95% CI {_ci(pop['precision_ci_low'], pop['precision_ci_high'])}).")
        if tune is not None:
            text.append(f"On the 200 rows the rules were written on (in-sample, optimistic by construction): "
                        f"precision {_pct(tune['precision'])}, recall {_pct(tune['recall'])}.")
    fresh = _metric(quality, "broad", "fresh_random", "ai_cited")
    found = "no" if fresh is None else int(fresh["labelled"])
    text.append(f"What the sample cannot show: every headline with an AI word was already a tuning row, so the fresh "
                f"random sample is almost all headlines without one, and the labellers found {found} AI-cited row(s) "
                "in it. Precision therefore rests on the tuning rows (in-sample), and the population recall on how "
                "rarely a headline without an AI word cites AI. The fresh sample's AI-cited row was the miss the "
                "issue named (Salesforce, 'because of agents'); the rule that now catches it was written after "
                "reading that issue, so that hit is not independent (docs/ai_attribution.md).")
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
    text = ([DEFINITIONS_TEXT] + _trend_text(yearly) + _quality_text(quality) + _correlation_text(corr)
            + ["Limits: " + " ".join(LIMITS)])
    return text, [("AI-cited share per year, by definition (analytics.ai_cited_yearly; * partial year)",
                   yearly_table(yearly)),
                  ("Rule quality per definition and sample (analytics.ai_attribution_quality)", quality_table(quality))]
