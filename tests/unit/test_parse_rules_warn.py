"""The WARN typing rules (the warn_* macros of dbt_project/macros/parse_rules.sql), executed in DuckDB as staging runs them."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.parse_rules_db import call, con  # noqa: F401 - `con` is a fixture


@pytest.mark.parametrize(("text", "day"), [
    ("9/18/2026", date(2026, 9, 18)),  # Washington
    (" 1/2/2004 ", date(2004, 1, 2)),
    ("2003-05-01 00:00:00", date(2003, 5, 1)),  # Oregon
    ("1988-11-28 00:00:00", date(1988, 11, 28)),
    ("2026-01-06", date(2026, 1, 6)),  # New York
    ("2026-01-06T00:00:00", date(2026, 1, 6)),
])
def test_warn_dates_of_every_state_type(con, text, day):
    assert call(con, "warn_date", text) == day
    assert call(con, "warn_date_problem", text) is None


@pytest.mark.parametrize(("text", "reason"), [
    ("1899-12-29 00:00:00", "'1899-12-29 00:00:00' is a placeholder for a missing date"),
    ("1899-12-30", "'1899-12-30' is a placeholder for a missing date"),
    (" 12/30/1899", "'12/30/1899' is a placeholder for a missing date"),
    ("1900-01-00", "'1900-01-00' is a placeholder for a missing date"),
    ("1/4/24", "cannot parse '1/4/24' as M/D/YYYY or YYYY-MM-DD"),  # 1924 or 2024: refused, not guessed
    ("2023-02-30 00:00:00", "cannot parse '2023-02-30 00:00:00' as M/D/YYYY or YYYY-MM-DD"),
    ("13/40/2019", "cannot parse '13/40/2019' as M/D/YYYY or YYYY-MM-DD"),
    ("soon", "cannot parse 'soon' as M/D/YYYY or YYYY-MM-DD"),
    (None, "cannot parse '' as M/D/YYYY or YYYY-MM-DD"),  # never a silent NULL
])
def test_warn_date_problems(con, text, reason):
    assert call(con, "warn_date_problem", text) == reason


def test_placeholder_dates_are_told_apart_from_real_old_ones(con):
    assert call(con, "warn_placeholder_date", "1899-12-29 00:00:00") is True
    assert call(con, "warn_placeholder_date", "1989-12-29 00:00:00") is False
    assert call(con, "warn_placeholder_date", "12/29/1989") is False


def test_the_warn_floor_is_the_act_not_2000(con):
    snapshot = date(2026, 4, 10)
    assert call(con, "warn_notice_date_problem", "notice_date", date(1988, 8, 4), snapshot) is None
    assert call(con, "warn_notice_date_problem", "notice_date", date(1995, 6, 1), snapshot) is None
    assert call(con, "warn_notice_date_problem", "notice_date", date(1988, 8, 3), snapshot) == \
        "notice_date: 1988-08-03 is outside the plausible range 1988-08-04..2026-05-11"
    assert call(con, "warn_notice_date_problem", "notice_date", date(2026, 5, 12), snapshot).startswith(
        "notice_date: 2026-05-12 is outside")
    # a layoff may start long after the notice is filed: up to 3 years after the snapshot
    assert call(con, "warn_effective_date_problem", "effective_date", date(2029, 4, 10), snapshot) is None
    assert call(con, "warn_effective_date_problem", "effective_date", None, snapshot) is None
    assert call(con, "warn_effective_date_problem", "effective_date", date(2029, 4, 11), snapshot) == \
        "effective_date: 2029-04-11 is outside the plausible range 1988-08-04..2029-04-10"


def test_workers_bounds_allow_zero(con):
    assert call(con, "warn_workers_problem", "workers", 0.0) is None
    assert call(con, "warn_workers_problem", "workers", 27500.0) is None
    assert call(con, "warn_workers_problem", "workers", 2e6) == \
        "workers: 2,000,000 is outside the plausible range 0..1,000,000"


@pytest.mark.parametrize("text", [
    "1651 SOUTH F STREET, SPRINGFIELD, OR 97",  # cut at 39 characters, ZIP code cut too
    "3985 PORTLAND RD., SALEM, OR 97303     ",
    "12 Main St, Springfield, OR 97477",
    "77 Harbor Rd, Astoria, OR",
])
def test_an_address_in_the_company_column_is_refused(con, text):
    reason = call(con, "warn_address_problem", text)
    assert reason is not None and reason.endswith(" is a street address, not an employer")


@pytest.mark.parametrize("text", [
    "4 Leaf LLC", "80 Acres Urban Agriculture, Inc.", "365 Hospitality Associates, LLC", "420 Park FB LLC",
    "3M Company", "7-Eleven, Inc.", "Main Street Bank, N.A.", "Corvid Systems",
])
def test_employers_with_numbers_or_street_words_are_kept(con, text):
    assert call(con, "warn_address_problem", text) is None


@pytest.mark.parametrize(("text", "kind", "temporary"), [
    ("Layoff", "layoff", None), ("Closure", "closure", None),  # Washington, New York: own columns
    ("Permanent closure", "closure", False), ("Temporary Layoff", "layoff", True),  # Oregon: one label
    ("Reduction", "layoff", None), ("Large Layoff - 10 or more workers", "layoff", None),
    ("Small Layoff  1 \u2013 10 workers", "layoff", None), ("Other", "layoff", None),
])
def test_layoff_or_closure_and_temporary(con, text, kind, temporary):
    assert call(con, "warn_notice_type", text) == kind
    assert call(con, "warn_notice_type_problem", text) is None
    assert call(con, "warn_temporary", text) is temporary


def test_unknown_labels_are_refused_not_guessed(con):
    assert call(con, "warn_notice_type_problem", "Furlough") == "cannot read 'Furlough' as a layoff or a closure"
    assert call(con, "warn_notice_type_problem", None) == "cannot read '' as a layoff or a closure"
    assert call(con, "warn_duration_problem", "Seasonal") == "cannot read 'Seasonal' as permanent or temporary"
    for said in ("Permanent", "Temporary", " temporary ", "N/A", ""):
        assert call(con, "warn_duration_problem", said) is None, said
    assert call(con, "warn_temporary", "N/A") is None
