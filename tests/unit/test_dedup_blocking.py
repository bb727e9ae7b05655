"""The blocked candidate search of macro dedup_candidates finds exactly the pairs the dedup rule defines: checked
against a plain Python reading of the rule (every pair compared) on invented rows built to collide."""

from __future__ import annotations

import random
from datetime import date, timedelta
from pathlib import Path

import duckdb
import jinja2
import pytest
import yaml

PROJECT = Path(__file__).resolve().parents[2] / "dbt_project"
VARS = yaml.safe_load((PROJECT / "dbt_project.yml").read_text())["vars"]


def render_candidates(events: str) -> str:
    """The macro's SQL as dbt renders it (it uses only `var` and plain Jinja)."""
    source = (PROJECT / "macros" / "dedup_candidates.sql").read_text()
    env = jinja2.Environment(extensions=["jinja2.ext.do"])
    module = env.from_string(source, globals={"var": VARS.__getitem__, "ref": lambda name: name}).module
    return str(module.dedup_candidates(events))


def byte_levenshtein(a: str, b: str) -> int:
    """DuckDB's levenshtein counts UTF-8 bytes, so the rule does too."""
    x, y = a.encode(), b.encode()
    row = list(range(len(y) + 1))
    for i, cx in enumerate(x, 1):
        prev, row[0] = row[0], i
        for j, cy in enumerate(y, 1):
            prev, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, prev + (cx != cy))
    return row[-1]


def rule_pairs(rows: list[tuple]) -> set[tuple[str, str, str, str]]:
    """The rule in models/marts/_dedup_rule.md, every cross-source pair compared."""
    window, equal, edits, min_len, pct_days, cited_days = (VARS[k] for k in (
        "dedup_window_days", "dedup_equal_count_window_days", "dedup_fuzzy_max_edits", "dedup_fuzzy_min_key_length",
        "dedup_equal_pct_window_days", "dedup_citation_window_days"))
    cb = [r for r in rows if r[1] == "crunchbase_tracker" and r[5] is None and r[2] is not None]
    fyi = [r for r in rows if r[1] == "layoffs_fyi" and r[5] is None and r[2] is not None]
    found = []
    for c in cb:
        for f in fyi:
            gap = abs((c[2] - f[2]).days)
            equal_counts = c[4] is not None and c[4] == f[4]
            counts_differ = c[4] is not None and f[4] is not None and c[4] != f[4]
            equal_pcts = c[6] is not None and c[6] == f[6] and not counts_differ
            if gap <= window:
                date_rule = "within_window"
            elif equal_counts and gap <= equal:
                date_rule = "equal_count_extended"
            elif equal_pcts and gap <= pct_days:
                date_rule = "equal_pct_extended"
            elif f[7] and gap <= cited_days:
                date_rule = "crunchbase_citation"
            else:
                continue
            a, b = c[3], f[3]
            if a is None or b is None:
                continue
            if a == b:
                match = "same_key"
            elif min(len(a), len(b)) < min_len:
                continue
            elif byte_levenshtein(a, b) <= edits:
                match = "edit_distance"
            elif set(a.split(" ")) <= set(b.split(" ")) or set(b.split(" ")) <= set(a.split(" ")):
                match = "token_containment"
            else:
                continue
            found.append((c[0], f[0], match, date_rule))
    same_key = {p[0] for p in found if p[2] == "same_key"} | {p[1] for p in found if p[2] == "same_key"}
    return {p for p in found if p[2] == "same_key" or not ({p[0], p[1]} & same_key)}


def invented_rows(rng: random.Random, n: int) -> list[tuple]:
    """Keys from a tiny alphabet (with a two-byte and a three-byte letter), most of them a few edits or a word
    away from another, dates within weeks: many pairs at edit distance 1-3, contained words, equal keys, window
    edges, rows without a date or a key, within-source duplicates, equal percentages, Crunchbase News citations."""
    letters = ["a", "b", "c", "ø", "日"]

    def word() -> str:
        return "".join(rng.choice(letters) for _ in range(rng.randint(1, 7)))

    def mutate(key: str) -> str:
        if rng.random() < 0.3:
            return f"{key} {word()}" if rng.random() < 0.5 else f"{word()} {key}"
        chars = list(key)
        for _ in range(rng.randint(1, 3)):
            at = rng.randrange(len(chars) + 1)
            edit = rng.choice(["insert", "delete", "replace"]) if chars else "insert"
            if edit == "insert":
                chars.insert(at, rng.choice(letters))
            else:
                at = min(at, len(chars) - 1)
                chars[at:at + 1] = [] if edit == "delete" else [rng.choice(letters)]
        return "".join(chars)

    pool = [" ".join(word() for _ in range(rng.randint(1, 2))) for _ in range(n // 8)]
    start, rows = date(2024, 1, 1), []
    for i in range(n):
        roll = rng.random()
        company = rng.choice(pool) if roll < 0.3 else mutate(rng.choice(pool)) if roll < 0.9 else word()
        rows.append((
            f"e{i}", rng.choice(["crunchbase_tracker", "layoffs_fyi"]),
            None if rng.random() < 0.03 else start + timedelta(days=rng.randint(0, 60)),
            None if rng.random() < 0.02 else company,
            rng.choice([None, 10, 20, 30]),
            f"e{i - 1}" if i and rng.random() < 0.05 else None,
            rng.choice([None, 0.1, 0.25]),
            rng.random() < 0.1))
    return rows


@pytest.mark.parametrize("seed", range(6))
def test_blocked_candidates_equal_every_pair_compared(seed):
    rows = invented_rows(random.Random(seed), 700)
    con = duckdb.connect()
    con.execute("create table events (source_event_id varchar, source varchar, event_date date, company_key varchar,"
                " laid_off integer, duplicate_of varchar, pct_impacted double, cites_crunchbase_news boolean)")
    con.executemany("insert into events values (?, ?, ?, ?, ?, ?, ?, ?)", rows)
    got = set(con.execute(f"select crunchbase_ref, layoffs_fyi_ref, name_match, date_rule from "
                          f"({render_candidates('events')})").fetchall())
    expected = rule_pairs(rows)
    assert {m for *_, m, _ in expected} >= {"same_key", "edit_distance", "token_containment"}  # the rows did collide
    assert {d for *_, d in expected} == {"within_window", "equal_count_extended", "equal_pct_extended",
                                         "crunchbase_citation"}
    assert len(expected) > 100
    assert got == expected, (sorted(got - expected)[:5], sorted(expected - got)[:5])
