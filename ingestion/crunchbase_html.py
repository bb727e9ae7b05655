"""Pure extractor for the Crunchbase News tech-layoffs tracker page: layoff tables, weekly/yearly tallies, data embeds."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from urllib.parse import parse_qs, urlsplit

from bs4 import BeautifulSoup, Tag

from ingestion.core import SchemaError

SOURCE = "crunchbase_tracker"
CANONICAL_KEYS = ("company", "num_layoffs", "pct_impacted", "reported_date", "industry", "hq", "source",
                  "company_status", "notes")


@dataclass(frozen=True)
class HtmlRecord:
    """One data row of a layoff table: canonical key -> cell text (whitespace-collapsed, otherwise as found)."""

    line_number: int  # line of the <tr>
    table_title: str | None
    cells: dict[str, str]
    raw_text: str  # the row's cell texts joined with " | "


@dataclass(frozen=True)
class HtmlTally:
    """One "By the numbers" line: a week ('Week ended Dec. 7, 2023: At least 2,165 …') or a year ('In 2023: …')."""

    line_number: int
    period_kind: str  # 'week' | 'year'
    period_label: str  # text before the colon, as found ("Week ended Dec. 7, 2023", "In 2023")
    period_start: date
    period_end: date
    qualifier: str  # 'At least', 'More than', … as found; '' when absent
    laid_off: int
    sentence: str


@dataclass
class HtmlPage:
    """What `extract` found. `embeds` holds data-source URLs as found in the page, in document order."""

    records: list[HtmlRecord] = field(default_factory=list)
    tallies: list[HtmlTally] = field(default_factory=list)
    embeds: list[str] = field(default_factory=list)
    problems: list[tuple[int, str, str]] = field(default_factory=list)  # (line, raw text, reason)


_WS = re.compile(r"\s+")
_BR = "\u2028"  # stands in for <br>: whitespace to _clean, a line break to the tally reader


def _clean(text: str) -> str:
    return _WS.sub(" ", text).strip()


def _soup(html: str) -> BeautifulSoup:
    soup = BeautifulSoup(html, "html.parser")
    for br in soup.find_all("br"):
        br.replace_with(_BR)  # keeps "4,000<br>(est.)" readable and splits tally lines
    return soup


_HEADER_RULES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("company_status", re.compile(r"\bstatus\b|^public ?/ ?private$")),
    ("pct_impacted", re.compile(r"%|percent|\bpct\b|share of (the )?(work ?force|staff)")),
    ("reported_date", re.compile(r"\bdate\b|^(announced|reported)( on)?$|^when$")),
    ("industry", re.compile(r"\bindustry\b|\bsector\b|^vertical$")),
    ("hq", re.compile(r"^hq\b|headquarter|\blocation\b|^city$|^based in$")),
    ("source", re.compile(r"^sources?\b|^link$|^reported by$")),
    ("notes", re.compile(r"^notes?\b|^comments?$|^details$")),
    ("num_layoffs", re.compile(r"laid[ -]?off|\blayoffs?\b|job cuts|^cuts$|^#$|^num\b|^number of (employees|workers|jobs)"
                               r"|^(employees|workers|jobs) (affected|cut)$|^headcount (cut|reduction)$")),
    ("company", re.compile(r"^(company|company name|companies|name|organi[sz]ation|employer)$")),
)


def _header_key(text: str) -> str | None:
    norm = _clean(text.replace("_", " ")).lower().strip(" :*")
    for key, pattern in _HEADER_RULES:
        if pattern.search(norm):
            return key
    return None


def _own_rows(table: Tag) -> list[Tag]:
    return [tr for tr in table.find_all("tr") if tr.find_parent("table") is table]


def _cells(tr: Tag) -> list[Tag]:
    return tr.find_all(["td", "th"], recursive=False)


def _span(cell: Tag) -> int:
    m = re.match(r"\s*(\d+)", str(cell.get("colspan") or ""))
    return max(1, int(m.group(1))) if m else 1


def _table_title(table: Tag) -> str | None:
    for el in (table.find("caption", recursive=False), table.find_previous(["h2", "h3", "h4"])):
        if el is not None and _clean(el.get_text("")):
            return _clean(el.get_text(""))
    return None


def _read_table(table: Tag, page: HtmlPage) -> tuple[bool, list[str]]:
    """Append the table's records/problems; return (is a layoff table, header texts)."""
    rows = _own_rows(table)
    if not rows:
        return False, []
    head_rows = [tr for tr in rows if tr.find_parent("thead") is not None]
    first_texts: list[str] = []
    for at, header in enumerate(head_rows or rows[:3]):  # a title row may sit above the header row
        header_texts = [_clean(c.get_text("")) for c in _cells(header)]
        first_texts = first_texts or header_texts
        keys: list[str | None] = []
        for text in header_texts:
            key = _header_key(text)
            keys.append(key if key not in keys else None)  # a repeated key keeps its first column
        if "company" in keys and {"num_layoffs", "reported_date"} & set(keys):
            break
    else:
        return False, first_texts
    title = _table_title(table)
    width = len(keys)
    for tr in rows if head_rows else rows[at + 1:]:
        if tr.find_parent("thead") is not None or tr.find_parent("tfoot") is not None:
            continue
        cells = _cells(tr)
        if not cells:
            continue
        texts = [_clean(c.get_text("")) for c in cells]
        raw = " | ".join(texts)
        line = tr.sourceline or 0
        found = sum(_span(c) for c in cells)
        if found != width:
            page.problems.append((line, raw, f"expected {width} cells, found {found}"))
            continue
        if len(cells) == 1 and width > 1:
            page.problems.append((line, raw, f"row is a single cell spanning all {width} columns"))
            continue
        values: list[str] = []
        for cell, text in zip(cells, texts):
            values += [text] + [""] * (_span(cell) - 1)
        record = {k: v for k, v in zip(keys, values) if k is not None}
        page.records.append(HtmlRecord(line, title, record, raw))
    return True, header_texts


