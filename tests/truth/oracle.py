"""Independent recomputation of every published chart's points from mart frames, in plain SQL/pandas (no analytics/)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

# Series names as the charts label them: the reader sees these, so the oracle states them itself.
INDEXED = {"laid_off": "Employees laid off", "layoff_events": "Layoff events",
           "notable_models": "Notable AI models released", "all_models": "All AI models released"}
POSTINGS = {"postings_software_development": ("Software development", "sector_excluded_reason"),
            "postings_mathematics": ("Mathematics", "sector_excluded_reason"),
            "postings_scientific_research": ("Scientific research & development", "sector_excluded_reason"),
            "postings_total": ("All postings", "total_excluded_reason")}
CATEGORIES = ("industry", "academia", "collaboration", "other", "unknown")
TOL = 1e-9


def spec_of_html(path: Path) -> dict:
    """The Vega-Lite spec a published chart page embeds."""
    text = path.read_text(encoding="utf-8")
    return json.loads(re.search(r'<script type="application/json" id="vega-spec">(.*?)</script>', text, re.S).group(1))


def dataset(spec: dict, *columns: str, without: tuple[str, ...] = ()) -> pd.DataFrame:
    """The inline dataset of `spec` whose rows carry all `columns` and none of `without` (the largest such)."""
    hits = [rows for rows in spec.get("datasets", {}).values()
            if rows and set(columns) <= set(rows[0]) and not set(without) & set(rows[0])]
    assert hits, f"no dataset with columns {columns}"
    return pd.DataFrame(max(hits, key=len))


def _sql(sql: str, **frames: pd.DataFrame) -> pd.DataFrame:
    con = duckdb.connect()
    for name, frame in frames.items():
        con.register(name, frame)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


def _months(values) -> pd.Series:
    return pd.to_datetime(pd.Series(values)).dt.tz_localize(None).dt.to_period("M").dt.to_timestamp()


def compare(plotted: pd.DataFrame, truth: pd.DataFrame, keys: list[str], value: str, what: str,
            tol: float = TOL) -> None:
    """Same keys on both sides, and each plotted value within `tol` of the recomputed one."""
    got = plotted.set_index(keys)[value].astype(float)
    want = truth.set_index(keys)[value].astype(float)
    extra, missing = got.index.difference(want.index), want.index.difference(got.index)
    assert extra.empty and missing.empty, f"{what}: plotted but not in the data {list(extra)[:5]}; " \
                                          f"in the data but not plotted {list(missing)[:5]}"
    diff = (got - want.reindex(got.index)).abs()
    assert diff.max() <= tol, f"{what}: {int((diff > tol).sum())} points off, worst {diff.idxmax()}: " \
                              f"plotted {got[diff.idxmax()]}, recomputed {want[diff.idxmax()]}"


def indexed_truth(monthly: pd.DataFrame, k: int = 3) -> pd.DataFrame:
    """(series, month, index): each column / its mean over the months it has a value × 100, then the mean of the
    month and the k-1 calendar months before it, only where all k have a value (SQL window ordered by month)."""
    out = []
    for column, name in INDEXED.items():
        if column not in monthly.columns:
            continue
        part = _sql(f"""
            WITH s AS (SELECT CAST(month AS DATE) AS month, CAST({column} AS DOUBLE) AS v FROM m),
                 b AS (SELECT avg(v) AS mean FROM s)
            SELECT month, avg(v / b.mean * 100) OVER w AS "index", count(v) OVER w AS k FROM s, b
            WINDOW w AS (ORDER BY month RANGE BETWEEN INTERVAL {k - 1} MONTH PRECEDING AND CURRENT ROW)""",
                    m=monthly[["month", column]])
        out.append(part[part["k"] == k].assign(series=name))
    truth = pd.concat(out, ignore_index=True)
    return truth.assign(month=_months(truth["month"]))


def check_layoffs_vs_releases(spec: dict, monthly: pd.DataFrame) -> None:
    plotted = dataset(spec, "month", "series", "index")
    plotted = plotted.assign(month=_months(plotted["month"]))
    check_inside_windows(plotted, monthly, {v: k for k, v in INDEXED.items()})
    compare(plotted, indexed_truth(monthly), ["series", "month"], "index", "layoffs_vs_releases")


def check_inside_windows(plotted: pd.DataFrame, monthly: pd.DataFrame, columns: dict[str, str]) -> None:
    """No point outside its series' own window: every plotted month has a value in the mart for that series."""
    m = monthly.assign(month=_months(monthly["month"]))
    for name, part in plotted.groupby("series"):
        have = set(m.loc[pd.to_numeric(m[columns[name]], errors="coerce").notna(), "month"])
        outside = sorted(set(part["month"]) - have)
        assert not outside, f"{name}: drawn in months the mart has no value for: {outside[:5]}"


