"""ADF stationarity per series × transform and Granger causality (both directions) on stationary transforms."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
from statsmodels.tsa.stattools import adfuller, grangercausalitytests

from analytics.series import (
    TRANSFORMS, align, monthly_frame, resolve_pairs, series_names, transform,
)

ADF_ALPHA = 0.05
MIN_ADF_N = 10

STATIONARITY_COLUMNS = [
    "series", "transform", "n", "adf_stat", "p_value", "used_lag", "critical_5pct", "stationary", "note",
]
GRANGER_COLUMNS = [
    "x_series", "y_series", "transform", "direction", "cause", "effect", "lag", "n",
    "f_stat", "p_value", "df_num", "df_denom", "status", "reason",
]


def _adf_row(name: str, how: str, s: pd.Series | None) -> list:
    if s is None:
        return [name, how, 0, np.nan, np.nan, np.nan, np.nan, False, "transform undefined (values <= 0)"]
    values = s.dropna().to_numpy(dtype=float)
    n = len(values)
    if n < MIN_ADF_N:
        return [name, how, n, np.nan, np.nan, np.nan, np.nan, False, f"too few observations ({n} < {MIN_ADF_N})"]
    if np.ptp(values) == 0:
        return [name, how, n, np.nan, np.nan, np.nan, np.nan, False, "constant series"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        stat, pvalue, used_lag, _nobs, crit, _ic = adfuller(values, autolag="AIC")
    return [name, how, n, float(stat), float(pvalue), int(used_lag), float(crit["5%"]),
            bool(pvalue < ADF_ALPHA), ""]


def stationarity(
    monthly_df: pd.DataFrame,
    pairs: list[tuple[str, str]] | None = None,
    transforms: tuple[str, ...] = TRANSFORMS,
) -> pd.DataFrame:
    """ADF test (constant, AIC lag choice) for every series in `pairs` under every transform."""
    df = monthly_frame(monthly_df)
    pairs = resolve_pairs(df, pairs)
    rows = [_adf_row(name, how, transform(df[name], how)) for name in series_names(pairs) for how in transforms]
    out = pd.DataFrame(rows, columns=STATIONARITY_COLUMNS)
    return out.astype({"n": "int64", "stationary": "bool"})


def _granger_one(data: pd.DataFrame, cause: str, effect: str, lag: int) -> tuple[float, float, float, float, str]:
    """ssr F-test of `cause` Granger-causing `effect` at exactly `lag`; returns (F, p, df_num, df_denom, error)."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            res = grangercausalitytests(data[[effect, cause]].to_numpy(), maxlag=[lag])
    except (ValueError, np.linalg.LinAlgError) as exc:
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
    """Granger causality both directions at lags 1..max_lag where both series are ADF-stationary at 5%.

    One row per pair × transform × direction × lag; when a transform is not stationary for either
    series (or undefined) the rows say `status='skipped'` with the reason, so the table stays complete.
    """
    if max_lag < 1:
        raise ValueError(f"max_lag must be >= 1, got {max_lag}")
    df = monthly_frame(monthly_df)
    pairs = resolve_pairs(df, pairs)
    adf = stationarity(df.reset_index(), pairs, transforms) if adf is None else adf
    verdict = {(r.series, r.transform): (bool(r.stationary), r.note, r.p_value) for r in adf.itertuples()}
    rows = []
    for x_name, y_name in pairs:
        for how in transforms:
            tx, ty = transform(df[x_name], how), transform(df[y_name], how)
            reason = _skip_reason(verdict, x_name, y_name, how)
            data = None
            if not reason:
                data = align(tx, ty, 0).rename(columns={"x": x_name, "y": y_name})
            for direction, cause, effect in (("x_to_y", x_name, y_name), ("y_to_x", y_name, x_name)):
                for lag in range(1, max_lag + 1):
                    if reason:
                        rows.append([x_name, y_name, how, direction, cause, effect, lag, 0,
                                     np.nan, np.nan, np.nan, np.nan, "skipped", reason])
                        continue
                    f, p, dfn, dfd, err = _granger_one(data, cause, effect, lag)
                    rows.append([x_name, y_name, how, direction, cause, effect, lag, len(data), f, p, dfn, dfd,
                                 "error" if err else "tested", err])
    out = pd.DataFrame(rows, columns=GRANGER_COLUMNS)
    adf_p = {key: p for key, (_stationary, _note, p) in verdict.items()}  # ADF p-value beside each test
    out["cause_adf_p"] = [adf_p.get((c, t), np.nan) for c, t in zip(out["cause"], out["transform"])]
    out["effect_adf_p"] = [adf_p.get((e, t), np.nan) for e, t in zip(out["effect"], out["transform"])]
    return out.astype({"lag": "int64", "n": "int64", "cause_adf_p": "float64", "effect_adf_p": "float64"})


def _skip_reason(verdict: dict, x_name: str, y_name: str, how: str) -> str:
    reasons = []
    for name in (x_name, y_name):
        stationary, note, p = verdict.get((name, how), (False, "no ADF result", np.nan))
        if stationary:
            continue
        reasons.append(f"{name} {how}: {note}" if note else f"{name} {how} not stationary (ADF p={p:.3f})")
    return "; ".join(reasons)
