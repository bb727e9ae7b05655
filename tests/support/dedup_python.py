"""Plain-Python version of the documented deduplication rule (dbt_project/models/marts/_dedup_rule.md), for tests."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from urllib.parse import urlsplit


@dataclass(frozen=True)
class Row:
    ref: str
    source: str          # 'crunchbase_tracker' | 'layoffs_fyi'
    key: str             # company_key
    day: date
    count: int | None
    line: int
    pct: float | None = None     # share laid off, 0-1
    url: str | None = None       # the source text (an article URL or not)


def url_key(text: str | None) -> str | None:
    """The article a source URL names: host without www., path without trailing slash, lower case."""
    if not text or not re.match(r"https?://", text.strip(), re.I):
        return None
    parts = urlsplit(text.strip())
    host = parts.netloc.lower().removeprefix("www.")
    return (host + parts.path).lower().rstrip("/") or None


def cites_crunchbase_news(text: str | None) -> bool:
    return url_key(text) is not None and urlsplit(text.strip()).hostname.removeprefix("www.") == "news.crunchbase.com"


def company_key(name: str) -> str:
    """The documented company_key rule (point 2 of the rule), written independently of the SQL macro."""
    s = unicodedata.normalize("NFKD", name.strip().lower())
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = re.sub(r"\.com\b", "", s)
    s = re.sub(r"['’`]", "", s)
    s = re.sub(r"[!-/:-@\[-`{-~]", " ", s)
    s = re.sub(r"\s+", " ", s).strip()
    s = re.sub(r"( (inc|incorporated|corp|corporation|co|ltd|limited|llc|plc|gmbh))+$", "", s).strip()
    return s or name.strip().lower()


def levenshtein(a: str, b: str) -> int:
    """Edit distance (insertions, deletions, substitutions), textbook dynamic programme."""
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def _same_pct(a: Row, b: Row) -> bool:
    counts_differ = a.count is not None and b.count is not None and a.count != b.count
    return a.pct is not None and b.pct is not None and round(a.pct, 6) == round(b.pct, 6) and not counts_differ


def _linked(a: Row, b: Row, repeat_days: int, pct_days: int) -> bool:
    """Step 1 of the rule: two rows of one source listing one layoff."""
    gap = abs((a.day - b.day).days)
    return (gap == 0 and a.count == b.count
            or gap <= repeat_days and a.count is not None and a.count == b.count
            or gap <= repeat_days and url_key(a.url) is not None and url_key(a.url) == url_key(b.url)
            or gap <= pct_days and _same_pct(a, b))


def duplicates(rows: list[Row], repeat_days: int = 3, pct_days: int = 14) -> dict[str, str]:
    """ref -> ref of the row kept for its group of linked rows (same source and key; links chain): a known count
    first, then the earliest date, then the lowest line."""
    parent = {r.ref: r.ref for r in rows}

    def find(x: str) -> str:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    dated = [r for r in rows if r.day is not None]
    for i, a in enumerate(dated):
        for b in dated[i + 1:]:
            if a.source == b.source and a.key == b.key and _linked(a, b, repeat_days, pct_days):
                parent[find(a.ref)] = find(b.ref)
    groups: dict[str, list[Row]] = {}
    for r in dated:
        groups.setdefault(find(r.ref), []).append(r)
    out = {}
    for members in groups.values():
        kept = min(members, key=lambda r: (r.count is None, r.day, r.line, r.ref))
        out.update({r.ref: kept.ref for r in members if r is not kept})
    return out


def _name_match(a: str, b: str, max_edits: int, min_len: int) -> str | None:
    if a == b:
        return "same_key"
    if min(len(a), len(b)) < min_len:
        return None
    if levenshtein(a, b) <= max_edits:
        return "edit_distance"
    ta, tb = set(a.split(" ")), set(b.split(" "))
    return "token_containment" if ta <= tb or tb <= ta else None


def match(rows: list[Row], window: int = 7, equal_window: int = 21, max_edits: int = 2,
          min_len: int = 5, pct_window: int = 14, cited_window: int = 45) -> dict[tuple[str, str], str]:
    """Greedy one-to-one matching, same-key pairs first, then the closest dates: {(cb ref, fyi ref): name match}."""
    dup = duplicates(rows)
    cb = [r for r in rows if r.source == "crunchbase_tracker" and r.ref not in dup]
    fyi = [r for r in rows if r.source == "layoffs_fyi" and r.ref not in dup]
    cands = []
    for c in cb:
        for f in fyi:
            gap = abs((c.day - f.day).days)
            equal = c.count is not None and c.count == f.count
            if not (gap <= window or equal and gap <= equal_window or _same_pct(c, f) and gap <= pct_window
                    or cites_crunchbase_news(f.url) and gap <= cited_window):
                continue
            how = _name_match(c.key, f.key, max_edits, min_len)
            if how:
                cands.append((how, gap, c, f))
    same_cb = {c.ref for how, _g, c, _f in cands if how == "same_key"}
    same_fyi = {f.ref for how, _g, _c, f in cands if how == "same_key"}
    cands = [x for x in cands if x[0] == "same_key" or (x[2].ref not in same_cb and x[3].ref not in same_fyi)]
    cands.sort(key=lambda x: (x[0] != "same_key", x[1], x[2].day, x[2].ref, x[3].day, x[3].ref))
    used_c, used_f, pairs = set(), set(), {}
    for how, _gap, c, f in cands:
        if c.ref not in used_c and f.ref not in used_f:
            used_c.add(c.ref)
            used_f.add(f.ref)
            pairs[(c.ref, f.ref)] = how
    return pairs
