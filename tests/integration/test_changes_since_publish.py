"""analytics.changes_since_last_publish through two real runs: first publish, then one new layoffs.fyi row."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from tests.conftest import REPO
from tests.support.fixture_snapshots import make_fixture_snapshot_dir

NEW_ROW = (b"Zephyrine Test Co,Austin,321,10/19/2022,,Retail,https://news.example.com/2022/10/zephyrine-cuts-321,"
           b"Seed,5,United States,10/20/2022\n")


def _run(home: Path, snaps: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("LAYOFFS_AI_", "DAGSTER_"))}
    env.update(LAYOFFS_AI_HOME=str(home), LAYOFFS_AI_SNAPSHOT_DIR=str(snaps))
    return subprocess.run([sys.executable, "-m", "orchestration.cli", "run"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)


def _query(home: Path, sql: str):
    con = duckdb.connect(str(home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).df()
    finally:
        con.close()


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    home = tmp_path_factory.mktemp("home")
    snaps = make_fixture_snapshot_dir(tmp_path_factory.mktemp("snaps"))
    first = _run(home, snaps)
    assert first.returncode == 0, first.stderr[-3000:]
    before = {"changes": _query(home, "SELECT * FROM analytics.changes_since_last_publish"),
              "monthly": _query(home, "SELECT month, layoff_events, laid_off FROM marts.layoffs_vs_ai_monthly"),
              "run_id": _query(home, "SELECT run_id FROM raw._publish_log")["run_id"].iloc[0],
              "report": (home / "report" / "report.md").read_text(encoding="utf-8")}
    [fyi] = [p for p in snaps.glob("layoffs_fyi*.csv")]
    data = fyi.read_bytes()
    fyi.write_bytes(data + (b"" if data.endswith(b"\n") else b"\n") + NEW_ROW)
    second = _run(home, snaps)
    assert second.returncode == 0, second.stderr[-3000:]
    return home, before


def test_first_publish_says_so(runs):
    _, before = runs
    assert list(before["changes"]["change"]) == ["first_publish"]
    assert "This is the first publish" in before["report"]


def test_a_new_source_row_is_listed_and_the_months_it_moves(runs):
    home, before = runs
    ch = _query(home, "SELECT * FROM analytics.changes_since_last_publish")
    events = ch[ch["change"].str.startswith("event_")]
    assert len(events) == 1, events
    row = events.iloc[0]
    assert (row["change"], row["source"], row["company"], str(row["event_date"])[:10], row["laid_off"]) == (
        "event_added", "layoffs_fyi", "Zephyrine Test Co", "2022-10-19", 321)
    assert row["source_url"] == "https://news.example.com/2022/10/zephyrine-cuts-321"
    assert ch["compared_with"].nunique() == 1 and ch["compared_with"].iloc[0].startswith(
        f"run {before['run_id']} published ")
    # the monthly figures that moved, against the two published marts read here
    after = _query(home, "SELECT month, layoff_events, laid_off FROM marts.layoffs_vs_ai_monthly")
    both = after.merge(before["monthly"], on="month", suffixes=("", "_before"))
    want = set()
    for series in ("layoff_events", "laid_off"):
        a, b = both[series].astype(float), both[f"{series}_before"].astype(float)
        moved = both[~((a.isna() & b.isna()) | (a == b))]
        want |= {(str(m)[:10], series) for m in moved["month"]}
    assert ("2022-10-01", "laid_off") in want and ("2022-10-01", "layoff_events") in want
    got = ch[(ch["change"] == "monthly_moved") & ch["series"].isin(["layoff_events", "laid_off"])]
    assert {(str(m)[:10], s) for m, s in zip(got["month"], got["series"])} == want
    report = (home / "report" / "report.md").read_text(encoding="utf-8")
    assert f"Compared with run {before['run_id']}" in report and "layoffs_fyi: 1 added, 0 removed, 0 changed" in report


def test_a_previous_warehouse_with_an_older_schema_is_compared_with_what_it_has(tmp_path):
    """An upgrade adds a column the published warehouse lacks: the frame it cannot give is left out, the run goes on
    (before, the Binder error failed every run after a schema change)."""
    from orchestration.defs.analytics import _previous_frames

    old = tmp_path / "warehouse.duckdb"
    con = duckdb.connect(str(old))
    con.execute("CREATE SCHEMA marts; CREATE SCHEMA intermediate; CREATE SCHEMA raw")
    con.execute("CREATE TABLE marts.layoffs_vs_ai_monthly AS SELECT DATE '2024-01-01' AS month, 3 AS laid_off")
    con.execute("CREATE TABLE intermediate.int_layoffs__ai_attribution AS SELECT 'f:1' AS source_event_id, "
                "'https://x.example/a' AS source_url")          # no ai_text_origin yet
    con.close()
    frames = _previous_frames(old, "256MB")
    assert set(frames) == {"layoffs_vs_ai_monthly"}
