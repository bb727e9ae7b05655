"""The report's findings, recomputed here with plain SQL and numpy from the published warehouse, and each oracle's mutation."""

from __future__ import annotations

import re

import duckdb
import numpy as np
import pandas as pd
import pytest

from analytics.changes import changes_since_last_publish, changes_text
from analytics.report_top import coverage_finding

Z95 = 1.959963984540054


def findings_of(md: str) -> list[str]:
    block = md.split("## Findings\n\n", 1)[1].split("\n\n", 1)[0]
    return [re.sub(r"^\d\. ", "", line) for line in block.splitlines()]


def wilson(k: int, n: int) -> tuple[float, float]:
    p, z2 = k / n, Z95 ** 2
    centre, half = (p + z2 / (2 * n)) / (1 + z2 / n), Z95 * np.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / (1 + z2 / n)
    return centre - half, centre + half


def primary_oracle(con) -> dict:
    """r and n of month-over-month changes, laid off vs notable models, over the months both series' windows share."""
    first, last = con.execute("SELECT max(first_month), min(last_month) FROM analytics.analysis_window "
                              "WHERE series IN ('laid_off', 'notable_models')").fetchone()
    r, n = con.execute("""
        WITH m AS (SELECT month, laid_off - lag(laid_off) OVER (ORDER BY month) AS dx,
                          notable_models - lag(notable_models) OVER (ORDER BY month) AS dy
                   FROM marts.layoffs_vs_ai_monthly WHERE month BETWEEN ? AND ?)
        SELECT corr(dx, dy), count(*) FILTER (WHERE dx IS NOT NULL AND dy IS NOT NULL) FROM m""",
                       [first, last]).fetchone()
    n_eff = con.execute("SELECT n_eff FROM analytics.correlations WHERE x_series = 'laid_off' AND "
                        "y_series = 'notable_models' AND transform = 'diff'").fetchone()[0]
    half = Z95 / np.sqrt(n_eff - 3)
    return {"r": r, "n": n, "low": np.tanh(np.arctanh(r) - half), "high": np.tanh(np.arctanh(r) + half)}


def family_oracle(con) -> tuple[int, int]:
    """(tests, BH discoveries at 5%) over the differenced lag scan, Benjamini-Hochberg step-up written here."""
    p = np.sort(con.execute("SELECT p_ac FROM analytics.lagged_correlations WHERE transform IN ('diff', 'log_diff') "
                            "AND p_ac IS NOT NULL").df()["p_ac"].to_numpy())
    m = len(p)
    passing = np.nonzero(p <= 0.05 * np.arange(1, m + 1) / m)[0]
    return m, (int(passing[-1]) + 1 if len(passing) else 0)


def check_findings(md: str, con) -> None:
    primary, family, ai, coverage = findings_of(md)
    o = primary_oracle(con)
    assert f"r = {o['r']:.2f} (95% CI {o['low']:.2f} to {o['high']:.2f}, n = {o['n']} months)" in primary, primary
    assert ("includes zero" in primary) == (o["low"] <= 0 <= o["high"])
    m, k = family_oracle(con)
    assert f"{'None' if k == 0 else k} of the {m} month-to-month comparisons" in family and f"n = {m} tests" in family
    last = con.execute("SELECT max(event_date) FROM marts.fct_source_layoffs WHERE source = 'layoffs_fyi'").fetchone()[0]
    year = last.year if (last.month, last.day) == (12, 31) else last.year - 1
    rows = con.execute("SELECT year(event_date) AS y, count(*) FILTER (WHERE ai_attribution <> 'unknown') AS n, "
                       "count(*) FILTER (WHERE ai_attribution = 'ai_cited') AS k FROM marts.fct_layoff_events "
                       "GROUP BY 1 ORDER BY 1").df().set_index("y")
    k_y, n_y = int(rows.loc[year, "k"]), int(rows.loc[year, "n"])
    lo, hi = wilson(k_y, n_y)
    assert (f"In {year}, the last full year, {k_y / n_y:.1%} of layoffs with a readable headline named AI or "
            f"automation ({k_y} of {n_y} events, 95% CI {lo:.1%}–{hi:.1%})") in ai, ai
    before = rows[rows.index < year]
    share = before["k"] / before["n"]
    assert f"against {share.min():.1%}–{share.max():.1%} a year in {before.index.min()}–{before.index.max()}" in ai
    s_y, ppl_b, ppl_s = con.execute(
        "SELECT count(*) FILTER (WHERE ai_reason_stated), "
        "sum(laid_off) FILTER (WHERE ai_attribution = 'ai_cited') / sum(laid_off) FILTER (WHERE ai_attribution <> 'unknown'), "
        "sum(laid_off) FILTER (WHERE ai_reason_stated) / sum(laid_off) FILTER (WHERE ai_attribution <> 'unknown') "
        "FROM marts.fct_layoff_events WHERE year(event_date) = ?", [year]).fetchone()
    ppl = (ppl_b, ppl_s)
    lo, hi = wilson(s_y, n_y)
    assert (f"; {s_y / n_y:.1%} said AI caused the cut or replaced the work ({s_y} of {n_y}, 95% CI {lo:.1%}–{hi:.1%}); "
            f"by people laid off, {ppl[0]:.1%} and {ppl[1]:.1%}") in ai, ai
    ev, people, cb_ev, cb_people = con.execute(
        "SELECT count(*), sum(laid_off), count(*) FILTER (WHERE sources = 'crunchbase_tracker'), "
        "sum(laid_off) FILTER (WHERE sources = 'crunchbase_tracker') FROM marts.fct_layoff_events").fetchone()
    assert (f"the Crunchbase News tracker adds {cb_ev:,} of {ev:,} events and {int(cb_people or 0):,} of "
            f"{int(people):,} people with a known count") in coverage, coverage


