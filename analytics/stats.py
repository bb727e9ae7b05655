"""Correlation tables: Pearson/Spearman with moving-block-bootstrap CIs, and the lag scan with BH adjustment."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from scipy import stats as sps
from statsmodels.stats.multitest import multipletests

from analytics.series import align, monthly_frame, resolve_pairs, transformed_pairs

DEFAULT_SEED = 20221123
MIN_N = 4  # fewer paired months than this: the row is kept with NaN statistics

CORRELATION_COLUMNS = [
    "x_series", "y_series", "transform", "n", "pearson_r", "pearson_p", "spearman_rho", "spearman_p",
    "r_ci_low", "r_ci_high", "block_length", "n_boot", "seed",
]
LAGGED_COLUMNS = [
    "x_series", "y_series", "transform", "lag", "n", "pearson_r", "pearson_p", "p_bh", "significant_bh",
    "r_ci_low", "r_ci_high",
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
    x: np.ndarray, y: np.ndarray, n_boot: int, block: int, seed: int, level: float = 0.95
) -> tuple[float, float]:
    """Percentile CI for Pearson r from a moving-block bootstrap of (x, y) pairs.

    Overlapping blocks of `block` consecutive months are drawn with replacement and concatenated
    (time order kept inside each block, pairs kept together) until n values, then r is recomputed.
    Implemented with numpy: no maintained MBB library is part of the stack (statsmodels/scipy offer
    none for paired series). A fresh generator seeded with `seed` makes each row reproducible.
    """
    x = np.asarray(x, dtype=float)
    y = np.asarray(y, dtype=float)
    n = len(x)
    if n < MIN_N or n_boot <= 0:
        return (np.nan, np.nan)
    block = max(1, min(block, n))
    rng = np.random.default_rng(seed)
    n_blocks = -(-n // block)
    starts = rng.integers(0, n - block + 1, size=(n_boot, n_blocks))
    idx = (starts[:, :, None] + np.arange(block)[None, None, :]).reshape(n_boot, -1)[:, :n]
    rs = _rowwise_pearson(x[idx], y[idx])
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
) -> pd.DataFrame:
    """Same-month correlation per pair × transform with n, Pearson, Spearman and a block-bootstrap CI for r."""
    df = monthly_frame(monthly_df)
    pairs = resolve_pairs(df, pairs)
    kwargs = {} if transforms is None else {"transforms": transforms}
    rows = []
    for x_name, y_name, how, tx, ty in transformed_pairs(df, pairs, **kwargs):
        data = align(tx, ty, 0)
        x, y = data["x"].to_numpy(), data["y"].to_numpy()
        n = len(data)
        blen = block if block is not None else default_block_length(max(n, 1))
        r, p = _pearson(x, y)
        rho, sp = _spearman(x, y)
        low, high = block_bootstrap_ci(x, y, n_boot, blen, seed) if not np.isnan(r) else (np.nan, np.nan)
        rows.append([x_name, y_name, how, n, r, p, rho, sp, low, high, blen, n_boot, seed])
    return pd.DataFrame(rows, columns=CORRELATION_COLUMNS).astype({"n": "int64", "block_length": "int64"})


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
    """Pearson r at lags −max_lag..+max_lag (positive = AI series later), BH-adjusted within pair × transform.

    `r_ci_low`/`r_ci_high` are moving-block-bootstrap 95% intervals (n_boot=0 leaves them NaN).
    """
    if max_lag < 0:
        raise ValueError(f"max_lag must be >= 0, got {max_lag}")
    df = monthly_frame(monthly_df)
    pairs = resolve_pairs(df, pairs)
    kwargs = {} if transforms is None else {"transforms": transforms}
    frames = []
    for x_name, y_name, how, tx, ty in transformed_pairs(df, pairs, **kwargs):
        rows = []
        for lag in range(-max_lag, max_lag + 1):
            data = align(tx, ty, lag)
            x, y = data["x"].to_numpy(), data["y"].to_numpy()
            r, p = _pearson(x, y)
            blen = default_block_length(max(len(x), 1))
            low, high = block_bootstrap_ci(x, y, n_boot, blen, seed) if not np.isnan(r) else (np.nan, np.nan)
            rows.append([x_name, y_name, how, lag, len(x), r, p, low, high])
        part = pd.DataFrame(rows, columns=["x_series", "y_series", "transform", "lag", "n", "pearson_r",
                                           "pearson_p", "r_ci_low", "r_ci_high"])
        part["p_bh"], part["significant_bh"] = bh_adjust(part["pearson_p"].to_numpy(), alpha)
        frames.append(part)
    if not frames:
        return pd.DataFrame(columns=LAGGED_COLUMNS)
    out = pd.concat(frames, ignore_index=True)[LAGGED_COLUMNS]
    return out.astype({"lag": "int64", "n": "int64", "significant_bh": "bool"})
