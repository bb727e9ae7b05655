"""Report section for `analytics.company_event_study`: pooled results, per-event rows, and what it can and cannot show."""

from __future__ import annotations

import pandas as pd

from analytics.event_study import MIN_LAID_OFF, MIN_MODELS, MIN_PCT, PRIMARY_MONTHS
from analytics.report_sections import fmt_ci, fmt_int, fmt_num, fmt_p

CAN = ("What it can show: for organisations that both lay off and publish models, whether the number of models "
       "Epoch lists for them in the 12 months after a big layoff differs from the 12 months before, compared with "
       "the same before/after difference around random dates for the same organisations (which absorbs each "
       f"organisation's own growth in output). The random dates are time-matched: each organisation's layoffs are "
       f"moved together by one random offset of at most {PRIMARY_MONTHS} months (so its clustering, e.g. three "
       "layoffs in four months, is kept), inside the layoff record and the list's coverage.")
CANNOT = ("What it cannot show: why. A layoff, a reorganisation, a funding round and a product cycle arrive together; "
          "Epoch counts published, listed models, not research effort or headcount in AI; a few large organisations "
          "make up most events, repeated layoffs of one organisation have overlapping windows, and events whose "
          "12 months after reach into Epoch's coverage lag are left out. A null here means no difference was "
          "detected with these few events, not that there is none.")


def event_study_section(es: pd.DataFrame | None) -> tuple[list[str], list[tuple[str, pd.DataFrame]]]:
    head = (f"Organisations with at least one layoff event and at least {MIN_MODELS} models in Epoch's lists; every "
            f"layoff of at least {MIN_LAID_OFF:,} people or at least {MIN_PCT:.0%} of staff; models released in the "
            "12 months before vs the 12 months after it (notable list and all-models list separately).")
    if es is None or es.empty:
        return ([head, "No organisation had such a layoff with the model lists covering the year after it.", CAN, CANNOT], [])
    pooled = es[es["row_type"] == "pooled"]
    events = es[es["row_type"] == "event"]
    windows = es[es["row_type"].isin(["pooled", "window"])] if "null_window" in es.columns else pooled
    text = [head]
    for r in pooled.itertuples():
        null = r.perm_p >= 0.05
        text.append(
            f"{r.dataset} list (n = {int(r.n_events)} events of {int(r.n_orgs)} organisations): after − before = "
            f"{fmt_num(r.mean_difference)} models per event (95% CI {fmt_num(r.ci_low)} to {fmt_num(r.ci_high)}); "
            f"random dates for the same organisations give {fmt_num(r.null_mean_difference)}, so the excess over "
            f"random dates is {fmt_num(r.mean_excess)} (95% CI {fmt_num(r.excess_ci_low)} to {fmt_num(r.excess_ci_high)}; "
            f"CIs from an organisation-cluster bootstrap), permutation p = {fmt_p(r.perm_p)} "
            f"({int(r.n_perm):,} block-shifted sets of random dates). "
            + ("No difference from random dates is detected (null)." if null else
               "This differs from random dates; it is a pattern in timing, not an effect of the layoffs."))
    text.append("The permutation p is the test. The bootstrap CI of the excess resamples the few organisations and "
                "treats their random-date means as fixed, so it is narrower than the test's null and can exclude "
                "zero when p does not; read the p. The window table shows how the excess moves with the width of "
                "the random-date window: it depends on that choice, which is why the ±"
                f"{PRIMARY_MONTHS}-month row was fixed as the primary one and the others are shown beside it.")
    text += [CAN, CANNOT]
    p = pd.DataFrame({"list": pooled["dataset"], "events": pooled["n_events"].map(fmt_int),
                      "organisations": pooled["n_orgs"].map(fmt_int),
                      "mean after − before": pooled["mean_difference"].map(fmt_num),
                      "95% CI": [fmt_ci(a, b) for a, b in zip(pooled["ci_low"], pooled["ci_high"])],
                      "random dates (mean)": pooled["null_mean_difference"].map(fmt_num),
                      "excess over random dates": pooled["mean_excess"].map(fmt_num),
                      "95% CI (excess)": [fmt_ci(a, b) for a, b in zip(pooled["excess_ci_low"], pooled["excess_ci_high"])],
                      "permutation p": pooled["perm_p"].map(fmt_p)})
    e = events.sort_values(["org", "event_date", "dataset"])
    t = pd.DataFrame({"organisation": e["org"], "layoff date": e["event_date"].map(lambda d: f"{d:%Y-%m-%d}"),
                      "laid off": e["laid_off"].map(fmt_int), "trigger": e["trigger"], "list": e["dataset"],
                      "before": e["models_before"].map(fmt_int), "after": e["models_after"].map(fmt_int),
                      "random dates": e["expected_difference"].map(fmt_num),
                      "included": e["included"].map({True: "yes", False: "no"}), "why not": e["exclusion_reason"]})
    w = windows.sort_values(["dataset", "row_type"])
    wt = pd.DataFrame({"list": w["dataset"], "random dates from": w.get("null_window", pd.Series("–", index=w.index)),
                       "primary": (w["row_type"] == "pooled").map({True: "yes", False: ""}),
                       "events": w["n_events"].map(fmt_int), "random dates (mean)": w["null_mean_difference"].map(fmt_num),
                       "excess": w["mean_excess"].map(fmt_num),
                       "95% CI (excess)": [fmt_ci(a, b) for a, b in zip(w["excess_ci_low"], w["excess_ci_high"])],
                       "permutation p": w["perm_p"].map(fmt_p)})
    return text, [("Pooled before/after differences", p), ("How the result moves with the random-date window", wt),
                  ("Per layoff event", t)]
