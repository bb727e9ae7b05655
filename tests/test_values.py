"""Tests for the pure value converters in ingestion.values."""

from __future__ import annotations

from datetime import date

import pytest

from ingestion.values import (
    Reading,
    labelled,
    plausible_date,
    plausible_number,
    parse_bool,
    parse_count,
    parse_float,
    parse_iso_date,
    parse_mdy_date,
    parse_nonnegative_float,
    parse_percent,
    parse_text_date,
    require_key,
    text_or_none,
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("4,000", Reading(4000, False)),
        ("310", Reading(310, False)),
        ("16000.0", Reading(16000, False)),
        (" 12 ", Reading(12, False)),
        ("1,250 (est.)", Reading(1250, False)),
        ("Unclear", Reading(None, True)),
        ("unclear", Reading(None, True)),
        ("", Reading(None, True)),
        ("   ", Reading(None, True)),
        ("100-200", Reading(None, True)),
    ],
)
def test_parse_count(text, expected):
    result = parse_count(text)
    assert result == expected
    assert type(result.value) is type(expected.value)  # int, never float


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
def test_parse_count_rejects(text, reason):
    with pytest.raises(ValueError) as info:
        parse_count(text)
    assert str(info.value) == reason


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13%", Reading(0.13, False)),
        ("100%", Reading(1.0, False)),
        ("0.27%", Reading(0.0027, False)),
        ("7.5%", Reading(0.075, False)),
        ("0.15", Reading(0.15, False)),
        ("1.0", Reading(1.0, False)),
        ("0", Reading(0.0, False)),
        ("10%-15%", Reading(None, True)),
        ("Unclear", Reading(None, True)),
        ("", Reading(None, True)),
    ],
)
def test_parse_percent(text, expected):
    assert parse_percent(text) == expected


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("150%", "'150%' is above 100%"),
        ("1.5", "'1.5' is above 1 as a fraction"),
        ("-5%", "negative percentage"),
        ("about half", "cannot parse 'about half' as a percentage"),
    ],
)
def test_parse_percent_rejects(text, reason):
    with pytest.raises(ValueError) as info:
        parse_percent(text)
    assert str(info.value) == reason


def test_parse_mdy_date():
    assert parse_mdy_date("11/23/22") == date(2022, 11, 23)
    assert parse_mdy_date("1/28/2026") == date(2026, 1, 28)
    assert parse_mdy_date("1/5/31") == date(2031, 1, 5)
    assert parse_mdy_date(" 2/29/2024 ") == date(2024, 2, 29)


@pytest.mark.parametrize("text", ["13/45/2022", "2/30/2023", "2022-11-23", "11/23", "Nov. 18, 2022", ""])
def test_parse_mdy_date_rejects(text):
    with pytest.raises(ValueError) as info:
        parse_mdy_date(text)
    assert str(info.value) == f"cannot parse {text!r} as M/D/YYYY"


def test_parse_iso_date():
    assert parse_iso_date("2025-03-14") == date(2025, 3, 14)
    for bad in ("2025-13-01", "2020-02-30", "02/04/2020", "2025-3-1", "20250314"):
        with pytest.raises(ValueError, match=r"as YYYY-MM-DD$"):
            parse_iso_date(bad)


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
def test_parse_text_date(text, expected):
    assert parse_text_date(text) == expected


@pytest.mark.parametrize("text", ["Smarch 3, 2022", "Feb. 30, 2023", "last week", "13/45/2022"])
def test_parse_text_date_rejects(text):
    with pytest.raises(ValueError, match="cannot parse"):
        parse_text_date(text)


def test_parse_float():
    assert parse_float("2400000000.0") == 2.4e9
    assert parse_float("9.504e+22") == 9.504e22
    assert parse_float("1,500") == 1500.0
    assert parse_float("-3") == -3.0
    assert parse_float("") is None
    assert parse_float("  ") is None
    for bad, reason in (("abc", "cannot parse 'abc' as a number"), ("nan", "'nan' is not a finite number"),
                        ("inf", "'inf' is not a finite number")):
        with pytest.raises(ValueError) as info:
            parse_float(bad)
        assert str(info.value) == reason


def test_parse_nonnegative_float():
    assert parse_nonnegative_float("27.5") == 27.5
    assert parse_nonnegative_float("") is None
    with pytest.raises(ValueError, match="^negative amount$"):
        parse_nonnegative_float("-3")


def test_parse_bool():
    assert parse_bool("True") is True
    assert parse_bool("false") is False
    assert parse_bool("yes") is True
    assert parse_bool("0") is False
    assert parse_bool("") is None
    assert parse_bool(" ", blank=False) is False
    with pytest.raises(ValueError, match="cannot parse 'maybe' as true/false"):
        parse_bool("maybe")


def test_text_or_none_keeps_text_as_found():
    assert text_or_none("Larkspur Labs  ") == "Larkspur Labs  "
    assert text_or_none("   ") is None
    assert text_or_none("") is None
    assert text_or_none(None) is None


def test_labelled_prefixes_column_name():
    with pytest.raises(ValueError) as info:
        labelled("date", parse_mdy_date, "13/45/2022")
    assert str(info.value) == "date: cannot parse '13/45/2022' as M/D/YYYY"
    assert labelled("date", parse_mdy_date, "1/2/2023") == date(2023, 1, 2)


def test_require_key_and_plausible_bounds():
    assert require_key("company", " Acme ") == " Acme "
    with pytest.raises(ValueError, match="^company: blank key field$"):
        require_key("company", "  ")
    snapshot = date(2026, 11, 23)
    earliest = date(2000, 1, 1)
    assert plausible_date("date", date(2026, 12, 24), earliest, snapshot) == date(2026, 12, 24)  # + 31 days
    assert plausible_date("date", None, earliest, snapshot) is None
    with pytest.raises(ValueError) as info:
        plausible_date("date", date(2026, 12, 25), earliest, snapshot)
    assert str(info.value) == "date: 2026-12-25 is outside the plausible range 2000-01-01..2026-12-24"
    with pytest.raises(ValueError, match="^date: 1900-01-01 is outside the plausible range"):
        plausible_date("date", date(1900, 1, 1), earliest, snapshot)
    assert plausible_number("count", 1_000_000, 1, 1_000_000) == 1_000_000
    with pytest.raises(ValueError, match=r"^count: 1,000,000,000,000 is outside the plausible range 1..1,000,000$"):
        plausible_number("count", 10**12, 1, 1_000_000)
    with pytest.raises(ValueError, match="^count: 0 is outside"):
        plausible_number("count", 0, 1, 1_000_000)
