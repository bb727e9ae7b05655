"""Stationarity (ADF + KPSS decision, ADF from 2021 on) per series × transform, and Granger tests on stationary pairs."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.tools.sm_exceptions import InfeasibleTestError
from statsmodels.tsa.stattools import adfuller, grangercausalitytests, kpss

from analytics.design import ALPHA, SPARSE_YEAR
from analytics.series import (
    TRANSFORMS, monthly_frame, resolve_pairs, series_names, transform,
)
from analytics.stats import bh_adjust

ADF_ALPHA = ALPHA
MIN_ADF_N = 10
LATER_START = pd.Timestamp(f"{SPARSE_YEAR}-01-01")  # ADF again from here: is "stationary" only the COVID spike?

STATIONARITY_COLUMNS = [
    "series", "transform", "n", "first_month", "last_month", "adf_stat", "p_value", "used_lag", "critical_5pct",
    "kpss_stat", "kpss_p", "decision", "stationary", "adf_p_from_2021", "n_from_2021", "note",
]
GRANGER_COLUMNS = [
    "x_series", "y_series", "transform", "direction", "cause", "effect", "lag", "n", "first_month", "last_month",
    "f_stat", "p_value", "df_num", "df_denom", "status", "reason",
]
GRANGER_OUTPUT_COLUMNS = GRANGER_COLUMNS + ["p_bh_family", "significant_bh_family"] + [
    f"{side}_{col}" for side in ("cause", "effect") for col in ("adf_p", "kpss_p", "adf_p_from_2021")]


def longest_run(frame: pd.DataFrame | pd.Series) -> pd.DataFrame | pd.Series:
    """The longest stretch of consecutive months without a missing value (time-series tests need one)."""
    ok = frame.notna() if isinstance(frame, pd.Series) else frame.notna().all(axis=1)
    if not ok.any():
        return frame.iloc[0:0]
    run_id = (ok != ok.shift()).cumsum()
    lengths = ok.groupby(run_id).transform("sum").where(ok, 0)
    best = run_id[lengths == lengths.max()].iloc[0]
    return frame[(run_id == best) & ok]


def _adf_p(values: np.ndarray) -> tuple[float, float, int, float]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stat, pvalue, used_lag, _nobs, crit, _ic = adfuller(values, autolag="AIC")
    return float(stat), float(pvalue), int(used_lag), float(crit["5%"])


def _kpss_p(values: np.ndarray) -> tuple[float, float]:
    """KPSS (level stationarity, automatic lags; Schwert's "legacy" lags when the automatic rule diverges, as on
    a nearly constant series); statsmodels reports p only within [0.01, 0.1]. NaN when neither can be computed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for nlags in ("auto", "legacy"):
            try:
                stat, pvalue, _lags, _crit = kpss(values, regression="c", nlags=nlags)
            except (OverflowError, ValueError, ZeroDivisionError):
                continue
            if np.isfinite(stat):
                return float(stat), float(pvalue)
    return float("nan"), float("nan")


def decide(adf_p: float, kpss_p: float, alpha: float = ADF_ALPHA) -> str:
    """ADF (null: unit root) and KPSS (null: stationary) together: agree -> a verdict, disagree -> no verdict."""
    if np.isnan(adf_p) or np.isnan(kpss_p):
        return "untestable"
    if adf_p < alpha and kpss_p >= alpha:
        return "stationary"
    if adf_p >= alpha and kpss_p < alpha:
        return "non-stationary"
    return "conflicting" if adf_p < alpha else "inconclusive"


def _stationarity_row(name: str, how: str, s: pd.Series | None) -> list:
    blank = [np.nan] * 6
    if s is None:
        return [name, how, 0, pd.NaT, pd.NaT, *blank, "untestable", False, np.nan, 0,
                "transform undefined (values <= 0)"]
    run = longest_run(s)
    n = len(run)
    first, last = (run.index[0], run.index[-1]) if n else (pd.NaT, pd.NaT)
    if n < MIN_ADF_N or np.ptp(run.to_numpy(dtype=float)) == 0:
        note = f"too few observations ({n} < {MIN_ADF_N})" if n < MIN_ADF_N else "constant series"
        return [name, how, n, first, last, *blank, "untestable", False, np.nan, 0, note]
    values = run.to_numpy(dtype=float)
    stat, p, used_lag, crit = _adf_p(values)
    k_stat, k_p = _kpss_p(values)
    later = longest_run(s[s.index >= LATER_START])
    p21 = _adf_p(later.to_numpy(dtype=float))[1] if len(later) >= MIN_ADF_N and np.ptp(later.to_numpy()) > 0 else np.nan
    decision = decide(p, k_p)
    note = "" if len(run) == s.notna().sum() else "longest run of consecutive months without a gap"
    return [name, how, n, first, last, stat, p, used_lag, crit, k_stat, k_p, decision, decision == "stationary",
            p21, len(later), note]


