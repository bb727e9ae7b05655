"""Independent recomputation of analytics.tracker_warn_coverage, chart warn_vs_trackers and the report's WARN sentences."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import yaml

from tests.truth.oracle import _months, _sql, compare, dataset, wilson

REPO = Path(__file__).resolve().parents[2]
# What the chart and the report call things: the reader sees these, so the oracle states them itself.
WARN_LINES = {"layoffs_fyi": "WARN workers: companies layoffs.fyi places in the state",
              "crunchbase_tracker": "WARN workers: companies the Crunchbase tracker places in the state"}
TRACKER_LINES = {"layoffs_fyi": "layoffs.fyi: laid off", "crunchbase_tracker": "Crunchbase tracker: laid off"}
STATES = {"WA": "Washington", "OR": "Oregon", "NY": "New York"}
TRACKERS = {"layoffs_fyi": "layoffs.fyi", "crunchbase_tracker": "the Crunchbase tracker"}
COUNTS = ["tracker_events_in_state", "matched_to_warn", "warn_notices_tracked_companies", "matched_to_tracker",
          "filings_tracked_companies", "warn_notices_tracked_elsewhere", "n_day_gap", "n_count_ratio", "months_covered"]
VALUES = ["coverage", "coverage_ci_low", "coverage_ci_high", "recall_of_tracker", "recall_ci_low", "recall_ci_high",
          "median_day_gap", "day_gap_q1", "day_gap_q3", "median_count_ratio", "count_ratio_q1", "count_ratio_q3"]


def dbt_window() -> tuple[int, int]:
    """(days before, days after) of the match rule, as dbt_project.yml declares them."""
    dbt_vars = yaml.safe_load((REPO / "dbt_project" / "dbt_project.yml").read_text(encoding="utf-8"))["vars"]
    return int(dbt_vars["warn_match_days_before"]), int(dbt_vars["warn_match_days_after"])


_CAST = """e AS (SELECT * REPLACE (CAST(event_date AS DATE) AS event_date) FROM e0),
    n AS (SELECT * REPLACE (CAST(notice_date AS DATE) AS notice_date) FROM n0),
    m AS (SELECT * REPLACE (CAST(notice_date AS DATE) AS notice_date) FROM m0),
    wm AS (SELECT * REPLACE (CAST(month AS DATE) AS month) FROM wm0)"""


def _rows_sql(before: int, after: int) -> str:
    """Eligible tracker rows (evm) and eligible notices per tracker (ntc), as CTEs over e, n, m, wm."""
    return f"""{_CAST},
    st AS (SELECT state, min(notice_date) AS first_n, max(notice_date) AS last_n FROM n GROUP BY state),
    tr AS (SELECT tracker, min(event_date) AS first_e, max(event_date) AS last_e FROM e GROUP BY tracker),
    per_row AS (SELECT tracker, tracker_event_ref, min(notice_date) AS first_notice,
                       CASE WHEN count(warn_workers) = count(*) THEN sum(warn_workers) END AS workers
                FROM m GROUP BY ALL),
    evm AS (SELECT e.state, e.tracker, year(e.event_date) AS year, p.tracker_event_ref IS NOT NULL AS matched,
                   datediff('day', e.event_date, p.first_notice) AS gap,
                   CASE WHEN e.laid_off > 0 THEN p.workers / e.laid_off END AS ratio
            FROM e JOIN st USING (state) LEFT JOIN per_row p USING (tracker, tracker_event_ref)
            WHERE e.event_date BETWEEN st.first_n + {before} AND st.last_n - {after}),
    ntc AS (SELECT n.state, tr.tracker, year(n.notice_date) AS year, n.company_key, n.notice_date,
                   EXISTS (SELECT 1 FROM e WHERE e.tracker = tr.tracker AND e.state = n.state
                           AND e.company_key = n.company_key) AS in_state,
                   n.warn_notice_id IN (SELECT warn_notice_id FROM m WHERE m.tracker = tr.tracker) AS matched
            FROM n JOIN tr ON CASE tr.tracker WHEN 'layoffs_fyi' THEN n.tracked_by_layoffs_fyi
                                              WHEN 'crunchbase_tracker' THEN n.tracked_by_crunchbase_tracker END
            WHERE n.notice_date BETWEEN tr.first_e + {after} AND tr.last_e - {before}),
    grid0 AS (SELECT st.*, tr.*,
                    unnest(range(greatest(year(first_n), year(first_e)), least(year(last_n), year(last_e)) + 1)) AS year
             FROM st, tr),
    grid AS (SELECT state, tracker, year,
                    greatest(first_n + {before}, first_e, make_date(year, 1, 1)) AS td_from,
                    least(last_n - {after}, last_e, make_date(year, 12, 31)) AS td_to,
                    greatest(first_e + {after}, make_date(year, 1, 1)) AS nd_from,
                    least(last_e - {before}, make_date(year, 12, 31)) AS nd_to FROM grid0),
    months AS (SELECT state, year(month) AS year, count(*) AS months_covered FROM wm GROUP BY ALL)"""


def _stats_sql(keys: str) -> str:
    return f"""
    ev AS (SELECT {keys}, count(*) AS tracker_events_in_state, count(*) FILTER (WHERE matched) AS matched_to_warn,
                  quantile_cont(gap, 0.5) AS median_day_gap, quantile_cont(gap, 0.25) AS day_gap_q1,
                  quantile_cont(gap, 0.75) AS day_gap_q3, count(gap) AS n_day_gap,
                  quantile_cont(ratio, 0.5) AS median_count_ratio, quantile_cont(ratio, 0.25) AS count_ratio_q1,
                  quantile_cont(ratio, 0.75) AS count_ratio_q3, count(ratio) AS n_count_ratio
           FROM evm GROUP BY ALL),
    nt AS (SELECT {keys}, count(*) FILTER (WHERE in_state) AS warn_notices_tracked_companies,
                  count(*) FILTER (WHERE in_state AND matched) AS matched_to_tracker,
                  count(DISTINCT (company_key, notice_date)) FILTER (WHERE in_state) AS filings_tracked_companies,
                  count(*) FILTER (WHERE NOT in_state) AS warn_notices_tracked_elsewhere
           FROM ntc GROUP BY ALL)"""


def coverage_truth(frames: dict[str, pd.DataFrame], before: int, after: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per state x year x tracker, per state x tracker) recomputed in SQL from the four marts."""
    tables = dict(e0=frames["tracker_state_events"], n0=frames["fct_warn_notices"], m0=frames["warn_tracker_matches"],
                  wm0=frames["warn_monthly"])
    yearly = _sql(f"""WITH {_rows_sql(before, after)}, {_stats_sql("state, tracker, year")}
        SELECT grid.state, grid.tracker, grid.year, coalesce(months.months_covered, 0) AS months_covered,
               coalesce(months.months_covered, 0) < 12 OR NOT coalesce(td_from = make_date(grid.year, 1, 1)
                   AND td_to = make_date(grid.year, 12, 31) AND nd_from = make_date(grid.year, 1, 1)
                   AND nd_to = make_date(grid.year, 12, 31), false) AS partial_year, ev.* EXCLUDE
               (state, tracker, year), nt.* EXCLUDE (state, tracker, year)
        FROM grid LEFT JOIN months USING (state, year) LEFT JOIN ev USING (state, tracker, year)
        LEFT JOIN nt USING (state, tracker, year)""", **tables)
    pooled = _sql(f"""WITH {_rows_sql(before, after)}, {_stats_sql("state, tracker")},
        spans AS (SELECT grid.state, grid.tracker, min(grid.year) AS first_year, max(grid.year) AS last_year,
                         sum(coalesce(months.months_covered, 0)) AS months_covered
                  FROM grid LEFT JOIN months USING (state, year) GROUP BY ALL)
        SELECT spans.*, ev.* EXCLUDE (state, tracker), nt.* EXCLUDE (state, tracker)
        FROM spans LEFT JOIN ev USING (state, tracker) LEFT JOIN nt USING (state, tracker)""", **tables)
    return _shares(yearly), _shares(pooled)


