"""AI attribution analytics: weighted precision/recall with Wilson CIs, yearly shares, the chart and the report section."""

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.proportion import proportion_confint

from analytics import run_analytics
from analytics.ai_attribution import NO_AI_WORD_METRIC, ai_cited_yearly, attribution_quality
from analytics.ai_cited_chart import ai_cited_share_chart
from analytics.chart_files import chart_spec
from analytics.series import AnalyticsInputError
from tests.test_analytics_outputs import SOURCES, synthetic_frames


def _sample_row(label, pred, split="holdout", stratum="ai_term", year=2024, population=10):
    return {"label": label, "split": split, "frame_year": year, "frame_stratum": stratum,
            "source_event_id": "layoffs_fyi:0000:2", "ai_attribution": pred,
            "stratum_events": population}


def _quality(rows):
    q = attribution_quality(pd.DataFrame(rows))
    return {(r.split, r["class"], r.metric): r for _, r in q.iterrows()}


def test_precision_and_recall_with_equal_weights_are_plain_shares_with_wilson_intervals():
    # 10 labelled rows of one fully sampled stratum: 4 ai_cited predicted, 3 of them right; 1 ai_cited missed
    rows = ([_sample_row("ai_cited", "ai_cited")] * 3 + [_sample_row("ai_company", "ai_cited")]
            + [_sample_row("ai_cited", "none")] + [_sample_row("none", "none")] * 5)
    q = _quality(rows)
    p, r = q[("holdout", "ai_cited", "precision")], q[("holdout", "ai_cited", "recall")]
    assert (p.hits, p.n, r.hits, r.n) == (3, 4, 3, 4)
    assert p.estimate == pytest.approx(0.75) and p.n_effective == pytest.approx(4)
    low, high = proportion_confint(3, 4, method="wilson")
    assert (p.ci_low, p.ci_high) == pytest.approx((low, high))
    none_p = q[("holdout", "none", "precision")]
    assert (none_p.hits, none_p.n, none_p.estimate) == (5, 6, pytest.approx(5 / 6))
    assert ("tune", "ai_cited", "precision") not in q  # no tune rows, no tune figures


def test_strata_sampled_at_different_rates_are_weighted_back_to_the_population():
    # ai_term stratum: population 4, all 4 labelled (weight 1); no_ai_term: population 1000, 4 labelled
    # (weight 250), one of which is an ai_cited headline the rules called 'none'
    rows = ([_sample_row("ai_cited", "ai_cited", population=4)] * 4
            + [_sample_row("none", "none", stratum="no_ai_term", population=1000)] * 3
            + [_sample_row("ai_cited", "none", stratum="no_ai_term", population=1000)])
    q = _quality(rows)
    recall = q[("holdout", "ai_cited", "recall")]
    assert recall.sample_share == pytest.approx(4 / 5)
    assert recall.estimate == pytest.approx(4 / (4 + 250))       # the miss stands for 250 population rows
    assert recall.n_effective == pytest.approx((4 + 250) ** 2 / (4 + 250 ** 2))
    n_eff = recall.n_effective
    assert (recall.ci_low, recall.ci_high) == pytest.approx(
        proportion_confint(recall.estimate * n_eff, n_eff, method="wilson"))
    assert recall.ci_high - recall.ci_low > 0.5   # one heavy miss leaves little information: a wide interval
    blind = q[("holdout", "ai_cited", NO_AI_WORD_METRIC)]
    assert (blind.hits, blind.n, blind.estimate) == (1, 4, pytest.approx(0.25))


def test_unmatched_labels_are_left_out_and_bad_labels_are_refused():
    rows = [_sample_row("ai_cited", "ai_cited"), dict(_sample_row("none", None), source_event_id=None)]
    q = _quality(rows)
    p = q[("holdout", "ai_cited", "precision")]
    assert (p.labelled_rows, p.matched_rows, p.n) == (2, 1, 1)
    assert attribution_quality(pd.DataFrame([dict(rows[1])])).empty
    with pytest.raises(AnalyticsInputError, match="unknown label 'ai'"):
        attribution_quality(pd.DataFrame([_sample_row("ai", "ai_cited")]))
    with pytest.raises(AnalyticsInputError, match="missing column.*stratum_events"):
        attribution_quality(pd.DataFrame([_sample_row("none", "none")]).drop(columns="stratum_events"))


