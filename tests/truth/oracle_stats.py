"""Independent recomputation of the statistics charts and numbers (lag scan, sensitivity, event study, primary test)."""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from statsmodels.tsa.stattools import acf

from tests.truth.oracle import _months, dataset

REPO = Path(__file__).resolve().parents[2]
PRIMARY = ("laid_off", "notable_models")


def grid(monthly: pd.DataFrame) -> pd.DataFrame:
    """The monthly mart on a gap-free calendar grid, in month order (stored rows come in any order)."""
    m = monthly.assign(month=_months(monthly["month"])).set_index("month").sort_index()
    m = m.apply(lambda c: pd.to_numeric(c, errors="coerce").astype("float64") if c.dtype != object else c)
    return m.reindex(pd.date_range(m.index.min(), m.index.max(), freq="MS"))


def pair(x: pd.Series, y: pd.Series, lag: int, how: str = "diff") -> tuple[np.ndarray, np.ndarray]:
    """Month-over-month changes (`how` = diff, or log_diff: of the logs) x[t] and y[t+lag] on one grid, NaN where
    either month is missing."""
    f = (lambda s: s.astype(float).diff()) if how == "diff" else (lambda s: np.log(s.astype(float)).diff())
    dx, dy = f(x), f(y).shift(-lag)
    return dx.to_numpy(), dy.to_numpy()


def pearson(xs: np.ndarray, ys: np.ndarray) -> tuple[float, int]:
    ok = ~(np.isnan(xs) | np.isnan(ys))
    return float(np.corrcoef(xs[ok], ys[ok])[0, 1]), int(ok.sum())


def n_eff(xs: np.ndarray, ys: np.ndarray) -> float:
    """Pyper & Peterman (1998): 1/n_eff = 1/n + 2/n Σ_{j≤n/5} (n-j)/n ρxx(j) ρyy(j), bounded to [4, n]."""
    ok = ~(np.isnan(xs) | np.isnan(ys))
    n = int(ok.sum())
    lags = max(1, n // 5)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rx, ry = (np.nan_to_num(acf(np.where(ok, v, np.nan), nlags=lags, fft=False, missing="conservative")[1:])
                  for v in (xs, ys))
    j = np.arange(1, len(rx) + 1)
    inv = 1 / n + 2 / n * np.sum((n - j) / n * rx * ry)
    return float(n) if inv <= 0 else float(min(n, max(4.0, 1 / inv)))


def r_inference(r: float, ne: float) -> tuple[float, float, float]:
    """(p, CI low, CI high): t test on n_eff - 2 df, Fisher-z 95% interval on n_eff - 3."""
    t = r * np.sqrt((ne - 2) / (1 - r * r))
    half = stats.norm.ppf(0.975) / np.sqrt(ne - 3)
    return float(2 * stats.t.sf(abs(t), ne - 2)), float(np.tanh(np.arctanh(r) - half)), float(np.tanh(np.arctanh(r) + half))


def primary(monthly: pd.DataFrame) -> dict:
    g = grid(monthly)
    xs, ys = pair(g[PRIMARY[0]], g[PRIMARY[1]], 0)
    r, n = pearson(xs, ys)
    ne = n_eff(xs, ys)
    p, low, high = r_inference(r, ne)
    return {"r": r, "n": n, "n_eff": ne, "p": p, "ci_low": low, "ci_high": high}


def check_lagged(spec: dict, monthly: pd.DataFrame) -> None:
    plotted = dataset(spec, "x_series", "y_series", "lag", "pearson_r", "n")
    g = grid(monthly)
    for row in plotted.itertuples():
        r, n = pearson(*pair(g[row.x_series], g[row.y_series], int(row.lag)))
        assert n == row.n and abs(r - row.pearson_r) < 1e-9, \
            f"lagged_correlations {row.x_series}/{row.y_series} lag {row.lag}: plotted r {row.pearson_r} n {row.n}, " \
            f"recomputed r {r} n {n}"


