"""Synthetic known-answer tests for analytics.series and analytics.stats."""

import numpy as np
import pandas as pd
import pytest

from analytics.series import AnalyticsInputError, align, align_arrays, monthly_frame, transform
from analytics.stats import (
    block_bootstrap_ci, bh_adjust, correlations, default_block_length, lagged_correlations,
)


def months(n, start="2019-01-01"):
    return pd.date_range(start, periods=n, freq="MS")


def test_transforms_and_log_diff_undefined_with_zero():
    s = pd.Series([1.0, 2.0, 4.0, 8.0])
    assert transform(s, "levels").tolist() == [1.0, 2.0, 4.0, 8.0]
    assert transform(s, "diff").tolist()[1:] == [1.0, 2.0, 4.0]
    assert np.allclose(transform(s, "log_diff").to_numpy()[1:], np.log(2.0))
    assert transform(pd.Series([1.0, 0.0, 3.0]), "log_diff") is None
    with pytest.raises(AnalyticsInputError, match="unknown transform"):
        transform(s, "pct")


def test_align_positive_lag_pairs_x_with_later_y():
    idx = months(5)
    x = pd.Series([1.0, 2, 3, 4, 5], index=idx)
    y = pd.Series([10.0, 20, 30, 40, 50], index=idx)
    out = align(x, y, 2)
    assert out["x"].tolist() == [1.0, 2.0, 3.0]
    assert out["y"].tolist() == [30.0, 40.0, 50.0]
    assert align(x, y, -1)["y"].tolist() == [10.0, 20.0, 30.0, 40.0]


def test_align_arrays_is_align_on_numpy():
    idx = months(6)
    x = pd.Series([1.0, np.nan, 3, 4, 5, 6], index=idx)
    y = pd.Series([10.0, 20, np.nan, 40, 50, 60], index=idx)
    for lag in range(-7, 8):
        want = align(x, y, lag)
        got = align_arrays(x.to_numpy(), y.to_numpy(), lag)
        assert np.array_equal(got[0], want["x"].to_numpy()) and np.array_equal(got[1], want["y"].to_numpy())


def test_monthly_frame_rejects_gaps_and_missing_columns():
    df = pd.DataFrame({"month": ["2020-01-01", "2020-03-01"], "laid_off": [1, 2], "layoff_events": [1, 1]})
    with pytest.raises(AnalyticsInputError, match="missing 2020-02"):
        monthly_frame(df)
    with pytest.raises(AnalyticsInputError, match="missing column.*layoff_events"):
        correlations(pd.DataFrame({"month": months(3), "laid_off": [1, 2, 3]}), n_boot=0)


def test_lag_scan_finds_three_month_lag_and_it_survives_bh():
    rng = np.random.default_rng(7)
    n = 90
    x = rng.normal(size=n + 3)
    y = np.concatenate([rng.normal(size=3), x[:n]]) + rng.normal(scale=0.3, size=n + 3)  # y[t] = x[t-3] + noise
    df = pd.DataFrame({"month": months(n + 3), "a": x, "b": y})
    out = lagged_correlations(df, pairs=[("a", "b")], n_boot=0, transforms=("levels",))
    assert sorted(out["lag"]) == list(range(-12, 13))
    best = out.loc[out["pearson_r"].abs().idxmax()]
    assert best["lag"] == 3
    assert best["pearson_r"] > 0.9
    assert bool(best["significant_bh"]) and best["p_bh"] < 0.001
    assert best["n"] == n + 3 - 3
    others = out[out["lag"] != 3]
    assert others["pearson_r"].abs().max() < 0.4
    assert (out["p_bh"] >= out["pearson_p"] - 1e-15).all()


def test_random_walks_spurious_in_levels_but_not_after_diff():
    rng = np.random.default_rng(2022)
    n, k = 120, 100
    data = {"month": months(n)}
    for i in range(k):
        data[f"x{i}"] = np.cumsum(rng.normal(size=n))
        data[f"y{i}"] = np.cumsum(rng.normal(size=n))
    df = pd.DataFrame(data)
    out = correlations(df, pairs=[(f"x{i}", f"y{i}") for i in range(k)], n_boot=20,
                       transforms=("levels", "diff"))
    share = out.assign(sig=out["pearson_p"] < 0.05).groupby("transform")["sig"].mean()
    assert share["levels"] > 0.4      # trending series correlate "significantly" most of the time
    assert share["diff"] < 0.15       # after differencing close to the nominal 5%


