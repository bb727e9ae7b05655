"""`analytics.company_event_study`: models an organisation released in the 12 months before vs after its big layoffs."""

from __future__ import annotations

import numpy as np
import pandas as pd

from analytics.company import lookup, normalise_name, validate_aliases
from analytics.series import require_columns

WINDOW_DAYS = 365
MIN_LAID_OFF, MIN_PCT = 1000, 0.10
MIN_MODELS = 5
DATASETS = ("notable", "all")
COLUMNS = [
    "row_type", "dataset", "org", "event_date", "laid_off", "pct_impacted", "trigger", "models_before",
    "models_after", "difference", "expected_difference", "included", "exclusion_reason", "n_events", "n_orgs",
    "mean_difference", "ci_low", "ci_high", "null_mean_difference", "mean_excess", "excess_ci_low",
    "excess_ci_high", "perm_p", "n_perm", "seed", "null_window", "null_start", "null_end", "alias_version",
]
# Random dates are time-matched: each organisation's events move together by one random offset (its clustering
# kept) of at most PRIMARY_MONTHS months, staying inside the layoff record and the list's coverage. The other
# windows are one row each, to show how the result moves; the whole record is the earlier, untimed design.
PRIMARY_MONTHS = 6
WINDOWS = (3, 6, 12, None)   # months either side; None = anywhere in the layoff record
WHOLE = "whole layoff record (untimed)"
DAY_NS = 86_400 * 10**9


def coverage_end(model_releases_monthly: pd.DataFrame | None, models: pd.DataFrame, dataset: str) -> pd.Timestamp:
    """Last day of the list's last month inside its analysis window (else its latest publication date)."""
    mm = model_releases_monthly
    if mm is not None and not mm.empty and {"month", "dataset", "excluded_reason"} <= set(mm.columns):
        ok = mm[(mm["dataset"] == dataset) & mm["excluded_reason"].isna()]
        if not ok.empty:
            return pd.Timestamp(ok["month"].max()) + pd.offsets.MonthEnd(0)
    dates = pd.to_datetime(models.loc[models["dataset"] == dataset, "publication_date"]).dropna()
    return dates.max() if len(dates) else pd.NaT


def _org_models(models: pd.DataFrame, aliases: pd.DataFrame) -> pd.DataFrame:
    """One row per model × canonical org it names (comma-joined Epoch organisations), dated."""
    epoch = lookup(aliases, "epoch")
    md = models.assign(publication_date=pd.to_datetime(models["publication_date"])).dropna(subset=["publication_date"])
    orgs = md["organization"].fillna("").astype(str).str.split(",").map(
        lambda parts: sorted({epoch[k] for k in map(normalise_name, parts) if k in epoch}))
    return md.assign(org=orgs).explode("org").dropna(subset=["org"])