def _shares(t: pd.DataFrame) -> pd.DataFrame:
    for c in COUNTS[:-1]:
        t[c] = t[c].fillna(0).astype(int)
    t["coverage"] = [a / b if b else np.nan for a, b in zip(t["matched_to_warn"], t["tracker_events_in_state"])]
    t[["coverage_ci_low", "coverage_ci_high"]] = [wilson(a, b) if b else (np.nan, np.nan)
                                                  for a, b in zip(t["matched_to_warn"], t["tracker_events_in_state"])]
    t["recall_of_tracker"] = [a / b if b else np.nan for a, b in zip(t["matched_to_tracker"],
                                                                   t["warn_notices_tracked_companies"])]
    # effective n = filings (a company's same-day notices match together); count = recall x filings
    t[["recall_ci_low", "recall_ci_high"]] = [wilson(p * f, f) if f else (np.nan, np.nan)
                                              for p, f in zip(t["recall_of_tracker"], t["filings_tracked_companies"])]
    return t


def _compare_table(published: pd.DataFrame, truth: pd.DataFrame, keys: list[str], what: str) -> None:
    got, want = published.set_index(keys).sort_index(), truth.set_index(keys).sort_index()
    assert list(got.index) == list(want.index), f"{what}: rows {list(got.index)[:8]} vs recomputed {list(want.index)[:8]}"
    for c in COUNTS:
        bad = got.index[got[c].astype(int).to_numpy() != want[c].astype(int).to_numpy()]
        assert bad.empty, f"{what} {c}: {list(bad)[:3]} published {list(got.loc[bad, c])[:3]}, recomputed " \
                          f"{list(want.loc[bad, c])[:3]}"
    for c in VALUES:
        a, b = got[c].astype(float).to_numpy(), want[c].astype(float).to_numpy()
        ok = np.isclose(a, b, atol=1e-9, equal_nan=True)
        assert ok.all(), f"{what} {c}: {list(got.index[~ok])[:3]} published {a[~ok][:3]}, recomputed {b[~ok][:3]}"


