"""Pure text-to-value converters shared by the source parsers; bad text raises ValueError with a short reason."""

from __future__ import annotations

import math
import re
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Callable, Generic, NamedTuple, TypeVar

T = TypeVar("T")

UNCLEAR_WORDS = frozenset({"unclear", "unknown", "n/a", "na", "tbd", "?"})

_COUNT_RE = re.compile(r"\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?")
_NOTE_RE = re.compile(r"\s*\([^()]*\)$")  # trailing annotation such as "(est.)"
_RANGE_RE = re.compile(r"\d[\d,]*(?:\.\d+)?%?\s*(?:-|–|—|to)\s*\d[\d,]*(?:\.\d+)?%?")
_PERCENT_RE = re.compile(r"(\d+(?:\.\d+)?|\.\d+)\s*(%?)")
_MDY_RE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4}|\d{2})")
_ISO_RE = re.compile(r"\d{4}-\d{2}-\d{2}")
_NAMED_RE = re.compile(r"([A-Za-z]+)\.?\s+(\d{1,2}),?\s+(\d{4})")
_MONTHS = {
    name: number
    for number, names in enumerate(
        [("jan", "january"), ("feb", "february"), ("mar", "march"), ("apr", "april"), ("may",),
         ("jun", "june"), ("jul", "july"), ("aug", "august"), ("sep", "sept", "september"),
         ("oct", "october"), ("nov", "november"), ("dec", "december")],
        start=1,
    )
    for name in names
}


class Reading(NamedTuple, Generic[T]):
    """A lenient reading of a cell: the typed value (None when unknown) and whether the text was unclear.

    `unclear` is True for blank text, words like `Unclear` and ranges such as `10%-15%`: the source
    does not give one number, which is different from a malformed value (that raises ValueError).
    """

    value: T | None
    unclear: bool


UNCLEAR: Reading = Reading(None, True)


def is_unclear(text: str) -> bool:
    """True when the (stripped) text is blank or an 'unknown' word such as `Unclear`."""
    return not text or text.lower() in UNCLEAR_WORDS


def parse_count(text: str) -> Reading[int]:
    """`4,000` -> 4000, `16000.0` -> 16000, `1,250 (est.)` -> 1250; blank/`Unclear`/`100-200` -> unclear.

    A negative number raises ValueError("negative count"); any other text raises ValueError.
    """
    s = _NOTE_RE.sub("", text.strip()) if text.endswith(")") else text.strip()
    if is_unclear(s):
        return UNCLEAR
    if s.startswith("-") and _COUNT_RE.fullmatch(s[1:].strip()):
        raise ValueError("negative count")
    if not _COUNT_RE.fullmatch(s):
        if _RANGE_RE.fullmatch(s):
            return UNCLEAR
        raise ValueError(f"cannot parse {text!r} as a count")
    number = float(s.replace(",", ""))
    if not number.is_integer():
        raise ValueError(f"{text!r} is not a whole number")
    return Reading(int(number), False)


def parse_percent(text: str) -> Reading[float]:
    """Share of staff as a fraction: `13%` -> 0.13, `0.15` -> 0.15, `0.27%` -> 0.0027; ranges -> unclear."""
    s = text.strip()
    if is_unclear(s):
        return UNCLEAR
    match = _PERCENT_RE.fullmatch(s)
    if match is None:
        if s.startswith("-") and _PERCENT_RE.fullmatch(s[1:].strip()):
            raise ValueError("negative percentage")
        if _RANGE_RE.fullmatch(s):
            return UNCLEAR
        raise ValueError(f"cannot parse {text!r} as a percentage")
    number = Decimal(match.group(1))
    if match.group(2):
        if number > 100:
            raise ValueError(f"{text!r} is above 100%")
        return Reading(float(number / 100), False)
    if number > 1:
        raise ValueError(f"{text!r} is above 1 as a fraction")
    return Reading(float(number), False)


def parse_mdy_date(text: str) -> date:
    """`11/23/22` or `1/28/2026` (two-digit years are 20xx) -> date."""
    match = _MDY_RE.fullmatch(text.strip())
    if match is not None:
        month, day, year = (int(g) for g in match.groups())
        if len(match.group(3)) == 2:
            year += 2000
        try:
            return date(year, month, day)
        except ValueError:
            pass
    raise ValueError(f"cannot parse {text!r} as M/D/YYYY")


