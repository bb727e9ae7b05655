"""`analytics.sensitivity`: the primary statistic, the scan's top lag and top Granger test recomputed under variants."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.autocorr import ac_correlation
from analytics.causality import granger_one, longest_run
from analytics.design import PRIMARY_TRANSFORM, PRIMARY_X, PRIMARY_Y, in_covid
from analytics.series import monthly_frame, transform
from analytics.windows import tracker_series

SENSITIVITY_COLUMNS = [
    "variant", "description", "x_series", "y_series", "first_month", "last_month",
    "n", "r", "n_eff", "p_ac", "ci_low", "ci_high",
    "top_lag", "n_top", "r_top", "p_ac_top", "ci_low_top", "ci_high_top",
    "granger_direction", "granger_lag", "granger_n", "granger_p",
    "p_bh_family_top", "granger_p_bh_family", "same_as_primary",
]
SAME_R = 5e-4   # a variant whose months and r (to 3 decimals) equal the primary's adds nothing: it is merged


def _winsorize(s: pd.Series, q: float = 0.95) -> pd.Series:
    return s.clip(upper=s.quantile(q)) if s.notna().any() else s


def variants(monthly: pd.DataFrame, layoffs_monthly: pd.DataFrame | None) -> list[tuple[str, str, str, str, pd.Series, pd.Series]]:
    """(variant, description, x name, y name, x levels, y levels) on the monthly grid; the first is the primary."""
    x, y, idx = monthly[PRIMARY_X], monthly[PRIMARY_Y], monthly.index
    out = [
        ("primary (deduplicated)", "the pre-declared primary test: deduplicated laid off vs notable models",
         PRIMARY_X, PRIMARY_Y, x, y),
        ("winsorized at p95", "both monthly counts capped at their 95th percentile before differencing",
         PRIMARY_X, PRIMARY_Y, _winsorize(x), _winsorize(y)),
        ("log1p", "log(1 + count) of both series before differencing", PRIMARY_X, PRIMARY_Y, np.log1p(x), np.log1p(y)),
        ("start 2022-01", "months from January 2022 only (drops the COVID 2020 and sparse 2021 regimes)",
         PRIMARY_X, PRIMARY_Y, x.where(idx >= "2022-01-01"), y.where(idx >= "2022-01-01")),
        ("end 2024-12", "months up to December 2024 only", PRIMARY_X, PRIMARY_Y,
         x.where(idx <= "2024-12-01"), y.where(idx <= "2024-12-01")),
        ("COVID months excluded", "March-December 2020 left out (no difference spans them)", PRIMARY_X, PRIMARY_Y,
         x.mask(in_covid(idx).to_numpy()), y.mask(in_covid(idx).to_numpy())),
    ]
    if {"laid_off_us", "postings_software_development"} <= set(monthly.columns):
        out.append(("US scope", "a different question, not a robustness check: US laid off (deduplicated) vs US "
                    "software-development job postings (Indeed), which replace the AI-model series",
                    "laid_off_us", "postings_software_development", monthly["laid_off_us"],
                    monthly["postings_software_development"]))
    for tracker in ("crunchbase_tracker", "layoffs_fyi"):
        s = tracker_series(layoffs_monthly, tracker)
        if s is not None:
            out.append((f"{tracker} alone", f"laid off as {tracker} alone reports it (its complete months), "
                        "no cross-source deduplication", f"laid_off[{tracker}]", PRIMARY_Y, s.reindex(idx), y))
    return out


def top_lag(lagged: pd.DataFrame | None) -> int | None:
    """The non-zero lag with the smallest autocorrelation-aware p in the primary pair's scan (chosen after looking)."""
    if lagged is None or lagged.empty or "p_ac" not in lagged.columns:
        return None
    g = lagged[(lagged["x_series"] == PRIMARY_X) & (lagged["y_series"] == PRIMARY_Y)
               & (lagged["transform"] == PRIMARY_TRANSFORM) & (lagged["lag"] != 0) & lagged["p_ac"].notna()]
    return None if g.empty else int(g.loc[g["p_ac"].idxmin(), "lag"])