_MONTHS = {"jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
           "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9, "sept": 9,
           "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12, "december": 12}
_WEEK_START = re.compile(r"^(?:layoffs\s+(?:during|in|for)\s+)?(?:the\s+)?week\s+end(?:ed|ing)\s+"
                         r"(?=(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s|\d)", re.I)
_YEAR_START = re.compile(r"^In\s+(\d{4})\b[^:.]{0,20}:", re.I)
_DATE = re.compile(r"^([A-Za-z]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})$")
_COUNT = re.compile(r"^\s*(?P<qual>[A-Za-z]+(?:[ -][A-Za-z]+){0,2})?\s*(?P<num>\d[\d,.]*)")
_NUMBER = re.compile(r"\d{1,3}(?:,\d{3})+|\d+")


def _parse_date(text: str) -> date | None:
    m = _DATE.match(text.strip())
    if not m or m.group(1).lower() not in _MONTHS:
        return None
    try:
        return date(int(m.group(3)), _MONTHS[m.group(1).lower()], int(m.group(2)))
    except ValueError:
        return None


def _parse_count(rest: str) -> tuple[str, int] | str:
    """'At least 2,165 U.S. tech …' -> ('At least', 2165); an error reason string when unreadable."""
    m = _COUNT.match(rest)
    if not m:
        return f"no worker count in {rest[:40]!r}"
    num = m.group("num").rstrip(",.")
    if not _NUMBER.fullmatch(num):
        return f"unreadable worker count {num!r}"
    return (m.group("qual") or "").strip(), int(num.replace(",", ""))


def _read_tally(line: int, sentence: str, page: HtmlPage) -> bool:
    """Parse one candidate sentence; return True when it looked like a tally (parsed or reported as a problem)."""
    week, year = _WEEK_START.match(sentence), _YEAR_START.match(sentence)
    if not week and not year:
        return False
    if ":" not in sentence:
        page.problems.append((line, sentence, "tally sentence has no ':' after its period"))
        return True
    label, rest = sentence.split(":", 1)
    label = label.strip()
    if week:
        when = _parse_date(label[week.end():])
        if when is None:
            page.problems.append((line, sentence, f"unreadable week-ended date {label[week.end():]!r}"))
            return True
        kind, start, end = "week", when - timedelta(days=6), when
    else:
        y = int(year.group(1))
        if not 1990 <= y <= 2100:
            page.problems.append((line, sentence, f"unreadable tally year {y}"))
            return True
        kind, start, end = "year", date(y, 1, 1), date(y, 12, 31)
    count = _parse_count(rest.strip())
    if isinstance(count, str):
        page.problems.append((line, sentence, f"{count} after {label + ':'!r}"))
        return True
    page.tallies.append(HtmlTally(line, kind, label, start, end, count[0], count[1], sentence))
    return True


def _read_tallies(soup: BeautifulSoup, page: HtmlPage) -> None:
    for el in soup.find_all(["p", "li"]):
        if el.find(["p", "li"]) is not None:  # the innermost block holds the sentence
            continue
        text, pos = el.get_text(""), 0
        for part in text.split(_BR):  # one <p> may hold several tallies separated by <br>
            first = pos + len(part) - len(part.lstrip())
            pos += len(part) + 1
            sentence = _clean(part)
            if sentence:  # line of the sentence's first character (text nodes keep the source newlines)
                _read_tally((el.sourceline or 0) + text[:first].count("\n"), sentence, page)


_URL_ATTRS = ("src", "data-src", "data-lazy-src", "data", "href")
_DATA_HOSTS = re.compile(r"(^|\.)(flo\.uri\.sh|flourish\.studio|infogram\.com)$")
_GSHEET = re.compile(r"^/spreadsheets/d/(e/)?([A-Za-z0-9_-]+)")
_DW = re.compile(r"^/([A-Za-z0-9]{5})/(\d+)/?")


def _is_data_url(url: str) -> bool:
    parts = urlsplit(url if "//" in url else "")
    host = (parts.hostname or "").lower()
    path = parts.path
    if host == "docs.google.com":
        return path.startswith("/spreadsheets/")
    if host.endswith("dwcdn.net"):  # chart ids are 5 characters; /lib/embed.min.js is not a chart
        return bool(re.match(r"^/[A-Za-z0-9]{5}(/|$)", path))
    if host.endswith("datawrapper.de"):
        return path.startswith("/_/")
    if host.endswith("airtable.com"):
        return "/shr" in path
    return bool(_DATA_HOSTS.search(host)) or path.lower().endswith(".csv")


def to_data_url(url: str) -> str | None:
    """CSV URL for a Google Sheets / Datawrapper embed; None when no data-URL convention is known."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.path.lower().endswith(".csv"):
        return url
    if host == "docs.google.com" and (m := _GSHEET.match(parts.path)):
        gid = (parse_qs(parts.query).get("gid") or parse_qs(parts.fragment).get("gid") or [None])[0]
        suffix = f"&gid={gid}" if gid and gid.isdigit() else ""
        if m.group(1):  # published-to-web key: /d/e/<key>/pubhtml|pub
            return f"https://docs.google.com/spreadsheets/d/e/{m.group(2)}/pub?output=csv{suffix}"
        return f"https://docs.google.com/spreadsheets/d/{m.group(2)}/export?format=csv{suffix}"
    if host.endswith("dwcdn.net") and (m := _DW.match(parts.path)):
        return f"https://{host}/{m.group(1)}/{m.group(2)}/dataset.csv"
    return None


def _find_embeds(soup: BeautifulSoup) -> list[tuple[int, str]]:
    """(rank, url as found) for every data-source URL, in document order; rank 0 = embedded, 1 = plain link."""
    found: dict[str, int] = {}  # insertion order = document order; a URL keeps its best rank
    for el in soup.find_all(True):
        for attr in _URL_ATTRS:
            value = el.get(attr)
            if not isinstance(value, str) or (attr == "href") != (el.name == "a"):
                continue
            url = value.strip()
            if url.startswith("//"):
                url = "https:" + url
            if _is_data_url(url):
                found[url] = min(found.get(url, 1), 1 if el.name == "a" else 0)
    return [(rank, url) for url, rank in found.items()]


def find_embed_data_url(html: str) -> str | None:
    """Best data URL: embedded (iframe/embed/object/script/data-src) before linked, CSV-convertible before as-found."""
    embeds = _find_embeds(_soup(html))
    if not embeds:
        return None
    _, url = min(embeds, key=lambda e: (e[0], to_data_url(e[1]) is None))  # min keeps the earliest of equals
    return to_data_url(url) or url


def extract(html: str) -> HtmlPage:
    """Read every layoff table, tally sentence and data embed of the tracker page.

    Raises SchemaError when the page holds none of the three (the layout changed).
    """
    soup = _soup(html)
    page = HtmlPage()
    layoff_tables, other_headers = 0, []
    for table in soup.find_all("table"):
        is_layoff, header = _read_table(table, page)
        layoff_tables += is_layoff
        if not is_layoff and header:
            other_headers.append(header)
    tally_problems = len(page.problems)
    _read_tallies(soup, page)
    saw_tally = bool(page.tallies) or len(page.problems) > tally_problems
    page.embeds = [url for _, url in _find_embeds(soup)]
    if not layoff_tables and not saw_tally and not page.embeds:
        detail = ""
        if other_headers:
            detail = (f" ({len(other_headers)} table(s) lack company + layoffs/date headers; first header: "
                      f"{' | '.join(other_headers[0])})")
        raise SchemaError(f"{SOURCE}: page layout changed: no layoff table, no weekly tallies and no data embed "
                          f"found{detail}")
    page.problems.sort(key=lambda p: p[0])
    return page