def releases_truth(models: pd.DataFrame, releases_monthly: pd.DataFrame, since: pd.Timestamp) -> pd.DataFrame:
    """(month, category, models, status) of notable models per publication month from `since` on."""
    truth = _sql(f"""
        SELECT date_trunc('month', CAST(publication_date AS DATE)) AS month,
               CASE WHEN organization_category IS NULL THEN 'unknown'
                    WHEN organization_category IN {CATEGORIES} THEN organization_category ELSE 'other' END AS category,
               count(*) AS models
        FROM f WHERE dataset = 'notable' AND publication_date IS NOT NULL
          AND date_trunc('month', CAST(publication_date AS DATE)) >= DATE '{since:%Y-%m-%d}'
        GROUP BY ALL""", f=models)
    truth["month"] = _months(truth["month"])
    rm = releases_monthly[releases_monthly["dataset"] == "notable"]
    reasons = dict(zip(_months(rm["month"]), rm["excluded_reason"]))
    truth["status"] = [reasons.get(m) if pd.notna(reasons.get(m)) else "complete" for m in truth["month"]]
    return truth


def check_model_releases(spec: dict, models: pd.DataFrame, releases_monthly: pd.DataFrame,
                         monthly: pd.DataFrame) -> None:
    plotted = dataset(spec, "month", "category", "models", "status")
    plotted = plotted.assign(month=_months(plotted["month"]))
    since = _months(monthly["month"]).min() - pd.DateOffset(years=2)
    truth = releases_truth(models, releases_monthly, since)
    compare(plotted, truth, ["month", "category"], "models", "model_releases_by_month")
    status = plotted.set_index(["month", "category"])["status"]
    assert (status == truth.set_index(["month", "category"])["status"].reindex(status.index)).all(), \
        "model_releases_by_month: a month's coverage status differs from model_releases_monthly"
    legend = next(layer["encoding"]["color"]["scale"]["domain"] for layer in spec["layer"]
                  if "color" in layer.get("encoding", {}))
    assert sorted(legend) == sorted(set(truth["category"])), f"legend {legend} lists a category with no bars"


def wilson(k: float, n: float, z: float = 1.959963984540054) -> tuple[float, float]:
    p = k / n
    centre, half = (p + z * z / (2 * n)) / (1 + z * z / n), z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return centre - half, centre + half


def ai_cited_truth(cited: pd.DataFrame) -> pd.DataFrame:
    """Per year x definition, global scope: AI-cited events / events with headline text (Wilson 95% CI), the
    people share (AI-cited laid off / laid off with text), months covered. broad = ai_cited_*, strict =
    ai_reason_stated_*."""
    g = cited[cited["scope"] == "global"].assign(month=lambda d: _months(d["month"]))
    rows = []
    for definition, (ev, ppl) in {"broad": ("ai_cited_events", "ai_cited_laid_off"),
                                  "strict": ("ai_reason_stated_events", "ai_reason_stated_laid_off")}.items():
        y = g.groupby(g["month"].dt.year).agg(k=(ev, "sum"), n=("events_with_text", "sum"), people=(ppl, "sum"),
                                              people_n=("laid_off_with_text", "sum"), months=("month", "nunique"))
        y = y[y["n"] > 0].rename_axis("year").reset_index().assign(definition=definition)
        y["share_events"] = y["k"] / y["n"]
        y[["ci_low", "ci_high"]] = [wilson(k, n) for k, n in zip(y["k"], y["n"])]
        y["share_people"] = y["people"] / y["people_n"].where(y["people_n"] > 0)
        rows.append(y)
    return pd.concat(rows, ignore_index=True)