def parse_iso_date(text: str) -> date:
    """`2025-03-14` -> date (strict YYYY-MM-DD)."""
    s = text.strip()
    if _ISO_RE.fullmatch(s):
        try:
            return date.fromisoformat(s)
        except ValueError:
            pass
    raise ValueError(f"cannot parse {text!r} as YYYY-MM-DD")


def parse_text_date(text: str) -> date:
    """Dates written on web pages: `Nov. 18, 2022`, `November 18 2022`, `11/18/2022`, `11/18/22`, ISO."""
    s = text.strip()
    if _MDY_RE.fullmatch(s):
        return parse_mdy_date(s)
    if _ISO_RE.fullmatch(s):
        return parse_iso_date(s)
    match = _NAMED_RE.fullmatch(s)
    if match is not None and match.group(1).lower() in _MONTHS:
        try:
            return date(int(match.group(3)), _MONTHS[match.group(1).lower()], int(match.group(2)))
        except ValueError:
            pass
    raise ValueError(f"cannot parse {text!r} as a date like 'Nov. 18, 2022' or M/D/YYYY")


def parse_float(text: str) -> float | None:
    """`2400000000.0`, `9.504e+22`, `1,500` -> float; blank -> None; nan/inf/other text -> ValueError."""
    s = text.strip()
    if not s:
        return None
    try:
        number = float(s.replace(",", "")) if "," in s else float(s)
    except ValueError:
        raise ValueError(f"cannot parse {text!r} as a number") from None
    if not math.isfinite(number):
        raise ValueError(f"{text!r} is not a finite number")
    return number


def parse_nonnegative_float(text: str) -> float | None:
    """Like parse_float, but a negative amount raises ValueError."""
    number = parse_float(text)
    if number is not None and number < 0:
        raise ValueError("negative amount")
    return number


_TRUE = frozenset({"true", "yes", "y", "1", "t", "checked"})
_FALSE = frozenset({"false", "no", "n", "0", "f"})


def parse_bool(text: str, *, blank: bool | None = None) -> bool | None:
    """`True`/`yes`/`1` -> True, `False`/`no`/`0` -> False, blank -> `blank` (None unless told)."""
    s = text.strip().lower()
    if not s:
        return blank
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise ValueError(f"cannot parse {text!r} as true/false")


def text_or_none(text: str | None) -> str | None:
    """Cell text kept exactly as found, or None when it is blank (only whitespace)."""
    if text is None or not text.strip():
        return None
    return text


def labelled(column: str, convert: Callable[[str], T], text: str) -> T:
    """Run a converter, prefixing any ValueError with the column name: `date: cannot parse ...`."""
    try:
        return convert(text)
    except ValueError as exc:
        raise ValueError(f"{column}: {exc}") from None


def require_key(column: str, text: str | None) -> str:
    """Return a key field's text, or raise ValueError when it is blank."""
    if text is None or not text.strip():
        raise ValueError(f"{column}: blank key field")
    return text


# Plausibility bounds (issue 11): a value outside them is a reject with its reason, never a row that
# silently stretches every statistic. Dates may lie up to FUTURE_SLACK after the snapshot date
# (announced cuts); counts of people laid off in one event lie in LAYOFF_COUNTS.
FUTURE_SLACK = timedelta(days=31)
LAYOFF_DATES_FROM = date(2000, 1, 1)
LAYOFF_COUNTS = (1, 1_000_000)


def plausible_date(column: str, value: date | None, earliest: date, snapshot_date: date) -> date | None:
    """Return the date, or raise ValueError when it lies before `earliest` or over a month after the snapshot."""
    latest = snapshot_date + FUTURE_SLACK
    if value is not None and not earliest <= value <= latest:
        raise ValueError(f"{column}: {value.isoformat()} is outside the plausible range "
                         f"{earliest.isoformat()}..{latest.isoformat()}")
    return value


def plausible_number(column: str, value: T, low: float, high: float) -> T:
    """Return the number, or raise ValueError when it lies outside [low, high]."""
    if value is not None and not low <= value <= high:
        raise ValueError(f"{column}: {value:,} is outside the plausible range {low:,}..{high:,}")
    return value