@pytest.fixture(scope="module")
def published(reference_home):
    md = (reference_home / "report" / "report.md").read_text(encoding="utf-8")
    con = duckdb.connect(str(reference_home / "warehouse.duckdb"), read_only=True)
    yield md, con
    con.close()


def test_findings_match_an_independent_recomputation(published):
    md, con = published
    assert 3 <= len(findings_of(md)) <= 5
    check_findings(md, con)


@pytest.mark.parametrize("finding, old, new", [
    (0, r"n = (\d+) months", lambda m: f"n = {int(m[1]) + 1} months"),           # primary n off by one
    (0, r"r = (-?\d\.\d\d)", lambda m: f"r = {float(m[1]) + 0.01:.2f}"),        # primary r
    (1, r"n = (\d+) tests", lambda m: f"n = {int(m[1]) - 1} tests"),            # family size
    (2, r"(\d+) of (\d+) events", lambda m: f"{m[1]} of {int(m[2]) + 1} events"),   # AI-cited denominator
    (2, r"said AI caused the cut or replaced the work \((\d+) of", lambda m: f"said AI caused the cut or replaced the work ({int(m[1]) + 1} of"),   # strict count
    (3, r"adds (\d+) of", lambda m: f"adds {int(m[1]) + 1} of"),               # Crunchbase-only events
])
def test_each_findings_oracle_fails_on_its_mutation(published, finding, old, new):
    md, con = published
    line = findings_of(md)[finding]
    mutated = md.replace(line, re.sub(old, new, line, count=1))
    assert mutated != md
    with pytest.raises(AssertionError):
        check_findings(mutated, con)


def test_coverage_finding_on_invented_events():
    events = pd.DataFrame({"sources": ["layoffs_fyi"] * 6 + ["crunchbase_tracker+layoffs_fyi", "crunchbase_tracker"],
                           "laid_off": [100, 50, None, 10, 40, 800, 300, 7],
                           "event_date": pd.to_datetime(["2023-01-05"] * 7 + ["2022-03-09"])})
    text = coverage_finding(events)
    assert "adds 1 of 8 events and 7 of 1,307 people with a known count (0.54%), all dated Mar 2022–Mar 2022" in text


def _frames(rows: list[tuple], monthly: list[tuple]) -> dict[str, pd.DataFrame]:
    src = pd.DataFrame(rows, columns=["source_event_id", "source", "company", "event_date", "laid_off"])
    urls = pd.DataFrame({"source_event_id": src["source_event_id"], "source_url": "https://example.org/" + src["company"]})
    return {"fct_source_layoffs": src, "source_urls": urls,
            "layoffs_vs_ai_monthly": pd.DataFrame(monthly, columns=["month", "laid_off", "notable_models"]),
            "_publish_log": pd.DataFrame({"run_id": ["r1"], "published_at": [pd.Timestamp("2026-01-02 03:04")]})}


def test_changes_since_last_publish_lists_added_removed_changed_and_moved():
    old = _frames([("a:1", "layoffs_fyi", "Acme", "2024-01-03", 10), ("a:2", "layoffs_fyi", "Bolt", "2024-01-09", 5),
                   ("c:1", "crunchbase_tracker", "Acme", "2024-01-03", 12)],
                  [("2024-01-01", 27, 4), ("2024-02-01", 3, 2)])
    new = _frames([("b:7", "layoffs_fyi", "Acme", "2024-01-03", 11), ("b:8", "layoffs_fyi", "Cyan", "2024-02-01", 3),
                   ("c:1", "crunchbase_tracker", "Acme", "2024-01-03", 12)],   # ids change with the snapshot
                  [("2024-01-01", 28, 4), ("2024-02-01", 3, 2), ("2024-03-01", None, 1)])
    ch = changes_since_last_publish(new, old)
    got = {(r.change, r.source, r.company) for r in ch.itertuples() if r.change.startswith("event_")}
    assert got == {("event_changed", "layoffs_fyi", "Acme"), ("event_removed", "layoffs_fyi", "Bolt"),
                   ("event_added", "layoffs_fyi", "Cyan")}
    acme = ch[ch["change"] == "event_changed"].iloc[0]
    assert (acme["laid_off"], acme["laid_off_before"], acme["source_url"]) == (11, 10, "https://example.org/Acme")
    moved = ch[ch["change"] == "monthly_moved"][["series", "value_before", "value_after"]]
    assert sorted(map(tuple, moved.astype(object).where(moved.notna(), None).values)) == [
        ("laid_off", 27.0, 28.0), ("notable_models", None, 1.0)]
    assert set(ch["compared_with"]) == {"run r1 published 2026-01-02 03:04"}
    text = changes_text(ch)[0]
    assert "layoffs_fyi: 1 added, 1 removed, 1 changed" in text and "2 monthly figures moved, in 2 months" in text


def test_changes_first_publish_and_nothing_changed():
    frames = _frames([("a:1", "layoffs_fyi", "Acme", "2024-01-03", 10)], [("2024-01-01", 10, 1)])
    first = changes_since_last_publish(frames, None)
    assert list(first["change"]) == ["first_publish"] and "first publish" in changes_text(first)[0]
    same = changes_since_last_publish(frames, frames)
    assert list(same["change"]) == ["no_change"] and changes_text(same)[0].startswith("Nothing changed since run r1")


def test_changes_against_an_unreadable_or_older_publish_say_so():
    frames = _frames([("a:1", "layoffs_fyi", "Acme", "2024-01-03", 10)], [("2024-01-01", 10, 1)])
    ch = changes_since_last_publish(frames, {})
    assert list(ch["change"]) == ["events_not_comparable"]
    assert "Source rows could not be compared" in changes_text(ch)[0]