def _counts(dates: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Models in [at - 365 d, at) and [at, at + 365 d) for sorted publication dates (ns integers)."""
    w = np.timedelta64(WINDOW_DAYS, "D").astype("timedelta64[ns]").astype(np.int64)
    before = np.searchsorted(dates, at, "left") - np.searchsorted(dates, at - w, "left")
    after = np.searchsorted(dates, at + w, "left") - np.searchsorted(dates, at, "left")
    return before, after


def expected_difference(dates: np.ndarray, lo: pd.Timestamp, hi: pd.Timestamp) -> float:
    """Mean after − before over every day from `lo` to `hi`: what a random date would give this organisation."""
    grid = np.arange(lo.value, hi.value + 1, DAY_NS, dtype=np.int64)
    if not len(grid):
        return float("nan")
    before, after = _counts(dates, grid)
    return float(np.mean(after - before))


def _cluster_ci(values: pd.Series, orgs: pd.Series, rng: np.random.Generator, n: int) -> tuple[float, float]:
    """95% percentile CI of the mean, resampling organisations (their events move together)."""
    by_org = values.groupby(orgs.to_numpy()).agg(["sum", "size"])
    picks = rng.integers(0, len(by_org), size=(n, len(by_org)))
    means = by_org["sum"].to_numpy()[picks].sum(axis=1) / by_org["size"].to_numpy()[picks].sum(axis=1)
    low, high = np.quantile(means, [0.025, 0.975])
    return float(low), float(high)


def window_name(months: int | None) -> str:
    return WHOLE if months is None else f"±{months} months"


def offsets(event_ns: np.ndarray, start: pd.Timestamp, last: pd.Timestamp, months: int | None) -> np.ndarray:
    """Every whole-day offset (ns) that keeps all of one organisation's events inside [start, last] and, for a
    time-matched window, within ±`months` months (30.44 days each) of their own dates."""
    lo, hi = start.value - event_ns.min(), last.value - event_ns.max()
    if months is not None:
        half = int(round(months * 30.44)) * DAY_NS
        lo, hi = max(lo, -half), min(hi, half)
    first, end = -((-lo) // DAY_NS), hi // DAY_NS   # whole days inside [lo, hi]
    return np.arange(first, end + 1, dtype=np.int64) * DAY_NS


def expected_by_org(ev: pd.DataFrame, dates: dict[str, np.ndarray], start: pd.Timestamp, last: pd.Timestamp,
                    months: int | None) -> pd.Series:
    """Per event: its after − before averaged over every allowed offset of its organisation (the random-date mean)."""
    out = pd.Series(np.nan, index=ev.index)
    for org, part in ev.groupby("org"):
        own = part["event_date"].to_numpy("datetime64[ns]").astype(np.int64)
        shift = offsets(own, start, last, months)
        if len(shift):
            b, a = _counts(dates[org], (own[None, :] + shift[:, None]).ravel())
            out[part.index] = (a - b).reshape(len(shift), len(own)).mean(axis=0)
    return out


def _pooled(ev: pd.DataFrame, dates: dict[str, np.ndarray], start: pd.Timestamp, last: pd.Timestamp,
            months: int | None, n_perm: int, seed: int) -> dict:
    """Mean difference and mean excess over random dates, org-cluster bootstrap CIs, and a block permutation test
    (each organisation's events shifted together by one allowed offset; two-sided)."""
    ev = ev.assign(expected_difference=expected_by_org(ev, dates, start, last, months))
    obs = float(ev["difference"].mean())
    rng = np.random.default_rng(seed)
    low, high = _cluster_ci(ev["difference"], ev["org"], rng, n_perm)
    excess = ev["difference"] - ev["expected_difference"]
    ex_low, ex_high = _cluster_ci(excess, ev["org"], rng, n_perm)
    perm = np.zeros(n_perm)
    for org, part in ev.groupby("org"):
        own = part["event_date"].to_numpy("datetime64[ns]").astype(np.int64)
        shift = offsets(own, start, last, months)
        at = own[None, :] + shift[rng.integers(0, len(shift), size=n_perm)][:, None]
        b, a = _counts(dates[org], at.ravel())
        perm += (a - b).reshape(n_perm, len(own)).sum(axis=1)
    perm /= len(ev)
    upper = (1 + np.sum(perm >= obs)) / (n_perm + 1)
    lower = (1 + np.sum(perm <= obs)) / (n_perm + 1)
    event_days = ev["event_date"]
    span = (start, last) if months is None else (max(start, event_days.min() - pd.DateOffset(months=months)),
                                                 min(last, event_days.max() + pd.DateOffset(months=months)))
    return {"n_events": len(ev), "n_orgs": ev["org"].nunique(), "mean_difference": obs, "ci_low": low,
            "ci_high": high, "null_mean_difference": float(ev["expected_difference"].mean()),
            "mean_excess": float(excess.mean()), "excess_ci_low": ex_low, "excess_ci_high": ex_high,
            "perm_p": float(min(1.0, 2 * min(upper, lower))), "n_perm": n_perm, "seed": seed,
            "null_window": window_name(months), "null_start": span[0], "null_end": span[1]}


def company_event_study(events: pd.DataFrame, models: pd.DataFrame, aliases: pd.DataFrame,
                        model_releases_monthly: pd.DataFrame | None = None, n_perm: int = 2000,
                        seed: int = 20221123) -> pd.DataFrame:
    """Event rows (one per big layoff × Epoch list) and one pooled row per list; see TABLE_DESCRIPTIONS."""
    require_columns(events, ["event_date", "company", "laid_off"], "fct_layoff_events")
    require_columns(models, ["dataset", "model", "organization", "publication_date"], "fct_model_releases")
    aliases = aliases if "key" in aliases.columns else validate_aliases(aliases)
    version = str(aliases["version"].iloc[0]) if len(aliases) else ""
    ev = events.assign(org=events["company"].map(normalise_name).map(lookup(aliases, "layoffs")),
                       event_date=pd.to_datetime(events["event_date"]),
                       laid_off=pd.to_numeric(events["laid_off"], errors="coerce").astype("float64"),
                       pct_impacted=pd.to_numeric(events.get("pct_impacted", pd.Series(np.nan, index=events.index)),
                                                  errors="coerce").astype("float64")).dropna(subset=["org", "event_date"])
    om = _org_models(models, aliases)
    n_models = om.groupby("org")["model"].nunique()
    eligible = set(ev["org"]) & set(n_models[n_models >= MIN_MODELS].index)
    big = ev[ev["org"].isin(eligible) & ((ev["laid_off"] >= MIN_LAID_OFF) | (ev["pct_impacted"] >= MIN_PCT))].copy()
    big["trigger"] = np.where(big["laid_off"] >= MIN_LAID_OFF, f">= {MIN_LAID_OFF:,} people",
                              f">= {MIN_PCT:.0%} of staff")
    if big.empty:
        return pd.DataFrame(columns=COLUMNS)
    start = ev["event_date"].min()
    rows = []
    for dataset in DATASETS:
        part = om[om["dataset"] == dataset]
        end = coverage_end(model_releases_monthly, models, dataset)
        if part.empty or pd.isna(end):
            continue
        dates = {org: np.sort(part.loc[part["org"] == org, "publication_date"].to_numpy("datetime64[ns]").astype(np.int64))
                 for org in eligible}
        d = big.assign(dataset=dataset, row_type="event")
        counts = [_counts(dates[o], np.array([t.value])) for o, t in zip(d["org"], d["event_date"])]
        d["models_before"] = [int(b[0]) for b, _ in counts]
        d["models_after"] = [int(a[0]) for _, a in counts]
        d["difference"] = d["models_after"] - d["models_before"]
        last_random = end - pd.Timedelta(days=WINDOW_DAYS)
        d["included"] = d["event_date"] + pd.Timedelta(days=WINDOW_DAYS) <= end + pd.Timedelta(days=1)
        d["exclusion_reason"] = np.where(d["included"], "", f"the 12 months after end past the list's window ({end:%Y-%m-%d})")
        kept = d[d["included"]]
        # per included event (excluded ones have no after-window, so no random-date mean either)
        d["expected_difference"] = expected_by_org(kept, dates, start, last_random, PRIMARY_MONTHS).reindex(d.index)
        rows.append(d)
        for months in WINDOWS if not kept.empty else ():
            pooled = _pooled(kept, dates, start, last_random, months, n_perm, seed)
            rows.append(pd.DataFrame([{"row_type": "pooled" if months == PRIMARY_MONTHS else "window",
                                       "dataset": dataset, **pooled}]))
    out = pd.concat(rows, ignore_index=True).reindex(columns=COLUMNS)
    out["alias_version"] = version
    return out.sort_values(["dataset", "row_type", "org", "event_date"], ignore_index=True)
