"""The WARN marts on the fixture run: which invented notices match which tracker rows, and the monthly sums."""

from __future__ import annotations

import duckdb


def _rows(published_run, sql: str) -> list[tuple]:
    con = duckdb.connect(str(published_run.home / "warehouse.duckdb"), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def test_fixture_notices_match_the_tracker_rows_they_were_written_for(published_run):
    # tests/fixtures/warn/warn_wa_export_pipeline.csv's last five rows against the trackers' Seattle rows:
    # Ionic Retail's two site notices (2024-01-09) -> layoffs.fyi's Ionic Retail, Seattle, 2024-01-11, 396;
    # Merit Learning LLC (2024-04-02) -> layoffs.fyi 2024-03-18 (15 days later, inside +60);
    # Bramblewood Corp. (2022-10-20) -> the Crunchbase tracker's Bramblewood, Seattle, 2022-10-18, and layoffs.fyi's
    # 2022-10-15 (each tracker is matched on its own; not layoffs.fyi's 2023-08-27 row, 311 days later);
    # Zephyr Mobility (2023-06-30) is 95 days after layoffs.fyi's 2023-03-27 row: no match
    got = _rows(published_run, """
        SELECT n.company, m.tracker, m.day_gap, m.match_rule, m.warn_workers, m.tracker_laid_off, t.company
        FROM marts.warn_tracker_matches AS m
        JOIN marts.fct_warn_notices AS n USING (warn_notice_id)
        JOIN marts.tracker_state_events AS t USING (tracker, tracker_event_ref)
        ORDER BY ALL""")
    assert got == [
        ("Bramblewood Corp.", "crunchbase_tracker", 2, "same_key", 52, 52, "Bramblewood"),
        ("Bramblewood Corp.", "layoffs_fyi", 5, "same_key", 52, 52, "Bramblewood"),
        ("Ionic Retail Inc.", "layoffs_fyi", -2, "same_key", 120, 396, "Ionic Retail"),
        ("Ionic Retail Inc.", "layoffs_fyi", -2, "same_key", 250, 396, "Ionic Retail"),
        ("Merit Learning LLC", "layoffs_fyi", 15, "same_key", 45, 39, "Merit Learning"),
    ]
    [(events, workers)] = _rows(published_run, """
        SELECT count(DISTINCT tracker_event_ref), sum(warn_workers) FROM marts.warn_tracker_matches
        WHERE company_key = 'ionic retail'""")
    assert (events, workers) == (1, 370)  # two sites, one round: their workers add up against one count


def test_monthly_sums_are_the_notices(published_run):
    # an independent count from the staged notices
    expected = _rows(published_run, """
        SELECT state, date_trunc('month', notice_date)::DATE, count(*), coalesce(sum(workers), 0)
        FROM staging.stg_warn__notices GROUP BY ALL ORDER BY ALL""")
    got = _rows(published_run, "SELECT state, month, notices, workers FROM marts.warn_monthly WHERE notices > 0 "
                               "ORDER BY ALL")
    assert got == expected
    [(tracked, workers)] = _rows(published_run, """
        SELECT sum(tracked_company_notices), sum(tracked_company_workers) FROM marts.warn_monthly""")
    assert (tracked, workers) == (5, 527)  # Ionic Retail 250+120, Merit 45, Zephyr 60, Bramblewood 52