def check_coverage(yearly: pd.DataFrame, pooled: pd.DataFrame, frames: dict[str, pd.DataFrame],
                   window: tuple[int, int]) -> None:
    want_yearly, want_pooled = coverage_truth(frames, *window)
    _compare_table(yearly, want_yearly, ["state", "tracker", "year"], "tracker_warn_coverage")
    _compare_table(pooled, want_pooled, ["state", "tracker"], "tracker_warn_coverage_all_years")
    got = yearly.set_index(["state", "tracker", "year"])["partial_year"].sort_index()
    want = want_yearly.set_index(["state", "tracker", "year"])["partial_year"].sort_index()
    assert (got.astype(bool).to_numpy() == want.astype(bool).to_numpy()).all(), \
        f"partial_year: published {list(got[got != want].index)[:3]} disagree with the months and the date windows"
    assert set(zip(yearly["match_days_before"], yearly["match_days_after"])) == {window}


def chart_truth(frames: dict[str, pd.DataFrame], state: str = "WA") -> tuple[pd.DataFrame, pd.DataFrame]:
    """(month, series, people) lines and the matched pairs of `state`, in SQL."""
    tables = dict(e0=frames["tracker_state_events"], n0=frames["fct_warn_notices"], m0=frames["warn_tracker_matches"],
                  wm0=frames["warn_monthly"])
    names = " ".join(f"WHEN '{t}' THEN '{label}'" for t, label in TRACKER_LINES.items())
    warn_names = " ".join(f"WHEN '{t}' THEN '{label}'" for t, label in WARN_LINES.items())
    lines = _sql(f"""
        WITH {_CAST},
             span AS (SELECT tracker, date_trunc('month', min(event_date)) AS lo, date_trunc('month', max(event_date))
                      AS hi FROM e GROUP BY tracker),
             rng AS (SELECT greatest((SELECT min(month) FROM wm WHERE state = '{state}'), (SELECT min(lo) FROM span)) AS a,
                            least((SELECT max(month) FROM wm WHERE state = '{state}'), (SELECT max(hi) FROM span)) AS b),
             grid AS (SELECT tracker, unnest(generate_series(greatest(a, lo), least(b, hi), INTERVAL 1 MONTH)) AS month
                      FROM span, rng),
             here AS (SELECT * FROM e WHERE state = '{state}'
                      AND company_key IN (SELECT company_key FROM n WHERE state = '{state}')),
             -- per tracker, the notices in the state of the companies that tracker places in the state
             filed AS (SELECT DISTINCT t.tracker, n.warn_notice_id, n.notice_date, n.workers
                       FROM n JOIN (SELECT DISTINCT tracker, company_key FROM e WHERE state = '{state}') t
                       USING (company_key) WHERE n.state = '{state}')
        SELECT CAST(grid.month AS DATE) AS month, CASE grid.tracker {warn_names} END AS series,
               CAST(coalesce(sum(filed.workers), 0) AS DOUBLE) AS people
        FROM grid LEFT JOIN filed ON filed.tracker = grid.tracker AND date_trunc('month', filed.notice_date) = grid.month
        GROUP BY ALL
        UNION ALL
        SELECT CAST(grid.month AS DATE), CASE grid.tracker {names} END, coalesce(sum(here.laid_off), 0)
        FROM grid LEFT JOIN here ON here.tracker = grid.tracker AND date_trunc('month', here.event_date) = grid.month
        GROUP BY ALL""", **tables)
    pairs = _sql(f"""WITH {_CAST} SELECT m.tracker, m.tracker_event_ref, min(m.notice_date) AS first_notice_date,
                            sum(m.warn_workers) AS warn_workers, count(*) AS notices, any_value(e.event_date) AS tracker_date,
                            any_value(e.laid_off) AS tracker_laid_off
                     FROM m JOIN e USING (tracker, tracker_event_ref) WHERE m.state = '{state}' GROUP BY ALL""", **tables)
    return lines.assign(month=_months(lines["month"])), pairs