def check_ai_cited(spec: dict, cited: pd.DataFrame) -> None:
    truth = ai_cited_truth(cited).rename(columns={"ci_low": "share_events_ci_low", "ci_high": "share_events_ci_high"})
    bars = dataset(spec, "year", "definition", "share_events", "share_events_ci_low", "share_events_ci_high")
    for value in ("share_events", "share_events_ci_low", "share_events_ci_high", "share_people"):
        compare(bars, truth, ["year", "definition"], value, f"ai_cited_share yearly {value}")
    partial = dict(zip(truth["year"], truth["months"] < 12))
    starred = dict(zip(bars["year"], bars["year_label"].str.endswith("*")))
    assert starred == {y: partial[y] for y in starred}, "a partial year is not marked as partial (or a full one is)"
    domain = spec["layer"][0]["encoding"]["y"]["scale"]["domain"]
    top = max(truth["share_events_ci_high"].max(), truth["share_people"].max())
    assert domain[1] >= top - TOL, "the y axis clips the data"


def postings_truth(postings: pd.DataFrame) -> pd.DataFrame:
    out = []
    for column, (name, reason) in POSTINGS.items():
        part = _sql(f"SELECT month, CAST({column} AS DOUBLE) AS \"index\" FROM p WHERE {reason} IS NULL "
                    f"AND {column} IS NOT NULL", p=postings)
        out.append(part.assign(series=name))
    truth = pd.concat(out, ignore_index=True)
    return truth.assign(month=_months(truth["month"]))


def check_postings(spec: dict, postings: pd.DataFrame) -> None:
    plotted = dataset(spec, "month", "series", "index")
    compare(plotted.assign(month=_months(plotted["month"])), postings_truth(postings), ["series", "month"],
            "index", "postings_by_sector")


def rolling_truth(events: pd.DataFrame) -> pd.DataFrame:
    """Per event date: mean known count over the 122 days ending that day (SQL RANGE window)."""
    truth = _sql("""
        SELECT DISTINCT CAST(event_date AS DATE) AS event_date,
               avg(laid_off) OVER (ORDER BY CAST(event_date AS DATE)
                                   RANGE BETWEEN INTERVAL 121 DAY PRECEDING AND CURRENT ROW) AS laid_off
        FROM e WHERE laid_off > 0 AND event_date IS NOT NULL""", e=events[["event_date", "laid_off"]])
    return truth.assign(event_date=pd.to_datetime(truth["event_date"]))


def check_layoffs_by_date(spec: dict, events: pd.DataFrame) -> None:
    rows = pd.concat([pd.DataFrame(r) for r in spec["datasets"].values() if r and "kind" in r[0]
                      and "event_date" in r[0] and "text" not in r[0]], ignore_index=True)   # text: the labels
    rows["event_date"] = pd.to_datetime(rows["event_date"]).dt.tz_localize(None)
    line = rows[rows["kind"].str.startswith("Trailing")]
    compare(line, rolling_truth(events), ["event_date"], "laid_off", "layoffs_by_date trailing mean", 1e-6)
    dots = rows[~rows["kind"].str.startswith("Trailing")]
    known = events[pd.to_numeric(events["laid_off"], errors="coerce") > 0]
    assert len(dots) == len(known), f"layoffs_by_date: {len(dots)} dots for {len(known)} events with a count"
    assert np.isclose(dots["laid_off"].astype(float).sum(), known["laid_off"].astype(float).sum())