def variant_series(g: pd.DataFrame, variant: str) -> tuple[pd.Series, pd.Series] | None:
    """The primary pair as each variant the chart names cuts it (None: a variant this oracle does not recompute)."""
    x, y = g[PRIMARY[0]], g[PRIMARY[1]]
    covid = (g.index >= "2020-03-01") & (g.index <= "2020-12-01")
    cuts = {"primary": (x, y), "winsorized at p95": (x.clip(upper=x.quantile(0.95)), y.clip(upper=y.quantile(0.95))),
            "log1p": (np.log1p(x), np.log1p(y)), "start 2022-01": (x[g.index >= "2022-01-01"], y[g.index >= "2022-01-01"]),
            "COVID months excluded": (x.mask(covid), y.mask(covid)),
            "US scope": (g["laid_off_us"], g["postings_software_development"])}
    key = next((k for k in cuts if variant.startswith(k)), None)
    if key is None:
        return None
    a, b = cuts[key]
    return a.reindex(g.index), b.reindex(g.index)


def check_sensitivity(spec: dict, monthly: pd.DataFrame) -> None:
    plotted = dataset(spec, "variant", "statistic", "r", "n")
    g = grid(monthly)
    checked = 0
    for row in plotted.itertuples():
        cut = variant_series(g, row.variant)
        lag = re.match(r"lag ([+-]?\d+)", row.statistic)
        if cut is None or lag is None:
            continue
        r, n = pearson(*pair(cut[0], cut[1], int(lag.group(1))))
        assert n == row.n and abs(r - row.r) < 1e-9, \
            f"sensitivity {row.variant} / {row.statistic}: plotted r {row.r} n {row.n}, recomputed r {r} n {n}"
        checked += 1
    assert checked >= 6, f"sensitivity: only {checked} points could be recomputed"
    lag0 = plotted[plotted["statistic"].str.startswith("lag 0")]
    base = lag0.iloc[0]
    twins = lag0.iloc[1:][(lag0.iloc[1:]["n"] == base["n"]) & ((lag0.iloc[1:]["r"] - base["r"]).abs() < 5e-4)]
    assert twins.empty, f"sensitivity: {list(twins['variant'])} repeat the primary row instead of being merged into it"


def epoch_names(path: Path = REPO / "analytics" / "org_aliases.csv") -> dict[str, str]:
    """Epoch organisation name (lower-case, letters and digits only) -> canonical organisation, from the alias CSV."""
    table = pd.read_csv(path, comment="#")
    table = table[table["side"] == "epoch"]
    return {re.sub(r"[^0-9a-z]+", " ", str(n).lower()).strip(): org for n, org in zip(table["name"], table["canonical_org"])}


def check_event_study(spec: dict, models: pd.DataFrame) -> None:
    """Each plotted layoff's before/after counts recounted from fct_model_releases; the excess = difference minus
    the random-date mean; the pooled line = the mean of the plotted points; no point on the axis limits."""
    points = dataset(spec, "org", "event_date", "dataset", "models_before", "models_after", "excess")
    names = epoch_names()
    md = models.assign(publication_date=pd.to_datetime(models["publication_date"])).dropna(subset=["publication_date"])
    orgs = md["organization"].fillna("").map(lambda s: {names.get(re.sub(r"[^0-9a-z]+", " ", p.lower()).strip())
                                                        for p in s.split(",")} - {None})
    for row in points.itertuples():
        when = pd.Timestamp(row.event_date).tz_localize(None)
        mine = md[(md["dataset"] == row.dataset) & orgs.map(lambda o: row.org in o)]["publication_date"]
        before = int(((mine >= when - pd.Timedelta(days=365)) & (mine < when)).sum())
        after = int(((mine >= when) & (mine < when + pd.Timedelta(days=365))).sum())
        assert (before, after) == (row.models_before, row.models_after), \
            f"event study {row.org} {when:%Y-%m-%d} {row.dataset}: plotted {row.models_before}/{row.models_after}, " \
            f"recounted {before}/{after}"
        assert abs(row.excess - (after - before - row.expected_difference)) < 1e-9
    pooled = dataset(spec, "mean_excess", "excess_ci_low", "excess_ci_high", "text")
    for row in pooled.itertuples():
        mine = points[points["dataset"] == row.dataset]["excess"]
        assert abs(mine.mean() - row.mean_excess) < 1e-9, f"event study {row.dataset}: pooled line is not the points' mean"
        assert row.excess_ci_low <= row.mean_excess <= row.excess_ci_high
    layer = next(layer for layer in spec["layer"] if mark(layer) == "point")
    low, high = layer["encoding"]["x"]["scale"]["domain"]
    assert low < points["excess"].min() and points["excess"].max() < high, "a point sits on an axis limit"


def mark(layer: dict) -> str:
    m = layer.get("mark", "")
    return m if isinstance(m, str) else m.get("type", "")
