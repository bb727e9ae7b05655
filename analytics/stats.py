"""Correlation tables: Pearson/Spearman with block-bootstrap and autocorrelation-aware CIs; lag scan with BH per scan and family."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from numpy.lib.stride_tricks import sliding_window_view
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from analytics.autocorr import AC_METHOD, ac_arrays
from analytics.design import ALPHA, FAMILY_TRANSFORMS
from analytics.series import align_arrays, monthly_frame, resolve_pairs, shifted, transformed_pairs

DEFAULT_SEED = 20221123
MIN_N = 4  # fewer paired months than this: the row is kept with NaN statistics

AC_COLUMNS = ["n_eff", "p_ac", "ac_ci_low", "ac_ci_high", "ac_method", "p_bh_family", "significant_bh_family"]
CORRELATION_COLUMNS = [
    "x_series", "y_series", "transform", "n", "pearson_r", "pearson_p", "spearman_rho", "spearman_p",
    "r_ci_low", "r_ci_high", "block_length", "n_boot", "seed", *AC_COLUMNS,
]
LAGGED_COLUMNS = [
    "x_series", "y_series", "transform", "lag", "n", "pearson_r", "pearson_p", "p_bh", "significant_bh",
    "r_ci_low", "r_ci_high", *AC_COLUMNS,
]


def default_block_length(n: int) -> int:
    """Block length ≈ n^(1/3), rounded, at least 2 (and never longer than n)."""
    return int(max(2, min(n, round(n ** (1.0 / 3.0)))))


def _rowwise_pearson(xs: np.ndarray, ys: np.ndarray) -> np.ndarray:
    """Pearson r of each row pair; NaN where a resample is constant."""
    xc = xs - xs.mean(axis=1, keepdims=True)
    yc = ys - ys.mean(axis=1, keepdims=True)
    den = np.sqrt((xc * xc).sum(axis=1) * (yc * yc).sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, (xc * yc).sum(axis=1) / den, np.nan)


def block_bootstrap_ci(
    x: np.ndarray, y: np.ndarray, n_boot: int, block: int, seed: int, level: float = 0.95,
    draws: dict | None = None,
) -> tuple[float, float]:
    """Percentile CI for Pearson r from a moving-block bootstrap of (x, y) pairs.

    Overlapping blocks of `block` consecutive months are drawn with replacement and concatenated
    (time order kept inside each block, pairs kept together) until n values, then r is recomputed.
    Implemented with numpy: no maintained MBB library is part of the stack (statsmodels/scipy offer
    none for paired series). A fresh generator seeded with `seed` makes each row reproducible; `draws` (a dict
    kept across calls) reuses the block starts of an earlier call with the same n, block, n_boot and seed.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    if n < MIN_N or n_boot <= 0:
        return (np.nan, np.nan)
    block = max(1, min(block, n))
    key = (n, block, n_boot, seed)
    starts = None if draws is None else draws.get(key)
    if starts is None:
        rng = np.random.default_rng(seed)
        starts = rng.integers(0, n - block + 1, size=(n_boot, -(-n // block)))
        if draws is not None:
            draws[key] = starts
    # row b: the blocks starting at starts[b], concatenated and cut to n values (copied C-contiguous)
    xs, ys = (np.ascontiguousarray(sliding_window_view(v, block)[starts].reshape(n_boot, -1)[:, :n]) for v in (x, y))
    rs = _rowwise_pearson(xs, ys)
    rs = rs[~np.isnan(rs)]
    if len(rs) < max(10, n_boot // 2):
        return (np.nan, np.nan)
    alpha = (1.0 - level) / 2.0
    low, high = np.quantile(rs, [alpha, 1.0 - alpha])
    return (float(low), float(high))


def _flat(v: np.ndarray) -> bool:
    """Constant up to float rounding (e.g. the diff of a straight line): no correlation is defined."""
    return bool(np.ptp(v) <= 1e-12 * max(1.0, float(np.abs(v).max())))


def _pearson(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if len(x) < MIN_N or _flat(x) or _flat(y):
        return (np.nan, np.nan)
    res = sps.pearsonr(x, y)
    return (float(res.statistic), float(res.pvalue))


def _spearman(x: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    if len(x) < MIN_N or _flat(x) or _flat(y):
        return (np.nan, np.nan)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sps.spearmanr(x, y)
    return (float(res.statistic), float(res.pvalue))


def correlations(
    monthly_df: pd.DataFrame,
    pairs: list[tuple[str, str]] | None = None,
    n_boot: int = 2000,
    block: int | None = None,
    seed: int = DEFAULT_SEED,
    transforms: tuple[str, ...] | None = None,
    max_lag: int = 12,
    family: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Same-month correlation per pair × transform: n, Pearson, Spearman, block-bootstrap CI for r, and the
    autocorrelation-aware n_eff / p_ac / CI; p_bh_family is the lag-0 entry of the lag scan's family adjustment.

    `family`: that lag scan when the caller already has it (`lagged_correlations` of the same frame, pairs,
    max_lag and transforms; its p_bh_family does not depend on n_boot or seed); computed here otherwise."""
    df = monthly_frame(monthly_df)
    pairs = resolve_pairs(df, pairs)
    kwargs = {} if transforms is None else {"transforms": transforms}
    rows, draws = [], {}
    for x_name, y_name, how, tx, ty in transformed_pairs(df, pairs, **kwargs):
        xa, ya = tx.to_numpy(dtype=float), ty.to_numpy(dtype=float)
        x, y = align_arrays(xa, ya, 0)
        n = len(x)
        blen = block if block is not None else default_block_length(max(n, 1))
        r, p = _pearson(x, y)
        rho, sp = _spearman(x, y)
        low, high = (np.nan, np.nan) if np.isnan(r) else block_bootstrap_ci(x, y, n_boot, blen, seed, draws=draws)
        ac = ac_arrays(xa, ya)
        rows.append([x_name, y_name, how, n, r, p, rho, sp, low, high, blen, n_boot, seed,
                     ac["n_eff"], ac["p"], ac["ci_low"], ac["ci_high"], AC_METHOD])
    out = pd.DataFrame(rows, columns=CORRELATION_COLUMNS[:-2]).astype({"n": "int64", "block_length": "int64"})
    # the family adjustment is over the lag scan's differenced tests; lag 0 is the same test as here
    if family is None:
        family = lagged_correlations(df.reset_index(), pairs, max_lag=max_lag, n_boot=0, transforms=transforms)
    fam = family[family["lag"] == 0].set_index(["x_series", "y_series", "transform"])
    key = pd.MultiIndex.from_frame(out[["x_series", "y_series", "transform"]])
    out["p_bh_family"] = fam["p_bh_family"].reindex(key).to_numpy() if len(fam) else np.nan
    out["significant_bh_family"] = (out["p_bh_family"] < ALPHA).to_numpy()
    return out[CORRELATION_COLUMNS]


def bh_adjust(pvalues, alpha: float = 0.05) -> tuple[np.ndarray, np.ndarray]:
    """Benjamini–Hochberg adjusted p-values (NaN entries stay NaN and are not counted as tests)."""
    p = np.asarray(pvalues, dtype=float)
    adjusted = np.full(p.shape, np.nan)
    reject = np.zeros(p.shape, dtype=bool)
    ok = ~np.isnan(p)
    if ok.any():
        rej, padj, _, _ = multipletests(p[ok], alpha=alpha, method="fdr_bh")
        adjusted[ok] = padj
        reject[ok] = rej
    return adjusted, reject


def lagged_correlations(
    monthly_df: pd.DataFrame,
    pairs: list[tuple[str, str]] | None = None,
    max_lag: int = 12,
    n_boot: int = 1000,
    seed: int = DEFAULT_SEED,
    alpha: float = 0.05,
    transforms: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """Pearson r at lags −max_lag..+max_lag (positive = AI series later), BH-adjusted within pair × transform
    (`p_bh`, on pearson_p) and across the family of differenced tests (`p_bh_family`, on the autocorrelation-aware
    p_ac). `r_ci_low`/`r_ci_high` are moving-block-bootstrap 95% intervals (n_boot=0 leaves them NaN).
    """
    if max_lag < 0:
        raise ValueError(f"max_lag must be >= 0, got {max_lag}")
    df = monthly_frame(monthly_df)
    pairs = resolve_pairs(df, pairs)
    kwargs = {} if transforms is None else {"transforms": transforms}
    frames, draws = [], {}
    for x_name, y_name, how, tx, ty in transformed_pairs(df, pairs, **kwargs):
        rows = []
        xa, ya = tx.to_numpy(dtype=float), ty.to_numpy(dtype=float)
        for lag in range(-max_lag, max_lag + 1):
            x, y = align_arrays(xa, ya, lag)
            r, p = _pearson(x, y)
            blen = default_block_length(max(len(x), 1))
            low, high = (np.nan, np.nan) if np.isnan(r) else block_bootstrap_ci(x, y, n_boot, blen, seed,
                                                                                  draws=draws)
            ac = ac_arrays(xa, shifted(ya, lag))
            rows.append([x_name, y_name, how, lag, len(x), r, p, low, high,
                         ac["n_eff"], ac["p"], ac["ci_low"], ac["ci_high"], AC_METHOD])
        part = pd.DataFrame(rows, columns=["x_series", "y_series", "transform", "lag", "n", "pearson_r",
                                           "pearson_p", "r_ci_low", "r_ci_high", *AC_COLUMNS[:-2]])
        part["p_bh"], part["significant_bh"] = bh_adjust(part["pearson_p"].to_numpy(), alpha)
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=LAGGED_COLUMNS)
    out = pd.concat(frames, ignore_index=True)
    # Benjamini-Hochberg over the whole family: every differenced test (pairs x transforms x lags), on p_ac
    in_family = out["transform"].isin(FAMILY_TRANSFORMS).to_numpy()
    out["p_bh_family"] = np.nan
    out["significant_bh_family"] = False
    if in_family.any():
        adj, rej = bh_adjust(out.loc[in_family, "p_ac"].to_numpy(), alpha)
        out.loc[in_family, "p_bh_family"] = adj
        out.loc[in_family, "significant_bh_family"] = rej
    return out[LAGGED_COLUMNS].astype({"lag": "int64", "n": "int64", "significant_bh": "bool",
                                       "significant_bh_family": "bool"})