def test_bh_matches_hand_computed_case():
    # m = 5; sorted p 0.005, 0.01, 0.03, 0.04, 0.20 -> p*m/rank 0.025, 0.025, 0.05, 0.05, 0.20 (already monotone)
    adjusted, reject = bh_adjust([0.01, 0.04, 0.03, 0.005, 0.20])
    assert np.allclose(adjusted, [0.025, 0.05, 0.05, 0.025, 0.20])
    assert reject.tolist() == [True, True, True, True, False]
    # monotonicity step: p 0.01, 0.02, 0.021 (m=3) -> raw 0.03, 0.03, 0.021 -> cumulative min from the top
    adjusted, _ = bh_adjust([0.021, 0.01, 0.02])
    assert np.allclose(adjusted, [0.021, 0.021, 0.021])
    # NaN p-values are not tests: m = 2 here
    adjusted, _ = bh_adjust([0.01, np.nan, 0.04])
    assert np.allclose(adjusted[[0, 2]], [0.02, 0.04]) and np.isnan(adjusted[1])


def test_lagged_bh_is_applied_within_each_pair():
    rng = np.random.default_rng(3)
    n = 60
    df = pd.DataFrame({"month": months(n), "a": rng.normal(size=n), "b": rng.normal(size=n),
                       "c": rng.normal(size=n)})
    out = lagged_correlations(df, pairs=[("a", "b"), ("a", "c")], max_lag=4, n_boot=0, transforms=("levels",))
    for _, g in out.groupby("y_series"):
        p = g["pearson_p"].to_numpy()
        order = np.argsort(p)
        m = len(p)
        raw = p[order] * m / np.arange(1, m + 1)
        expected = np.empty(m)
        expected[order] = np.minimum.accumulate(raw[::-1])[::-1].clip(max=1)
        assert np.allclose(g["p_bh"].to_numpy(), expected)


def test_default_block_length():
    assert default_block_length(60) == 4
    assert default_block_length(27) == 3
    assert default_block_length(8) == 2
    assert default_block_length(1000) == 10


def test_bootstrap_ci_reproducible_and_contains_r():
    rng = np.random.default_rng(11)
    n = 60
    x = np.cumsum(rng.normal(size=n)) * 0.2 + rng.normal(size=n)
    y = x + rng.normal(scale=0.4, size=n)
    df = pd.DataFrame({"month": months(n), "laid_off": x, "notable_models": y})
    a = correlations(df, pairs=[("laid_off", "notable_models")], n_boot=500, seed=5, transforms=("levels",))
    b = correlations(df, pairs=[("laid_off", "notable_models")], n_boot=500, seed=5, transforms=("levels",))
    c = correlations(df, pairs=[("laid_off", "notable_models")], n_boot=500, seed=6, transforms=("levels",))
    row = a.iloc[0]
    assert row["pearson_r"] > 0.8
    assert row["r_ci_low"] < row["pearson_r"] < row["r_ci_high"]
    assert (row["r_ci_low"], row["r_ci_high"]) == (b.iloc[0]["r_ci_low"], b.iloc[0]["r_ci_high"])
    assert (row["r_ci_low"], row["r_ci_high"]) != (c.iloc[0]["r_ci_low"], c.iloc[0]["r_ci_high"])
    assert row["block_length"] == 4 and row["n_boot"] == 500 and row["seed"] == 5


def test_block_of_full_length_resamples_the_series_itself():
    # with block = n the only block starts at 0, so every resample is the original order: CI = (r, r)
    rng = np.random.default_rng(1)
    x = rng.normal(size=20)
    y = x + rng.normal(size=20)
    r = np.corrcoef(x, y)[0, 1]
    low, high = block_bootstrap_ci(x, y, n_boot=50, block=20, seed=0)
    assert low == pytest.approx(r) and high == pytest.approx(r)


def test_correlations_columns_and_spearman():
    n = 30
    x = np.arange(1.0, n + 1)
    df = pd.DataFrame({"month": months(n), "laid_off": x, "layoff_events": x,
                       "notable_models": np.exp(x / 5), "all_models": -x})
    out = correlations(df, n_boot=50)
    assert list(out.columns) == ["x_series", "y_series", "transform", "n", "pearson_r", "pearson_p", "spearman_rho",
                                 "spearman_p", "r_ci_low", "r_ci_high", "block_length", "n_boot", "seed", "n_eff",
                                 "p_ac", "ac_ci_low", "ac_ci_high", "ac_method", "p_bh_family",
                                 "significant_bh_family"]
    lv = out[(out["transform"] == "levels") & (out["x_series"] == "laid_off")].set_index("y_series")
    assert lv.loc["notable_models", "spearman_rho"] == pytest.approx(1.0)   # monotone but not linear
    assert lv.loc["notable_models", "pearson_r"] < 0.99
    assert lv.loc["all_models", "pearson_r"] == pytest.approx(-1.0)
    # postings column absent: default pairs skip it; log_diff of all_models (negative) is skipped
    assert "postings_software_development" not in set(out["y_series"])
    assert not ((out["y_series"] == "all_models") & (out["transform"] == "log_diff")).any()
