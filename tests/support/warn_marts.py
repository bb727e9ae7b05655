"""Invented WARN marts (the issue-24 contract's columns) in DuckDB, whose coverage answers are worked by hand below."""

from __future__ import annotations

import duckdb
import pandas as pd

WINDOW = (30, 90)   # invented match window: a notice up to 30 days before to 90 days after the tracker row
L, C = "layoffs_fyi", "crunchbase_tracker"

# tracker_state_events: (tracker, ref, state, company_key, event_date, laid_off)
EVENTS = [
    (L, "L1", "CA", "acme", "2021-06-01", 10),        # layoffs.fyi's first row (no WARN export for CA)
    (L, "L2", "CA", "acme", "2024-03-01", 10),        # ... and its last
    (L, "L3", "WA", "amazon", "2022-01-20", 100),     # before 2022-02-09 (first WA notice + 30 d): left out
    (L, "L4", "WA", "amazon", "2022-03-15", 1000),    # N1 (-14 d, 200) + N2 (+5 d, 300): gap -14, ratio 0.5
    (L, "L5", "WA", "zillow", "2022-06-10", 300),     # N3 (0 d, 60): ratio 0.2
    (L, "L6", "WA", "meta", "2022-09-01", None),      # N4 (+30 d): count unknown, no ratio
    (L, "L7", "WA", "expedia", "2022-11-01", 50),     # unmatched (N10 is 92 days before)
    (L, "L8", "WA", "microsoft", "2023-02-01", 10000),  # N5 (-12 d, 878): ratio 0.0878
    (L, "L9", "WA", "t-mobile", "2023-05-01", 200),   # unmatched; no WA notice of T-Mobile: not in the chart
    (L, "L10", "WA", "amazon", "2023-10-15", 500),    # after 2023-09-21 (last WA notice - 90 d): left out
    (L, "L11", "OR", "nike", "2023-05-20", 700),      # OR export too short for any matchable date
    (C, "C1", "NY", "google", "2022-06-01", 100),     # the Crunchbase tracker's first row
    (C, "C2", "WA", "amazon", "2022-09-15", 2000),    # N7 (-14 d, 400): ratio 0.2
    (C, "C3", "NY", "google", "2023-06-30", 100),     # ... and its last
    (C, "C4", "WA", "google", "2023-03-01", 500),     # unmatched
]
# fct_warn_notices: (id, state, company_key, notice_date, workers, tracked_by_layoffs_fyi, tracked_by_crunchbase)
NOTICES = [
    ("N0", "WA", "old co", "2022-01-10", 40, False, False),   # the WA export's first notice
    ("N1", "WA", "amazon", "2022-03-01", 200, True, True),
    ("N2", "WA", "amazon", "2022-03-20", 300, True, True),
    ("N3", "WA", "zillow", "2022-06-10", 60, True, False),
    ("N4", "WA", "meta", "2022-10-01", 80, True, False),
    ("N10", "WA", "expedia", "2022-08-01", 30, True, False),
    ("N7", "WA", "amazon", "2022-09-01", 400, True, True),
    ("N5", "WA", "microsoft", "2023-01-20", 878, True, False),
    ("N12", "WA", "microsoft", "2023-01-20", 122, True, False),  # N5's filing (same company and day, another site)
    ("N11", "WA", "acme", "2022-05-01", 25, True, False),   # layoffs.fyi lists Acme only in CA: cannot match in WA
    ("N8", "WA", "google", "2023-07-15", 120, False, True),
    ("N6", "WA", "amazon", "2023-11-01", 100, True, True),
    ("N9", "WA", "microsoft", "2023-12-20", None, True, False),  # the last; workers unknown
    ("O1", "OR", "other", "2023-05-01", 20, False, False),
    ("O2", "OR", "nike", "2023-06-15", 90, True, False),
]
# warn_tracker_matches: (notice, tracker, ref, day_gap)
MATCHES = [("N1", L, "L4", -14), ("N2", L, "L4", 5), ("N3", L, "L5", 0), ("N4", L, "L6", 30), ("N5", L, "L8", -12),
           ("N6", L, "L10", 17), ("N7", C, "C2", -14), ("O2", L, "L11", 26), ("N12", L, "L8", -12)]

# By hand (windows: tracker rows WA 2022-02-09..2023-09-21; notices layoffs.fyi 2021-08-30..2024-01-31,
# Crunchbase 2022-08-30..2023-05-31; OR tracker dates 2023-05-31..2023-03-17 = none):
# Notices: only of companies the tracker places in the state (N11, Acme: listed only in CA, is counted apart);
# filings: distinct company x notice date among them (N5 + N12 are one).
# (state, tracker, year) -> (events, matched, notices, matched notices, median gap, q1, q3, n gap, median ratio, n)
BY_HAND = {
    ("WA", L, 2022): (4, 3, 6, 4, 0.0, -7.0, 15.0, 3, 0.35, 2),
    ("WA", L, 2023): (2, 1, 4, 3, -12.0, -12.0, -12.0, 1, 0.1, 1),    # L8: (878 + 122) / 10000
    ("WA", C, 2022): (1, 1, 1, 1, -14.0, -14.0, -14.0, 1, 0.2, 1),
    ("WA", C, 2023): (1, 0, 0, 0, None, None, None, 0, None, 0),
    ("OR", L, 2023): (0, 0, 1, 1, None, None, None, 0, None, 0),
    ("OR", C, 2023): (0, 0, 0, 0, None, None, None, 0, None, 0),
}
# WA x layoffs.fyi over 2022-2023: gaps -14, -12, 0, 30 -> median -6, q1 -12.5, q3 7.5
POOLED_BY_HAND = {("WA", L): (6, 4, 10, 7, -6.0, -12.5, 7.5, 4)}
# (state, tracker, year) -> (filings, notices tracked elsewhere)
FILINGS_BY_HAND = {("WA", L, 2022): (6, 1), ("WA", L, 2023): (3, 0), ("WA", C, 2022): (1, 0), ("WA", C, 2023): (0, 0),
                   ("OR", L, 2023): (1, 0), ("OR", C, 2023): (0, 0)}


