"""Independent recomputation of the numbers the report's text states, compared with report.md as published."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from tests.truth.oracle import ai_cited_truth
from tests.truth.oracle_stats import grid, n_eff, pair, pearson, primary, r_inference


def _num(text: str) -> float:
    return float(text.replace("−", "-").replace(",", ""))


def check_primary(md: str, monthly: pd.DataFrame) -> None:
    """'r = 0.20 (95% CI -0.13 to 0.49, n = 54 month pairs, effective n = 37.1, ... p = 0.230)' as recomputed."""
    m = re.search(r"r = (\S+) \(95% CI (\S+) to (\S+), n = (\d+) month pairs, effective n = (\S+), "
                  r"autocorrelation-aware p = ([0-9.<]+)\)", md)
    assert m, "report.md: the primary result sentence is missing"
    want = primary(monthly)
    stated = dict(zip(("r", "ci_low", "ci_high", "n", "n_eff", "p"), m.groups()))
    assert stated["r"] == f"{want['r']:.2f}", (stated, want)
    assert (_num(stated["ci_low"]), _num(stated["ci_high"])) == (round(want["ci_low"], 2), round(want["ci_high"], 2))
    assert int(stated["n"]) == want["n"] and stated["n_eff"] == f"{want['n_eff']:.1f}", (stated, want)
    assert stated["p"] == f"{want['p']:.3f}", (stated, want)


def bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg adjusted p (step-up, monotone), written out."""
    order = np.argsort(p)
    ranked = p[order] * len(p) / np.arange(1, len(p) + 1)
    adjusted = np.minimum.accumulate(ranked[::-1])[::-1].clip(max=1)
    out = np.empty_like(adjusted)
    out[order] = adjusted
    return out


def family_p(monthly: pd.DataFrame, scans: list[tuple[str, str, str]], lags: range = range(-12, 13)) -> np.ndarray:
    """The autocorrelation-aware p of every differenced test (x, y, transform) × lag, recomputed from the mart."""
    g = grid(monthly)
    out = []
    for x, y, how in scans:
        for lag in lags:
            xs, ys = pair(g[x], g[y], lag, how)
            r, n = pearson(xs, ys)
            out.append(r_inference(r, n_eff(xs, ys))[0] if n >= 4 and np.isfinite(r) else np.nan)
    return np.array(out)


def check_bh_family(md: str, monthly: pd.DataFrame, scans: list[tuple[str, str, str]]) -> None:
    m = re.search(r"whole family of (\d+) differenced tests .*?, (\d+) have a Benjamini.Hochberg adjusted p &lt; 0\.05",
                  md, re.S) or re.search(r"whole family of (\d+) differenced tests .*?, (\d+) have a Benjamini.Hochberg "
                                         r"adjusted p < 0\.05", md, re.S)
    assert m, "report.md: the family sentence is missing"
    p = family_p(monthly, scans)
    tested = p[~np.isnan(p)]
    assert int(m.group(1)) == len(p), f"family size: report {m.group(1)}, recomputed {len(p)}"
    assert int(m.group(2)) == int((bh(tested) < 0.05).sum()), f"BH count: report {m.group(2)}"


def check_ai_cited_years(md: str, cited: pd.DataFrame) -> None:
    """'2025: broad 10.8% of 268 events (95% CI 7.6%–15.1%; 25.9% of the people; …), strict 7.1% (95% CI …;
    12.2% of the people)' for every year, as recomputed from the monthly mart."""
    t = ai_cited_truth(cited).set_index(["year", "definition"])
    for year in sorted({y for y, _ in t.index}):
        b, s = t.loc[(year, "broad")], t.loc[(year, "strict")]
        broad = (f"broad {b.share_events:.1%} of {int(b.n)} events (95% CI {b.ci_low:.1%}–{b.ci_high:.1%}; "
                 f"{b.share_people:.1%} of the people;")
        strict = f"strict {s.share_events:.1%} (95% CI {s.ci_low:.1%}–{s.ci_high:.1%}; {s.share_people:.1%} of the people)"
        pattern = rf"{year}(?: \([^)]*\))?: {re.escape(broad)}[^;]*\), {re.escape(strict)}"
        assert re.search(pattern, md), f"report.md does not state {year}: {broad} ... {strict}"


def table_rows(md: str, heading: str) -> list[list[str]]:
    """Cells of the first markdown table after `heading`."""
    rest = md[md.index(heading):]
    lines = [ln for ln in rest.split("\n")[1:] if ln.startswith("|")]
    start = rest.split("\n")[1:].index(lines[0])
    block = []
    for ln in rest.split("\n")[1 + start:]:
        if not ln.startswith("|"):
            break
        block.append([c.strip() for c in ln.strip("|").split("|")])
    return block[2:]   # header and rule


def check_blog_table(md: str, crunchbase: pd.DataFrame) -> None:
    """The blog's statistics recomputed from the staged 2022 Crunchbase tracker rows (count known only)."""
    rows = crunchbase[pd.to_datetime(crunchbase["reported_date"]).dt.year == 2022]
    known = pd.to_numeric(rows["laid_off"], errors="coerce").dropna()
    want = {"events_with_known_count": len(known), "max": known.max(), "min": known.min(), "mean": known.mean(),
            "median": known.median(), "std": known.std(ddof=1)}
    stated = {r[0]: _num(r[1]) for r in table_rows(md, "Statistics of per-event laid-off counts")}
    for stat, value in want.items():
        assert stated[stat] == round(float(value), 1), f"blog table {stat}: report {stated[stat]}, recomputed {value}"


def check_dedup_totals(md: str, events: pd.DataFrame, source_rows: int) -> None:
    """Rows in (both trackers' staged rows) and events out (rows, people) of the deduplication table."""
    rows = {r[0]: r for r in table_rows(md, "### Deduplication statistics")}
    assert _num(rows["source rows in"][2]) == source_rows, (rows["source rows in"], source_rows)
    out = rows["events out"]
    people = pd.to_numeric(events["laid_off"], errors="coerce").sum()
    assert (_num(out[2]), _num(out[3])) == (len(events), people), (out, len(events), people)
