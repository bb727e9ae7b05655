"""Plain-Python version of the documented deduplication rule (dbt_project/models/marts/_dedup_rule.md), for tests."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Row:
    ref: str
    source: str          # 'crunchbase_tracker' | 'layoffs_fyi'
    key: str             # company_key
    day: date
    count: int | None
    line: int


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


def duplicates(rows: list[Row]) -> dict[str, str]:
    """ref -> ref of the first row (lowest line) with the same source, key, date and count."""
    first: dict[tuple, Row] = {}
    out = {}
    for row in sorted(rows, key=lambda r: (r.line, r.ref)):
        group = (row.source, row.key, row.day, row.count)
        if group in first:
            out[row.ref] = first[group].ref
        else:
            first[group] = row
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
          min_len: int = 5) -> dict[tuple[str, str], str]:
    """Greedy one-to-one matching, same-key pairs first, then the closest dates: {(cb ref, fyi ref): name match}."""
    dup = duplicates(rows)
    cb = [r for r in rows if r.source == "crunchbase_tracker" and r.ref not in dup]
    fyi = [r for r in rows if r.source == "layoffs_fyi" and r.ref not in dup]
    cands = []
    for c in cb:
        for f in fyi:
            gap = abs((c.day - f.day).days)
            equal = c.count is not None and c.count == f.count
            if gap > window and not (equal and gap <= equal_window):
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