def _monthly():
    months = pd.date_range("2022-01-01", "2025-12-01", freq="MS")
    rng = np.random.default_rng(3)
    rows = []
    for m in months:
        for scope in ("global", "us"):
            events = int(rng.integers(0, 40))
            text = int(rng.integers(0, events + 1))
            cited = int(rng.binomial(text, 0.02 if m.year < 2025 else 0.12))
            rows.append(dict(month=m, scope=scope, events=events, events_with_text=text, ai_cited_events=cited,
                             ai_cited_share=cited / text if text else None, laid_off=events * 50,
                             ai_cited_laid_off=cited * 50))
    return pd.DataFrame(rows)


def test_yearly_shares_sum_the_months_and_carry_wilson_intervals():
    monthly = _monthly()
    yearly = ai_cited_yearly(monthly)
    g = yearly[(yearly["scope"] == "global") & (yearly["year"] == 2025)].iloc[0]
    raw = monthly[(monthly["scope"] == "global") & (monthly["month"].dt.year == 2025)]
    assert (g.events_with_text, g.ai_cited_events) == (raw["events_with_text"].sum(), raw["ai_cited_events"].sum())
    assert g.ai_cited_share == pytest.approx(g.ai_cited_events / g.events_with_text)
    low, high = proportion_confint(g.ai_cited_events, g.events_with_text, method="wilson")
    assert (g.ci_low, g.ci_high) == pytest.approx((low, high))
    assert sorted(yearly["year"].unique()) == [2022, 2023, 2024, 2025]
    assert ai_cited_yearly(pd.DataFrame()).empty


def test_chart_has_yearly_bars_with_intervals_monthly_dots_and_coarsens_over_the_mark_budget():
    monthly = _monthly()
    spec = chart_spec(ai_cited_share_chart(monthly, "Sources: invented"))
    marks = [layer["mark"]["type"] for layer in spec["layer"]]
    assert marks == ["rect", "rule", "text", "text", "circle"]
    y_scale = spec["layer"][0]["encoding"]["y"]["scale"]
    assert "clamp" not in y_scale and y_scale["domain"][1] <= 1.0   # nothing clipped: the axis reaches the data
    years = next(v for v in spec["datasets"].values() if v and "label" in v[0])
    assert all(row["end"] <= f"{row['period'][:4]}-12-31" for row in years)   # a bar ends inside its own year
    small = chart_spec(ai_cited_share_chart(monthly, "Sources: invented", max_marks=60))
    text = " ".join(small["title"]["subtitle"])
    assert "per quarter" in text and "per month" not in text
    data_rows = sum(len(v) for v in small["datasets"].values())
    assert data_rows <= 60


def test_run_analytics_adds_the_quality_table_yearly_shares_series_chart_and_report(tmp_path):
    frames = synthetic_frames()
    monthly = _monthly()
    g = monthly[monthly["scope"] == "global"].set_index("month")["ai_cited_share"]
    frames["layoffs_vs_ai_monthly"]["ai_cited_share"] = g.reindex(frames["layoffs_vs_ai_monthly"]["month"]).to_numpy()
    frames["ai_cited_layoffs_monthly"] = monthly
    frames["ai_attribution_sample"] = pd.DataFrame(
        [_sample_row("ai_cited", "ai_cited")] * 9 + [_sample_row("ai_company", "ai_cited")]
        + [_sample_row("none", "none", split="tune")] * 4)
    tables = run_analytics(frames, tmp_path, SOURCES, n_boot=50, lag_n_boot=20)
    q = tables["ai_attribution_quality"]
    assert set(q["split"]) == {"tune", "holdout"} and len(q) == 2 * (8 + 1)
    assert "ai_cited_share" in set(tables["correlations"]["x_series"])
    assert "ai_cited_share" in set(tables["lagged_correlations"]["x_series"])
    assert (tmp_path / "charts" / "ai_cited_share.png").read_bytes()[:4] == b"\x89PNG"
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    y25 = tables["ai_cited_share_yearly"].query("scope == 'global' and year == 2025").iloc[0]
    assert f"2025: {y25.ai_cited_share:.1%} ({y25.ai_cited_events} of {y25.events_with_text}" in md
    assert "precision 90.0% (9/10" in md
    assert "not proof that AI caused the cut" in md