def check_warn_chart(spec: dict, frames: dict[str, pd.DataFrame]) -> None:
    plotted = dataset(spec, "month", "series", "people")
    plotted = plotted.assign(month=_months(plotted["month"]))
    for series, part in plotted.groupby("series", sort=False):
        steps = part["month"].diff().dropna()
        assert (steps > pd.Timedelta(0)).all(), f"warn_vs_trackers: {series} is plotted out of month order"
        assert len(part) == len(pd.date_range(part["month"].min(), part["month"].max(), freq="MS")), \
            f"warn_vs_trackers: {series} skips a month"
    lines, pairs = chart_truth(frames)
    compare(plotted, lines, ["series", "month"], "people", "warn_vs_trackers lines")
    drawn = dataset(spec, "tracker_event_ref", "first_notice_date", "warn_workers")
    for column in ("warn_workers", "tracker_laid_off", "notices"):
        compare(drawn.fillna({column: -1.0}), pairs.fillna({column: -1.0}), ["tracker", "tracker_event_ref"], column,
                f"warn_vs_trackers pairs {column}")
    for column in ("first_notice_date", "tracker_date"):
        got = dict(zip(zip(drawn["tracker"], drawn["tracker_event_ref"]), pd.to_datetime(drawn[column]).dt.tz_localize(None)))
        want = dict(zip(zip(pairs["tracker"], pairs["tracker_event_ref"]), pd.to_datetime(pairs[column])))
        assert got == want, f"warn_vs_trackers pairs: {column} differs"


def _pct(x) -> str:
    return f"{x:.1%}"


def _days(x) -> str:
    text = f"{x:,.1f}"
    return text[:-2] if text.endswith(".0") else text


def check_warn_report(md: str, frames: dict[str, pd.DataFrame], window: tuple[int, int]) -> None:
    """Each state x tracker's pooled sentence: coverage, recall (k of n, share, Wilson CI), day gap, count ratio."""
    _, pooled = coverage_truth(frames, *window)
    assert f"from {window[0]} days before to {window[1]} days after the tracker's date" in md
    for r in pooled.itertuples():
        state = STATES.get(r.state, r.state)
        years = str(r.first_year) if r.first_year == r.last_year else f"{r.first_year}–{r.last_year}"
        head = f"{state}, {TRACKERS[r.tracker]}, {years}: coverage: "
        assert head in md, f"report: no sentence for {head}"
        sentence = md[md.index(head):].split("\n")[0]
        if r.tracker_events_in_state:
            want = (f"a matching notice for {r.matched_to_warn} of its {r.tracker_events_in_state} rows located in "
                    f"{state} ({_pct(r.coverage)}, 95% CI {_pct(r.coverage_ci_low)}–{_pct(r.coverage_ci_high)})")
            assert want in sentence, f"report: {head} should say {want!r}: {sentence[:300]}"
        if r.warn_notices_tracked_companies:
            want = (f"a matching {state} row for {r.matched_to_tracker} of {r.warn_notices_tracked_companies} "
                    f"notices in {r.filings_tracked_companies} filing{'' if r.filings_tracked_companies == 1 else 's'} of companies it places in {state} "
                    f"({_pct(r.recall_of_tracker)}, 95% CI {_pct(r.recall_ci_low)}–{_pct(r.recall_ci_high)})")
            assert want in sentence, f"report: {head} should say {want!r}: {sentence[:300]}"
        if r.warn_notices_tracked_elsewhere:
            want = f"{r.warn_notices_tracked_elsewhere} notices of companies it lists only outside {state} cannot match"
            assert want in sentence, f"report: {head} should say {want!r}: {sentence[:300]}"
        if r.n_day_gap:
            want = (f"day gap median {_days(r.median_day_gap)} days (IQR {_days(r.day_gap_q1)} to "
                    f"{_days(r.day_gap_q3)}; n = {r.n_day_gap})")
            assert want in sentence, f"report: {head} should say {want!r}: {sentence[:300]}"
        if r.n_count_ratio:
            m = re.search(r"count ratio median ([0-9.]+) \(IQR ([0-9.]+) to ([0-9.]+); n = (\d+)\)", sentence)
            assert m, f"report: {head} states no count ratio"
            assert [float(v) for v in m.groups()[:3]] == [round(v, 2) for v in (
                r.median_count_ratio, r.count_ratio_q1, r.count_ratio_q3)] and int(m.group(4)) == r.n_count_ratio, \
                f"report: {head} count ratio {m.groups()} vs {r.median_count_ratio, r.count_ratio_q1, r.count_ratio_q3}"
