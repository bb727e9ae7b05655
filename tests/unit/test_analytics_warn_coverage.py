"""analytics.tracker_warn_coverage on invented WARN marts whose answers are worked by hand (tests/support/warn_marts.py)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analytics.series import AnalyticsInputError
from analytics.warn_coverage import COLUMNS, MatchWindow, tracker_warn_coverage
from tests.support import warn_marts
from tests.support.warn_marts import BY_HAND, FILINGS_BY_HAND, POOLED_BY_HAND, WINDOW

STATS = ["tracker_events_in_state", "matched_to_warn", "warn_notices_tracked_companies", "matched_to_tracker",
         "median_day_gap", "day_gap_q1", "day_gap_q3", "n_day_gap", "median_count_ratio", "n_count_ratio"]


@pytest.fixture(scope="module")
def tables():
    return tracker_warn_coverage(warn_marts.frames(), MatchWindow(*WINDOW))


def _same(got, want) -> bool:
    return (want is None and pd.isna(got)) or (want is not None and np.isclose(float(got), want))


def test_every_state_year_tracker_as_worked_by_hand(tables):
    table, _ = tables
    assert list(table.columns) == COLUMNS
    assert set(zip(table["state"], table["tracker"], table["year"])) == set(BY_HAND)
    for key, want in BY_HAND.items():
        row = table.set_index(["state", "tracker", "year"]).loc[key]
        for column, value in zip(STATS, want):
            assert _same(row[column], value), (key, column, row[column], value)
        assert (row["filings_tracked_companies"], row["warn_notices_tracked_elsewhere"]) == FILINGS_BY_HAND[key], key


def test_coverage_and_recall_have_wilson_intervals(tables):
    from statsmodels.stats.proportion import proportion_confint

    row = tables[0].set_index(["state", "tracker", "year"]).loc[("WA", "layoffs_fyi", 2022)]
    assert row["coverage"] == 0.75 and row["recall_of_tracker"] == pytest.approx(4 / 6)
    assert (row["coverage_ci_low"], row["coverage_ci_high"]) == pytest.approx(proportion_confint(3, 4, method="wilson"))
    assert (row["recall_ci_low"], row["recall_ci_high"]) == pytest.approx(proportion_confint(4, 6, method="wilson"))
    # 2023: N5 + N12 are one filing: 3 of 4 notices in 3 filings -> the interval of 2.25 of 3
    r23 = tables[0].set_index(["state", "tracker", "year"]).loc[("WA", "layoffs_fyi", 2023)]
    assert r23["recall_of_tracker"] == 0.75
    assert (r23["recall_ci_low"], r23["recall_ci_high"]) == pytest.approx(
        proportion_confint(2.25, 3, method="wilson"))
    empty = tables[0].set_index(["state", "tracker", "year"]).loc[("WA", "crunchbase_tracker", 2023)]
    assert pd.isna(empty["recall_of_tracker"]) and pd.isna(empty["recall_ci_low"])   # no notice: no share, no CI


def test_windows_are_stated_per_row(tables):
    t = tables[0].set_index(["state", "tracker", "year"])
    wa = t.loc[("WA", "layoffs_fyi", 2022)]
    assert (str(wa["tracker_dates_from"]), str(wa["tracker_dates_to"])) == ("2022-02-09", "2022-12-31")
    assert str(t.loc[("WA", "layoffs_fyi", 2023), "tracker_dates_to"]) == "2023-09-21"   # last notice - 90 days
    assert (str(t.loc[("WA", "crunchbase_tracker", 2023), "notice_dates_from"]),
            str(t.loc[("WA", "crunchbase_tracker", 2023), "notice_dates_to"])) == ("2023-01-01", "2023-05-31")
    orr = t.loc[("OR", "layoffs_fyi", 2023)]
    assert orr["months_covered"] == 2 and orr["partial_year"] and pd.isna(orr["tracker_dates_from"])
    assert "partial year" in orr["note"] and "no tracker date of this year can be compared" in orr["note"]
    # 12 months of notices, but layoffs.fyi's rows are compared only from 2022-02-09: still a partial year
    assert t.loc[("WA", "layoffs_fyi", 2022), "months_covered"] == 12 and wa["partial_year"]
    assert wa["note"] == "tracker dates compared only 2022-02-09 to 2022-12-31"
    assert str(t.loc[("WA", "crunchbase_tracker", 2023), "tracker_dates_to"]) == "2023-06-30"   # the tracker's last row


def test_pooled_rows_over_the_years(tables):
    _, pooled = tables
    row = pooled.set_index(["state", "tracker"]).loc[("WA", "layoffs_fyi")]
    got = [row[c] for c in ("tracker_events_in_state", "matched_to_warn", "warn_notices_tracked_companies",
                            "matched_to_tracker", "median_day_gap", "day_gap_q1", "day_gap_q3", "n_day_gap")]
    assert got == pytest.approx(list(POOLED_BY_HAND[("WA", "layoffs_fyi")]))
    assert (row["first_year"], row["last_year"], row["months_covered"]) == (2022, 2023, 24)


def test_a_round_of_several_notices_adds_its_workers_and_takes_the_earliest_gap():
    """Moving N2 (300 workers, +5 d) before N1 makes it the earliest: the row's gap follows it, the sum does not."""
    notices = [n if n[0] != "N2" else ("N2", "WA", "amazon", "2022-02-20", 300, True, True) for n in warn_marts.NOTICES]
    matches = [m if m[0] != "N2" else ("N2", "layoffs_fyi", "L4", -23) for m in warn_marts.MATCHES]
    table, _ = tracker_warn_coverage(warn_marts.frames(notices=notices, matches=matches), MatchWindow(*WINDOW))
    row = table.set_index(["state", "tracker", "year"]).loc[("WA", "layoffs_fyi", 2022)]
    assert sorted([row["day_gap_q1"], row["median_day_gap"]]) == [-11.5, 0.0]   # gaps -23, 0, 30
    assert row["median_count_ratio"] == pytest.approx(0.35)