def stationarity(
    monthly_df: pd.DataFrame,
    pairs: list[tuple[str, str]] | None = None,
    transforms: tuple[str, ...] = TRANSFORMS,
) -> pd.DataFrame:
    """ADF (constant, AIC lags) and KPSS per series × transform on its longest gap-free run, the joint decision,
    and the ADF p-value again from 2021 on (without the 2020 COVID spike)."""
    df = monthly_frame(monthly_df)
    pairs = resolve_pairs(df, pairs)
    rows = [_stationarity_row(name, how, transform(df[name], how))
            for name in series_names(pairs) for how in transforms]
    return pd.DataFrame(rows, columns=STATIONARITY_COLUMNS).astype(
        {"n": "int64", "n_from_2021": "int64", "stationary": "bool"})


def granger_one(data: pd.DataFrame, cause: str, effect: str, lag: int) -> tuple[float, float, float, float, str]:
    """ssr F-test of `cause` Granger-causing `effect` at exactly `lag`; returns (F, p, df_num, df_denom, error)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = grangercausalitytests(data[[effect, cause]].to_numpy(), maxlag=[lag])
    except (ValueError, np.linalg.LinAlgError, InfeasibleTestError) as exc:
        return (np.nan, np.nan, np.nan, np.nan, str(exc).splitlines()[0])
    f_stat, p_value, df_denom, df_num = res[lag][0]["ssr_ftest"]
    return (float(f_stat), float(p_value), float(df_num), float(df_denom), "")


def granger_tests(
    monthly_df: pd.DataFrame,
    pairs: list[tuple[str, str]] | None = None,
    max_lag: int = 6,
    transforms: tuple[str, ...] = TRANSFORMS,
    adf: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Granger tests both directions at lags 1..max_lag where ADF and KPSS agree that both series are stationary.

    One row per pair × transform × direction × lag, run on the longest run of months where both series
    exist; skipped rows say why. `p_bh_family` adjusts across every test run (Benjamini-Hochberg).
    """
    if max_lag < 1:
        raise ValueError(f"max_lag must be >= 1, got {max_lag}")
    df = monthly_frame(monthly_df)
    pairs = resolve_pairs(df, pairs)
    adf = stationarity(df.reset_index(), pairs, transforms) if adf is None else adf
    verdict = {(r.series, r.transform): r for r in adf.itertuples()}
    rows = []
    for x_name, y_name in pairs:
        for how in transforms:
            tx, ty = transform(df[x_name], how), transform(df[y_name], how)
            reason = _skip_reason(verdict, x_name, y_name, how)
            data = None if reason else longest_run(pd.DataFrame({x_name: tx, y_name: ty}))
            first, last = (data.index[0], data.index[-1]) if data is not None and len(data) else (pd.NaT, pd.NaT)
            for direction, cause, effect in (("x_to_y", x_name, y_name), ("y_to_x", y_name, x_name)):
                for lag in range(1, max_lag + 1):
                    if reason:
                        rows.append([x_name, y_name, how, direction, cause, effect, lag, 0, pd.NaT, pd.NaT,
                                     np.nan, np.nan, np.nan, np.nan, "skipped", reason])
                        continue
                    f, p, dfn, dfd, err = granger_one(data, cause, effect, lag)
                    rows.append([x_name, y_name, how, direction, cause, effect, lag, len(data), first, last,
                                 f, p, dfn, dfd, "error" if err else "tested", err])
    out = pd.DataFrame(rows, columns=GRANGER_COLUMNS)
    out["p_bh_family"], out["significant_bh_family"] = bh_adjust(out["p_value"].to_numpy(dtype=float), ALPHA)
    for side in ("cause", "effect"):
        for col, src in (("adf_p", "p_value"), ("kpss_p", "kpss_p"), ("adf_p_from_2021", "adf_p_from_2021")):
            out[f"{side}_{col}"] = [getattr(verdict[(s, t)], src) if (s, t) in verdict else np.nan
                                    for s, t in zip(out[side], out["transform"])]
    return out.astype({"lag": "int64", "n": "int64", "significant_bh_family": "bool", "cause_adf_p": "float64",
                       "effect_adf_p": "float64"})


def _skip_reason(verdict: dict, x_name: str, y_name: str, how: str) -> str:
    reasons = []
    for name in (x_name, y_name):
        row = verdict.get((name, how))
        if row is None:
            reasons.append(f"{name} {how}: no stationarity result")
        elif not row.stationary:
            detail = (f"ADF p={row.p_value:.3f}, KPSS p={row.kpss_p:.3f}" if pd.notna(row.p_value) else "")
            detail = "; ".join(t for t in (detail, row.note) if t)
            reasons.append(f"{name} {how} not stationary by ADF and KPSS ({row.decision}; {detail})")
    return "; ".join(reasons)
