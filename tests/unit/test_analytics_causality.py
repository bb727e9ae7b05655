"""Granger and ADF on synthetic series with known causal direction."""

import numpy as np
import pandas as pd

from analytics.causality import granger_tests, stationarity


def _frame(n=200, seed=4):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    y = np.empty(n)
    y[0] = rng.normal()
    y[1:] = 0.8 * x[:-1] + rng.normal(scale=0.5, size=n - 1)  # y follows x by one month
    return pd.DataFrame({"month": pd.date_range("2005-01-01", periods=n, freq="MS"), "x": x, "y": y})


def test_x_granger_causes_y_and_not_the_reverse():
    out = granger_tests(_frame(), pairs=[("x", "y")], transforms=("levels",))
    assert set(out["status"]) == {"tested"}
    assert sorted(out["lag"].unique()) == [1, 2, 3, 4, 5, 6]
    fwd = out[out["direction"] == "x_to_y"].set_index("lag")
    rev = out[out["direction"] == "y_to_x"].set_index("lag")
    assert (fwd["cause"] == "x").all() and (fwd["effect"] == "y").all()
    assert fwd.loc[1, "p_value"] < 0.01 and fwd.loc[2, "p_value"] < 0.01
    assert rev["p_value"].min() > 0.01
    assert fwd.loc[1, "df_num"] == 1 and fwd.loc[3, "df_num"] == 3


def test_random_walk_levels_are_skipped_with_reason():
    rng = np.random.default_rng(9)
    n = 150
    df = pd.DataFrame({"month": pd.date_range("2000-01-01", periods=n, freq="MS"),
                       "a": np.cumsum(rng.normal(size=n)), "b": np.cumsum(rng.normal(size=n))})
    adf = stationarity(df, pairs=[("a", "b")])
    levels = adf[adf["transform"] == "levels"].set_index("series")
    assert not levels["stationary"].any()
    assert adf[adf["transform"] == "diff"]["stationary"].all()
    out = granger_tests(df, pairs=[("a", "b")], adf=adf)
    skipped = out[out["transform"] == "levels"]
    assert (skipped["status"] == "skipped").all()
    assert skipped["reason"].str.contains("not stationary").all()
    assert (out[out["transform"] == "diff"]["status"] == "tested").all()
    # log_diff undefined for series with negative values: skipped, and the ADF row says why
    assert (out[out["transform"] == "log_diff"]["status"] == "skipped").all()
    assert adf[adf["transform"] == "log_diff"]["note"].str.contains("undefined").all()


def test_short_series_reports_too_few_observations():
    df = _frame(n=8)
    adf = stationarity(df, pairs=[("x", "y")], transforms=("levels",))
    assert adf["note"].str.contains("too few observations").all()
    out = granger_tests(df, pairs=[("x", "y")], transforms=("levels",), adf=adf)
    assert (out["status"] == "skipped").all()