def test_a_shorter_window_admits_more_tracker_rows():
    """With 0 days after, L10 (2023-10-15, matched by a notice 17 days later) is counted: the cut is the window."""
    table, _ = tracker_warn_coverage(warn_marts.frames(), MatchWindow(30, 0))
    row = table.set_index(["state", "tracker", "year"]).loc[("WA", "layoffs_fyi", 2023)]
    assert (row["tracker_events_in_state"], row["matched_to_warn"]) == (3, 2)


def test_absent_marts_give_an_empty_table_and_a_missing_window_is_an_error():
    table, pooled = tracker_warn_coverage({}, None)
    assert table.empty and list(table.columns) == COLUMNS and pooled.empty
    with pytest.raises(AnalyticsInputError, match="match window"):
        tracker_warn_coverage(warn_marts.frames(), None)
    broken = warn_marts.frames()
    broken["warn_tracker_matches"] = broken["warn_tracker_matches"].drop(columns="day_gap")
    with pytest.raises(AnalyticsInputError, match="warn_tracker_matches: missing column"):
        tracker_warn_coverage(broken, MatchWindow(*WINDOW))


def test_run_analytics_publishes_the_tables_the_chart_and_the_report_section(tmp_path):
    from analytics import run_analytics
    from tests.unit.test_analytics_outputs import SOURCES, synthetic_frames

    warn = dict(dataset="warn_wa", topics=["warn_notices"], name="Invented WA WARN notices", status="ok",
                url="https://example.org/warn.csv", data_through="2023-12-20", retrieved="2024-01-02", sha256="d" * 64,
                license="public record")
    other = dict(warn, dataset="warn_or", name="Invented OR WARN notices")
    tables = run_analytics(synthetic_frames() | warn_marts.frames(), tmp_path, SOURCES + [warn, other], n_boot=50,
                           lag_n_boot=20, warn_match_days=WINDOW)
    assert len(tables["tracker_warn_coverage"]) == len(BY_HAND) and len(tables["tracker_warn_coverage_all_years"]) == 4
    svg = (tmp_path / "charts" / "warn_vs_trackers.svg").read_text(encoding="utf-8")
    assert "Washington" in svg and "Invented WA WARN notices" in svg and "Invented OR WARN notices" not in svg
    md = (tmp_path / "report" / "report.md").read_text(encoding="utf-8")
    assert "## Official WARN notices vs the trackers: coverage, lead and agreement" in md
    assert "Washington, layoffs.fyi, 2022–2023: coverage: a matching notice for 4 of its 6 rows located in Washington" in md
    assert "../charts/warn_vs_trackers.png" in md
    html = (tmp_path / "report" / "index.html").read_text(encoding="utf-8")
    assert "<figure id='chart-warn_vs_trackers'>" in html and "What WARN cannot show" in html
