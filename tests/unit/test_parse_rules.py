"""The typing rules (dbt_project/macros/parse_rules.sql), executed in DuckDB exactly as staging runs them."""

from __future__ import annotations

from datetime import date

import pytest

from tests.support.parse_rules_db import call, con  # noqa: F401 - `con` is a fixture


@pytest.mark.parametrize(
    ("text", "value", "unclear"),
    [
        ("4,000", 4000, False),
        ("310", 310, False),
        ("16000.0", 16000, False),
        (" 12 ", 12, False),
        ("1,250 (est.)", 1250, False),
        ("Unclear", None, True),
        ("unclear", None, True),
        ("", None, True),
        ("   ", None, True),
        (None, None, True),
        ("100-200", None, True),
    ],
)
def test_count(con, text, value, unclear):
    assert call(con, "count_problem", text) is None
    assert call(con, "count_value", text) == value
    assert call(con, "count_unclear", text) is unclear


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("-40", "negative count"),
        ("-12.0", "negative count"),
        ("12.5", "'12.5' is not a whole number"),
        ("lots", "cannot parse 'lots' as a count"),
        ("4,00", "cannot parse '4,00' as a count"),
        ("1,000+", "cannot parse '1,000+' as a count"),
    ],
)
def test_count_problems(con, text, reason):
    assert call(con, "count_problem", text) == reason
    assert call(con, "count_value", text) is None


@pytest.mark.parametrize(
    ("text", "value", "unclear"),
    [
        ("13%", 0.13, False),
        ("100%", 1.0, False),
        ("0.27%", 0.0027, False),
        ("7.5%", 0.075, False),
        ("0.15", 0.15, False),
        ("1.0", 1.0, False),
        ("0", 0.0, False),
        ("10%-15%", None, True),
        ("Unclear", None, True),
        ("", None, True),
    ],
)
def test_percent(con, text, value, unclear):
    assert call(con, "percent_problem", text) is None
    assert call(con, "percent_value", text) == (pytest.approx(value) if value is not None else None)
    assert call(con, "percent_unclear", text) is unclear


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("150%", "'150%' is above 100%"),
        ("1.5", "'1.5' is above 1 as a fraction"),
        ("-5%", "negative percentage"),
        ("about half", "cannot parse 'about half' as a percentage"),
    ],
)
def test_percent_problems(con, text, reason):
    assert call(con, "percent_problem", text) == reason


def test_mdy_date(con):
    assert call(con, "mdy_date", "11/23/22") == date(2022, 11, 23)
    assert call(con, "mdy_date", "1/28/2026") == date(2026, 1, 28)
    assert call(con, "mdy_date", "1/5/31") == date(2031, 1, 5)
    assert call(con, "mdy_date", " 2/29/2024 ") == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["13/45/2022", "2/30/2023", "2022-11-23", "11/23", "Nov. 18, 2022", ""])
def test_mdy_date_problems(con, text):
    assert call(con, "mdy_date", text) is None
    assert call(con, "mdy_date_problem", text) == f"cannot parse {text!r} as M/D/YYYY"


def test_iso_date(con):
    assert call(con, "iso_date", "2025-03-14") == date(2025, 3, 14)
    for bad in ("2025-13-01", "2020-02-30", "02/04/2020", "2025-3-1", "20250314"):
        assert call(con, "iso_date", bad) is None
        assert call(con, "iso_date_problem", bad) == f"cannot parse {bad!r} as YYYY-MM-DD"
    assert call(con, "iso_datetime_date", "2023-01-04T00:00:00.000Z") == date(2023, 1, 4)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Nov. 18, 2022", date(2022, 11, 18)),
        ("Sept. 28, 2022", date(2022, 9, 28)),
        ("November 18 2022", date(2022, 11, 18)),
        ("Nov 18, 2022", date(2022, 11, 18)),
        ("11/18/2022", date(2022, 11, 18)),
        ("11/18/22", date(2022, 11, 18)),
        ("2022-11-18", date(2022, 11, 18)),
    ],
)
def test_text_date(con, text, expected):
    assert call(con, "text_date", text) == expected
    assert call(con, "text_date_problem", text) is None


@pytest.mark.parametrize("text", ["Smarch 3, 2022", "Feb. 30, 2023", "last week", "13/45/2022"])
def test_text_date_problems(con, text):
    assert call(con, "text_date", text) is None
    assert call(con, "text_date_problem", text).startswith(f"cannot parse {text!r} as a date")


def test_float(con):
    assert call(con, "float_value", "2400000000.0") == 2.4e9
    assert call(con, "float_value", "9.504e+22") == 9.504e22
    assert call(con, "float_value", "1,500") == 1500.0
    assert call(con, "float_value", "-3") == -3.0
    assert call(con, "float_problem", "") is None and call(con, "float_problem", "  ") is None
    for bad, reason in (("abc", "cannot parse 'abc' as a number"), ("nan", "'nan' is not a finite number"),
                        ("inf", "'inf' is not a finite number")):
        assert call(con, "float_problem", bad) == reason


def test_amount(con):
    assert call(con, "amount_problem", "27.5") is None
    assert call(con, "amount_problem", "") is None
    assert call(con, "amount_problem", "-3") == "negative amount"


def test_flag(con):
    assert call(con, "flag_value", "True") is True
    assert call(con, "flag_value", "false") is False
    assert call(con, "flag_value", "yes") is True
    assert call(con, "flag_value", "0") is False
    assert call(con, "flag_value", " ") is False  # blank is false
    assert call(con, "flag_problem", "maybe") == "cannot parse 'maybe' as true/false"


def test_text_or_null_keeps_text_as_found(con):
    assert call(con, "text_or_null", "Larkspur Labs  ") == "Larkspur Labs  "
    assert call(con, "text_or_null", "   ") is None
    assert call(con, "text_or_null", "") is None
    assert call(con, "text_or_null", None) is None


def test_reason_quotes_like_python_repr(con):
    for text in ("it's", 'say "hi"', "tab\there", "back\\slash"):
        assert call(con, "py_repr", text) == repr(text)


def test_labelled_and_blank_key(con):
    assert call(con, "labelled", "date", call(con, "mdy_date_problem", "13/45/2022")) == \
        "date: cannot parse '13/45/2022' as M/D/YYYY"
    assert call(con, "blank_key", "company", " Acme ") is None
    assert call(con, "blank_key", "company", "  ") == "company: blank key field"


def test_plausible_bounds(con):
    snapshot = date(2026, 11, 23)
    assert call(con, "layoff_date_problem", "date", date(2026, 12, 24), snapshot) is None  # + 31 days
    assert call(con, "layoff_date_problem", "date", None, snapshot) is None
    assert call(con, "layoff_date_problem", "date", date(2026, 12, 25), snapshot) == \
        "date: 2026-12-25 is outside the plausible range 2000-01-01..2026-12-24"
    assert call(con, "layoff_date_problem", "date", date(1900, 1, 1), snapshot).startswith(
        "date: 1900-01-01 is outside the plausible range")
    assert call(con, "layoff_count_problem", "count", 1_000_000.0) is None
    assert call(con, "layoff_count_problem", "count", 1e12) == \
        "count: 1,000,000,000,000 is outside the plausible range 1..1,000,000"
    assert call(con, "layoff_count_problem", "count", 0.0).startswith("count: 0 is outside")
