"""AI attribution analytics: quality per definition x sample x class, yearly shares with bounds, the chart and report."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics import run_analytics
from analytics.ai_attribution import ai_cited_yearly
from analytics.ai_cited_chart import ai_cited_share_chart
from analytics.ai_quality import attribution_quality, cohen_kappa
from analytics.chart_files import chart_spec
from analytics.series import AnalyticsInputError
from tests.unit.test_analytics_outputs import SOURCES, synthetic_frames


def _row(label, pred, sample="fresh_random", stratum="2024:rule_none", population=10, strict=False,
         pred_strict=False, a=None, b=None, frame="no_ai_term"):
    return {"sample": sample, "stratum": stratum, "stratum_population": population,
            "label_a": a or label, "label_b": b or label, "strict_a": strict, "strict_b": strict,
            "label_final": label, "strict_final": strict, "frame_stratum": frame,
            "source_event_id": "layoffs_fyi:0000:2", "ai_attribution": pred, "ai_reason_stated": pred_strict}


def _quality(rows):
    q = attribution_quality(pd.DataFrame(rows))
    return {(r.definition, r["sample"], r["class"]): r for _, r in q.iterrows()}


def test_equal_weights_give_plain_shares_with_wilson_intervals():
    # one fully sampled stratum: 4 ai_cited predicted, 3 right; 1 ai_cited missed
    rows = ([_row("ai_cited", "ai_cited")] * 3 + [_row("ai_company", "ai_cited")]
            + [_row("ai_cited", "none")] + [_row("none", "none")] * 5)
    q = _quality(rows)
    c = q[("broad", "fresh_random", "ai_cited")]
    assert (c.true_positives, c.predicted, c.labelled, c.n) == (3, 4, 4, 10)
    assert c.precision == pytest.approx(0.75) and c.recall == pytest.approx(0.75)
    assert (c.precision_ci_low, c.precision_ci_high) == pytest.approx(proportion_confint(3, 4, method="wilson"))
    assert q[("broad", "fresh_random", "none")].precision == pytest.approx(5 / 6)
    assert ("broad", "tune", "ai_cited") not in q      # no tune rows, no tune figures


def test_strata_are_weighted_back_to_the_population_and_the_population_adds_the_tune_census():
    # fresh: stratum A (population 4, all 4 labelled, weight 1) and B (population 1000, 4 labelled, weight 250)
    # holding one ai_cited headline the rules call 'none'; tune: 2 ai_term rows, weight 1 in the population
    rows = ([_row("ai_cited", "ai_cited", stratum="A", population=4)] * 4
            + [_row("none", "none", stratum="B", population=1000)] * 3
            + [_row("ai_cited", "none", stratum="B", population=1000)]
            + [_row("ai_cited", "ai_cited", sample="tune", stratum="2024:ai_term", population=2, frame="ai_term")] * 2)
    q = _quality(rows)
    fresh, pop = q[("broad", "fresh_random", "ai_cited")], q[("broad", "population", "ai_cited")]
    assert fresh.recall == pytest.approx(4 / (4 + 250))
    assert pop.recall == pytest.approx(6 / (6 + 250))      # the two tune rows count once each
    w = np.array([1.0] * 6 + [250.0])
    n_eff = w.sum() ** 2 / (w ** 2).sum()
    assert (pop.recall_ci_low, pop.recall_ci_high) == pytest.approx(
        proportion_confint(pop.recall * n_eff, n_eff, method="wilson"))
    assert pop.recall_ci_high - pop.recall_ci_low > 0.5    # one heavy miss: a wide interval
    assert q[("broad", "tune", "ai_cited")].recall == 1.0 and not q[("broad", "tune", "ai_cited")].weighted


def test_strict_is_its_own_class_and_kappa_is_cohens_between_the_two_labellers():
    rows = ([_row("ai_cited", "ai_cited", strict=True, pred_strict=True)] * 3
            + [_row("ai_cited", "ai_cited", strict=False, pred_strict=True)]
            + [_row("none", "none", a="none", b="ai_cited")] + [_row("none", "none")] * 5)
    rows[3] = dict(rows[3], strict_a=True)                  # the labellers disagree on one strict flag
    q = _quality(rows)
    s = q[("strict", "fresh_random", "ai_reason_stated")]
    assert (s.true_positives, s.predicted, s.labelled) == (3, 4, 3)
    # oracle: kappa by hand. strict flags a = 4 true / 6 false, b = 3 / 7, agree 9 of 10
    pe = 0.4 * 0.3 + 0.6 * 0.7
    assert s.kappa == pytest.approx((0.9 - pe) / (1 - pe))
    assert cohen_kappa(pd.Series([1, 1]), pd.Series([1, 1])) == 1.0
    with pytest.raises(AnalyticsInputError, match="unknown sample 'holdout'"):
        attribution_quality(pd.DataFrame([_row("none", "none", sample="holdout")]))


def _monthly():
    months = pd.date_range("2022-01-01", "2026-01-01", freq="MS")
    rng = np.random.default_rng(3)
    rows = []
    for m in months:
        for scope in ("global", "us"):
            events = int(rng.integers(1, 40))
            text = int(rng.integers(0, events + 1))
            cited = int(rng.binomial(text, 0.02 if m.year < 2025 else 0.12))
            strict = int(rng.integers(0, cited + 1))
            rows.append(dict(month=m, scope=scope, events=events, events_with_text=text, ai_cited_events=cited,
                             laid_off=events * 50, ai_cited_laid_off=cited * 70, ai_reason_stated_events=strict,
                             laid_off_with_text=text * 50, ai_reason_stated_laid_off=strict * 70))
    return pd.DataFrame(rows).sample(frac=1, random_state=1)   # stored out of order


def test_yearly_shares_by_events_and_people_with_bounds_and_partial_years():
    monthly = _monthly()
    yearly = ai_cited_yearly(monthly)
    for definition, ev, ppl in (("broad", "ai_cited_events", "ai_cited_laid_off"),
                                ("strict", "ai_reason_stated_events", "ai_reason_stated_laid_off")):
        g = yearly.query("scope == 'global' and year == 2025 and definition == @definition").iloc[0]
        raw = monthly[(monthly["scope"] == "global") & (monthly["month"].dt.year == 2025)]
        cited, text, events = raw[ev].sum(), raw["events_with_text"].sum(), raw["events"].sum()
        assert (g.ai_cited_events, g.events_with_text) == (cited, text)
        assert g.share_events == pytest.approx(cited / text)
        assert (g.share_events_ci_low, g.share_events_ci_high) == pytest.approx(
            proportion_confint(cited, text, method="wilson"))
        assert g.share_people == pytest.approx(raw[ppl].sum() / raw["laid_off_with_text"].sum())
        assert g.share_low_bound == pytest.approx(cited / events)
        assert g.share_high_bound == pytest.approx((cited + events - text) / events)
        assert (g.months_covered, g.partial_year) == (12, False)
    last = yearly.query("year == 2026").iloc[0]
    assert (last.months_covered, last.partial_year) == (1, True) and last.note == "partial year: 1 month, Jan 2026"
    assert ai_cited_yearly(pd.DataFrame()).empty


def test_chart_plots_strict_beside_broad_per_year_in_order_without_clipping():
    yearly = ai_cited_yearly(_monthly())
    spec = chart_spec(ai_cited_share_chart(yearly, "Sources: invented"))
    (rows,) = spec["datasets"].values()
    plotted = pd.DataFrame(rows)
    # oracle: recompute every plotted share from the yearly table, year by year
    want = yearly[(yearly["scope"] == "global")].set_index(["year", "definition"])
    for r in plotted.itertuples():
        assert r.share_events == pytest.approx(want.loc[(r.year, r.definition), "share_events"])
    assert list(plotted["year"]) == sorted(plotted["year"])
    assert set(plotted["definition"]) == {"broad", "strict"}
    assert set(plotted.loc[plotted["partial_year"], "year_label"]) == {"2026*"}
    top = spec["layer"][0]["encoding"]["y"]["scale"]["domain"][1]
    assert top >= plotted["share_events_ci_high"].max() and top >= plotted["share_people"].max()


def test_run_analytics_adds_quality_yearly_chart_and_report(tmp_path):
    frames = synthetic_frames()
    monthly = _monthly()
    frames["ai_cited_layoffs_monthly"] = monthly
    frames["ai_attribution_sample"] = pd.DataFrame(
        [_row("ai_cited", "ai_cited", strict=True, pred_strict=True)] * 9 + [_row("ai_company", "ai_cited")]
        + [_row("none", "none", sample="tune", stratum="2024:no_ai_term")] * 4)
    tables = run_analytics(frames, tmp_path, SOURCES, n_boot=50, lag_n_boot=20)
    q = tables["ai_attribution_quality"]
    assert set(q["sample"]) == {"tune", "fresh_random", "population"} and set(q["definition"]) == {"broad", "strict"}
    assert (tmp_path / "charts" / "ai_cited_share.png").read_bytes()[:4] == b"\x89PNG"
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    y25 = tables["ai_cited_yearly"].query("scope == 'global' and year == 2025 and definition == 'broad'").iloc[0]
    assert f"2025: broad {y25.share_events:.1%} of {y25.events_with_text} events" in md
    assert "**Strict**" in md and "2026 (partial year: 1 month, Jan 2026)" in md