def _companies() -> dict[str, str]:
    return {"amazon": "Amazon", "zillow": "Zillow", "meta": "Meta", "expedia": "Expedia", "microsoft": "Microsoft",
            "t-mobile": "T-Mobile", "acme": "Acme", "google": "Google", "nike": "Nike", "old co": "Old Co",
            "other": "Other"}


def build(con: duckdb.DuckDBPyConnection, events=EVENTS, notices=NOTICES, matches=MATCHES) -> None:
    """Create the four marts in schema `marts` of `con`, typed as the contract says."""
    names = _companies()
    con.execute("CREATE SCHEMA IF NOT EXISTS marts")
    ev = pd.DataFrame(events, columns=["tracker", "tracker_event_ref", "state", "company_key", "event_date", "laid_off"])
    ev["event_id"], ev["company"], ev["tracker_location"] = "e_" + ev["tracker_event_ref"], ev["company_key"].map(names), "x"
    nt = pd.DataFrame(notices, columns=["warn_notice_id", "state", "company_key", "notice_date", "workers",
                                        "tracked_by_layoffs_fyi", "tracked_by_crunchbase_tracker"])
    nt["company"] = nt["company_raw"] = nt["company_key"].map(names)
    mt = pd.DataFrame(matches, columns=["warn_notice_id", "tracker", "tracker_event_ref", "day_gap"])
    con.register("ev", ev)
    con.register("nt", nt)
    con.register("mt", mt)
    con.execute("""CREATE OR REPLACE TABLE marts.tracker_state_events AS SELECT tracker, tracker_event_ref, event_id,
        state, company, company_key, tracker_location, CAST(event_date AS DATE) AS event_date,
        CAST(laid_off AS INTEGER) AS laid_off FROM ev""")
    con.execute("""CREATE OR REPLACE TABLE marts.fct_warn_notices AS SELECT warn_notice_id, state, company, company_raw,
        company_key, 'x' AS location, CAST(notice_date AS DATE) AS notice_date, CAST(NULL AS DATE) AS effective_date,
        CAST(workers AS INTEGER) AS workers, 'layoff' AS notice_type, false AS temporary, warn_notice_id AS source_row_id,
        1 AS line_number, 'warn_' || lower(state) AS source, tracked_by_layoffs_fyi, tracked_by_crunchbase_tracker,
        tracked_by_layoffs_fyi OR tracked_by_crunchbase_tracker AS tracked_company,
        EXISTS (SELECT 1 FROM marts.tracker_state_events e WHERE e.tracker = 'layoffs_fyi' AND e.state = nt.state
                AND e.company_key = nt.company_key) AS tracked_in_state_by_layoffs_fyi,
        EXISTS (SELECT 1 FROM marts.tracker_state_events e WHERE e.tracker = 'crunchbase_tracker'
                AND e.state = nt.state AND e.company_key = nt.company_key) AS tracked_in_state_by_crunchbase_tracker
        FROM nt""")
    con.execute("""CREATE OR REPLACE TABLE marts.warn_tracker_matches AS SELECT m.warn_notice_id, m.tracker,
        m.tracker_event_ref, e.event_id, n.state, n.company_key, n.notice_date, e.event_date AS tracker_date,
        CAST(m.day_gap AS INTEGER) AS day_gap, 'same_key' AS match_rule, n.workers AS warn_workers,
        e.laid_off AS tracker_laid_off
        FROM mt m JOIN marts.fct_warn_notices n USING (warn_notice_id)
        JOIN marts.tracker_state_events e ON e.tracker = m.tracker AND e.tracker_event_ref = m.tracker_event_ref""")
    con.execute("""CREATE OR REPLACE TABLE marts.warn_monthly AS
        WITH spine AS (SELECT state, CAST(unnest(generate_series(date_trunc('month', min(notice_date)),
                                  date_trunc('month', max(notice_date)), INTERVAL 1 MONTH)) AS DATE) AS month
                       FROM marts.fct_warn_notices GROUP BY state)
        SELECT s.state, s.month, count(n.warn_notice_id) AS notices, coalesce(sum(n.workers), 0) AS workers,
               count(n.warn_notice_id) FILTER (WHERE n.tracked_company) AS tracked_company_notices,
               coalesce(sum(n.workers) FILTER (WHERE n.tracked_company), 0) AS tracked_company_workers
        FROM spine s LEFT JOIN marts.fct_warn_notices n
          ON n.state = s.state AND date_trunc('month', n.notice_date) = s.month GROUP BY ALL""")
    for name in ("ev", "nt", "mt"):
        con.unregister(name)


def frames(**kwargs) -> dict[str, pd.DataFrame]:
    """The four marts as the orchestrator hands them to run_analytics (SELECT * ... ORDER BY ALL)."""
    con = duckdb.connect()
    try:
        build(con, **kwargs)
        return {m: con.execute(f"SELECT * FROM marts.{m} ORDER BY ALL").df()
                for m in ("tracker_state_events", "warn_tracker_matches", "fct_warn_notices", "warn_monthly")}
    finally:
        con.close()
