"""Autocorrelation-aware inference for a correlation of two monthly series: effective sample size, p-value and CI."""

from __future__ import annotations

import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
from scipy import special
from scipy import stats as sps
from statsmodels.tsa.stattools import acf

from analytics.series import shifted

AC_METHOD = "effective n (Pyper & Peterman 1998: n shrunk by lag-1..n/5 autocorrelation products); t-test and Fisher-z CI on n_eff"
MIN_N = 4
MIN_N_EFF = 4.0


def _acf(values: np.ndarray, nlags: int) -> np.ndarray:
    """Sample autocorrelations 1..nlags; NaN months (gaps) are skipped pairwise (statsmodels 'conservative')."""
    if nlags < 1:
        return np.zeros(0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = acf(values, nlags=nlags, fft=False, missing="conservative")
    return np.nan_to_num(np.asarray(out[1:nlags + 1], dtype=float))


def effective_n(x: np.ndarray, y: np.ndarray) -> float:
    """Effective number of independent pairs for Pearson r of two autocorrelated series.

    1/n_eff = 1/n + (2/n) * sum_{j=1..J} ((n - j)/n) * rho_xx(j) * rho_yy(j), J = n/5 (Pyper & Peterman
    1998, after Bartlett 1935). `x` and `y` are on one monthly grid, NaN where a month is missing.
    Bounded to [MIN_N_EFF, n]. Hand-written: neither scipy nor statsmodels offers this correction.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    both = ~(np.isnan(x) | np.isnan(y))
    n = int(both.sum())
    if n < MIN_N:
        return float(n)
    xm, ym = np.where(both, x, np.nan), np.where(both, y, np.nan)
    lags = max(1, n // 5)
    rx, ry = _acf(xm, lags), _acf(ym, lags)
    j = np.arange(1, len(rx) + 1)
    inv = 1.0 / n + (2.0 / n) * np.sum((n - j) / n * rx * ry)
    if inv <= 0:
        return float(n)
    return float(min(n, max(MIN_N_EFF, 1.0 / inv)))


def r_test(r: float, n_eff: float, level: float = 0.95) -> tuple[float, float, float]:
    """(two-sided p, CI low, CI high) for Pearson r with `n_eff` independent pairs (t on n_eff-2 df, Fisher z)."""
    if r is None or np.isnan(r) or n_eff < MIN_N_EFF:
        return (np.nan, np.nan, np.nan)
    r = float(np.clip(r, -0.999999, 0.999999))
    df = n_eff - 2.0
    t = r * np.sqrt(df / (1.0 - r * r))
    p = float(2.0 * special.stdtr(df, -abs(t)))   # = sps.t.sf(abs(t), df) without the distribution wrapper
    half = _z(level) / np.sqrt(max(n_eff - 3.0, 1.0))
    z = np.arctanh(r)
    return (p, float(np.tanh(z - half)), float(np.tanh(z + half)))


@lru_cache(maxsize=8)
def _z(level: float) -> float:
    """Two-sided normal quantile for a `level` CI (1.959963984540054 at 0.95)."""
    return sps.norm.ppf(0.5 + level / 2.0)


def lagged_pair(x: pd.Series, y: pd.Series, lag: int) -> tuple[np.ndarray, np.ndarray]:
    """x[t] and y[t+lag] on x's monthly grid (NaN kept where either is missing), for effective_n."""
    return x.to_numpy(dtype=float), shifted(y.to_numpy(dtype=float), lag)


def ac_correlation(x: pd.Series, y: pd.Series, lag: int = 0) -> dict:
    """Pearson r of x[t] with y[t+lag] over the months where both exist, with n, n_eff, p and 95% CI."""
    return ac_arrays(*lagged_pair(x, y, lag))


def ac_arrays(xs: np.ndarray, ys: np.ndarray) -> dict:
    """`ac_correlation` of x[t] and y[t+lag] already on one grid as float arrays (see `lagged_pair`)."""
    both = ~(np.isnan(xs) | np.isnan(ys))
    n = int(both.sum())
    out = {"n": n, "r": np.nan, "n_eff": np.nan, "p": np.nan, "ci_low": np.nan, "ci_high": np.nan}
    if n < MIN_N:
        return out
    a, b = xs[both], ys[both]
    if np.ptp(a) <= 1e-12 * max(1.0, float(np.abs(a).max())) or np.ptp(b) <= 1e-12 * max(1.0, float(np.abs(b).max())):
        return out
    r = float(np.corrcoef(a, b)[0, 1])
    n_eff = effective_n(xs, ys)
    p, low, high = r_test(r, n_eff)
    return out | {"r": r, "n_eff": n_eff, "p": p, "ci_low": low, "ci_high": high}
