"""Autocorrelation-aware p-values, the family-wide BH adjustment and the ADF+KPSS decision, on simulated series."""

import numpy as np
import pandas as pd
import pytest
from scipy import stats as sps
from statsmodels.tsa.stattools import adfuller

from analytics.autocorr import ac_correlation, effective_n, r_test
from analytics.causality import decide, granger_tests, longest_run, stationarity
from analytics.stats import correlations, lagged_correlations


def months(n, start="2015-01-01"):
    return pd.date_range(start, periods=n, freq="MS")


def ar1(rng, n, phi):
    e = rng.normal(size=n)
    out = np.empty(n)
    out[0] = e[0]
    for t in range(1, n):
        out[t] = phi * out[t - 1] + e[t]
    return out


def hand_bh(p):
    p = np.asarray(p, dtype=float)
    order = np.argsort(p)
    m = len(p)
    raw = p[order] * m / np.arange(1, m + 1)
    out = np.empty(m)
    out[order] = np.minimum.accumulate(raw[::-1])[::-1].clip(max=1)
    return out


def test_effective_n_shrinks_with_shared_autocorrelation():
    rng = np.random.default_rng(5)
    n = 600
    white = effective_n(rng.normal(size=n), rng.normal(size=n))
    assert white > 0.8 * n                              # independent noise: about n
    ratios = [effective_n(ar1(rng, n, 0.8), ar1(rng, n, 0.8)) / n for _ in range(5)]
    # theory for two AR(1) with phi = 0.8: (1 - phi^2) / (1 + phi^2) = 0.22
    assert 0.12 < np.mean(ratios) < 0.35


def test_r_test_matches_scipy_when_n_eff_is_n():
    rng = np.random.default_rng(8)
    x = rng.normal(size=40)
    y = 0.3 * x + rng.normal(size=40)
    res = sps.pearsonr(x, y)
    p, low, high = r_test(res.statistic, 40.0)
    assert p == pytest.approx(res.pvalue, rel=1e-9)
    ci = res.confidence_interval(0.95)
    assert (low, high) == pytest.approx((ci.low, ci.high), abs=1e-9)
    assert r_test(0.0, 30.0)[0] == pytest.approx(1.0)


def test_autocorrelation_aware_p_keeps_false_positives_near_nominal():
    rng = np.random.default_rng(2024)
    naive, aware = [], []
    for _ in range(300):
        x = pd.Series(ar1(rng, 60, 0.85), index=months(60))
        y = pd.Series(ar1(rng, 60, 0.85), index=months(60))
        res = ac_correlation(x, y)
        naive.append(sps.pearsonr(x, y).pvalue < 0.05)
        aware.append(res["p"] < 0.05)
    assert np.mean(naive) > 0.15           # independent but autocorrelated: the naive test rejects far too often
    assert np.mean(aware) < 0.10           # the effective-n test stays near 5%


def test_gaps_are_kept_on_the_monthly_grid():
    idx = months(30)
    x = pd.Series(np.arange(30.0) % 7, index=idx)
    y = pd.Series((np.arange(30.0) * 3) % 5, index=idx)
    x.iloc[10] = np.nan
    res = ac_correlation(x, y, lag=2)
    assert res["n"] == 30 - 2 - 1


def _family_frame(seed=3, n=50):
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"month": months(n), "laid_off": rng.poisson(900, n).astype(float),
                         "layoff_events": rng.poisson(40, n).astype(float),
                         "notable_models": rng.poisson(8, n).astype(float), "all_models": rng.poisson(30, n).astype(float)})


def test_family_bh_runs_over_every_differenced_test_and_matches_correlations():
    df = _family_frame()
    lagged = lagged_correlations(df, n_boot=0, max_lag=3)
    fam = lagged[lagged["transform"].isin(["diff", "log_diff"])]
    assert len(fam) == 2 * 2 * 2 * 7                    # 2 x 2 pairs x 2 transforms x 7 lags
    assert np.allclose(fam["p_bh_family"].to_numpy(), hand_bh(fam["p_ac"].to_numpy()))
    assert lagged.loc[lagged["transform"] == "levels", "p_bh_family"].isna().all()
    # the within-scan adjustment is unchanged beside it
    one = lagged[(lagged["transform"] == "diff") & (lagged["y_series"] == "notable_models")
                 & (lagged["x_series"] == "laid_off")]
    assert np.allclose(one["p_bh"].to_numpy(), hand_bh(one["pearson_p"].to_numpy()))
    corr = correlations(df, n_boot=0, max_lag=3)
    lag0 = fam[fam["lag"] == 0].set_index(["x_series", "y_series", "transform"])["p_bh_family"]
    got = corr.set_index(["x_series", "y_series", "transform"])["p_bh_family"]
    assert np.allclose(got.reindex(lag0.index).to_numpy(), lag0.to_numpy())
    assert corr.loc[corr["transform"] == "levels", "p_bh_family"].isna().all()
    assert corr["ac_method"].str.contains("effective n").all()


def test_decision_needs_adf_and_kpss_to_agree():
    assert decide(0.01, 0.10) == "stationary"
    assert decide(0.40, 0.01) == "non-stationary"
    assert decide(0.01, 0.01) == "conflicting"
    assert decide(0.40, 0.10) == "inconclusive"
    assert decide(np.nan, 0.1) == "untestable"


def test_stationarity_reports_kpss_and_adf_from_2021():
    rng = np.random.default_rng(11)
    n = 72
    df = pd.DataFrame({"month": months(n, "2019-01-01"), "laid_off": rng.normal(size=n),
                       "layoff_events": np.cumsum(rng.normal(size=n)), "notable_models": rng.normal(size=n),
                       "all_models": rng.normal(size=n)})
    adf = stationarity(df, pairs=[("laid_off", "notable_models"), ("layoff_events", "all_models")],
                       transforms=("levels",)).set_index("series")
    assert adf.loc["laid_off", "decision"] == "stationary" and adf.loc["laid_off", "stationary"]
    assert not adf.loc["layoff_events", "stationary"]        # a random walk never passes both tests
    assert adf.loc["layoff_events", "kpss_p"] < 0.05
    later = df.loc[df["month"] >= "2021-01-01", "laid_off"].to_numpy()
    assert adf.loc["laid_off", "adf_p_from_2021"] == pytest.approx(adfuller(later, autolag="AIC")[1])
    assert adf.loc["laid_off", "n_from_2021"] == len(later)


def test_longest_run_and_granger_use_the_gap_free_stretch():
    s = pd.Series([1.0, 2, np.nan, 3, 4, 5, 6, np.nan, 7], index=months(9))
    run = longest_run(s)
    assert run.tolist() == [3.0, 4, 5, 6] and run.index[0] == months(9)[3]
    rng = np.random.default_rng(4)
    n = 120
    x = rng.normal(size=n)
    y = np.r_[rng.normal(), 0.8 * x[:-1] + rng.normal(scale=0.5, size=n - 1)]
    x[20] = np.nan                                     # a month without a value: the run after it is longer
    df = pd.DataFrame({"month": months(n), "x": x, "y": y})
    out = granger_tests(df, pairs=[("x", "y")], transforms=("levels",))
    tested = out[out["status"] == "tested"]
    assert (tested["first_month"] == months(n)[21]).all() and (tested["n"] == n - 21).all()
    assert np.allclose(tested["p_bh_family"].to_numpy(), hand_bh(tested["p_value"].to_numpy()))
    assert tested.loc[tested["direction"] == "x_to_y", "significant_bh_family"].iloc[0]