def top_granger(granger: pd.DataFrame | None) -> tuple[str, int] | None:
    """(direction, lag) of the primary pair's smallest-p Granger test (chosen after looking)."""
    if granger is None or granger.empty:
        return None
    g = granger[(granger["x_series"] == PRIMARY_X) & (granger["y_series"] == PRIMARY_Y)
                & (granger["transform"] == PRIMARY_TRANSFORM) & (granger["status"] == "tested")]
    g = g[g["p_value"].notna()]
    if g.empty:
        return None
    best = g.loc[g["p_value"].idxmin()]
    return str(best["direction"]), int(best["lag"])


def _family_p(table: pd.DataFrame | None, **match) -> float:
    """The family-BH p (`p_bh_family`) of the one row of `table` matching `match` (NaN when absent)."""
    if table is None or table.empty or "p_bh_family" not in table.columns:
        return np.nan
    rows = table[np.logical_and.reduce([table[k] == v for k, v in match.items()])]
    return float(rows["p_bh_family"].iloc[0]) if len(rows) else np.nan


def _granger(dx: pd.Series, dy: pd.Series, spec: tuple[str, int] | None) -> tuple[float, int]:
    if spec is None:
        return np.nan, 0
    direction, lag = spec
    data = longest_run(pd.DataFrame({"x": dx, "y": dy}))
    if len(data) < 3 * lag + 5:
        return np.nan, len(data)
    cause, effect = ("x", "y") if direction == "x_to_y" else ("y", "x")
    return granger_one(data, cause, effect, lag)[1], len(data)


def sensitivity(frames: dict[str, pd.DataFrame], lagged: pd.DataFrame | None = None,
                granger: pd.DataFrame | None = None) -> pd.DataFrame:
    """One row per variant: r at lag 0 (the primary statistic) and at the main scan's top lag, each with n,
    n_eff, autocorrelation-aware p and 95% CI, plus the main table's top Granger test, all on first differences."""
    monthly = monthly_frame(frames["layoffs_vs_ai_monthly"])
    if PRIMARY_X not in monthly.columns or PRIMARY_Y not in monthly.columns:
        return pd.DataFrame(columns=SENSITIVITY_COLUMNS)
    lag, spec = top_lag(lagged), top_granger(granger)
    rows = []
    for name, text, xn, yn, xs, ys in variants(monthly, frames.get("layoffs_monthly")):
        dx, dy = transform(xs, PRIMARY_TRANSFORM), transform(ys, PRIMARY_TRANSFORM)
        both = dx.notna() & dy.notna()
        first, last = (dx.index[both][0], dx.index[both][-1]) if both.any() else (pd.NaT, pd.NaT)
        a = ac_correlation(dx, dy, 0)
        t = ac_correlation(dx, dy, lag) if lag is not None else dict.fromkeys(a, np.nan) | {"n": 0}
        gp, gn = _granger(dx, dy, spec)
        rows.append([name, text, xn, yn, first, last, a["n"], a["r"], a["n_eff"], a["p"], a["ci_low"], a["ci_high"],
                     lag, t["n"], t["r"], t["p"], t["ci_low"], t["ci_high"],
                     spec[0] if spec else None, spec[1] if spec else None, gn, gp])
    out = pd.DataFrame(rows, columns=SENSITIVITY_COLUMNS[:-3])
    pair = dict(x_series=PRIMARY_X, y_series=PRIMARY_Y, transform=PRIMARY_TRANSFORM)
    # the scan's family adjustment exists for the primary pair only: the other rows have none (NaN)
    out["p_bh_family_top"] = [_family_p(lagged, **pair, lag=lag) if lag is not None and i == 0 else np.nan
                              for i in range(len(out))]
    out["granger_p_bh_family"] = [_family_p(granger, **pair, direction=spec[0], lag=spec[1])
                                  if spec is not None and i == 0 else np.nan for i in range(len(out))]
    base = out.iloc[0]
    out["same_as_primary"] = ((out.index > 0) & (out["first_month"] == base["first_month"])
                              & (out["last_month"] == base["last_month"]) & (out["n"] == base["n"])
                              & ((out["r"] - base["r"]).abs() < SAME_R))
    return out.astype({"n": "int64", "n_top": "int64", "granger_n": "int64", "same_as_primary": "bool"})
